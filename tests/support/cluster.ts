// The local Kubernetes cluster (scripts/local-cluster) for integration tests and benchmarks.
//
//     let cluster: LocalCluster;
//     before(async () => { cluster = new LocalCluster(); await cluster.start(); });
//     after(async () => { await cluster.stop(); });
//
// Each LocalCluster has its own run folder (a fresh temporary one unless given), so that tests never touch a
// developer's cluster in /tmp/mirador-release, nor another worktree's. `stop()` is safe to call twice, and also after a
// failed `start()`: it stops by PID whatever the script had started.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { spawn } from "child_process";
import { recordSandbox, SandboxRecord, stopEnv } from "./sandbox-registry";
import { repoRoot, requireTool, toolBin, toolCache, toolPath } from "./tools";

/** The binaries that scripts/bootstrap-tools builds from tools/go/cluster. */
export const clusterBinaries = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "kubectl",
    "kubelet",
    "pause",
] as const;

/** The node's runtime from tools/go/containerd, linked outside PATH (dockerd must not take it for Debian's). */
export const containerdBinaries = ["containerd", "containerd-shim-runc-v2", "ctr"] as const;

/** The processes that `scripts/local-cluster up` starts, in order. */
export const clusterComponents = [
    "etcd",
    "kube-apiserver",
    "kube-controller-manager",
    "kube-scheduler",
    "containerd",
    "kubelet",
] as const;

/** One process of the cluster as `up` recorded it: its PID and its start time (to tell it from a reused PID). */
export interface ClusterProcess {
    name: string;
    pid: number;
    startTime: string;
}

export interface RunResult {
    stdout: string;
    stderr: string;
    code: number;
}

/** Runs a command with a time limit; resolves with its output and exit code (never rejects on a non-zero exit). */
export function run(
    file: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<RunResult> {
    const timeoutMs = opts.timeoutMs ?? 120_000;
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, { env: opts.env, cwd: opts.cwd ?? repoRoot, stdio: ["pipe", "pipe", "pipe"] });
        let stdout = "";
        let stderr = "";
        child.stdout.setEncoding("utf8").on("data", (d: string) => (stdout += d));
        child.stderr.setEncoding("utf8").on("data", (d: string) => (stderr += d));
        const timer = setTimeout(() => {
            child.kill("SIGTERM");
            reject(new Error(`${file} ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stderr}`));
        }, timeoutMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ stdout, stderr, code: code ?? -1 });
        });
        // A command that exits without reading its input closes the pipe first: EPIPE is its choice, not an error.
        child.stdin.on("error", (err: NodeJS.ErrnoException) => {
            if (err.code !== "EPIPE") {
                reject(err);
            }
        });
        child.stdin.end(opts.input ?? "");
    });
}

/** Like run, but rejects with the command, exit code and stderr unless it exits 0; resolves with stdout. */
export async function runOk(
    file: string,
    args: string[],
    opts: { env?: NodeJS.ProcessEnv; input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<string> {
    const result = await run(file, args, opts);
    if (result.code !== 0) {
        throw new Error(
            `${path.basename(file)} ${args.join(" ")} exited ${result.code}\n${result.stderr}${result.stdout}`,
        );
    }
    return result.stdout;
}

/** The start time of a running process (/proc/PID/stat field 22), or undefined if there is no such process. */
export function processStartTime(pid: number): string | undefined {
    let stat: string;
    try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
        return undefined;
    }
    // Fields after the command name, which is in parentheses and may hold spaces; field 3 is the first of them.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return fields[19];
}

/** Whether the process that `up` recorded still runs (same PID, same start time). */
export function isRunning(p: ClusterProcess): boolean {
    return processStartTime(p.pid) === p.startTime;
}

/** Throws, naming what to run, unless every cluster binary has been built. */
export function requireClusterBinaries(): void {
    const missing = [
        ...clusterBinaries.filter((b) => !fs.existsSync(path.join(toolBin, b))),
        ...containerdBinaries.filter((b) => !fs.existsSync(path.join(toolCache, "containerd", b))),
    ];
    if (missing.length > 0) {
        throw new Error(
            `the local cluster's binaries are not built (missing ${missing.join(", ")} in ${toolBin}): ` +
                "run scripts/bootstrap-tools cluster containerd",
        );
    }
}

export class LocalCluster {
    /** The run folder (MIRADOR_RUN) of this cluster; the cluster's own files are in its `cluster` folder. */
    readonly runDir: string;
    /** The admin kubeconfig (client certificate of group system:masters). */
    readonly kubeconfig: string;
    /** The processes `up` started, as recorded when it finished (empty before). */
    processes: ClusterProcess[] = [];
    private readonly ownsRunDir: boolean;
    /** This cluster's entry in the registry of what the tests started (stopped on SIGINT/SIGTERM, or reaped). */
    private record?: SandboxRecord;

    /**
     * `registries`: loopback host:port registries the node's containerd pulls from over plain HTTP
     * (MIRADOR_CLUSTER_REGISTRY). `network`: `host` (pods on the host's loopback) or `pods` (a pod network in a
     * network namespace of the cluster's own: MIRADOR_CLUSTER_NETWORK).
     */
    constructor(
        runDir?: string,
        readonly registries: string[] = [],
        readonly network: "host" | "pods" = "host",
    ) {
        this.ownsRunDir = runDir === undefined;
        this.runDir = runDir ?? fs.mkdtempSync(path.join(os.tmpdir(), "mirador-cluster-"));
        this.kubeconfig = path.join(this.runDir, "cluster", "kubeconfig");
    }

    /**
     * Environment for tools that talk to this cluster: the bootstrap's bin first on PATH, KUBECONFIG set, and kubectl's
     * and helm's caches and settings kept in the run folder instead of the home folder.
     */
    env(): NodeJS.ProcessEnv {
        const local = (name: string) => path.join(this.runDir, "client", name);
        return {
            ...process.env,
            PATH: toolPath(),
            MIRADOR_RUN: this.runDir,
            MIRADOR_CLUSTER_NO_BUILD: "1",
            MIRADOR_CLUSTER_REGISTRY: this.registries.join(" "),
            MIRADOR_CLUSTER_NETWORK: this.network,
            KUBECONFIG: this.kubeconfig,
            KUBECACHEDIR: local("kube-cache"),
            HELM_CACHE_HOME: local("helm-cache"),
            HELM_CONFIG_HOME: local("helm-config"),
            HELM_DATA_HOME: local("helm-data"),
        };
    }

    /** scripts/local-cluster with this cluster's run folder. */
    script(command: "up" | "down" | "status" | "kubeconfig", timeoutMs = 300_000): Promise<RunResult> {
        return run("bash", [path.join(repoRoot, "scripts", "local-cluster"), command], { env: this.env(), timeoutMs });
    }

    /** Starts the cluster and waits for its node to be Ready; fails (after stopping what started) with the script's output. */
    async start(): Promise<void> {
        requireClusterBinaries();
        this.record ??= recordSandbox("local cluster", this.runDir, {
            stop: {
                argv: ["bash", path.join(repoRoot, "scripts", "local-cluster"), "down"],
                env: stopEnv(this.runDir, { MIRADOR_CLUSTER_NO_BUILD: "1" }),
            },
            removeDir: this.ownsRunDir ? this.runDir : undefined,
        });
        const result = await this.script("up");
        if (result.code !== 0) {
            throw new Error(`scripts/local-cluster up failed (exit ${result.code}):\n${result.stderr}`);
        }
        this.processes = this.recordedProcesses();
        const missing = clusterComponents.filter((name) => !this.processes.some((p) => p.name === name));
        if (missing.length > 0) {
            throw new Error(`up recorded no process for ${missing.join(", ")}`);
        }
    }

    /**
     * The processes recorded in the run folder now (by `up`; `down` removes them): the cluster's components, then
     * with the pod network the crossings that join its namespace to 127.0.0.1 outside (cluster.env's CROSSINGS).
     */
    recordedProcesses(): ClusterProcess[] {
        const dir = path.join(this.runDir, "cluster", "pids");
        const env = path.join(this.runDir, "cluster", "cluster.env");
        const crossings = fs.existsSync(env) ? (this.state().CROSSINGS ?? "").replace(/"/g, "").split(" ") : [];
        return [...clusterComponents, ...crossings.filter(Boolean)].flatMap((name) => {
            const file = path.join(dir, name);
            if (!fs.existsSync(file)) {
                return [];
            }
            const [pid, startTime] = fs.readFileSync(file, "utf8").trim().split(" ");
            return [{ name, pid: Number(pid), startTime }];
        });
    }

    /** Values `up` wrote to cluster.env (ports, server URL, node name). */
    state(): Record<string, string> {
        const text = fs.readFileSync(path.join(this.runDir, "cluster", "cluster.env"), "utf8");
        return Object.fromEntries(
            text
                .split("\n")
                .filter((l) => l.includes("="))
                .map((l) => [l.slice(0, l.indexOf("=")), l.slice(l.indexOf("=") + 1)]),
        );
    }

    /** The API server's URL, https://127.0.0.1:PORT. */
    get server(): string {
        return this.state().SERVER;
    }

    /** The node's containers as containerd runs them: id, PID of the task, status; sorted by id (ctr's order varies). */
    async containers(): Promise<{ id: string; pid: number; status: string }[]> {
        const state = this.state();
        const out = await runOk(
            path.join(state.CONTAINERD_DIR, "ctr"),
            ["--address", state.CONTAINERD_SOCKET, "--namespace", "k8s.io", "tasks", "ls"],
            { env: this.env() },
        );
        return out
            .trim()
            .split("\n")
            .slice(1)
            .filter(Boolean)
            .map((line) => {
                const [id, pid, status] = line.trim().split(/\s+/);
                return { id, pid: Number(pid), status };
            })
            .sort((a, b) => a.id.localeCompare(b.id));
    }

    kubectl(args: string[], opts: { input?: string; timeoutMs?: number } = {}): Promise<string> {
        return runOk(requireTool("kubectl"), args, { env: this.env(), ...opts });
    }

    helm(args: string[], opts: { timeoutMs?: number } = {}): Promise<string> {
        return runOk(requireTool("helm"), args, { env: this.env(), ...opts });
    }

    /**
     * Stops the cluster (`down`), then checks that none of the processes `up` started is left; throws naming them
     * otherwise. Removes the run folder if it was a temporary one of this object. Safe to call twice.
     */
    async stop(): Promise<void> {
        if (!fs.existsSync(this.runDir)) {
            return; // stopped (and its temporary run folder removed) before
        }
        const known = [...this.processes, ...this.recordedProcesses()];
        if (fs.existsSync(path.join(this.runDir, "cluster"))) {
            const result = await this.script("down");
            if (result.code !== 0) {
                throw new Error(`scripts/local-cluster down failed (exit ${result.code}):\n${result.stderr}`);
            }
        }
        const left = known.filter(isRunning);
        if (left.length > 0) {
            throw new Error(`still running after down: ${left.map((p) => `${p.name} (pid ${p.pid})`).join(", ")}`);
        }
        const mounts = mountsUnder(this.runDir);
        if (mounts.length > 0) {
            throw new Error(`still mounted after down: ${mounts.join(", ")}`);
        }
        this.record?.forget();
        this.record = undefined;
        if (this.ownsRunDir) {
            fs.rmSync(this.runDir, { recursive: true, force: true });
        }
    }
}

/** A TCP socket of a process, from /proc/net/tcp{,6}. */
export interface TcpSocket {
    local: string;
    localPort: number;
    remote: string;
    remotePort: number;
    listening: boolean;
}

function decodeAddress(hex: string): string {
    if (hex.length === 8) {
        // One 32-bit word in host (little-endian) order.
        return [6, 4, 2, 0].map((i) => parseInt(hex.slice(i, i + 2), 16)).join(".");
    }
    // Four 32-bit words, each in host order.
    const bytes: number[] = [];
    for (let w = 0; w < 32; w += 8) {
        for (const i of [6, 4, 2, 0]) {
            bytes.push(parseInt(hex.slice(w + i, w + i + 2), 16));
        }
    }
    const isV4Mapped = bytes.slice(0, 10).every((b) => b === 0) && bytes[10] === 0xff && bytes[11] === 0xff;
    if (isV4Mapped) {
        return bytes.slice(12).join(".");
    }
    const groups: string[] = [];
    for (let i = 0; i < 16; i += 2) {
        groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
    }
    return groups.join(":");
}

/** Whether an address (as decodeAddress writes it) is a loopback one: 127.0.0.0/8 or ::1. */
export function isLoopback(address: string): boolean {
    return address.startsWith("127.") || address === "0:0:0:0:0:0:0:1";
}

/** The TCP sockets that process `pid` holds open, with their addresses. */
export function tcpSockets(pid: number): TcpSocket[] {
    const inodes = new Set<string>();
    for (const fd of fs.readdirSync(`/proc/${pid}/fd`)) {
        try {
            const m = /^socket:\[(\d+)\]$/.exec(fs.readlinkSync(`/proc/${pid}/fd/${fd}`));
            if (m) {
                inodes.add(m[1]);
            }
        } catch {
            // The descriptor was closed while we read the folder.
        }
    }
    const sockets: TcpSocket[] = [];
    for (const table of [`/proc/${pid}/net/tcp`, `/proc/${pid}/net/tcp6`]) {
        for (const line of fs.readFileSync(table, "utf8").split("\n").slice(1)) {
            const f = line.trim().split(/\s+/);
            if (f.length < 10 || !inodes.has(f[9])) {
                continue;
            }
            const [localHex, localPort] = f[1].split(":");
            const [remoteHex, remotePort] = f[2].split(":");
            sockets.push({
                local: decodeAddress(localHex),
                localPort: parseInt(localPort, 16),
                remote: decodeAddress(remoteHex),
                remotePort: parseInt(remotePort, 16),
                listening: f[3] === "0A",
            });
        }
    }
    return sockets;
}

/** PIDs of every process whose command line names `text` (to find anything left of a run folder). */
export function processesMentioning(text: string): number[] {
    const found: number[] = [];
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry) || Number(entry) === process.pid) {
            continue;
        }
        try {
            if (fs.readFileSync(`/proc/${entry}/cmdline`, "utf8").includes(text)) {
                found.push(Number(entry));
            }
        } catch {
            // The process ended while we looked.
        }
    }
    return found;
}

/** Mount points under a folder (the node's root file systems and volumes while it runs). */
export function mountsUnder(dir: string): string[] {
    const prefix = `${fs.realpathSync(dir)}/`;
    return fs
        .readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((line) => line.split(" ")[1])
        .filter((mountPoint) => mountPoint?.startsWith(prefix));
}
