// The config checks under the real engine (the pinned CLI and its Node.js language host, a file backend): the
// keys the engine hands the program (Pulumi.yaml's empty defaults included), an undeclared key, and a
// stagingStack that does not exist or is not a canary stack, each failing with the message that names the setting
// before anything is declared. The program is the real config loader and staging-stack check, without the
// release's resources (so no resource plugin is needed).
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import { CliRun, runBounded } from "../support/run-cli";
import { repoRoot, requireTool, toolPath } from "../support/tools";
import { createSourceFixture, SourceFixture } from "../unit/support/source-fixture";

const PROGRAM = `require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(repoRoot, "tsconfig.json"))} });
const pulumi = require("@pulumi/pulumi");
const { loadSettings } = require(${JSON.stringify(path.join(repoRoot, "config", "stack-config"))});
const { pulumiConfigSource } = require(${JSON.stringify(path.join(repoRoot, "config", "reader"))});
const { checkStagingStack } = require(${JSON.stringify(path.join(repoRoot, "config", "staging-stack"))});
const s = loadSettings(pulumiConfigSource(), { projectDir: ${JSON.stringify(repoRoot)}, stack: pulumi.getStack() });
module.exports = (s.role === "production"
    ? checkStagingStack(s.stagingStack, "Pulumi." + pulumi.getStack() + ".yaml")
    : Promise.resolve()
).then(() => ({ role: s.role }));
`;

describe("config checks under the real engine", function () {
    this.timeout(300_000);
    let dir = "";
    let program = "";
    let src: SourceFixture;
    let env: NodeJS.ProcessEnv;

    const pulumi = (args: string[]): Promise<CliRun> =>
        runBounded(requireTool("pulumi"), [...args, "--non-interactive"], { cwd: program, env, limitMs: 120_000 });
    const must = async (args: string[]): Promise<CliRun> => {
        const run = await pulumi(args);
        assert.equal(run.code, 0, `pulumi ${args.join(" ")}:\n${run.stdout}${run.stderr}`);
        return run;
    };
    /** A production stack's config, and the signing key's password it needs (set as a secret, as a user would). */
    const writeProduction = async (stack: string, config: Record<string, unknown>): Promise<void> => {
        writeStack(stack, config);
        await must(["config", "set", "--secret", "cosignPassword", "fixture password", "-s", stack]);
    };
    const writeStack = (stack: string, config: Record<string, unknown>): void => {
        const entries = Object.entries(config).map(([k, v]) => [`mirador-release:${k}`, v]);
        const file = path.join(program, `Pulumi.${stack}.yaml`);
        const existing = fs.existsSync(file) ? (parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>) : {};
        fs.writeFileSync(file, stringify({ ...existing, config: Object.fromEntries(entries) }));
    };

    const canary = () => ({
        role: "canary",
        version: "0.4.0",
        sourceDir: src.dir,
        image: { repository: "127.0.0.1:5000/mirador-rca" },
        cosign: { key: path.join(src.dir, "cosign.key"), publicKey: path.join(src.dir, "cosign.pub") },
        smoke: { endpoint: "127.0.0.1:50051" },
        prometheusUrl: "http://127.0.0.1:9090",
    });
    const production = (stagingStack: string) => ({
        role: "production",
        version: "0.4.0",
        sourceDir: src.dir,
        stagingStack,
        gate: "policy/local.json",
        image: { repository: "127.0.0.1:5000/mirador-rca" },
        // prod attests the gate's verdict with the release's key
        cosign: { key: path.join(src.dir, "cosign.key"), publicKey: path.join(src.dir, "cosign.pub") },
        prometheusUrl: "http://127.0.0.1:9090",
        github: { enabled: false },
        announce: { enabled: false },
    });

    before(async () => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "config-engine-"));
        program = path.join(dir, "program");
        fs.mkdirSync(program);
        fs.mkdirSync(path.join(dir, "state"));
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(program, "node_modules"));
        // The project's own config declarations and defaults, with this program as main.
        const project = parse(fs.readFileSync(path.join(repoRoot, "Pulumi.yaml"), "utf8")) as Record<string, unknown>;
        fs.writeFileSync(
            path.join(program, "Pulumi.yaml"),
            stringify({ ...project, runtime: "nodejs", main: "index.js" }),
        );
        fs.writeFileSync(path.join(program, "package.json"), '{"name": "config-engine-check", "main": "index.js"}\n');
        fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
        env = {
            ...process.env,
            PATH: toolPath(),
            PULUMI_HOME: path.join(dir, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "config-engine-check",
            PULUMI_SKIP_UPDATE_CHECK: "true",
        };
        for (const stack of ["local-staging", "local-prod"]) {
            await must(["stack", "init", stack]);
        }
        writeStack("local-staging", canary());
        await must(["config", "set", "--secret", "cosignPassword", "fixture password", "-s", "local-staging"]);
        // A canary stack that ran: its role output is what the production stack's check reads.
        await must(["up", "--yes", "-s", "local-staging"]);
    });
    after(() => {
        src?.remove();
        if (dir !== "") {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("accepts a production stack promoting from a canary stack, Pulumi.yaml's empty defaults and all", async () => {
        await writeProduction("local-prod", production("organization/mirador-release/local-staging"));
        const run = await must(["preview", "-s", "local-prod"]);
        assert.doesNotMatch(run.stdout + run.stderr, /is a setting of|is not a setting/);
    });

    it("refuses a key the program does not read, with the closest one", async () => {
        await writeProduction("local-prod", { ...production("organization/mirador-release/local-staging"), canry: 1 });
        const run = await pulumi(["preview", "-s", "local-prod"]);
        assert.notEqual(run.code, 0);
        assert.match(
            run.stdout + run.stderr,
            /Pulumi\.local-prod\.yaml: mirador-release:canry is not a setting of mirador-release \(value 1\): did you mean canary\?/,
        );
    });

    it("refuses a stagingStack that does not exist, naming the setting", async () => {
        await writeProduction("local-prod", production("organization/mirador-release/local-stagin"));
        const run = await pulumi(["preview", "-s", "local-prod"]);
        assert.notEqual(run.code, 0);
        assert.match(
            run.stdout + run.stderr,
            /Pulumi\.local-prod\.yaml: mirador-release:stagingStack 'organization\/mirador-release\/local-stagin' cannot be read \(unknown stack "organization\/mirador-release\/local-stagin"\): it must name the staging stack that ran pulumi up -s staging/,
        );
    });

    it("refuses a stagingStack whose role is not canary", async () => {
        await writeProduction("local-prod", production("organization/mirador-release/local-staging"));
        await must(["up", "--yes", "-s", "local-prod"]);
        await must(["stack", "init", "local-prod2"]);
        await writeProduction("local-prod2", production("organization/mirador-release/local-prod"));
        const run = await pulumi(["preview", "-s", "local-prod2"]);
        assert.notEqual(run.code, 0);
        assert.match(
            run.stdout + run.stderr,
            /Pulumi\.local-prod2\.yaml: mirador-release:stagingStack 'organization\/mirador-release\/local-prod' is a "production" stack, not a canary one: name the staging stack whose canary is promoted/,
        );
    });

    it("says where a setting of a stack made by the previous version went, not that it is unknown", async () => {
        const image = { repository: "127.0.0.1:5000/mirador-rca", prebuild: "make build" };
        writeStack("local-staging", {
            ...canary(),
            image,
            smoke: { endpoint: "127.0.0.1:50051", cacheHitRateFloor: 0.2 },
        });
        const run = await pulumi(["preview", "-s", "local-staging"]);
        assert.notEqual(run.code, 0);
        const out = run.stdout + run.stderr;
        assert.match(
            out,
            /Pulumi\.local-staging\.yaml: mirador-release:image\.prebuild \(value "make build"\) moved to the service profile's commands\.prebuild \(profiles\/mirador-rca\.yaml\)/,
        );
        assert.match(out, /mirador-release:smoke\.cacheHitRateFloor \(value 0\.2\) no longer read/);
        assert.doesNotMatch(out, /is not a setting of mirador-release/);
    });
});
