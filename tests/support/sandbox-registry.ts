// What a test process started, recorded where it survives the process (scripts/lib/sandbox-registry.js), and the
// cleanup of an interrupted run: on SIGINT/SIGTERM a test process stops every sandbox it started, by PID, through the
// same `down` its stop runs, and exits non-zero; mocha's main process (parallel mode) passes the signal to its
// workers, waits for them, and stops what a worker that died could not. After a SIGKILL, `npm test` reaps the rest
// (scripts/test: node scripts/lib/sandbox-registry.js reap).
//
//     const record = recordSandbox("local infra", runDir, { stop: { argv: [localInfra, "down"], env: stopEnv(runDir) } });
//     ... start it; later, once its own stop succeeded:
//     record.forget();
import * as fs from "fs";
import * as path from "path";
import { toolPath } from "./tools";

interface Owner {
    pid: number;
    startTime: string;
}

interface Entry {
    what: string;
    runDir: string;
    owner: Owner;
    run: string | null;
}

interface StopResult {
    ok: boolean;
    pids: number[];
    message: string;
}

interface Registry {
    registryDir(): string;
    register(entry: {
        what: string;
        runDir: string;
        stop?: { argv: string[]; env: Record<string, string> };
        processes?: { pid: number; startTime: string; name: string }[];
        removeDir?: string;
    }): string;
    unregister(file: string): void;
    entries(): { file: string; entry: Entry }[];
    stopWhere(select: (entry: Entry) => boolean): { entry: Entry; result: StopResult }[];
    describe(stopped: { entry: Entry; result: StopResult }[], why: string): string;
    alive(proc: { pid: number; startTime: string }): boolean;
    self(): Owner;
    startTime(pid: number): string | undefined;
    sleepSync(ms: number): void;
}

export const registry = require("../../scripts/lib/sandbox-registry.js") as Registry;

/** How long mocha's main process waits for its workers to stop their sandboxes after it passed them the signal. */
const WORKER_WAIT_MS = 240_000;
/** How long the commands in flight (an `up` that was starting a sandbox) get to end after SIGTERM, before SIGKILL. */
const CHILD_WAIT_MS = 5_000;
const SIGNAL_NUMBERS = { SIGINT: 2, SIGTERM: 15 } as const;
/** The script mocha's workerpool forks for each parallel worker. */
const workerScript = path.join("mocha", "lib", "nodejs", "worker.js");

export interface SandboxRecord {
    /** The registry entry's file. */
    readonly file: string;
    /** Removes the entry: call it once the sandbox's own stop succeeded. */
    forget(): void;
}

/** The environment a recorded stop command runs with: the run directory and the toolchain's PATH, nothing secret. */
export function stopEnv(runDir: string, more: Record<string, string> = {}): Record<string, string> {
    return {
        MIRADOR_RUN: runDir,
        PATH: toolPath(),
        ...(process.env.MIRADOR_CACHE ? { MIRADOR_CACHE: process.env.MIRADOR_CACHE } : {}),
        ...more,
    };
}

/**
 * Records a sandbox before it starts (so that a signal in the middle of its start stops what did start); installs the
 * interrupt cleanup in this process.
 */
export function recordSandbox(
    what: string,
    runDir: string,
    how: {
        stop?: { argv: string[]; env: Record<string, string> };
        processes?: { pid: number; startTime: string; name: string }[];
        removeDir?: string;
    },
): SandboxRecord {
    installInterruptCleanup();
    const file = registry.register({ what, runDir, ...how });
    return { file, forget: () => registry.unregister(file) };
}

/**
 * Records a process started directly (not through a script with PID files), to be stopped by its PID; none when it
 * already exited (its start fails on its own).
 */
export function recordProcess(name: string, label: string, pid: number | undefined): SandboxRecord | undefined {
    const startTime = pid === undefined ? undefined : registry.startTime(pid);
    if (pid === undefined || startTime === undefined) {
        return undefined;
    }
    return recordSandbox(name, label, { processes: [{ pid, startTime, name }] });
}

function log(message: string): void {
    process.stderr.write(`[interrupt-cleanup pid ${process.pid}] ${message}\n`);
}

interface ProcInfo {
    ppid: number;
    /** A session leader: a daemon that infra_start or start_component started with setsid (in a PID file). */
    daemon: boolean;
}

/** Every process's parent and whether it leads its own session, from /proc. */
function processTable(): Map<number, ProcInfo> {
    const out = new Map<number, ProcInfo>();
    for (const name of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(name)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${name}/stat`, "utf8");
            // After the command name: state, ppid, process group, session.
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            out.set(Number(name), { ppid: Number(fields[1]), daemon: Number(fields[3]) === Number(name) });
        } catch {
            // ended while we looked
        }
    }
    return out;
}

/**
 * The commands in flight below a child of ours (a script half way through `up`, its curl and sleep, a pulumi engine),
 * without the daemons that script already started in their own session: those are in PID files, and the sandbox's
 * `down` stops them in order (a SIGTERM to each at once, then SIGKILL, would leave mounts and containers behind).
 */
function inFlightBelow(root: number, table: Map<number, ProcInfo>): number[] {
    const found: number[] = [];
    const queue = [root];
    while (queue.length > 0 && found.length < 10_000) {
        const pid = queue.shift()!;
        for (const [child, info] of table) {
            if (info.ppid === pid && !info.daemon) {
                found.push(child);
                queue.push(child);
            }
        }
    }
    return found;
}

/**
 * Whether a child of ours is one of mocha's parallel workers (they stop their own sandboxes): only mocha's main process
 * has them, and a worker runs mocha's worker script (its own children inherit MOCHA_WORKER_ID, not the script).
 */
function isMochaWorker(pid: number): boolean {
    if (amWorker()) {
        return false;
    }
    try {
        return fs
            .readFileSync(`/proc/${pid}/cmdline`, "utf8")
            .split("\0")
            .some((a) => a.endsWith(workerScript));
    } catch {
        return false;
    }
}

function signal(pid: number, sig: NodeJS.Signals): void {
    try {
        process.kill(pid, sig);
    } catch {
        // gone meanwhile
    }
}

function waitGone(procs: Owner[], ms: number): Owner[] {
    const deadline = Date.now() + ms;
    let left = procs.filter((p) => registry.alive(p));
    for (let i = 0; i < 10_000 && left.length > 0 && Date.now() < deadline; i++) {
        registry.sleepSync(100);
        left = left.filter((p) => registry.alive(p));
    }
    return left;
}

function snapshot(pids: number[]): Owner[] {
    return pids.flatMap((pid) => {
        const startTime = registry.startTime(pid);
        return startTime === undefined ? [] : [{ pid, startTime }];
    });
}

let installed = false;
let interrupted: keyof typeof SIGNAL_NUMBERS | undefined;
let me: Owner;
/** The test run this process belongs to: mocha's main process's PID and start time. */
let runId = "";

/** Whether this process is one of mocha's parallel workers (forked with an IPC channel by its main process). */
function amWorker(): boolean {
    return process.env.MOCHA_WORKER_ID !== undefined && typeof process.send === "function";
}

function stopMine(why: string): void {
    const stopped = registry.stopWhere((e) => e.owner.pid === me.pid && e.owner.startTime === me.startTime);
    if (stopped.length > 0) {
        log(registry.describe(stopped, why));
    }
}

/** In the run's main process: what workers of this run that are gone left (a worker killed outright). */
function stopOrphans(): void {
    if (amWorker() || runId !== `${me.pid}:${me.startTime}`) {
        return;
    }
    const stopped = registry.stopWhere((e) => e.run === runId && !registry.alive(e.owner));
    if (stopped.length > 0) {
        log(registry.describe(stopped, "left by this run's workers that are gone"));
    }
}

function onSignal(sig: keyof typeof SIGNAL_NUMBERS): void {
    if (interrupted !== undefined) {
        log(`${sig} again: still stopping sandboxes (SIGKILL would leave them to the next npm test's reaper)`);
        return;
    }
    interrupted = sig;
    try {
        const table = processTable();
        const children = [...table].filter(([, info]) => info.ppid === process.pid).map(([pid]) => pid);
        const workers = children.filter(isMochaWorker);
        // Commands in flight (an `up` half way, a pulumi engine): they would go on starting what we stop.
        const inFlight = snapshot(
            children.filter((pid) => !workers.includes(pid)).flatMap((pid) => [pid, ...inFlightBelow(pid, table)]),
        );
        const mine = registry.entries().filter((e) => e.entry.owner.pid === me.pid).length;
        log(
            `${sig}: stopping the ${mine} sandbox(es) this process started` +
                (workers.length > 0 ? `, and waiting for workers ${workers.join(" ")} to stop theirs` : ""),
        );
        workers.forEach((pid) => signal(pid, "SIGTERM"));
        inFlight.forEach((p) => signal(p.pid, "SIGTERM"));
        waitGone(inFlight, CHILD_WAIT_MS).forEach((p) => signal(p.pid, "SIGKILL"));
        waitGone(inFlight, 2_000);
        stopMine(`started by this process, stopped on ${sig}`);
        const left = waitGone(snapshot(workers), WORKER_WAIT_MS);
        if (left.length > 0) {
            log(`workers ${left.map((p) => p.pid).join(" ")} still run after ${WORKER_WAIT_MS / 1000}s; exiting`);
        }
        stopOrphans();
    } catch (err) {
        log(`cleanup failed: ${(err as Error).message}`);
    }
    process.exit(128 + SIGNAL_NUMBERS[sig]);
}

function onExit(): void {
    try {
        // A test process that ends (a worker the pool terminates, mocha's main gone) with sandboxes still recorded:
        // its stops did not run (an `after` hook never reached) or failed.
        stopMine("still recorded when this process exited");
        stopOrphans();
    } catch (err) {
        log(`cleanup at exit failed: ${(err as Error).message}`);
    }
    if (interrupted !== undefined) {
        process.exitCode = 128 + SIGNAL_NUMBERS[interrupted];
    }
}

/**
 * Installs the SIGINT/SIGTERM and exit handlers in this process (once). mocha loads it in its main process and every
 * worker (tests/mocharc.all.json); recordSandbox installs it in any other process that starts a sandbox.
 */
export function installInterruptCleanup(): void {
    if (installed) {
        return;
    }
    installed = true;
    me = registry.self();
    if (!amWorker()) {
        // A run's main process: its workers inherit the run's id at fork.
        process.env.MIRADOR_TEST_RUN = `${me.pid}:${me.startTime}`;
    }
    runId = process.env.MIRADOR_TEST_RUN ?? "";
    process.on("SIGINT", () => onSignal("SIGINT"));
    process.on("SIGTERM", () => onSignal("SIGTERM"));
    process.on("exit", onExit);
}
