// An interrupted test run cleans up after itself (tests/support/sandbox-registry.ts). A mocha of its own, parallel as
// `npm test` runs it, runs tests/fixtures/interrupted-run/starts-a-sandbox.ts, which starts real processes with PID
// files (local-infra's registry and webhook) and waits. A SIGTERM to that mocha's main process, as a CI time-out sends
// it, leaves nothing of the sandbox running and no registry entry; after a SIGKILL of the main process and its worker
// (no handler runs) the sandbox still runs, and the reaper that `npm test` runs first stops it.
import * as assert from "assert/strict";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { run } from "../support/cluster";
import { registry } from "../support/sandbox-registry";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const fixture = path.join(repoRoot, "tests", "fixtures", "interrupted-run", "starts-a-sandbox.ts");
const mochaBin = path.join(repoRoot, "node_modules", "mocha", "bin", "mocha.js");
const reaper = path.join(repoRoot, "scripts", "lib", "sandbox-registry.js");
const localInfra = path.join(repoRoot, "scripts", "local-infra");

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Proc {
    pid: number;
    startTime: string;
}

/** A process as it runs now (PID and start time), to tell it later from another that got its PID. */
function proc(pid: number): Proc {
    const startTime = registry.startTime(pid);
    assert.ok(startTime !== undefined, `pid ${pid} does not run`);
    return { pid, startTime };
}

/** A parallel mocha running the fixture, with its own sandbox registry, as a test run of its own. */
class InterruptedRun {
    readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-interrupted-"));
    readonly registryDir = path.join(this.dir, "registry");
    readonly readyFile = path.join(this.dir, "ready.json");
    child!: ChildProcess;
    output = "";
    exit!: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
    worker!: Proc;
    runDir = "";
    sandbox: Proc[] = [];

    env(): NodeJS.ProcessEnv {
        const env: NodeJS.ProcessEnv = {
            ...process.env,
            PATH: toolPath(),
            MIRADOR_SANDBOX_REGISTRY: this.registryDir,
            MIRADOR_INTERRUPT_READY: this.readyFile,
        };
        // A run of its own: not a worker of this run (mocha sets these in its workers).
        delete env.MOCHA_WORKER_ID;
        delete env.MIRADOR_TEST_RUN;
        return env;
    }

    /** Starts it and waits (at most 120 s) until its sandbox runs; records the sandbox's processes. */
    async start(): Promise<void> {
        const args = [
            mochaBin,
            ...["--require", "ts-node/register/transpile-only", "--require", "tests/support/interrupt-cleanup.ts"],
            ...["--extension", "ts", "--parallel", "--jobs", "2", "--timeout", "900000", fixture],
        ];
        this.child = spawn(process.execPath, args, {
            cwd: repoRoot,
            env: this.env(),
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child.stdout?.setEncoding("utf8").on("data", (d: string) => (this.output += d));
        this.child.stderr?.setEncoding("utf8").on("data", (d: string) => (this.output += d));
        this.exit = new Promise((resolve) => this.child.once("exit", (code, signal) => resolve({ code, signal })));
        for (let i = 0; i < 240 && !fs.existsSync(this.readyFile); i++) {
            assert.equal(
                this.child.exitCode,
                null,
                `the fixture's mocha exited before its sandbox ran:\n${this.output}`,
            );
            await sleep(500);
        }
        assert.ok(fs.existsSync(this.readyFile), `the fixture's sandbox did not run within 120 s:\n${this.output}`);
        const ready = JSON.parse(fs.readFileSync(this.readyFile, "utf8")) as { pid: number; runDir: string };
        this.worker = proc(ready.pid);
        this.runDir = ready.runDir;
        this.sandbox = ["registry/registry.pid", "webhook/webhook.pid"].map((f) =>
            proc(Number(fs.readFileSync(path.join(this.runDir, f), "utf8").trim())),
        );
        assert.deepEqual(
            this.entries().map((e) => e.runDir),
            [this.runDir],
            "the sandbox is recorded in the registry",
        );
    }

    /** The entries of this run's registry folder. */
    entries(): { runDir: string }[] {
        if (!fs.existsSync(this.registryDir)) {
            return [];
        }
        return fs
            .readdirSync(this.registryDir)
            .filter((f) => f.endsWith(".json"))
            .map((f) => JSON.parse(fs.readFileSync(path.join(this.registryDir, f), "utf8")) as { runDir: string });
    }

    /** Waits (at most ms) for the fixture's mocha to exit. */
    async exited(ms: number): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
        try {
            const result = await Promise.race([this.exit, late]);
            assert.ok(
                result !== undefined,
                `the interrupted mocha did not exit within ${ms / 1000} s:\n${this.output}`,
            );
            return result;
        } finally {
            // A pending timer would keep this mocha alive after its tests.
            clearTimeout(timer);
        }
    }

    running(): Proc[] {
        return [...this.sandbox, this.worker].filter((p) => registry.alive(p));
    }

    /** Whatever a failed case left: the mocha, then the sandbox by its own down; then the files. */
    async cleanUp(): Promise<void> {
        if (this.child?.exitCode === null && this.child.signalCode === null) {
            this.child.kill("SIGKILL");
            await this.exited(10_000).catch(() => undefined);
        }
        if (this.worker !== undefined && registry.alive(this.worker)) {
            process.kill(this.worker.pid, "SIGKILL");
        }
        if (this.runDir !== "" && fs.existsSync(this.runDir)) {
            await run(localInfra, ["down"], { env: { ...this.env(), MIRADOR_RUN: this.runDir } });
            fs.rmSync(this.runDir, { recursive: true, force: true });
        }
        fs.rmSync(this.dir, { recursive: true, force: true });
    }
}

describe("an interrupted test run cleans up after itself", function () {
    this.timeout(600_000);
    let interrupted: InterruptedRun | undefined;

    before(() => {
        requireTool("docker-registry");
    });

    afterEach(async () => {
        await interrupted?.cleanUp();
        interrupted = undefined;
    });

    it("SIGTERM to mocha's main process: every process of the worker's sandbox is stopped, its entry removed", async () => {
        interrupted = new InterruptedRun();
        await interrupted.start();
        assert.equal(interrupted.running().length, 3, "the registry, the webhook receiver and the worker run");

        process.kill(interrupted.child.pid!, "SIGTERM");
        const { code, signal } = await interrupted.exited(300_000);

        assert.ok(code !== 0, `mocha exited 0 after SIGTERM (signal ${String(signal)}):\n${interrupted.output}`);
        assert.deepEqual(interrupted.running(), [], `still running after SIGTERM:\n${interrupted.output}`);
        assert.deepEqual(interrupted.entries(), [], "the sandbox's registry entry is gone");
        assert.ok(!fs.existsSync(interrupted.runDir), "the sandbox's run directory is removed");
        assert.match(interrupted.output, /stopped on SIGTERM: local infra \(registry, webhook\)/);
    });

    it("SIGKILL to mocha and its worker: the sandbox runs on until the reaper of the next run stops it", async () => {
        interrupted = new InterruptedRun();
        await interrupted.start();

        process.kill(interrupted.worker.pid, "SIGKILL");
        process.kill(interrupted.child.pid!, "SIGKILL");
        await interrupted.exited(60_000);
        for (let i = 0; i < 50 && registry.alive(interrupted.worker); i++) {
            await sleep(100);
        }
        // No handler ran: what the worker started still runs, and is still recorded.
        assert.deepEqual(interrupted.running(), interrupted.sandbox, "the sandbox runs on after SIGKILL");
        assert.equal(interrupted.entries().length, 1);

        const reaped = await run(process.execPath, [reaper, "reap"], { env: interrupted.env(), timeoutMs: 240_000 });

        assert.equal(reaped.code, 0, reaped.stderr);
        assert.match(reaped.stderr, /1 sandbox\(es\) left by test processes that are gone: local infra/);
        assert.ok(reaped.stderr.includes(interrupted.runDir), reaped.stderr);
        assert.deepEqual(interrupted.running(), [], `still running after the reaper:\n${reaped.stderr}`);
        assert.deepEqual(interrupted.entries(), [], "the reaper removed the entry");
        assert.ok(!fs.existsSync(interrupted.runDir), "the reaper removed the run directory");
    });
});
