// The reaper of the sandbox registry (scripts/lib/sandbox-registry.js), which `npm test` runs before mocha: it stops
// only what test processes that are gone left, and never signals a PID that now belongs to another process.
import * as assert from "assert";
import { ChildProcess, spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { registry } from "../support/sandbox-registry";
import { repoRoot } from "../support/tools";

const reaper = path.join(repoRoot, "scripts", "lib", "sandbox-registry.js");
const localInfra = path.join(repoRoot, "scripts", "local-infra");

describe("the sandbox registry's reaper", () => {
    let tmp: string;
    let registryDir: string;
    let children: ChildProcess[];

    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-registry-test-"));
        registryDir = path.join(tmp, "registry");
        fs.mkdirSync(registryDir);
        children = [];
    });
    afterEach(() => {
        children.forEach((c) => c.kill("SIGKILL"));
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    /** A node process that waits a minute: its command line names no run directory. */
    function bystander(): { pid: number; startTime: string } {
        const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"], { stdio: "ignore" });
        children.push(child);
        return { pid: child.pid!, startTime: registry.startTime(child.pid!)! };
    }

    /** An owner that is gone: this process's PID with another start time. */
    const goneOwner = () => ({ pid: process.pid, startTime: "1" });

    function writeEntry(name: string, entry: Record<string, unknown>): string {
        const file = path.join(registryDir, `${name}.json`);
        fs.writeFileSync(
            file,
            JSON.stringify({ what: "test sandbox", run: null, created: "2026-12-07T00:00:00Z", ...entry }),
        );
        return file;
    }

    /** Runs the reaper on this test's registry folder; returns its log (stderr). */
    function reap(): string {
        const result = spawnSync(process.execPath, [reaper, "reap"], {
            env: { ...process.env, MIRADOR_SANDBOX_REGISTRY: registryDir },
            encoding: "utf8",
            timeout: 60_000,
        });
        assert.strictEqual(result.status, 0, result.stderr);
        return result.stderr;
    }

    it("leaves the sandbox of an owner that still runs alone", () => {
        const runDir = path.join(tmp, "run");
        fs.mkdirSync(runDir);
        const file = writeEntry("live", {
            runDir,
            owner: registry.self(),
            stop: null,
            processes: [],
            removeDir: runDir,
        });
        assert.match(reap(), /no sandbox left by test processes that are gone/);
        assert.ok(fs.existsSync(file));
        assert.ok(fs.existsSync(runDir));
    });

    it("does not let `down` signal a PID file's PID that now runs another program of the same name", () => {
        // The webhook's PID file names a `node` that is not the receiver started for this run dir (a recycled PID):
        // local-infra's own check (the program's name) would take it for the receiver; the reaper's (the run dir in
        // its command line) does not.
        const runDir = path.join(tmp, "run");
        fs.mkdirSync(path.join(runDir, "webhook"), { recursive: true });
        const other = bystander();
        fs.writeFileSync(path.join(runDir, "webhook", "webhook.pid"), `${other.pid}\n`);
        const file = writeEntry("recycled", {
            runDir,
            owner: goneOwner(),
            stop: { argv: [localInfra, "down", "webhook"], env: { MIRADOR_RUN: runDir } },
            processes: [],
            removeDir: runDir,
        });
        const log = reap();
        assert.match(
            log,
            /1 sandbox\(es\) left by test processes that are gone: test sandbox in .* stopped \(nothing ran\)/,
        );
        assert.ok(registry.alive(other), "the other process was signalled");
        assert.ok(!fs.existsSync(file), "the entry is removed");
        assert.ok(!fs.existsSync(runDir), "the run directory is removed");
    });

    it("stops a directly started process by PID only when its start time is the recorded one", () => {
        const ours = bystander();
        const other = bystander();
        writeEntry("direct", {
            runDir: path.join(tmp, "prometheus"),
            owner: goneOwner(),
            stop: null,
            processes: [
                { ...ours, name: "prometheus" },
                { pid: other.pid, startTime: String(Number(other.startTime) - 1), name: "prometheus" },
            ],
            removeDir: null,
        });
        reap();
        for (let i = 0; i < 50 && registry.alive(ours); i++) {
            registry.sleepSync(100);
        }
        assert.ok(!registry.alive(ours), "the recorded process still runs");
        assert.ok(registry.alive(other), "a process with another start time was signalled");
        assert.deepStrictEqual(fs.readdirSync(registryDir), []);
    });
});
