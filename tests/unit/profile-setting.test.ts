// The stack's `profile` setting at config stage: the profile read and checked against the checkout before anything
// is declared, the tools its commands need, the Dockerfile, preflight.commands narrowing the profile's commands,
// the settings that moved, and helm.postRenderer. Each error names the setting or file, the value and the fix.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CONFIG_KEYS, MOVED_KEYS } from "../../config/keys";
import { loadSettings } from "../../config/stack-config";
import { ConfigError } from "../../config/validate";
import { repoRoot } from "../support/tools";
import { mapConfig } from "./support/map-config";
import { runProgram } from "./support/program";
import { asCanary, asProduction } from "./support/settings";
import { createSourceFixture, FixtureOptions, SourceFixture } from "./support/source-fixture";
import { prodConfig, prodSecrets, stagingConfig, stagingSecrets } from "./support/stacks";
import { standInTools } from "./support/tools-on-path";

const profileFile = path.join(repoRoot, "profiles", "mirador-rca.yaml");
const profileText = fs.readFileSync(profileFile, "utf8");

describe("the service profile at config stage", () => {
    let src: SourceFixture;
    let other: SourceFixture | undefined;
    let tmp: string;
    before(() => (src = createSourceFixture({ tags: ["v0.3.0"] })));
    after(() => src.remove());
    beforeEach(() => (tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-profile-setting-"))));
    afterEach(() => {
        other?.remove();
        other = undefined;
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    const load = (values: Record<string, unknown>, secrets = stagingSecrets, stack = "staging") =>
        loadSettings(mapConfig(values, secrets), { projectDir: repoRoot, stack });

    /** Every problem the config has (none: the test fails). */
    const problemsOf = (values: Record<string, unknown>, secrets = stagingSecrets, stack = "staging"): string[] => {
        try {
            load(values, secrets, stack);
        } catch (e) {
            assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
            return [...e.problems];
        }
        assert.fail("the config was accepted");
    };
    const problemOf = (values: Record<string, unknown>, secrets = stagingSecrets, stack = "staging"): string => {
        const problems = problemsOf(values, secrets, stack);
        assert.strictEqual(problems.length, 1, `expected one problem, got:\n${problems.join("\n")}`);
        return problems[0];
    };
    /** A fixture checkout with some files changed, and the staging config that releases it. */
    const checkout = (files: FixtureOptions["files"]) => {
        other = createSourceFixture({ tags: ["v0.3.0"], files });
        return stagingConfig(other);
    };
    const writeProfile = (text: string) => {
        const file = path.join(tmp, "service.yaml");
        fs.writeFileSync(file, text);
        return file;
    };

    it("reads profiles/mirador-rca.yaml by default, and takes its commands and chart path", () => {
        const s = asCanary(load(stagingConfig(src)));
        assert.strictEqual(s.profile.file, profileFile);
        assert.deepStrictEqual(
            s.preflightCommands.map((c) => c.run),
            s.profile.commands.preflight.map((c) => c.run),
        );
        assert.strictEqual(s.prebuild?.run, s.profile.commands.prebuild?.run);
        assert.strictEqual(s.source.chartDir, path.join(src.dir, s.profile.chart.path));
        assert.strictEqual(asProduction(load(prodConfig(src), prodSecrets, "prod")).profile.file, profileFile);
    });

    it("refuses a profile file that does not exist, naming the setting and how to set it", () => {
        assert.strictEqual(
            problemOf({ ...stagingConfig(src), profile: "profiles/nope.yaml" }),
            "Pulumi.staging.yaml: mirador-release:profile 'profiles/nope.yaml' does not exist (expected the service profile, relative to this project, e.g. profiles/mirador-rca.yaml; set it with: pulumi config set profile <file>)",
        );
    });

    it("refuses a profile that is not valid, with the profile's own problem", () => {
        const file = writeProfile(profileText.replace("track:\n  label: track", "track:\n  lable: track"));
        assert.match(
            problemOf({ ...stagingConfig(src), profile: file }),
            new RegExp(
                `^Pulumi\\.staging\\.yaml: mirador-release:profile '${file}' is not a valid service profile: [\\s\\S]*track\\.lable is not a profile field`,
            ),
        );
    });

    it("names a smoke method the checkout's .proto files lack, before anything is declared", async () => {
        const proto = fs.readFileSync(path.join(src.dir, "api/rca/v1/rca.proto"), "utf8");
        const config = checkout({ "api/rca/v1/rca.proto": proto.replace(/ *rpc GetPatterns.*\n/, "") });
        const [problem] = problemsOf(config);
        assert.match(problem, /mirador-rca\.yaml: grpc\.smoke \(get-patterns\) method 'GetPatterns' is not an rpc of /);
        await assert.rejects(
            runProgram({ stack: "staging", config, secretKeys: stagingSecrets }),
            (
                e: Error & {
                    registered: unknown[];
                },
            ) => {
                assert.match(e.message, /method 'GetPatterns' is not an rpc/);
                assert.deepStrictEqual(e.registered, [], "nothing is declared");
                return true;
            },
        );
    });

    it("names a chart value path the chart's values.yaml lacks, on production too", () => {
        const values = fs.readFileSync(path.join(src.dir, "charts/mirador-rca/values.yaml"), "utf8");
        const config = checkout({ "charts/mirador-rca/values.yaml": values.replace("podLabels: {}\n", "") });
        const expected =
            /mirador-rca\.yaml: chart\.values\.podLabels 'podLabels' is not a value of .*values\.yaml \(the chart would ignore it\)/;
        assert.match(problemOf(config), expected);
        assert.ok(other);
        assert.match(problemOf({ ...prodConfig(other) }, prodSecrets, "prod"), expected);
    });

    it("names a Sloth spec that is not where the profile says", () => {
        assert.match(
            problemOf(checkout({ "deployment/infra/slo/mirador-rca-sloth.yaml": null })),
            /slo\.spec 'deployment\/infra\/slo\/mirador-rca-sloth\.yaml' is not in the checkout/,
        );
    });

    it("names an empty Dockerfile and a missing one, with the path and the fix", () => {
        const empty = checkout({ Dockerfile: "# to do\n" });
        assert.ok(other);
        assert.strictEqual(
            problemOf(empty),
            `${path.join(other.dir, "Dockerfile")} is empty: the image cannot be built (the service's maintainers must write it: FROM a base image, COPY the binary that the prebuild command makes, an ENTRYPOINT)`,
        );
        const missing = {
            ...stagingConfig(src),
            image: { repository: "127.0.0.1:5000/mirador-rca", dockerfile: "build/Dockerfile" },
        };
        assert.strictEqual(
            problemOf(missing),
            `${path.join(src.dir, "build/Dockerfile")} does not exist (mirador-release:image.dockerfile names the Dockerfile relative to the checkout)`,
        );
        // Production builds nothing: its checkout's Dockerfile is not its concern.
        assert.strictEqual(load(prodConfig(other), prodSecrets, "prod").role, "production");
    });

    it("names a tool a command needs that is not on PATH: the tool, the command and where it comes from", () => {
        // PATH: git (the checkout's history) and every stand-in but goimports.
        const bin = path.join(tmp, "bin");
        fs.mkdirSync(bin);
        const git = process.env.PATH?.split(path.delimiter)
            .map((d) => path.join(d, "git"))
            .find((f) => fs.existsSync(f));
        assert.ok(git, "git is on PATH");
        fs.symlinkSync(git, path.join(bin, "git"));
        for (const tool of fs.readdirSync(standInTools).filter((t) => t !== "goimports")) {
            fs.symlinkSync(path.join(standInTools, tool), path.join(bin, tool));
        }
        const saved = process.env.PATH;
        process.env.PATH = bin;
        try {
            assert.strictEqual(
                problemOf(stagingConfig(src)),
                `'make verify' needs goimports, which is not on PATH (${profileFile}; get it with: go install golang.org/x/tools/cmd/goimports@v0.39.0 (scripts/bootstrap-tools goimports))`,
            );
            // Only the commands the stack runs: without make verify, goimports is not needed.
            assert.strictEqual(
                load({ ...stagingConfig(src), preflight: { commands: ["make govulncheck"] } }).role,
                "canary",
            );
            // Production runs no preflight nor prebuild.
            assert.strictEqual(load(prodConfig(src), prodSecrets, "prod").role, "production");
        } finally {
            process.env.PATH = saved;
        }
    });

    it("narrows the profile's preflight commands with preflight.commands, and refuses one the profile lacks", () => {
        const only = asCanary(load({ ...stagingConfig(src), preflight: { commands: ["make govulncheck"] } }));
        assert.deepStrictEqual(
            only.preflightCommands.map((c) => c.run),
            ["make govulncheck"],
        );
        assert.deepStrictEqual(
            asCanary(load({ ...stagingConfig(src), preflight: { commands: [] } })).preflightCommands,
            [],
        );
        assert.strictEqual(
            problemOf({ ...stagingConfig(src), preflight: { commands: ["make verify", "make lint"] } }),
            `Pulumi.staging.yaml: mirador-release:preflight.commands names 'make lint', which is not a preflight command of the service profile ${profileFile} (it has: make verify, make govulncheck): add it there with the tools it needs, or remove it here`,
        );
    });

    it("reserves the profile's track label in canary.prometheusLabels", () => {
        const file = writeProfile(profileText.replace("label: track", "label: deployment_track"));
        assert.strictEqual(
            problemOf({
                ...stagingConfig(src),
                profile: file,
                canary: { prometheusLabels: { deployment_track: "x" } },
            }),
            "Pulumi.staging.yaml: mirador-release:canary.prometheusLabels.deployment_track 'x' would override the label deployment_track that the chart and the program set (the gate and the Sloth rules tell the canary's series apart by deployment_track): choose another label name",
        );
    });

    describe("settings that moved", () => {
        it("says image.prebuild moved to the profile's commands.prebuild, naming the profile", () => {
            const image = { repository: "127.0.0.1:5000/mirador-rca", prebuild: "make build" };
            assert.strictEqual(
                problemOf({ ...stagingConfig(src), image }),
                `Pulumi.staging.yaml: mirador-release:image.prebuild (value "make build") moved to the service profile's commands.prebuild (profiles/mirador-rca.yaml): set it there and remove it here (pulumi config rm --path image.prebuild)`,
            );
            const file = writeProfile(profileText);
            assert.match(
                problemOf({ ...stagingConfig(src), image, profile: file }),
                new RegExp(`commands\\.prebuild \\(${file.replace(/[.]/g, "\\.")}\\)`),
            );
        });

        it("says smoke.cacheHitRateFloor is no longer read", () => {
            const smoke = { endpoint: "127.0.0.1:50051", plaintext: true, cacheHitRateFloor: 0.2 };
            assert.strictEqual(
                problemOf({ ...stagingConfig(src), smoke }),
                "Pulumi.staging.yaml: mirador-release:smoke.cacheHitRateFloor (value 0.2) no longer read: the service exports no cache metrics; remove it (pulumi config rm --path smoke.cacheHitRateFloor)",
            );
        });

        it("lists no moved setting as a setting", () => {
            for (const moved of Object.keys(MOVED_KEYS)) {
                const [key, field] = moved.split(".");
                const spec = CONFIG_KEYS[key];
                assert.ok(field === undefined ? spec === undefined : spec?.fields?.[field] === undefined, moved);
            }
        });
    });

    describe("helm.postRenderer", () => {
        it("takes an executable file, relative to the project, for both roles", () => {
            const file = path.join(tmp, "post-render");
            fs.writeFileSync(file, "#!/bin/sh\ncat\n", { mode: 0o755 });
            const helm = { postRenderer: path.relative(repoRoot, file) };
            assert.strictEqual(load({ ...stagingConfig(src), helm }).release.postRenderer, file);
            assert.strictEqual(load({ ...prodConfig(src), helm }, prodSecrets, "prod").release.postRenderer, file);
        });

        it("refuses one that does not exist, and one that is not executable, naming the fix", () => {
            assert.strictEqual(
                problemOf({ ...stagingConfig(src), helm: { postRenderer: "scripts/nope" } }),
                "Pulumi.staging.yaml: mirador-release:helm.postRenderer 'scripts/nope' does not exist or is no file (expected an executable file, relative to this project, that Helm pipes the rendered manifest through)",
            );
            const file = path.join(tmp, "post-render");
            fs.writeFileSync(file, "#!/bin/sh\ncat\n", { mode: 0o644 });
            assert.strictEqual(
                problemOf({ ...stagingConfig(src), helm: { postRenderer: file } }),
                `Pulumi.staging.yaml: mirador-release:helm.postRenderer '${file}' is not executable (make it so: chmod +x ${file})`,
            );
        });

        it("hands it to both Helm releases, and rolls out again when its content changes", async () => {
            const file = path.join(tmp, "post-render");
            fs.writeFileSync(file, "#!/bin/sh\ncat\n", { mode: 0o755 });
            const config = { ...stagingConfig(src), helm: { postRenderer: file } };
            const run = await runProgram({ stack: "staging", config, secretKeys: stagingSecrets });
            const release = run.byName("canary-release").inputs;
            assert.strictEqual(release.postrender, path.relative(repoRoot, file));
            const rollout = release.values.podAnnotations["mirador.release/rollout"];
            fs.writeFileSync(file, "#!/bin/sh\ncat\necho '# post-rendered'\n", { mode: 0o755 });
            const again = await runProgram({ stack: "staging", config, secretKeys: stagingSecrets });
            assert.notStrictEqual(
                again.byName("canary-release").inputs.values.podAnnotations["mirador.release/rollout"],
                rollout,
            );
        });
    });

    it("README's config table names every setting, and the moved ones only as moved", () => {
        const readme = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");
        const rows = readme.split("\n").filter((l) => /^\| `/.test(l));
        for (const key of Object.keys(CONFIG_KEYS)) {
            assert.ok(
                rows.some((r) => r.split("|")[1].includes(`\`${key}\``) || r.includes(`\`${key}.`)),
                `README.md's config table has no row for ${key}`,
            );
        }
        for (const moved of Object.keys(MOVED_KEYS)) {
            const field = moved.split(".").pop() ?? moved;
            for (const row of rows.filter((r) => r.includes(`\`${field}\``))) {
                assert.match(row, /moved|no longer read/, `README.md names ${moved} as a setting: ${row}`);
            }
        }
    });
});
