// What the tests started and have not stopped yet: one file per sandbox run directory in the machine's registry
// folder ($TMPDIR/mirador-release-sandboxes, or MIRADOR_SANDBOX_REGISTRY), written before a sandbox starts and removed
// when it was stopped. An entry names the run directory, the process that owns it (PID and start time), the test run
// (MIRADOR_TEST_RUN, set by tests/support/interrupt-cleanup.ts in mocha's main process), and how to stop it: the
// command its own stop runs (`scripts/local-infra down`, `scripts/local-cluster down`) with MIRADOR_RUN, and/or the
// processes started directly (PID and start time). No secret goes in: only paths, PIDs and the stop command.
//
// Stopping an entry never signals a recycled PID: before the `down` runs, each PID file in the run directory whose
// process is alive but not ours (another start time than recorded, or a command line that does not name the run
// directory) is removed, so that `down` leaves that process alone; direct processes are signalled only when their
// start time matches.
//
//   node scripts/lib/sandbox-registry.js reap   stops what test processes that are gone (SIGKILL, a crash) left
//                                              running; one log line says what; exit 1 when one would not stop
//   node scripts/lib/sandbox-registry.js list   one line per entry: owner, state, run directory
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { spawnSync } = require("child_process");

/** How long one entry's stop command may take (local-infra down of a whole release sandbox: seconds, 2 min at most). */
const STOP_TIMEOUT_MS = 180_000;

function registryDir() {
    return process.env.MIRADOR_SANDBOX_REGISTRY || path.join(os.tmpdir(), "mirador-release-sandboxes");
}

/** The start time of a process (/proc/PID/stat field 22, clock ticks since boot), or undefined when there is none. */
function startTime(pid) {
    let stat;
    try {
        stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    } catch {
        return undefined;
    }
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // A zombie has exited: it runs nothing any more.
    return fields[0] === "Z" ? undefined : fields[19];
}

function cmdline(pid) {
    try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
        return "";
    }
}

/** Whether the process recorded as {pid, startTime} still runs (same PID, same start time). */
function alive(proc) {
    return Number.isInteger(proc.pid) && proc.pid > 0 && startTime(proc.pid) === String(proc.startTime);
}

/** This process as an owner: PID and start time. */
function self() {
    return { pid: process.pid, startTime: startTime(process.pid) };
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));
/** Blocks the thread for ms milliseconds (the stop paths run in `exit` handlers, where nothing async runs). */
function sleepSync(ms) {
    Atomics.wait(sleepCell, 0, 0, ms);
}

/**
 * Records a sandbox before it starts; returns the entry's file (give it to unregister once it was stopped).
 *   what       a few words for the log ("release sandbox", "local infra docker registry")
 *   runDir     its run directory (MIRADOR_RUN)
 *   stop       { argv: [command, ...args], env: { MIRADOR_RUN, ... } }: what its own stop runs (optional)
 *   processes  [{ pid, startTime, name }]: processes started directly, signalled by PID (optional)
 *   removeDir  the folder its own stop removes (optional)
 */
function register({ what, runDir, stop, processes, removeDir }) {
    const dir = registryDir();
    fs.mkdirSync(dir, { recursive: true });
    const key = crypto
        .createHash("sha256")
        .update(`${runDir}\0${JSON.stringify(stop?.argv ?? [])}\0${(processes ?? []).map((p) => p.pid).join(" ")}`)
        .digest("hex")
        .slice(0, 12);
    const file = path.join(dir, `${process.pid}-${key}.json`);
    const entry = {
        what,
        runDir,
        owner: self(),
        run: process.env.MIRADOR_TEST_RUN || null,
        created: new Date().toISOString(),
        stop: stop ?? null,
        processes: processes ?? [],
        removeDir: removeDir ?? null,
    };
    const tmp = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, `${JSON.stringify(entry, null, 2)}\n`);
    fs.renameSync(tmp, file);
    return file;
}

function unregister(file) {
    fs.rmSync(file, { force: true });
}

/** Every entry: [{ file, entry }]; a file that does not parse is reported and left alone. */
function entries() {
    const dir = registryDir();
    let names;
    try {
        names = fs.readdirSync(dir);
    } catch {
        return [];
    }
    const out = [];
    for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
        const file = path.join(dir, name);
        try {
            out.push({ file, entry: JSON.parse(fs.readFileSync(file, "utf8")) });
        } catch (err) {
            if (fs.existsSync(file)) {
                console.error(`sandbox registry: ${file} is not an entry (${err.message}); remove it by hand`);
            }
        }
    }
    return out;
}

/**
 * The processes a run directory's PID files name: the local infrastructure's <component>/*.pid (the PID alone; the
 * process is ours when its command line names the run directory, as every component's does), the Docker engine's
 * containerd, and scripts/local-cluster's cluster/pids/<name> (PID and start time).
 */
function pidFiles(runDir) {
    const found = [];
    const add = (file, withStart) => {
        let text;
        try {
            text = fs.readFileSync(file, "utf8").trim();
        } catch {
            return;
        }
        const [pid, start] = text.split(/\s+/);
        if (/^\d+$/.test(pid ?? "")) {
            found.push({ file, pid: Number(pid), startTime: withStart ? start : undefined });
        }
    };
    let components = [];
    try {
        components = fs.readdirSync(runDir, { withFileTypes: true }).filter((d) => d.isDirectory());
    } catch {
        return found;
    }
    for (const c of components) {
        const dir = path.join(runDir, c.name);
        for (const f of fs.readdirSync(dir).filter((n) => n.endsWith(".pid"))) {
            add(path.join(dir, f), false);
        }
    }
    add(path.join(runDir, "docker", "exec", "containerd", "containerd.pid"), false);
    const clusterPids = path.join(runDir, "cluster", "pids");
    if (fs.existsSync(clusterPids)) {
        for (const f of fs.readdirSync(clusterPids)) {
            add(path.join(clusterPids, f), true);
        }
    }
    return found;
}

/** Whether a PID file's process is alive and the one that was started for runDir. */
function ours(p, runDir) {
    const now = startTime(p.pid);
    if (now === undefined) {
        return false;
    }
    return p.startTime !== undefined ? now === p.startTime : cmdline(p.pid).includes(runDir);
}

function mountsUnder(dir) {
    let real;
    try {
        real = fs.realpathSync(dir);
    } catch {
        return [];
    }
    return fs
        .readFileSync("/proc/self/mounts", "utf8")
        .split("\n")
        .map((l) => l.split(" ")[1])
        .filter((m) => m !== undefined && m.startsWith(`${real}/`));
}

function signal(pid, sig) {
    try {
        process.kill(pid, sig);
    } catch {
        // gone meanwhile
    }
}

/**
 * Stops one entry by PID, through the same `down` its owner's stop runs; removes the entry (and the folder its stop
 * would remove) once nothing of it runs. Returns { ok, pids: what was running, message }.
 */
function stopEntry({ file, entry }) {
    const runDir = entry.runDir;
    const problems = [];
    // The PID files of a run directory that a stop command stops; a directly started process has none.
    const recorded = entry.stop ? pidFiles(runDir) : [];
    for (const p of recorded) {
        if (startTime(p.pid) !== undefined && !ours(p, runDir)) {
            // A recycled PID: the process we started is gone; `down` must not signal the one that has its PID now.
            fs.rmSync(p.file, { force: true });
        }
    }
    const running = [
        ...recorded.filter((p) => ours(p, runDir)),
        ...(entry.processes ?? []).filter(alive).map((p) => ({ ...p, direct: true })),
    ];
    if (entry.stop && entry.stop.argv?.length && fs.existsSync(runDir)) {
        const [command, ...args] = entry.stop.argv;
        const result = spawnSync(command, args, {
            env: { ...process.env, ...entry.stop.env },
            encoding: "utf8",
            timeout: STOP_TIMEOUT_MS,
            stdio: ["ignore", "pipe", "pipe"],
        });
        if (result.error || result.status !== 0) {
            const why = result.error ? result.error.message : `exit ${result.status}`;
            const tail = (result.stderr ?? "").trim().split("\n").slice(-5).join("\n");
            problems.push(`${entry.stop.argv.join(" ")} (MIRADOR_RUN=${runDir}) failed: ${why}\n${tail}`);
        }
    }
    const direct = (entry.processes ?? []).filter(alive);
    direct.forEach((p) => signal(p.pid, "SIGTERM"));
    for (let i = 0; i < 100 && direct.some(alive); i++) {
        sleepSync(100);
    }
    direct.filter(alive).forEach((p) => signal(p.pid, "SIGKILL"));
    for (let i = 0; i < 50 && direct.some(alive); i++) {
        sleepSync(100);
    }
    const left = running.filter((p) => (p.direct ? alive(p) : ours(p, runDir)));
    if (left.length > 0) {
        problems.push(`still running: ${left.map((p) => `pid ${p.pid}${p.file ? ` (${p.file})` : ""}`).join(", ")}`);
    }
    if (problems.length > 0) {
        return { ok: false, pids: running.map((p) => p.pid), message: problems.join("; ") };
    }
    if (entry.removeDir) {
        if (mountsUnder(entry.removeDir).length === 0) {
            fs.rmSync(entry.removeDir, { recursive: true, force: true });
        } else {
            problems.push(`left ${entry.removeDir} in place: still mounted under it`);
        }
    }
    unregister(file);
    return { ok: problems.length === 0, pids: running.map((p) => p.pid), message: problems.join("; ") };
}

/** Stops the entries `select` picks, the latest first (as `after` hooks would); returns [{ entry, result }]. */
function stopWhere(select) {
    return entries()
        .filter(({ entry }) => select(entry))
        .sort((a, b) => String(b.entry.created).localeCompare(String(a.entry.created)))
        .map((e) => ({ entry: e.entry, result: stopEntry(e) }));
}

/** One line about what was stopped, for the log. */
function describe(stopped, why) {
    if (stopped.length === 0) {
        return `no sandbox ${why}`;
    }
    const parts = stopped.map(
        ({ entry, result }) =>
            `${entry.what} in ${entry.runDir} of pid ${entry.owner.pid}: ` +
            (result.ok
                ? `stopped ${result.pids.length ? `pids ${result.pids.join(" ")}` : "(nothing ran)"}`
                : "FAILED"),
    );
    return `${stopped.length} sandbox(es) ${why}: ${parts.join("; ")}`;
}

/** Stops what owners that are gone left running (npm test runs it before mocha). */
function reap() {
    const stopped = stopWhere((entry) => !alive(entry.owner));
    console.error(
        `[${new Date().toISOString().slice(11, 19)}] ${describe(stopped, "left by test processes that are gone")}`,
    );
    const failed = stopped.filter(({ result }) => !result.ok);
    for (const { entry, result } of failed) {
        console.error(
            `sandbox registry: could not stop ${entry.runDir}: ${result.message}\n` +
                `  fix: MIRADOR_RUN=${entry.runDir} ${entry.stop?.argv?.join(" ") ?? "kill the PIDs above"}, then ` +
                `remove its entry from ${registryDir()}`,
        );
    }
    return failed.length === 0;
}

function list() {
    for (const { entry } of entries()) {
        const state = alive(entry.owner) ? "owner running" : "owner gone";
        console.log(`pid ${entry.owner.pid} (${state})  ${entry.what}  ${entry.runDir}`);
    }
}

module.exports = {
    registryDir,
    register,
    unregister,
    entries,
    stopEntry,
    stopWhere,
    describe,
    reap,
    alive,
    self,
    startTime,
    sleepSync,
};

if (require.main === module) {
    const command = process.argv[2];
    if (command === "reap") {
        process.exit(reap() ? 0 : 1);
    } else if (command === "list") {
        list();
    } else {
        console.error("usage: node scripts/lib/sandbox-registry.js reap|list");
        process.exit(2);
    }
}
