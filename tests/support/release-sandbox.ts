// A whole local release world for end-to-end tests: the local infrastructure (Docker engine, registry, Kubernetes
// API, Prometheus with the Sloth rules, the service's checkout and tag remote, the Slack receiver, the local Pulumi
// home) in its own run directory on free loopback ports, and a copy of this project whose local-staging and
// local-prod stacks are driven through the Automation API with the real engine.
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { promisify } from "util";
import * as YAML from "yaml";
import { ConfigMap, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import { parseImageRef } from "../../components/rendered-manifest";
import { parseEnvFile } from "./docker";
import { freePort } from "./ports";
import { recordSandbox, SandboxRecord, stopEnv } from "./sandbox-registry";
import { repoRoot, requireTool, toolCache, toolPath } from "./tools";

const execFileAsync = promisify(execFile);

/** A config value the engine must store encrypted. */
/** What an update changed: the engine's resource changes other than "same" (empty for a no-op up). */
export function changesOf(result: { summary: { resourceChanges?: Record<string, number> } }): Record<string, number> {
    return Object.fromEntries(Object.entries(result.summary.resourceChanges ?? {}).filter(([op]) => op !== "same"));
}

/**
 * The image a Deployment runs, as repository@digest: the chart renders `repository:tag`, and the program pins the
 * digest in the tag (`v0.4.0@sha256:…`), so the tag is dropped to compare with a stack's imageDigestRef.
 */
export function digestRefOf(image: string): string {
    const ref = parseImageRef(image);
    return ref.digest ? `${ref.repository}@${ref.digest}` : image;
}

export class Secret {
    constructor(readonly value: string) {}
}

/** What the program needs of this project, copied so that stack files and dist/ stay out of the repository. */
const PROJECT_FILES = [
    "Pulumi.yaml",
    "package.json",
    "tsconfig.json",
    "tsconfig.program.json",
    "index.ts",
    "components",
    "config",
    // The production program runs the SLO gate (components/promotion-gate.ts): its CLI and the Sloth spec.
    "gate",
    "slos",
    // The service's contract, and the local node's Helm post-renderer (helm.postRenderer).
    "profiles",
    "scripts/local-node-postrender",
];

export interface SandboxPorts {
    registry: number;
    prometheus: number;
    webhook: number;
    /** The canary pod's ports on the node's loopback (hostNetwork): the smoke tests and Prometheus use them. */
    canaryGrpc: number;
    canaryMetrics: number;
    /** The prod pod's, on the same node. */
    prodGrpc: number;
    prodMetrics: number;
}

/**
 * The service a sandbox releases when it is not mirador-rca (tests/e2e/second-service.test.ts): every field is data
 * the local infrastructure and the stacks read. Unset, a sandbox releases examples/mirador-rca with its profile.
 */
export interface SandboxService {
    /** The folder whose files seed the service's checkout (local-infra's MIRADOR_SERVICE_SOURCE). */
    source: string;
    /** The service profile, absolute: copied into the project as profiles/<file name> (stack setting `profile`). */
    profile: string;
    /** The Sloth rules the local Prometheus loads (MIRADOR_SLO_RULES). */
    rules: string;
    /** The derived Sloth spec the gate checks (the policy config's sloSpec). */
    sloSpec: string;
    /** The image's repository name in the local registry. */
    imageName: string;
    /** The stacks' preflight.commands (commands of the profile). */
    preflight: string[];
    /** local-staging's canary.prometheusLabels (none may be the profile's track label). */
    prometheusLabels: Record<string, string>;
}

export class ReleaseSandbox {
    readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-e2e-"));
    readonly runDir = path.join(this.root, "run");
    readonly projectDir = path.join(this.root, "project");
    /** The signing key's password: random, so that a test can look for it in the state. */
    readonly cosignPassword = `cosign-${Math.random().toString(36).slice(2)}`;
    readonly passphrase = "mirador-e2e";
    ports!: SandboxPorts;
    /** The endpoints of the local infrastructure (infra.env). */
    infra: Record<string, string> = {};
    /** The policy pack config that local-prod's `gate` setting names (a test may give the pack the same file). */
    gateConfig = "";
    staging!: Stack;
    prod!: Stack;
    private started = false;
    /** This sandbox's entry in the registry of what the tests started (stopped on SIGINT/SIGTERM, or reaped). */
    private record?: SandboxRecord;

    constructor(readonly service?: SandboxService) {}

    /** The image repository in the local registry, without a tag. */
    imageRepository(): string {
        return `${this.infra.MIRADOR_REGISTRY}/${this.service?.imageName ?? "mirador-rca"}`;
    }

    /** Starts the infrastructure, copies the project and creates both stacks with their config. */
    async start(): Promise<void> {
        await this.startInfra();
        await this.openStacks();
        await this.configure(this.staging, this.stagingConfig("0.4.0"));
        await this.configure(this.prod, this.prodConfig("0.4.0"));
    }

    /** Starts the infrastructure only: `openStacks` then brings a program (tests/e2e/previous-main.test.ts). */
    async startInfra(): Promise<void> {
        requireTool("pulumi");
        this.ports = {
            registry: await freePort(),
            prometheus: await freePort(),
            webhook: await freePort(),
            canaryGrpc: await freePort(),
            canaryMetrics: await freePort(),
            prodGrpc: await freePort(),
            prodMetrics: await freePort(),
        };
        this.started = true;
        this.record = recordSandbox("release sandbox", this.runDir, {
            stop: { argv: [path.join(repoRoot, "scripts", "local-infra"), "down"], env: stopEnv(this.runDir) },
            removeDir: this.root,
        });
        await this.infraCommand(["up"]);
        this.infra = parseEnvFile(fs.readFileSync(path.join(this.runDir, "infra.env"), "utf8"));
        this.gateConfig = this.policyConfig();
    }

    /**
     * Copies a program into the project folder, this repository's unless `programRoot` names another tree of the
     * same layout, and opens both stacks (created without config the first time).
     */
    async openStacks(programRoot = repoRoot): Promise<void> {
        this.copyProject(programRoot);
        const pulumiCommand = await PulumiCommand.get({ root: toolCache });
        const envVars = { ...this.infra, PULUMI_CONFIG_PASSPHRASE: this.passphrase, PATH: toolPath() };
        const workspace = { workDir: this.projectDir, pulumiCommand, envVars, secretsProvider: "passphrase" };
        this.staging = await LocalWorkspace.createOrSelectStack(
            { stackName: "local-staging", workDir: this.projectDir },
            workspace,
        );
        this.prod = await LocalWorkspace.createOrSelectStack(
            { stackName: "local-prod", workDir: this.projectDir },
            workspace,
        );
    }

    /**
     * Sets a stack's config as a stack file would hold it: structured values stay objects (Pulumi.yaml declares
     * them so), secrets are encrypted by the engine.
     */
    async configure(stack: Stack, config: Record<string, unknown>): Promise<void> {
        const file = path.join(this.projectDir, `Pulumi.${stack.name}.yaml`);
        const doc = (fs.existsSync(file) ? YAML.parse(fs.readFileSync(file, "utf8")) : {}) as Record<string, unknown>;
        const plain: Record<string, unknown> = {};
        const secrets: ConfigMap = {};
        for (const [key, value] of Object.entries(config)) {
            if (value instanceof Secret) {
                secrets[key] = { value: value.value, secret: true };
            } else {
                plain[`mirador-release:${key}`] = value;
            }
        }
        doc.config = { ...(doc.config as object), ...plain };
        fs.writeFileSync(file, YAML.stringify(doc));
        await stack.setAllConfig(secrets);
    }

    /** Stops everything `start` started, by PID (scripts/local-infra down), and removes the files. */
    async stop(): Promise<void> {
        if (this.started) {
            this.started = false;
            await this.infraCommand(["down"]);
            this.record?.forget();
        }
        fs.rmSync(this.root, { recursive: true, force: true });
    }

    /** The public key of a second cosign key pair that signed nothing. */
    otherPublicKey(): string {
        const dir = path.join(this.root, "other-key");
        if (!fs.existsSync(path.join(dir, "other.pub"))) {
            fs.mkdirSync(dir, { recursive: true });
            execFileSync(requireTool("cosign"), ["generate-key-pair", "--output-key-prefix", "other"], {
                cwd: dir,
                env: { ...process.env, COSIGN_PASSWORD: "other" },
                stdio: "ignore",
            });
        }
        return path.join(dir, "other.pub");
    }

    /** A new release in the service's checkout: Chart.yaml and CHANGELOG.md for the version, committed. */
    bumpSource(version: string): void {
        const dir = this.infra.MIRADOR_SOURCE_DIR;
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
                .replace(
                    /^## \[Unreleased\]\s*$/m,
                    `## [Unreleased]\n\n## [v${version}] - 2026-11-23\n### Fixed\n- Faster correlation paging.\n`,
                ),
        );
        this.commitSource(`mirador-rca v${version}`);
    }

    /** Commits every change of the service's checkout's tracked files. */
    commitSource(message: string): void {
        execFileSync("git", ["-C", this.infra.MIRADOR_SOURCE_DIR, "commit", "-q", "-am", message], {
            env: {
                ...process.env,
                GIT_AUTHOR_NAME: "dev",
                GIT_AUTHOR_EMAIL: "dev@localhost",
                GIT_COMMITTER_NAME: "dev",
                GIT_COMMITTER_EMAIL: "dev@localhost",
            },
        });
    }

    /** Files of the local state backend that hold `text` (secrets must be in none). */
    stateFilesContaining(text: string): string[] {
        const found: string[] = [];
        const walk = (dir: string) => {
            for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
                const p = path.join(dir, e.name);
                if (e.isDirectory()) {
                    walk(p);
                } else if (fs.readFileSync(p).includes(text)) {
                    found.push(p);
                }
            }
        };
        walk(path.join(this.runDir, "pulumi", "state"));
        return found;
    }

    /** Environment of the local infrastructure's scripts, with this sandbox's run dir and ports. */
    infraEnv(): NodeJS.ProcessEnv {
        return {
            ...process.env,
            PATH: toolPath(),
            MIRADOR_RUN: this.runDir,
            MIRADOR_REGISTRY_PORT: String(this.ports.registry),
            MIRADOR_PROMETHEUS_PORT: String(this.ports.prometheus),
            MIRADOR_WEBHOOK_PORT: String(this.ports.webhook),
            MIRADOR_CANARY_METRICS_PORT: String(this.ports.canaryMetrics),
            // The cluster's own ports are picked later, by another process: never one of the pods' ports.
            MIRADOR_RESERVED_PORTS: Object.values(this.ports).join(" "),
            MIRADOR_COSIGN_PASSWORD: this.cosignPassword,
            ...(this.service === undefined
                ? {}
                : {
                      MIRADOR_SERVICE_SOURCE: this.service.source,
                      MIRADOR_SERVICE_PROFILE: this.service.profile,
                      MIRADOR_SLO_RULES: this.service.rules,
                  }),
        };
    }

    async infraCommand(args: string[]): Promise<string> {
        const { stdout, stderr } = await execFileAsync(path.join(repoRoot, "scripts", "local-infra"), args, {
            env: this.infraEnv(),
            encoding: "utf8",
            timeout: 900_000,
            maxBuffer: 64 * 1024 * 1024,
        });
        return stdout + stderr;
    }

    /** Runs a command with the infrastructure's environment (DOCKER_HOST, KUBECONFIG, …) from the project copy. */
    async run(command: string, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 600_000) {
        return execFileAsync(command, args, {
            cwd: this.projectDir,
            env: { ...process.env, ...this.infra, PATH: toolPath(), ...env },
            encoding: "utf8",
            timeout: timeoutMs,
            maxBuffer: 64 * 1024 * 1024,
        });
    }

    /** Runs a tool of the toolchain against this sandbox (its kubeconfig, registry, …) and returns its trimmed stdout. */
    tool(name: string, args: string[]): string {
        return execFileSync(requireTool(name), args, {
            encoding: "utf8",
            env: { ...process.env, ...this.infra, PATH: toolPath() },
            stdio: ["ignore", "pipe", "pipe"],
        }).trim();
    }

    /** `helm history` of a release: its revisions, oldest first. */
    helmHistory(release = "mirador-rca", namespace = "mirador-prod"): { revision: number; description: string }[] {
        return JSON.parse(this.tool("helm", ["history", release, "-n", namespace, "-o", "json"])) as {
            revision: number;
            description: string;
        }[];
    }

    /** The image (repo@sha256:…) of a Deployment's first container, as the cluster runs it. */
    deploymentImage(name = "mirador-rca", namespace = "mirador-prod"): string {
        const deployment = JSON.parse(
            this.tool("kubectl", ["get", "deployment", name, "-n", namespace, "-o", "json"]),
        ) as {
            spec: { template: { spec: { containers: { image: string }[] } } };
        };
        return digestRefOf(deployment.spec.template.spec.containers[0].image);
    }

    /** The image IDs containerd runs for a release's running pods (repo@sha256:…), one per container. */
    runningImageIDs(release = "mirador-rca", namespace = "mirador-prod"): string[] {
        const pods = JSON.parse(
            this.tool("kubectl", [
                "get",
                "pods",
                "-n",
                namespace,
                "-l",
                `app.kubernetes.io/instance=${release}`,
                "-o",
                "json",
            ]),
        ) as {
            items: {
                metadata: { deletionTimestamp?: string };
                status: { phase: string; containerStatuses?: { imageID: string }[] };
            }[];
        };
        return pods.items
            .filter((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp)
            .flatMap((p) => (p.status.containerStatuses ?? []).map((c) => c.imageID));
    }

    /** The values of the production release's latest revision, as Helm recorded them. */
    helmValues(release = "mirador-rca", namespace = "mirador-prod"): Record<string, unknown> {
        return JSON.parse(this.tool("helm", ["get", "values", release, "-n", namespace, "-o", "json"])) as Record<
            string,
            unknown
        >;
    }

    /** The data of mirador-core's routing ConfigMap in a namespace. */
    routing(namespace = "mirador-prod"): Record<string, string> {
        const configMap = JSON.parse(
            this.tool("kubectl", ["get", "configmap", "mirador-core-routing", "-n", namespace, "-o", "json"]),
        ) as { data?: Record<string, string> };
        return configMap.data ?? {};
    }

    /** Sends RCAService traffic to the local canary for a while (the service's own load generator). */
    async load(seconds: number, rate: number): Promise<{ calls: number; errors: Record<string, number> }> {
        const source = this.infra.MIRADOR_SOURCE_DIR;
        await this.run("make", ["-C", source, "--no-print-directory", "load"]);
        const target = `127.0.0.1:${this.ports.canaryGrpc}`;
        const args = ["--target", target, "--duration", `${seconds}s`, "--rate", String(rate)];
        const { stdout } = await this.run(path.join(source, "bin", "rca-load"), args, {}, (seconds + 60) * 1000);
        return JSON.parse(stdout.trim().split("\n").pop()!) as { calls: number; errors: Record<string, number> };
    }

    /**
     * Restarts the canary's pod (of `image`) with the service's fault hooks set, a canary that degrades: the
     * environment of its Deployment changes behind Helm's back, as a bad config push would, and the node restarts it.
     */
    async degradeCanary(image: string, faults: { errorRatio?: number; latency?: string }): Promise<void> {
        const target = ["-n", "mirador-staging", "deployment/mirador-rca-canary"];
        const deployment = JSON.parse((await this.run("kubectl", ["get", ...target, "-o", "json"])).stdout) as {
            spec: { template: { spec: { containers: { image: string }[] } } };
        };
        const running = digestRefOf(deployment.spec.template.spec.containers[0].image);
        if (running !== image) {
            throw new Error(`the canary runs ${running}, not ${image}`);
        }
        const env = [
            ...(faults.errorRatio !== undefined ? [`MIRADOR_FAULT_ERROR_RATIO=${faults.errorRatio}`] : []),
            ...(faults.latency !== undefined ? [`MIRADOR_FAULT_LATENCY=${faults.latency}`] : []),
        ];
        await this.run("kubectl", ["set", "env", ...target, ...env]);
        await this.run("kubectl", ["rollout", "status", ...target, "--timeout=120s"]);
    }

    /** The Slack messages the webhook receiver got. */
    slackMessages(): { text: string }[] {
        const file = this.infra.MIRADOR_SLACK_MESSAGES;
        if (!fs.existsSync(file)) {
            return [];
        }
        return fs
            .readFileSync(file, "utf8")
            .split("\n")
            .filter(Boolean)
            .map((line) => JSON.parse((JSON.parse(line) as { body: string }).body) as { text: string });
    }

    /** A policy pack config for the local Prometheus, with a soak short enough for a test. */
    policyConfig(overrides: Record<string, unknown> = {}): string {
        const prometheusUrl = this.infra.MIRADOR_PROMETHEUS_URL;
        const file = path.join(this.root, `policy-config-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(
            file,
            JSON.stringify({
                "slo-gate": {
                    prometheusUrl,
                    ...this.serviceGate(),
                    minSoakMinutes: 1,
                    minRequests: 300,
                    budgetTrack: "canary",
                    ...overrides,
                },
                "promote-canaried-digest": { prometheusUrl, ...this.serviceGate(false) },
                // The pin is checked at the profile's image value paths (mirador-rca's when no profile is named),
                // and as rendered from the project copy, where the releases' chart paths start.
                "image-pinned-by-digest": {
                    enforcementLevel: "mandatory",
                    programDir: this.projectDir,
                    ...(this.service === undefined ? {} : { profile: this.service.profile }),
                },
            }),
        );
        return file;
    }

    /** The gate's profile (and the derived spec, for the slo-gate) of a sandbox's own service; none for mirador-rca. */
    private serviceGate(withSpec = true): Record<string, string> {
        if (this.service === undefined) {
            return {};
        }
        return { profile: this.service.profile, ...(withSpec ? { sloSpec: this.service.sloSpec } : {}) };
    }

    /** The stack settings of a sandbox's own service (its profile in the project copy); none for mirador-rca. */
    private serviceConfig(canary: boolean): Record<string, unknown> {
        if (this.service === undefined) {
            return {};
        }
        return {
            profile: `profiles/${path.basename(this.service.profile)}`,
            ...(canary ? { preflight: { commands: this.service.preflight } } : {}),
        };
    }

    stagingConfig(version: string): Record<string, unknown> {
        const i = this.infra;
        return {
            role: "canary",
            version,
            sourceDir: i.MIRADOR_SOURCE_DIR,
            image: { repository: this.imageRepository(), network: "host" },
            cosign: this.cosignSettings(true),
            cosignPassword: new Secret(this.cosignPassword),
            // govulncheck cannot reach its vulnerability database from here.
            preflight: { commands: ["make verify"] },
            canary: {
                replicaCount: 1,
                trafficWeight: 10,
                prometheusLabels: this.service?.prometheusLabels ?? { release_track: "canary" },
            },
            // The rendered endpoint: 127.0.0.1 at the chart's service.port (the pod is on the node's network).
            smoke: { plaintext: true },
            helm: this.canaryHelm(),
            prometheusUrl: i.MIRADOR_PROMETHEUS_URL,
            kubernetes: { kubeconfig: i.KUBECONFIG },
            // local-prod fetches the canary's chart from the local registry by digest, as prod does from ghcr.io.
            chartRegistry: `oci://${i.MIRADOR_REGISTRY}/charts`,
            ...this.serviceConfig(true),
        };
    }

    prodConfig(version: string): Record<string, unknown> {
        const i = this.infra;
        return {
            role: "production",
            version,
            sourceDir: i.MIRADOR_SOURCE_DIR,
            stagingStack: "organization/mirador-release/local-staging",
            image: { repository: this.imageRepository() },
            // prod signs too: it attests the gate's verdict (docs/attestations.md).
            cosign: this.cosignSettings(true),
            cosignPassword: new Secret(this.cosignPassword),
            prometheusUrl: i.MIRADOR_PROMETHEUS_URL,
            kubernetes: { kubeconfig: i.KUBECONFIG },
            helm: this.prodHelm(),
            gate: this.gateConfig,
            gitRemote: "origin",
            github: { enabled: false },
            slackWebhookUrl: new Secret(i.MIRADOR_SLACK_WEBHOOK),
            ...this.serviceConfig(false),
        };
    }

    /**
     * The helm settings that run a release's pod on the local node's loopback, at the given ports, as the local stacks
     * do: the post-renderer puts the pod on the node's network; one replica without the chart's HPA (a second pod on
     * the one node could not bind the same ports, and would never be scheduled); no PrometheusRule (no Prometheus
     * Operator here); the objects keep the names the tests know.
     */
    nodeHelm(fullname: string, grpcPort: number, metricsPort: number): Record<string, unknown> {
        return {
            postRenderer: "scripts/local-node-postrender",
            values: this.nodeValues(fullname, grpcPort, metricsPort),
        };
    }

    /** local-staging's helm settings with more (a test's timeout, fault hooks, annotations) on top. */
    canaryHelm(more: { values?: Record<string, unknown>; [key: string]: unknown } = {}): Record<string, unknown> {
        return this.withHelm(
            this.nodeHelm("mirador-rca-canary", this.ports.canaryGrpc, this.ports.canaryMetrics),
            more,
        );
    }

    /** local-prod's helm settings with more on top. */
    prodHelm(more: { values?: Record<string, unknown>; [key: string]: unknown } = {}): Record<string, unknown> {
        return this.withHelm(this.nodeHelm("mirador-rca", this.ports.prodGrpc, this.ports.prodMetrics), more);
    }

    private withHelm(
        base: Record<string, unknown>,
        more: { values?: Record<string, unknown> },
    ): Record<string, unknown> {
        return { ...base, ...more, values: { ...(base.values as Record<string, unknown>), ...more.values } };
    }

    nodeValues(fullname: string, grpcPort: number, metricsPort: number): Record<string, unknown> {
        return {
            fullnameOverride: fullname,
            replicaCount: 1,
            autoscaling: { enabled: false },
            alerts: { enabled: false },
            service: { port: grpcPort },
            metrics: { port: metricsPort },
            config: { server: { address: `127.0.0.1:${grpcPort}`, metricsAddress: `127.0.0.1:${metricsPort}` } },
        };
    }

    cosignSettings(signs: boolean) {
        const i = this.infra;
        return {
            ...(signs ? { key: i.MIRADOR_COSIGN_KEY } : {}),
            publicKey: i.MIRADOR_COSIGN_PUBLIC_KEY,
            tlogUpload: false,
            trustedRoot: i.MIRADOR_COSIGN_TRUSTED_ROOT,
        };
    }

    /**
     * The program's files in the project folder: another program's are removed first (its stack files stay), so that
     * the project holds exactly one program's files.
     */
    private copyProject(programRoot: string): void {
        fs.mkdirSync(this.projectDir, { recursive: true });
        for (const entry of fs.readdirSync(this.projectDir, { withFileTypes: true })) {
            const file = path.join(this.projectDir, entry.name);
            if (entry.isSymbolicLink()) {
                fs.unlinkSync(file); // node_modules: the link, never what it points at
            } else if (!/^Pulumi\..+\.yaml$/.test(entry.name)) {
                fs.rmSync(file, { recursive: true, force: true });
            }
        }
        for (const f of PROJECT_FILES) {
            if (programRoot !== repoRoot && !fs.existsSync(path.join(programRoot, f))) {
                continue; // a file of this program that an older one did not have
            }
            fs.mkdirSync(path.dirname(path.join(this.projectDir, f)), { recursive: true });
            fs.cpSync(path.join(programRoot, f), path.join(this.projectDir, f), { recursive: true });
        }
        if (this.service !== undefined && fs.existsSync(path.join(this.projectDir, "profiles"))) {
            fs.copyFileSync(
                this.service.profile,
                path.join(this.projectDir, "profiles", path.basename(this.service.profile)),
            );
        }
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(this.projectDir, "node_modules"));
    }
}
