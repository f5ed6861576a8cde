import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { CONFIG_KEYS } from "../../config/keys";
import { checkKnownKeys } from "../../config/known-keys";
import { loadSettings } from "../../config/stack-config";
import { stagingStackProblem } from "../../config/staging-stack";
import { Reader } from "../../config/reader";
import { readSource } from "../../config/source-settings";
import { ConfigError, Problems } from "../../config/validate";
import { mapConfig } from "./support/map-config";
import { runProgram } from "./support/program";
import { changelogFor, createSourceFixture, FIXTURE_ORIGIN, SourceFixture } from "./support/source-fixture";
import { prodConfig, prodSecrets, stagingConfig, stagingSecrets } from "./support/stacks";
import { repoRoot } from "../support/tools";
import { asCanary, asProduction } from "./support/settings";

describe("stack config", () => {
    let src: SourceFixture;
    before(() => (src = createSourceFixture({ tags: ["v0.2.0", "v0.3.0"] })));
    after(() => src.remove());

    const load = (values: Record<string, unknown>, secrets = stagingSecrets, stack = "staging") =>
        loadSettings(mapConfig(values, secrets), { projectDir: repoRoot, stack });

    /** Loads the config and returns the single problem it reports. */
    const problemOf = (values: Record<string, unknown>, secrets = stagingSecrets, stack = "staging"): string => {
        try {
            load(values, secrets, stack);
        } catch (e) {
            assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
            assert.strictEqual(e.problems.length, 1, `expected one problem, got:\n${e.problems.join("\n")}`);
            return e.problems[0];
        }
        assert.fail("the config was accepted");
    };

    it("accepts the staging config and normalises a v-prefixed version once", () => {
        const s = load({ ...stagingConfig(src), version: "v0.4.0" });
        assert.strictEqual(s.version, "0.4.0");
        assert.strictEqual(s.tag, "v0.4.0");
        assert.strictEqual(s.role, "canary");
        assert.strictEqual(s.release.namespace, "mirador-staging");
        assert.strictEqual(s.release.name, "mirador-rca-canary");
        assert.strictEqual(s.source.commit, src.commit);
        assert.strictEqual(s.source.releaseDate, "2025-09-22");
        assert.deepStrictEqual(
            asCanary(s).preflightCommands.map((c) => c.run),
            ["make verify", "make govulncheck"],
        );
    });

    it("gives production its own namespace and release name by default", () => {
        const s = load(prodConfig(src), prodSecrets, "prod");
        assert.deepStrictEqual([s.release.namespace, s.release.name], ["mirador-prod", "mirador-rca"]);
        assert.strictEqual(asProduction(s).gitRemote, "origin");
    });

    const cases: [string, (base: Record<string, unknown>) => Record<string, unknown>, string][] = [
        [
            "a version that is not semver",
            (c) => ({ ...c, version: "0.4" }),
            "Pulumi.staging.yaml: mirador-release:version '0.4' is not semver (expected e.g. 0.4.0 or v0.4.0)",
        ],
        [
            "a missing version",
            (c) => ({ ...c, version: undefined }),
            "Pulumi.staging.yaml: mirador-release:version is not set (set it with: pulumi config set version 0.4.0)",
        ],
        [
            "an unknown role",
            (c) => ({ ...c, role: "prod" }),
            "Pulumi.staging.yaml: mirador-release:role 'prod' is not a role (expected canary for staging or production for prod)",
        ],
        [
            "an image repository with a tag",
            (c) => ({ ...c, image: { repository: "ghcr.io/miradorstack/mirador-rca:latest" } }),
            "Pulumi.staging.yaml: mirador-release:image.repository 'ghcr.io/miradorstack/mirador-rca:latest' must not carry a tag: the version tag comes from mirador-release:version (expected e.g. ghcr.io/miradorstack/mirador-rca)",
        ],
        [
            "an image repository with a digest",
            (c) => ({ ...c, image: { repository: `ghcr.io/m/r@sha256:${"a".repeat(64)}` } }),
            `Pulumi.staging.yaml: mirador-release:image.repository 'ghcr.io/m/r@sha256:${"a".repeat(64)}' must not carry a digest: the program pins the digest it builds (expected e.g. ghcr.io/miradorstack/mirador-rca)`,
        ],
        [
            "a namespace that is no DNS label",
            (c) => ({ ...c, namespace: "Mirador_Staging" }),
            "Pulumi.staging.yaml: mirador-release:namespace 'Mirador_Staging' is not a valid namespace (expected lowercase letters, digits and '-', at most 63 characters, e.g. mirador-staging)",
        ],
        [
            "a release name over Helm's 53 characters",
            (c) => ({ ...c, releaseName: "r".repeat(54) }),
            `Pulumi.staging.yaml: mirador-release:releaseName '${"r".repeat(54)}' is not a valid Helm release name (expected lowercase letters, digits and '-', at most 53 characters, e.g. mirador-rca-canary)`,
        ],
        [
            "a zero canary replica count",
            (c) => ({ ...c, canary: { replicaCount: 0 } }),
            "Pulumi.staging.yaml: mirador-release:canary.replicaCount is 0, expected a whole number from 1 to 100 (default 1)",
        ],
        [
            "a traffic weight over 100",
            (c) => ({ ...c, canary: { trafficWeight: 120 } }),
            "Pulumi.staging.yaml: mirador-release:canary.trafficWeight is 120, expected a whole number from 1 to 100 (default 10)",
        ],
        [
            "a Prometheus URL that is no URL",
            (c) => ({ ...c, prometheusUrl: "prometheus:9090" }),
            "Pulumi.staging.yaml: mirador-release:prometheusUrl 'prometheus:9090' must be an http or https URL (expected e.g. http://prometheus.monitoring:9090)",
        ],
        [
            "a smoke endpoint without port",
            (c) => ({ ...c, smoke: { endpoint: "mirador-rca-canary" } }),
            "Pulumi.staging.yaml: mirador-release:smoke.endpoint 'mirador-rca-canary' is not host:port (e.g. 127.0.0.1:50051)",
        ],
        [
            "a missing cosign key file",
            (c) => ({ ...c, cosign: { ...(c.cosign as object), key: "/nonexistent/cosign.key" } }),
            "Pulumi.staging.yaml: mirador-release:cosign.key '/nonexistent/cosign.key' does not exist (expected a cosign key file, e.g. ~/.cosign/mirador-rca.key)",
        ],
        [
            "a values file that does not exist",
            (c) => ({ ...c, helm: { valuesFiles: ["values/nope.yaml"] } }),
            `Pulumi.staging.yaml: mirador-release:helm.valuesFiles names '${path.join(repoRoot, "values/nope.yaml")}', which does not exist`,
        ],
        [
            "a helm timeout that is not a number",
            (c) => ({ ...c, helm: { timeoutSeconds: "five minutes" } }),
            'Pulumi.staging.yaml: mirador-release:helm.timeoutSeconds is "five minutes", expected a whole number from 30 to 3600 (default 300)',
        ],
        [
            "a source checkout that does not exist",
            (c) => ({ ...c, sourceDir: "/nonexistent/mirador-rca" }),
            "Pulumi.staging.yaml: mirador-release:sourceDir '/nonexistent/mirador-rca' does not exist (expected the service's checkout)",
        ],
    ];
    for (const [what, change, message] of cases) {
        it(`refuses ${what}`, () => {
            assert.strictEqual(problemOf(change(stagingConfig(src))), message);
        });
    }

    it("refuses a missing cosign password, naming the command that sets it", () => {
        const values = { ...stagingConfig(src), cosignPassword: undefined };
        assert.strictEqual(
            problemOf(values, []),
            "Pulumi.staging.yaml: mirador-release:cosignPassword is not set: the password of the cosign signing key (set it with: pulumi config set --secret cosignPassword <value>)",
        );
    });

    it("refuses a secret stored in plaintext", () => {
        assert.strictEqual(
            problemOf(stagingConfig(src), []),
            "Pulumi.staging.yaml: mirador-release:cosignPassword is stored in plaintext: the password of the cosign signing key must be encrypted (run: pulumi config set --secret cosignPassword <value>)",
        );
    });

    it("refuses a missing GitHub token and Slack webhook in production, all at once", () => {
        const values = { ...prodConfig(src), githubToken: undefined, slackWebhookUrl: undefined };
        assert.throws(
            () => load(values, ["cosignPassword"], "prod"),
            (e: ConfigError) => {
                assert.deepStrictEqual(e.problems, [
                    "Pulumi.prod.yaml: mirador-release:githubToken is not set: the GitHub token that creates the release and closes the milestone (set it with: pulumi config set --secret githubToken <value>)",
                    "Pulumi.prod.yaml: mirador-release:slackWebhookUrl is not set: the Slack incoming-webhook URL of #mirador-release (set it with: pulumi config set --secret slackWebhookUrl <value>)",
                ]);
                assert.match(e.message, /^2 problems in the release config:\n {2}- /);
                return true;
            },
        );
    });

    it("refuses a production stack without the staging stack to promote from", () => {
        assert.strictEqual(
            problemOf({ ...prodConfig(src), stagingStack: "staging" }, prodSecrets, "prod"),
            "Pulumi.prod.yaml: mirador-release:stagingStack 'staging' is not a fully qualified stack name (expected organization/project/stack, e.g. organization/mirador-release/staging)",
        );
    });

    describe("refuses every setting it does not understand", () => {
        const staging: [string, (c: Record<string, unknown>) => Record<string, unknown>, string][] = [
            [
                "a misspelt key of the project",
                (c) => ({ ...c, canry: { replicaCount: 2 } }),
                'Pulumi.staging.yaml: mirador-release:canry is not a setting of mirador-release (value {"replicaCount":2}): did you mean canary?',
            ],
            [
                "a misspelt field of an object setting",
                (c) => ({ ...c, canary: { ...(c.canary as object), replicaCont: 2 } }),
                "Pulumi.staging.yaml: mirador-release:canary.replicaCont is not a setting of mirador-release (value 2): did you mean canary.replicaCount?",
            ],
            [
                "a misspelt helm field",
                (c) => ({ ...c, helm: { timeoutSecond: 600 } }),
                "Pulumi.staging.yaml: mirador-release:helm.timeoutSecond is not a setting of mirador-release (value 600): did you mean helm.timeoutSeconds?",
            ],
            [
                "a key that resembles no setting",
                (c) => ({ ...c, dryRun: true }),
                "Pulumi.staging.yaml: mirador-release:dryRun is not a setting of mirador-release (value true): the settings are listed in README.md's config table",
            ],
            [
                "a production setting on a canary stack",
                (c) => ({ ...c, stagingStack: "organization/mirador-release/staging" }),
                "Pulumi.staging.yaml: mirador-release:stagingStack is a setting of production stacks (prod), but this stack's role is canary: it would be ignored (remove it: pulumi config rm stagingStack)",
            ],
            [
                "the GitHub release on a canary stack",
                (c) => ({ ...c, github: { owner: "miradorstack", repo: "mirador-rca" } }),
                "Pulumi.staging.yaml: mirador-release:github is a setting of production stacks (prod), but this stack's role is canary: it would be ignored (remove it: pulumi config rm github)",
            ],
            [
                "a zero traffic weight",
                (c) => ({ ...c, canary: { trafficWeight: 0 } }),
                "Pulumi.staging.yaml: mirador-release:canary.trafficWeight is 0: a canary that gets no traffic cannot be judged by the promotion gate (expected a whole number from 1 to 100, default 10)",
            ],
            [
                "a smoke endpoint port out of range",
                (c) => ({ ...c, smoke: { endpoint: "127.0.0.1:70000" } }),
                "Pulumi.staging.yaml: mirador-release:smoke.endpoint '127.0.0.1:70000': port 70000 is out of range (1 to 65535)",
            ],
            [
                "a registry port out of range",
                (c) => ({ ...c, image: { repository: "127.0.0.1:0/mirador-rca" } }),
                "Pulumi.staging.yaml: mirador-release:image.repository '127.0.0.1:0/mirador-rca': the registry's port 0 is out of range (1 to 65535)",
            ],
            [
                "a Prometheus URL port out of range",
                (c) => ({ ...c, prometheusUrl: "http://127.0.0.1:90900" }),
                "Pulumi.staging.yaml: mirador-release:prometheusUrl 'http://127.0.0.1:90900': port 90900 is out of range (1 to 65535) (expected e.g. http://prometheus.monitoring:9090)",
            ],
            [
                "a Prometheus label that would override track",
                (c) => ({ ...c, canary: { prometheusLabels: { track: "stable" } } }),
                "Pulumi.staging.yaml: mirador-release:canary.prometheusLabels.track 'stable' would override the label track that the chart and the program set (the gate and the Sloth rules tell the canary's series apart by track): choose another label name",
            ],
        ];
        for (const [what, change, message] of staging) {
            it(`refuses ${what}`, () => {
                assert.strictEqual(problemOf(change(stagingConfig(src))), message);
            });
        }

        const prod: [string, (c: Record<string, unknown>) => Record<string, unknown>, string][] = [
            [
                "canary settings on a production stack",
                (c) => ({ ...c, canary: { replicaCount: 2 } }),
                "Pulumi.prod.yaml: mirador-release:canary is a setting of canary stacks (staging), but this stack's role is production: it would be ignored (remove it: pulumi config rm canary)",
            ],
            [
                "smoke tests on a production stack",
                (c) => ({ ...c, smoke: { endpoint: "127.0.0.1:50051" } }),
                "Pulumi.prod.yaml: mirador-release:smoke is a setting of canary stacks (staging), but this stack's role is production: it would be ignored (remove it: pulumi config rm smoke)",
            ],
            [
                "a production stack without the signing key that attests the gate's verdict",
                (c) => ({ ...c, cosign: { ...(c.cosign as object), key: undefined } }),
                "Pulumi.prod.yaml: mirador-release:cosign.key is not set (production attests the gate's verdict with the release's key; set it with: pulumi config set --path cosign.key ~/.cosign/mirador-rca.key)",
            ],
            [
                "an acknowledgement of object changes that is not a list of strings",
                (c) => ({ ...c, objectChanges: { acknowledged: "Service mirador-rca → mirador-rca-api" } }),
                'Pulumi.prod.yaml: mirador-release:objectChanges.acknowledged must be a list of non-empty strings, found "Service mirador-rca → mirador-rca-api"',
            ],
            [
                "a gate verdict age that is not a whole number of minutes",
                (c) => ({ ...c, attestations: { gateVerdictMaxAgeMinutes: "1h" } }),
                'Pulumi.prod.yaml: mirador-release:attestations.gateVerdictMaxAgeMinutes is "1h", expected a whole number from 1 to 10080 (default 60)',
            ],
        ];
        for (const [what, change, message] of prod) {
            it(`refuses ${what}`, () => {
                assert.strictEqual(problemOf(change(prodConfig(src)), prodSecrets, "prod"), message);
            });
        }

        it("refuses the gate verdict age on a staging stack", () => {
            const values = { ...stagingConfig(src), attestations: { gateVerdictMaxAgeMinutes: 30 } };
            assert.strictEqual(
                problemOf(values, stagingSecrets, "staging"),
                "Pulumi.staging.yaml: mirador-release:attestations is a setting of production stacks (prod), but this stack's role is canary: it would be ignored (remove it: pulumi config rm attestations)",
            );
        });

        it("reads the acknowledged object changes as the stop writes them, none by default", () => {
            assert.deepStrictEqual(
                asProduction(load(prodConfig(src), prodSecrets, "prod")).objectChanges.acknowledged,
                [],
            );
            const values = {
                ...prodConfig(src),
                objectChanges: { acknowledged: ["Service mirador-rca -> mirador-rca-api", "Deployment x deleted"] },
            };
            assert.deepStrictEqual(asProduction(load(values, prodSecrets, "prod")).objectChanges.acknowledged, [
                "Service mirador-rca → mirador-rca-api",
                "Deployment x deleted",
            ]);
        });

        it("reads the gate verdict's maximum age in minutes, one hour by default", () => {
            assert.strictEqual(
                asProduction(load(prodConfig(src), prodSecrets, "prod")).attestations.gateVerdictMaxAgeSeconds,
                3600,
            );
            const values = { ...prodConfig(src), attestations: { gateVerdictMaxAgeMinutes: 15 } };
            assert.strictEqual(
                asProduction(load(values, prodSecrets, "prod")).attestations.gateVerdictMaxAgeSeconds,
                900,
            );
        });

        it("knows exactly the keys Pulumi.yaml declares", () => {
            const project = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as {
                config: Record<string, unknown>;
            };
            assert.deepStrictEqual(Object.keys(CONFIG_KEYS).sort(), Object.keys(project.config).sort());
        });

        for (const stack of ["staging", "prod", "local-staging", "local-prod"]) {
            it(`finds only settings of its role in the committed Pulumi.${stack}.yaml`, () => {
                const file = path.join(repoRoot, `Pulumi.${stack}.yaml`);
                const doc = parse(fs.readFileSync(file, "utf8")) as { config: Record<string, unknown> };
                const values = Object.fromEntries(
                    Object.entries(doc.config).map(([k, v]) => [k.replace(/^mirador-release:/, ""), v]),
                );
                const problems = new Problems(`Pulumi.${stack}.yaml`);
                checkKnownKeys(mapConfig(values), values.role === "production" ? "production" : "canary", problems);
                assert.deepStrictEqual(problems.list, []);
            });
        }

        it("never shows the value of a misspelt secret", () => {
            const values = { ...prodConfig(src), githubTokn: "ghp_do_not_print" };
            const message = problemOf(values, [...prodSecrets, "githubTokn"], "prod");
            assert.strictEqual(
                message,
                "Pulumi.prod.yaml: mirador-release:githubTokn is not a setting of mirador-release (value [secret]): did you mean githubToken?",
            );
        });

        it("takes the empty defaults Pulumi.yaml declares for the other role's keys as unset", () => {
            const s = load({ ...prodConfig(src), canary: {}, smoke: {}, chartRegistry: "" }, prodSecrets, "prod");
            assert.strictEqual(s.role, "production");
        });
    });

    describe("the staging stack to promote from", () => {
        const name = "organization/mirador-release/stagin";
        it("refuses one that does not exist, naming the setting", async () => {
            const read = () => Promise.reject(new Error(`unknown stack "${name}"`));
            assert.strictEqual(
                await stagingStackProblem(name, read),
                `mirador-release:stagingStack '${name}' cannot be read (unknown stack "${name}"): it must name the staging stack that ran pulumi up -s staging, as organization/project/stack (pulumi stack ls lists them)`,
            );
        });

        it("refuses one whose role is not canary", async () => {
            const read = () => Promise.resolve({ outputs: { role: "production" } });
            assert.strictEqual(
                await stagingStackProblem("organization/mirador-release/prod", read),
                `mirador-release:stagingStack 'organization/mirador-release/prod' is a "production" stack, not a canary one: name the staging stack whose canary is promoted`,
            );
        });

        it("refuses one without outputs, and accepts a canary stack", async () => {
            assert.strictEqual(
                await stagingStackProblem(name, () => Promise.resolve({ outputs: {} })),
                `mirador-release:stagingStack '${name}' has no role output: it never ran pulumi up, or is not a mirador-release stack (run pulumi up -s staging first, or name the staging stack)`,
            );
            assert.strictEqual(
                await stagingStackProblem(name, () => Promise.resolve({ outputs: { role: "canary" } })),
                undefined,
            );
        });
    });

    describe("releases the service's own checkout on real stacks", () => {
        it("refuses a staging stack without sourceDir", () => {
            assert.strictEqual(
                problemOf({ ...stagingConfig(src), sourceDir: undefined }),
                "Pulumi.staging.yaml: mirador-release:sourceDir is not set: staging releases the service's own checkout, e.g. ../mirador-rca (only local-* stacks may use examples/) (set it with: pulumi config set sourceDir ../mirador-rca)",
            );
        });

        it("refuses the vendored example on a production stack", () => {
            assert.strictEqual(
                problemOf({ ...prodConfig(src), sourceDir: "examples/mirador-rca" }, prodSecrets, "prod"),
                "Pulumi.prod.yaml: mirador-release:sourceDir 'examples/mirador-rca' is the vendored example service: prod releases the service's own checkout, e.g. ../mirador-rca (only local-* stacks may use examples/)",
            );
        });

        it("refuses this repository itself as a real stack's checkout", () => {
            assert.strictEqual(
                problemOf({ ...stagingConfig(src), sourceDir: "." }),
                "Pulumi.staging.yaml: mirador-release:sourceDir '.' is inside mirador-release itself: staging releases the service's own checkout, e.g. ../mirador-rca (only local-* stacks may use examples/)",
            );
        });

        it("lets a local stack default to the vendored example", () => {
            const values = { ...stagingConfig(src), sourceDir: undefined };
            const r = new Reader(mapConfig(values, stagingSecrets), new Problems("Pulumi.local-staging.yaml"));
            const resolve = (p: string) => path.resolve(repoRoot, p);
            const ctx = { projectDir: repoRoot, stack: "local-staging", role: "canary" as const, version: "" };
            const { source } = readSource(r, { ...ctx, resolve });
            assert.strictEqual(source.dir, path.join(repoRoot, "examples", "mirador-rca"));
        });

        it("refuses a gitRemote the checkout does not have", () => {
            assert.strictEqual(
                problemOf({ ...prodConfig(src), gitRemote: "upstream" }, prodSecrets, "prod"),
                `Pulumi.prod.yaml: mirador-release:gitRemote 'upstream' is not a remote of ${src.dir} (expected the remote that receives the release tag; the version is compared with its tags)`,
            );
        });

        it("refuses GitHub settings of another repository than the remote's", () => {
            const github = { owner: "miradorstack", repo: "mirador-core" };
            assert.strictEqual(
                problemOf({ ...prodConfig(src), github }, prodSecrets, "prod"),
                `Pulumi.prod.yaml: mirador-release:github owner/repo miradorstack/mirador-core is not the repository of gitRemote 'origin' (${FIXTURE_ORIGIN}), which receives the tag: set github.owner and github.repo to that repository, or gitRemote to the remote of miradorstack/mirador-core`,
            );
        });
    });

    describe("against the source checkout", () => {
        let other: SourceFixture;
        afterEach(() => other?.remove());

        it("refuses a version that Chart.yaml does not carry", () => {
            other = createSourceFixture({ version: "0.4.1", changelog: changelogFor("0.4.0") });
            const chart = path.join(other.dir, "charts", "mirador-rca", "Chart.yaml");
            assert.throws(
                () => load({ ...stagingConfig(other), sourceDir: other.dir }),
                (e: ConfigError) => {
                    assert.deepStrictEqual(e.problems, [
                        `${chart}: version is '0.4.1' but mirador-release:version is '0.4.0' (set both version and appVersion to 0.4.0)`,
                        `${chart}: appVersion is '0.4.1' but mirador-release:version is '0.4.0' (set both version and appVersion to 0.4.0)`,
                    ]);
                    return true;
                },
            );
        });

        it("refuses a CHANGELOG without the version's section", () => {
            other = createSourceFixture({ changelog: "# Changelog\n\n## [Unreleased]\n\n## 0.4.0\n- stuff\n" });
            assert.strictEqual(
                problemOf(stagingConfig(other)),
                `${path.join(other.dir, "CHANGELOG.md")}: no section '## [v0.4.0] - YYYY-MM-DD' (found '## 0.4.0'): move the Unreleased items into it`,
            );
        });

        it("refuses a CHANGELOG without an Unreleased section", () => {
            other = createSourceFixture({ changelog: changelogFor("0.4.0").replace("## [Unreleased]\n", "") });
            assert.strictEqual(
                problemOf(stagingConfig(other)),
                `${path.join(other.dir, "CHANGELOG.md")}: no '## [Unreleased]' section (keep one open for ongoing work)`,
            );
        });

        it("refuses a version that is not above the highest release tag", () => {
            other = createSourceFixture({ tags: ["v0.3.0", "v0.10.0"] });
            assert.strictEqual(
                problemOf(stagingConfig(other)),
                "Pulumi.staging.yaml: mirador-release:version '0.4.0' is not above the highest release tag v0.10.0 (bump it, e.g. to 0.10.1)",
            );
        });

        it("refuses a version below a release tag that only the remote has", () => {
            other = createSourceFixture({ tags: ["v0.3.0"] });
            other.git("tag", "-a", "v0.5.0", "-m", "released from another clone");
            other.git("push", "-q", "origin", "v0.5.0");
            other.git("tag", "-d", "v0.5.0");
            assert.strictEqual(
                problemOf(prodConfig(other), prodSecrets, "prod"),
                "Pulumi.prod.yaml: mirador-release:version '0.4.0' is not above the highest release tag v0.5.0 on remote origin (bump it, e.g. to 0.5.1)",
            );
        });

        it("accepts its own tag on the released commit (a re-run after promotion)", () => {
            other = createSourceFixture({ tags: ["v0.3.0", "v0.4.0"] });
            assert.strictEqual(load(stagingConfig(other)).version, "0.4.0");
        });

        it("refuses its own tag on another commit", () => {
            other = createSourceFixture({ tags: ["v0.3.0", "v0.4.0"] });
            const tagged = other.commit;
            fs.writeFileSync(path.join(other.dir, "README.md"), "next commit\n");
            other.git("add", "README.md");
            other.git("commit", "-q", "-m", "after the tag");
            const head = other.git("rev-parse", "HEAD");
            assert.strictEqual(
                problemOf(stagingConfig(other)),
                `Pulumi.staging.yaml: mirador-release:version '0.4.0' is already tagged v0.4.0 on commit ${tagged.slice(0, 12)}, not on the checkout's HEAD ${head.slice(0, 12)} (a release tag never moves: bump the version)`,
            );
        });

        it("refuses a checkout with uncommitted changes unless source.allowDirty is set", () => {
            other = createSourceFixture();
            fs.writeFileSync(path.join(other.dir, "main.go"), "package main\n");
            assert.strictEqual(
                problemOf(stagingConfig(other)),
                `${other.dir} has uncommitted changes (main.go): commit them, so that the tag names what was built`,
            );
            assert.strictEqual(load({ ...stagingConfig(other), source: { allowDirty: true } }).version, "0.4.0");
        });
    });

    it("declares no resource at all when the config is bad", async () => {
        await assert.rejects(
            runProgram({
                stack: "staging",
                config: { ...stagingConfig(src), version: "4" },
                secretKeys: stagingSecrets,
            }),
            (e: Error & { registered: unknown[] }) => {
                assert.match(e.message, /mirador-release:version '4' is not semver/);
                assert.deepStrictEqual(e.registered, []);
                return true;
            },
        );
    });
});
