// The release program under the real engine for the plan tests and the fixture recorder: a copy of the project
// in a temporary folder, the local infrastructure it needs for a preview (the service's checkout, the signing
// keys, a Pulumi home with the stand-in plugins and a file backend, all under a MIRADOR_RUN of its own), and the
// local stacks with their config pointed at it.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ConfigMap, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { PreviewRequest } from "../../plan/preview";
import { runBounded } from "../support/run-cli";
import { repoRoot, toolCache, toolPath } from "../support/tools";

/** What a copy of the project needs: the program, its config and the policy pack (which imports ../gate). */
const PROJECT_FILES = ["Pulumi.yaml", "Pulumi.local-staging.yaml", "Pulumi.local-prod.yaml", "package.json"];
const PROJECT_DIRS = ["components", "config", "gate", "slos", "policy"];
const PROJECT_TS = ["tsconfig.json", "index.ts"];
const INFRA = ["git", "signing", "pulumi"];
export const PASSPHRASE = "mirador-local";

function readEnvFile(file: string): Record<string, string> {
    const env: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line);
        if (m) {
            env[m[1]] = m[2];
        }
    }
    return env;
}

async function localInfra(verb: "up" | "down", runDir: string): Promise<void> {
    const result = await runBounded(path.join(repoRoot, "scripts", "local-infra"), [verb, ...INFRA], {
        cwd: repoRoot,
        env: { ...process.env, PATH: toolPath(), MIRADOR_RUN: runDir },
        limitMs: 180000,
    });
    if (result.code !== 0) {
        throw new Error(
            `scripts/local-infra ${verb} ${INFRA.join(" ")} failed (${String(result.code)}):\n${result.stderr}`,
        );
    }
}

/** The policy config of the local prod stack: policy/prod.json with the local Prometheus. */
export function localPolicyConfig(prometheusUrl: string): Record<string, unknown> {
    return {
        "slo-gate": { enforcementLevel: "mandatory", prometheusUrl },
        "promote-canaried-digest": { enforcementLevel: "mandatory", prometheusUrl },
        "image-pinned-by-digest": "mandatory",
    };
}

export class PlanSandbox {
    private constructor(
        /** The temporary folder: project/ (the copy) and run/ (MIRADOR_RUN). */
        readonly root: string,
        readonly projectDir: string,
        readonly runDir: string,
        /** infra.env plus the local passphrase: what the engine runs with. */
        readonly env: Record<string, string>,
        readonly pulumi: PulumiCommand,
    ) {}

    /** Starts the infrastructure and copies the project; throws with the command to run when a tool is missing. */
    static async create(): Promise<PlanSandbox> {
        if (!fs.existsSync(path.join(toolCache, "bin", "pulumi"))) {
            throw new Error(`${path.join(toolCache, "bin", "pulumi")} is missing: run scripts/bootstrap-tools pulumi`);
        }
        if (!fs.existsSync(path.join(repoRoot, "policy", "node_modules"))) {
            throw new Error("policy/node_modules is missing: run (cd policy && npm ci)");
        }
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "plan-sandbox-"));
        const projectDir = path.join(root, "project");
        const runDir = path.join(root, "run");
        try {
            await localInfra("up", runDir);
            fs.mkdirSync(projectDir);
            for (const f of [...PROJECT_FILES, ...PROJECT_TS]) {
                fs.copyFileSync(path.join(repoRoot, f), path.join(projectDir, f));
            }
            for (const d of PROJECT_DIRS) {
                fs.cpSync(path.join(repoRoot, d), path.join(projectDir, d), {
                    recursive: true,
                    filter: (src) => !src.includes(`${path.sep}node_modules`),
                });
            }
            fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(projectDir, "node_modules"));
            fs.symlinkSync(
                path.join(repoRoot, "policy", "node_modules"),
                path.join(projectDir, "policy", "node_modules"),
            );
            // A preview reaches no cluster (the stand-ins only Check and Diff); the config needs a file to name.
            fs.writeFileSync(path.join(runDir, "kubeconfig"), "apiVersion: v1\nkind: Config\nclusters: []\n");
            const env = { ...readEnvFile(path.join(runDir, "infra.env")), PULUMI_CONFIG_PASSPHRASE: PASSPHRASE };
            const pulumi = await PulumiCommand.get({ root: toolCache, skipVersionCheck: true });
            return new PlanSandbox(root, projectDir, runDir, env, pulumi);
        } catch (err) {
            await localInfra("down", runDir).catch(() => undefined);
            fs.rmSync(root, { recursive: true, force: true });
            throw err;
        }
    }

    /** The config of a local stack that points it at this sandbox instead of /tmp/mirador-release. */
    localConfig(): ConfigMap {
        const v = (value: string) => ({ value });
        return {
            "mirador-release:sourceDir": v(this.env.MIRADOR_SOURCE_DIR),
            "mirador-release:kubernetes.kubeconfig": v(path.join(this.runDir, "kubeconfig")),
            "mirador-release:cosign.publicKey": v(this.env.MIRADOR_COSIGN_PUBLIC_KEY),
            "mirador-release:cosign.trustedRoot": v(this.env.MIRADOR_COSIGN_TRUSTED_ROOT),
        };
    }

    /** Selects (or creates) a local stack with the sandbox's config and `extra` on top. */
    async stack(name: "local-staging" | "local-prod", extra: ConfigMap = {}): Promise<Stack> {
        const workspace = await LocalWorkspace.create({
            workDir: this.projectDir,
            pulumiCommand: this.pulumi,
            envVars: { ...this.env, PATH: toolPath() },
        });
        const stack = await Stack.createOrSelect(name, workspace);
        const key: ConfigMap =
            name === "local-staging" ? { "mirador-release:cosign.key": { value: this.env.MIRADOR_COSIGN_KEY } } : {};
        await stack.setAllConfig({ ...this.localConfig(), ...key, ...extra }, true);
        return stack;
    }

    /** What runPreview needs for a stack of this sandbox, with the policy pack and these policy configs. */
    previewRequest(stack: string, policyPackConfigs: string[] = []): PreviewRequest {
        return {
            workDir: this.projectDir,
            stack,
            policyPacks: [path.join(this.projectDir, "policy")],
            policyPackConfigs,
            envVars: { ...this.env, PATH: toolPath() },
        };
    }

    /**
     * Bumps the service's checkout to `version` as a release pull request would (RELEASE-PROCESS.md step 2):
     * Chart.yaml's version and appVersion, a CHANGELOG section under Unreleased, one commit.
     */
    bumpVersion(version: string, date = "2026-11-24"): void {
        const dir = this.env.MIRADOR_SOURCE_DIR;
        const chart = path.join(dir, "charts", "mirador-rca", "Chart.yaml");
        fs.writeFileSync(
            chart,
            fs
                .readFileSync(chart, "utf8")
                .replace(/^version: .*$/m, `version: ${version}`)
                .replace(/^appVersion: .*$/m, `appVersion: "${version}"`),
        );
        const changelog = path.join(dir, "CHANGELOG.md");
        fs.writeFileSync(
            changelog,
            fs
                .readFileSync(changelog, "utf8")
                .replace("## [Unreleased]\n", `## [Unreleased]\n\n## [v${version}] - ${date}\n\n### Fixed\n- A fix.\n`),
        );
        const git = (...args: string[]) =>
            execFileSync("git", args, {
                cwd: dir,
                env: {
                    ...process.env,
                    GIT_AUTHOR_NAME: "mirador-dev",
                    GIT_AUTHOR_EMAIL: "dev@localhost",
                    GIT_COMMITTER_NAME: "mirador-dev",
                    GIT_COMMITTER_EMAIL: "dev@localhost",
                },
                stdio: "pipe",
            });
        git("commit", "-qam", `mirador-rca v${version}`);
    }

    /** Stops what create() started, by PID, and removes the folder. */
    async dispose(): Promise<void> {
        try {
            await localInfra("down", this.runDir);
        } finally {
            fs.rmSync(this.root, { recursive: true, force: true });
        }
    }
}
