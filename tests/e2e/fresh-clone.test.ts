// A second `pulumi up` from a fresh clone, through the real engine against the local release world: staging ships
// the canary and publishes its chart to the local OCI registry, prod promotes it with neither dist/ nor a cached
// chart on disk (it fetches the chart by digest), then a new clone of this project and a new checkout of the service
// (no bin/, no dist/, as on a CI runner), on the same state backend, change nothing in either stack: no rebuild,
// no re-sign, no Helm upgrade, no second announcement. The scenarios build on each other.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { ReleaseSandbox } from "../support/release-sandbox";
import { requireTool, toolCache, toolPath } from "../support/tools";

/** A replacement shows as three steps; a read of the staging stack is no change. */
const NO_CHANGE = ["same", "read"];

/** The resources a preview would change, as "op name". */
async function plannedChanges(stack: Stack, log: (text: string) => void): Promise<string[]> {
    const changes: string[] = [];
    const onEvent = (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && !NO_CHANGE.includes(m.op) && !m.type.startsWith("pulumi:pulumi:Stack")) {
            changes.push(`${m.op} ${m.urn.split("::").pop()}`);
        }
    };
    await stack.preview({ onEvent, onOutput: log });
    return changes.sort();
}

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, string> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, String(v.value)]));
}

describe("a second up from a fresh clone of the project and of the service", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    let staging: Record<string, string> = {};
    const log = (text: string) => process.stdout.write(text);
    const env = () => ({ ...process.env, ...sandbox.infra, PATH: toolPath() });
    const tool = (name: string, args: string[], cwd?: string) =>
        execFileSync(requireTool(name), args, { encoding: "utf8", env: env(), cwd }).trim();
    const git = (cwd: string, ...args: string[]) =>
        execFileSync("git", args, {
            cwd,
            encoding: "utf8",
            env: {
                ...env(),
                GIT_AUTHOR_NAME: "dev",
                GIT_AUTHOR_EMAIL: "dev@localhost",
                GIT_COMMITTER_NAME: "dev",
                GIT_COMMITTER_EMAIL: "dev@localhost",
            },
        }).trim();
    const repo = () => `${sandbox.infra.MIRADOR_REGISTRY}/mirador-rca`;
    const helmRevisions = (ns: string, name: string) =>
        (JSON.parse(tool("helm", ["history", name, "-n", ns, "-o", "json"])) as unknown[]).length;
    /** What a re-run would change outside the state: the releases, the image, its signature, the announcements. */
    const world = () => ({
        canaryRevisions: helmRevisions("mirador-staging", "mirador-rca-canary"),
        prodRevisions: helmRevisions("mirador-prod", "mirador-rca"),
        image: tool("crane", ["digest", `${repo()}:v0.4.0`]),
        // cosign stores the signatures of a digest under this tag; a new signature is a new manifest digest.
        signatures: tool("crane", ["digest", `${repo()}:${staging.imageDigest.replace(":", "-")}.sig`]),
        slackMessages: sandbox.slackMessages().length,
    });

    before(async () => {
        await sandbox.start();
        // As the real stacks name them: the service's checkout by a path relative to the project (../mirador-rca
        // in Pulumi.staging.yaml), the gate's config inside the project (policy/prod.json).
        const sourceDir = path.relative(sandbox.projectDir, sandbox.infra.MIRADOR_SOURCE_DIR);
        fs.copyFileSync(sandbox.gateConfig, path.join(sandbox.projectDir, "policy-e2e.json"));
        await sandbox.configure(sandbox.staging, { sourceDir });
        await sandbox.configure(sandbox.prod, { sourceDir, gate: "policy-e2e.json" });
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. staging ships the canary and publishes its chart to the local registry, where chartRef says", async () => {
        staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        const ref = `${sandbox.infra.MIRADOR_REGISTRY}/charts/mirador-rca`;
        assert.strictEqual(staging.chartRef, `oci://${ref}`);
        // The artifact's chart layer is the archive itself: its blob digest is the chart digest.
        const blob = execFileSync(requireTool("crane"), ["blob", `${ref}@${staging.chartDigest}`], { env: env() });
        assert.strictEqual(`sha256:${crypto.createHash("sha256").update(blob).digest("hex")}`, staging.chartDigest);
    });

    it("2. prod promotes the canary's chart fetched by digest: no dist/ and no cached chart on disk", async () => {
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        for (const dir of ["dist", ".chart-cache"]) {
            fs.rmSync(path.join(sandbox.projectDir, dir), { recursive: true, force: true });
        }
        const prod = outputsOf(await sandbox.prod.up({ onOutput: log }));
        assert.strictEqual(prod.chartDigest, staging.chartDigest);
        assert.strictEqual(prod.chartRef, staging.chartRef);
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.ok(!fs.existsSync(path.join(sandbox.projectDir, "dist")), "prod packaged nothing");
        const fetched = path.join(sandbox.projectDir, ".chart-cache", `${staging.chartDigest.replace(":", "-")}.tgz`);
        assert.ok(fs.existsSync(fetched), "prod fetched the chart into the cache, by digest");
        assert.strictEqual(helmRevisions("mirador-prod", "mirador-rca"), 1);
        assert.strictEqual(sandbox.slackMessages().length, 1);
    });

    it("3. from a new clone of the project and a new checkout of the service, both stacks change nothing", async () => {
        const before = world();
        // The project as a team commits it (stack files included; build output and caches ignored) ...
        const project = sandbox.projectDir;
        fs.writeFileSync(path.join(project, ".gitignore"), "node_modules\ndist/\n.chart-cache/\n");
        git(project, "init", "-q", "-b", "main");
        git(project, "add", "-A");
        git(project, "commit", "-q", "-m", "mirador-release with the local stacks");
        // ... cloned anew into another directory, beside a new checkout of the service from its remote, at the same
        // relative place as before (the stacks name it ../run/git/mirador-rca).
        const freshRoot = path.join(sandbox.root, "fresh");
        const freshProject = path.join(freshRoot, "project");
        const freshSource = path.join(freshRoot, path.relative(sandbox.root, sandbox.infra.MIRADOR_SOURCE_DIR));
        fs.mkdirSync(path.dirname(freshSource), { recursive: true });
        git(freshRoot, "clone", "-q", project, freshProject);
        git(freshRoot, "clone", "-q", "--branch", "main", sandbox.infra.MIRADOR_GIT_REMOTE, freshSource);
        fs.symlinkSync(path.join(project, "node_modules"), path.join(freshProject, "node_modules"));
        assert.strictEqual(git(freshSource, "rev-parse", "HEAD"), staging.commit);
        for (const absent of [path.join(freshSource, "bin"), path.join(freshProject, "dist")]) {
            assert.ok(!fs.existsSync(absent), `${absent} does not exist in a fresh clone`);
        }

        const pulumiCommand = await PulumiCommand.get({ root: toolCache });
        const envVars = { ...sandbox.infra, PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase, PATH: toolPath() };
        const workspace = { workDir: freshProject, pulumiCommand, envVars };
        for (const name of ["local-staging", "local-prod"]) {
            const stack = await LocalWorkspace.selectStack({ stackName: name, workDir: freshProject }, workspace);
            const planned = await plannedChanges(stack, log);
            assert.deepStrictEqual(planned, [], `${name}: the preview from the fresh clone plans no change`);
            const result = await stack.up({ onOutput: log });
            const changes = result.summary.resourceChanges ?? {};
            assert.deepStrictEqual(Object.keys(changes), ["same"], `${name}: ${JSON.stringify(changes)}`);
        }

        assert.deepStrictEqual(world(), before, "no Helm upgrade, no new image, no new signature, no new message");
        assert.ok(!fs.existsSync(path.join(freshSource, "bin")), "nothing was built in the fresh checkout");
        assert.ok(!fs.existsSync(path.join(freshProject, "dist")), "nothing was packaged in the fresh clone");
        // Both releases load the canary's chart fetched by digest into the clone's cache.
        const cached = fs.readFileSync(
            path.join(freshProject, ".chart-cache", `${staging.chartDigest.replace(":", "-")}.tgz`),
        );
        assert.strictEqual(`sha256:${crypto.createHash("sha256").update(cached).digest("hex")}`, staging.chartDigest);
    });
});
