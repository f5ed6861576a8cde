// A private Docker engine and a loopback registry for integration tests, started with scripts/local-infra in a
// throw-away run directory (so a developer's own MIRADOR_RUN is never touched) and stopped by PID afterwards.
//
//     let infra: LocalInfra;
//     before(async function () { this.timeout(300_000); infra = await startLocalInfra(); });
//     after(async function () { this.timeout(120_000); await infra?.stop(); });
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { recordSandbox, stopEnv } from "./sandbox-registry";
import { repoRoot, requireTool, toolPath } from "./tools";

const execFileAsync = promisify(execFile);

export type InfraComponent = "docker" | "registry" | "webhook";

export interface LocalInfra {
    /** The run directory (MIRADOR_RUN) of this instance; removed by stop(). */
    readonly runDir: string;
    /** unix://… socket of the private dockerd, when the docker component was started. */
    readonly dockerHost: string;
    /** 127.0.0.1:<port> of the registry, when the registry component was started. */
    readonly registry: string;
    /** The environment for child processes: PATH with the tool cache first, DOCKER_HOST, MIRADOR_RUN. */
    readonly env: NodeJS.ProcessEnv;
    /** Runs the docker client against the private engine and returns its stdout. */
    docker(args: string[], opts?: { cwd?: string; timeoutMs?: number }): Promise<string>;
    /**
     * Stops every component started here (scripts/local-infra down) and removes the run directory; when `down` fails,
     * the run directory stays (with its PID files) for the interrupt cleanup and the reaper of the next `npm test`.
     */
    stop(): Promise<void>;
}

const localInfra = path.join(repoRoot, "scripts", "local-infra");

/** Reads KEY=VALUE lines (comments and blanks skipped), as scripts/local-infra writes infra.env. */
export function parseEnvFile(text: string): Record<string, string> {
    const out: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const m = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
        if (m) {
            out[m[1]] = m[2];
        }
    }
    return out;
}

async function runInfra(command: "up" | "down", components: InfraComponent[], env: NodeJS.ProcessEnv): Promise<void> {
    try {
        await execFileAsync(localInfra, [command, ...components], {
            env,
            encoding: "utf8",
            timeout: command === "up" ? 240_000 : 120_000,
            killSignal: "SIGTERM",
        });
    } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`scripts/local-infra ${command} ${components.join(" ")} failed: ${e.stderr ?? e.message}`);
    }
}

/** Starts the named components (docker and registry by default) and returns where they answer. */
export async function startLocalInfra(components: InfraComponent[] = ["docker", "registry"]): Promise<LocalInfra> {
    if (components.includes("docker")) {
        requireTool("dockerd");
        requireTool("docker");
    }
    if (components.includes("registry")) {
        requireTool("docker-registry");
    }
    // Short on purpose: dockerd's exec root holds unix sockets, whose paths must stay under 108 bytes.
    const runDir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-infra-"));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: toolPath(), MIRADOR_RUN: runDir };
    const record = recordSandbox(`local infra (${components.join(", ")})`, runDir, {
        stop: { argv: [localInfra, "down", ...components], env: stopEnv(runDir) },
        removeDir: runDir,
    });
    let stopped = false;
    const stop = async (): Promise<void> => {
        if (stopped) {
            return;
        }
        stopped = true;
        await runInfra("down", components, env);
        record.forget();
        fs.rmSync(runDir, { recursive: true, force: true });
    };
    try {
        await runInfra("up", components, env);
    } catch (err) {
        await stop().catch(() => undefined);
        throw err;
    }
    const endpoints = parseEnvFile(fs.readFileSync(path.join(runDir, "infra.env"), "utf8"));
    const dockerHost = endpoints.DOCKER_HOST ?? "";
    const registry = endpoints.MIRADOR_REGISTRY ?? "";
    if (components.includes("docker") && !dockerHost.startsWith("unix://")) {
        await stop();
        throw new Error(`infra.env has no DOCKER_HOST=unix://… (found ${JSON.stringify(endpoints)})`);
    }
    if (components.includes("registry") && !/^127\.0\.0\.1:\d+$/.test(registry)) {
        await stop();
        throw new Error(`infra.env has no MIRADOR_REGISTRY=127.0.0.1:<port> (found ${JSON.stringify(endpoints)})`);
    }
    const childEnv: NodeJS.ProcessEnv = { ...env, DOCKER_HOST: dockerHost };
    return {
        runDir,
        dockerHost,
        registry,
        env: childEnv,
        async docker(args, opts = {}) {
            try {
                const { stdout } = await execFileAsync(requireTool("docker"), args, {
                    cwd: opts.cwd,
                    env: childEnv,
                    encoding: "utf8",
                    timeout: opts.timeoutMs ?? 300_000,
                    maxBuffer: 64 * 1024 * 1024,
                });
                return stdout;
            } catch (err) {
                const e = err as { stderr?: string; message: string };
                throw new Error(`docker ${args.join(" ")} failed: ${e.stderr ?? e.message}`);
            }
        },
        stop,
    };
}
