// A throw-away Pulumi project that declares the production Helm release, run by the real engine (the pinned CLI,
// its Node.js language host and the official kubernetes plugin of tools/go/pulumi-kubernetes) with the policy pack
// of this repository.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runBounded } from "./run-cli";
import { repoRoot, requireTool, toolCache, toolPath } from "./tools";

export interface PreviewRun {
    code: number | null;
    output: string;
}

// The official provider loads the chart in its check: a local chart is a path from the program's directory, or
// an absolute one (a relative path it cannot find is taken for a repository name).
const PROGRAM = `const k8s = require("@pulumi/kubernetes");
new k8s.helm.v3.Release("prod", {
    name: "mirador-rca",
    namespace: process.env.PROD_NAMESPACE,
    chart: ${JSON.stringify(path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca"))},
    values: {
        image: { repository: "127.0.0.1:5000/mirador-rca", tag: "v0.4.0@" + process.env.PROD_DIGEST },
        podLabels: { track: "stable" },
    },
});
`;

async function run(args: string[], env: NodeJS.ProcessEnv, cwd: string, limitMs: number): Promise<PreviewRun> {
    const result = await runBounded(requireTool("pulumi"), args, { cwd, env, limitMs });
    return { code: result.code, output: result.stdout + result.stderr };
}

/** A project with a file backend and its own PULUMI_HOME; remove() deletes it all. */
export class PolicyProject {
    private constructor(
        private readonly dir: string,
        private readonly env: NodeJS.ProcessEnv,
    ) {}

    /** Sets up the project and the stack `prod`; fails with the command to run when a tool is missing. */
    static async create(): Promise<PolicyProject> {
        const plugin = path.join(toolCache, "plugins", "official", "pulumi-resource-kubernetes");
        if (!fs.existsSync(plugin)) {
            throw new Error(`${plugin} is missing: run scripts/bootstrap-tools pulumi-kubernetes`);
        }
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-engine-"));
        const program = path.join(dir, "program");
        fs.mkdirSync(program);
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(program, "node_modules"));
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: gate-engine-check\nruntime: nodejs\n");
        fs.writeFileSync(path.join(program, "package.json"), '{"name": "gate-engine-check", "main": "index.js"}\n');
        fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
        fs.mkdirSync(path.join(dir, "state"));
        const env = {
            ...process.env,
            PATH: toolPath(),
            PULUMI_HOME: path.join(dir, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "gate-engine-check",
            PULUMI_SKIP_UPDATE_CHECK: "true",
        };
        const project = new PolicyProject(dir, env);
        const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
            dependencies: Record<string, string>;
        };
        const version = pkg.dependencies["@pulumi/kubernetes"];
        await project.must(["plugin", "install", "resource", "kubernetes", version, "--file", plugin]);
        await project.must(["stack", "init", "prod", "--non-interactive"]);
        return project;
    }

    private async must(args: string[]): Promise<void> {
        const result = await run(args, this.env, path.join(this.dir, "program"), 120000);
        if (result.code !== 0) {
            throw new Error(`pulumi ${args.join(" ")} failed (${String(result.code)}):\n${result.output}`);
        }
    }

    /** `pulumi preview` of the production release with `digest`, under the policy pack and this policy config. */
    async preview(
        digest: string,
        policyConfig: Record<string, unknown>,
        namespace = "mirador-prod",
    ): Promise<PreviewRun> {
        const configFile = path.join(this.dir, "policy-config.json");
        fs.writeFileSync(configFile, JSON.stringify(policyConfig));
        const args = [
            "preview",
            "--non-interactive",
            "--stack",
            "prod",
            "--policy-pack",
            path.join(repoRoot, "policy"),
        ];
        const env = { ...this.env, PROD_DIGEST: digest, PROD_NAMESPACE: namespace };
        return run([...args, "--policy-pack-config", configFile], env, path.join(this.dir, "program"), 240000);
    }

    remove(): void {
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}
