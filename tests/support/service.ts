// The example service (examples/mirador-rca) for integration tests: build it, run the real binary on free
// loopback ports with a config file as the chart gives it (MIRADOR_RCA_CONFIG), run the mock of mirador-core it can
// call, call it with the real grpcurl and read its Prometheus metrics.
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { ChildProcess, execFile, spawn } from "child_process";
import { promisify } from "util";
import * as YAML from "yaml";
import { freePort } from "./ports";
import { recordProcess } from "./sandbox-registry";
import { repoRoot, requireTool, toolPath } from "./tools";

const execFileAsync = promisify(execFile);

export const exampleDir = path.join(repoRoot, "examples", "mirador-rca");
export const exampleBinary = path.join(exampleDir, "bin", "mirador-rca");
export const mockCoreBinary = path.join(exampleDir, "bin", "mock-core");
/** The example's gRPC service (package rca.v1), as the real mirador-rca names it. */
export const rcaService = "rca.v1.RCAEngine";

/** Runs make in examples/mirador-rca with the tool cache on PATH; the error carries make's output. */
export async function makeExample(
    targets: string[],
    opts: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
    requireTool("make");
    requireTool("go");
    try {
        const { stdout, stderr } = await execFileAsync("make", ["--no-print-directory", ...targets], {
            cwd: exampleDir,
            env: { ...process.env, PATH: toolPath(), ...opts.env },
            encoding: "utf8",
            timeout: opts.timeoutMs ?? 600_000,
            maxBuffer: 64 * 1024 * 1024,
        });
        return stdout + stderr;
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`make ${targets.join(" ")} failed:\n${e.stdout ?? ""}${e.stderr ?? e.message}`);
    }
}

export interface ServiceOptions {
    /** clients.core.baseURL: mirador-core (e.g. a startMockCore()'s url); unset, the service uses synthetic signals. */
    coreUrl?: string;
    /** weaviate.endpoint; unset, synthetic history. */
    weaviateUrl?: string;
    /** cache.addr, host:port of a Valkey/Redis server; unset, no cache. */
    cacheAddr?: string;
    /** MIRADOR_FAULT_ERROR_RATIO: the share of InvestigateIncident calls failed with UNAVAILABLE. */
    faultErrorRatio?: number;
    /** MIRADOR_FAULT_LATENCY: a Go duration added to every call. */
    faultLatency?: string;
    /** MIRADOR_FAULT_STARTUP: crash or hang. */
    faultStartup?: "crash" | "hang";
    /** Extra environment (e.g. MIRADOR_RCA_CACHE_DB). */
    env?: Record<string, string>;
    /**
     * A config file of the caller's (e.g. the chart's rendered ConfigMap) instead of serviceConfig()'s; the listeners
     * then come from MIRADOR_RCA_SERVER_ADDRESS and MIRADOR_RCA_METRICS_ADDRESS (free loopback ports).
     */
    configFile?: string;
}

export interface RunningService {
    readonly pid: number;
    /** 127.0.0.1:<port> of the gRPC server. */
    readonly grpcAddr: string;
    /** 127.0.0.1:<port> of /metrics. */
    readonly metricsAddr: string;
    /** Everything the process wrote to stderr so far (JSON log lines). */
    logs(): string;
    /** SIGTERM, a bounded wait, then SIGKILL; resolves once the process has exited. Safe to call twice. */
    stop(): Promise<void>;
}

function exited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

async function waitForExit(child: ChildProcess, ms: number): Promise<boolean> {
    if (exited(child)) {
        return true;
    }
    return new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), ms);
        child.once("exit", () => {
            clearTimeout(timer);
            resolve(true);
        });
    });
}

/**
 * Spawns a binary and waits (at most 15 s, polling every 50 ms) for its JSON "listening" log line; stop() sends
 * SIGTERM, then SIGKILL after 15 s.
 */
async function spawnListening(
    binary: string,
    args: string[],
    env: NodeJS.ProcessEnv,
    onStop: () => void = () => undefined,
): Promise<{ child: ChildProcess; pid: number; logs: () => string; stop: () => Promise<void> }> {
    const name = path.basename(binary);
    const child = spawn(binary, args, { env, stdio: ["ignore", "ignore", "pipe"] });
    // Recorded, so that an interrupted run (or, after a SIGKILL, the next one) stops it by PID.
    const record = recordProcess(name, path.dirname(binary), child.pid);
    const finish = () => {
        record?.forget();
        onStop();
    };
    let stderr = "";
    child.stderr?.setEncoding("utf8");
    child.stderr?.on("data", (chunk: string) => {
        stderr += chunk;
    });
    const stop = async (): Promise<void> => {
        if (!exited(child) && child.pid !== undefined) {
            process.kill(child.pid, "SIGTERM");
            if (!(await waitForExit(child, 15_000))) {
                process.kill(child.pid, "SIGKILL");
                await waitForExit(child, 5_000);
            }
        }
        finish();
    };
    const spawnError = new Promise<Error>((resolve) => child.once("error", resolve));
    const deadline = Date.now() + 15_000;
    while (!stderr.includes('"msg":"listening"')) {
        const failed = await Promise.race([spawnError, new Promise<null>((r) => setTimeout(() => r(null), 50))]);
        if (failed !== null) {
            finish();
            throw new Error(`could not start ${binary}: ${failed.message} (build it with make build mock-core)`);
        }
        if (exited(child)) {
            finish();
            throw new Error(`${name} exited (${child.exitCode ?? child.signalCode}) before listening:\n${stderr}`);
        }
        if (Date.now() > deadline) {
            await stop();
            throw new Error(`${name} did not log "listening" within 15s:\n${stderr}`);
        }
    }
    if (child.pid === undefined) {
        throw new Error(`${name} started without a PID`);
    }
    return { child, pid: child.pid, logs: () => stderr, stop };
}

/** The config file a test gives the service: the chart's keys, loopback listeners, JSON logs. */
export function serviceConfig(grpcAddr: string, metricsAddr: string, opts: ServiceOptions): object {
    return {
        server: { address: grpcAddr, metricsAddress: metricsAddr, gracefulTimeout: "5s" },
        clients: { core: { baseURL: opts.coreUrl ?? "", timeout: "2s" } },
        weaviate: { endpoint: opts.weaviateUrl ?? "", timeout: "1s" },
        cache: { addr: opts.cacheAddr ?? "", dialTimeout: "500ms", maxRetries: 0 },
        logging: { level: "info", json: true },
    };
}

/**
 * Starts bin/mirador-rca (build it first with makeExample(["build"])) with a config file of serviceConfig() named by
 * MIRADOR_RCA_CONFIG, as the chart runs it, and waits for its "listening" log line. The test's own MIRADOR_*
 * variables are not passed on.
 */
export async function startService(opts: ServiceOptions = {}): Promise<RunningService> {
    const grpcAddr = `127.0.0.1:${await freePort()}`;
    const metricsAddr = `127.0.0.1:${await freePort()}`;
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-rca-config-"));
    const env: NodeJS.ProcessEnv = {};
    for (const [k, v] of Object.entries(process.env)) {
        if (!k.startsWith("MIRADOR_")) {
            env[k] = v;
        }
    }
    if (opts.configFile !== undefined) {
        env.MIRADOR_RCA_CONFIG = opts.configFile;
        env.MIRADOR_RCA_SERVER_ADDRESS = grpcAddr;
        env.MIRADOR_RCA_METRICS_ADDRESS = metricsAddr;
    } else {
        env.MIRADOR_RCA_CONFIG = path.join(dir, "config.yaml");
        fs.writeFileSync(env.MIRADOR_RCA_CONFIG, YAML.stringify(serviceConfig(grpcAddr, metricsAddr, opts)));
    }
    if (opts.faultErrorRatio !== undefined) {
        env.MIRADOR_FAULT_ERROR_RATIO = String(opts.faultErrorRatio);
    }
    if (opts.faultLatency !== undefined) {
        env.MIRADOR_FAULT_LATENCY = opts.faultLatency;
    }
    if (opts.faultStartup !== undefined) {
        env.MIRADOR_FAULT_STARTUP = opts.faultStartup;
    }
    Object.assign(env, opts.env ?? {});
    const p = await spawnListening(exampleBinary, [], env, () => fs.rmSync(dir, { recursive: true, force: true }));
    return { pid: p.pid, grpcAddr, metricsAddr, logs: p.logs, stop: p.stop };
}

export interface RunningMockCore {
    readonly pid: number;
    /** http://127.0.0.1:<port>, for clients.core.baseURL. */
    readonly url: string;
    stop(): Promise<void>;
}

/** Starts bin/mock-core (build it with makeExample(["mock-core"])) on a free loopback port. */
export async function startMockCore(): Promise<RunningMockCore> {
    const addr = `127.0.0.1:${await freePort()}`;
    const env = { ...process.env };
    const p = await spawnListening(mockCoreBinary, [`--addr=${addr}`], env);
    return { pid: p.pid, url: `http://${addr}`, stop: p.stop };
}

export interface GrpcurlResult {
    /** grpcurl's exit code: 0 for OK, 64 + the gRPC status code for an RPC error. */
    code: number;
    stdout: string;
    stderr: string;
}

/**
 * Runs `grpcurl -plaintext [flags] addr [rest…]` against a loopback address (server reflection, no proto files):
 * rest is a method, or "list" / "describe" and a symbol. Never throws on an RPC status: read `code`.
 */
export async function grpcurl(flags: string[], addr: string, rest: string[]): Promise<GrpcurlResult> {
    const args = ["-plaintext", ...flags, addr, ...rest];
    try {
        const { stdout, stderr } = await execFileAsync(requireTool("grpcurl"), args, {
            env: { ...process.env, PATH: toolPath() },
            encoding: "utf8",
            timeout: 30_000,
        });
        return { code: 0, stdout, stderr };
    } catch (err) {
        const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
        if (typeof e.code !== "number") {
            throw new Error(`grpcurl ${args.join(" ")} did not run: ${e.message}`);
        }
        return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
    }
}

/** Invokes one RCAEngine method with a JSON request through grpcurl and returns the parsed answer. */
export async function callRca(addr: string, method: string, request: object): Promise<Record<string, unknown>> {
    const result = await grpcurl(["-d", JSON.stringify(request)], addr, [`${rcaService}/${method}`]);
    if (result.code !== 0) {
        throw new Error(`${method} failed (grpcurl exit ${result.code}): ${result.stderr}`);
    }
    return JSON.parse(result.stdout) as Record<string, unknown>;
}

export interface Sample {
    name: string;
    labels: Record<string, string>;
    value: number;
}

/** Parses the Prometheus text exposition format (comments skipped, label values unescaped). */
export function parsePrometheusText(text: string): Sample[] {
    const samples: Sample[] = [];
    for (const line of text.split("\n")) {
        if (line === "" || line.startsWith("#")) {
            continue;
        }
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/.exec(line);
        if (!m) {
            throw new Error(`not a Prometheus sample line: ${line}`);
        }
        const labels: Record<string, string> = {};
        const labelRe = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)",?/g;
        for (let l = labelRe.exec(m[2] ?? ""); l !== null; l = labelRe.exec(m[2] ?? "")) {
            labels[l[1]] = l[2].replace(/\\n/g, "\n").replace(/\\"/g, '"').replace(/\\\\/g, "\\");
        }
        samples.push({ name: m[1], labels, value: Number(m[3]) });
    }
    return samples;
}

/** GETs http://<addr>/metrics and parses it. */
export async function scrapeMetrics(addr: string): Promise<Sample[]> {
    const body = await new Promise<string>((resolve, reject) => {
        const req = http.get(`http://${addr}/metrics`, { timeout: 10_000 }, (res) => {
            let text = "";
            res.setEncoding("utf8");
            res.on("data", (chunk: string) => (text += chunk));
            res.on("end", () =>
                res.statusCode === 200 ? resolve(text) : reject(new Error(`/metrics answered ${res.statusCode}`)),
            );
        });
        req.on("timeout", () => req.destroy(new Error(`GET http://${addr}/metrics timed out`)));
        req.on("error", reject);
    });
    return parsePrometheusText(body);
}

/** The samples of one metric whose labels include all of `match`. */
export function select(samples: Sample[], name: string, match: Record<string, string> = {}): Sample[] {
    return samples.filter((s) => s.name === name && Object.entries(match).every(([k, v]) => s.labels[k] === v));
}
