// A real Prometheus (Debian's package) for tests and benches: started on a free loopback port with a given data
// directory and rule files, stopped by its PID; plus the promtool backfills that fill its data directory.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { freePort } from "./ports";
import { recordProcess } from "./sandbox-registry";
import { requireTool, runTool } from "./tools";

export interface RunningPrometheus {
    url: string;
    pid: number;
    /** Stops the process (SIGTERM, then SIGKILL after 10 s) and waits for it to exit. */
    stop(): Promise<void>;
}

export interface PrometheusOptions {
    /** A folder for the config file and the log. */
    workDir: string;
    /** The TSDB folder (backfilled blocks go there before the start). */
    dataDir: string;
    ruleFiles: string[];
    /** Rule evaluation interval, seconds. */
    evaluationSeconds?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function exited(child: ChildProcess): boolean {
    return child.exitCode !== null || child.signalCode !== null;
}

async function stopChild(child: ChildProcess): Promise<void> {
    if (exited(child) || child.pid === undefined) {
        return;
    }
    const done = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    process.kill(child.pid, "SIGTERM");
    const timer = new Promise<"late">((resolve) => setTimeout(() => resolve("late"), 10000).unref());
    if ((await Promise.race([done, timer])) === "late" && !exited(child)) {
        process.kill(child.pid, "SIGKILL");
        await done;
    }
}

function logTail(file: string): string {
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8").split("\n").slice(-15).join("\n") : "(no log)";
}

/** Starts Prometheus and waits until it is ready (at most 30 s); fails with the end of its log otherwise. */
export async function startPrometheus(opts: PrometheusOptions): Promise<RunningPrometheus> {
    const binary = requireTool("prometheus");
    const port = await freePort();
    const configFile = path.join(opts.workDir, "prometheus.yml");
    const rules = opts.ruleFiles.map((f) => `  - ${JSON.stringify(path.resolve(f))}`).join("\n");
    const interval = `${opts.evaluationSeconds ?? 1}s`;
    fs.writeFileSync(configFile, `global:\n  evaluation_interval: ${interval}\nrule_files:\n${rules || "  []"}\n`);
    const logFile = path.join(opts.workDir, `prometheus-${port}.log`);
    const log = fs.openSync(logFile, "w");
    const child = spawn(
        binary,
        [
            `--config.file=${configFile}`,
            `--storage.tsdb.path=${opts.dataDir}`,
            `--web.listen-address=127.0.0.1:${port}`,
            "--storage.tsdb.retention.time=60d",
            "--log.level=warn",
        ],
        { stdio: ["ignore", log, log] },
    );
    fs.closeSync(log);
    const url = `http://127.0.0.1:${port}`;
    const record = recordProcess("prometheus", opts.workDir, child.pid);
    const stop = async (): Promise<void> => {
        await stopChild(child);
        record?.forget();
    };
    const running: RunningPrometheus = { url, pid: child.pid ?? -1, stop };
    for (let attempt = 0; attempt < 120; attempt++) {
        if (exited(child)) {
            record?.forget();
            throw new Error(`prometheus exited at start (code ${String(child.exitCode)}):\n${logTail(logFile)}`);
        }
        try {
            const response = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
            if (response.ok) {
                return running;
            }
        } catch {
            // not listening yet
        }
        await sleep(250);
    }
    await running.stop();
    throw new Error(`prometheus on ${url} was not ready within 30 s:\n${logTail(logFile)}`);
}

interface RuleGroupStatus {
    name: string;
    lastEvaluation: string;
}

/**
 * Waits until every rule group was evaluated `rounds` times after this call (so that rules reading other groups'
 * recordings have seen them); bounded by (rounds + 2) intervals plus 20 s.
 */
export async function waitForRuleEvaluations(url: string, rounds: number, intervalSeconds = 1): Promise<void> {
    const since = Date.now() + (rounds - 1) * intervalSeconds * 1000;
    const limitMs = (rounds + 2) * intervalSeconds * 1000 + 20000;
    const deadline = Date.now() + limitMs;
    for (let attempt = 0; attempt < 2000 && Date.now() < deadline; attempt++) {
        const response = await fetch(`${url}/api/v1/rules`, { signal: AbortSignal.timeout(2000) });
        const body = (await response.json()) as { data: { groups: RuleGroupStatus[] } };
        const groups = body.data.groups;
        if (groups.length > 0 && groups.every((g) => Date.parse(g.lastEvaluation) > since)) {
            return;
        }
        await sleep(200);
    }
    throw new Error(`the rules of the Prometheus on ${url} were not evaluated ${rounds} times within ${limitMs} ms`);
}

/** Writes OpenMetrics text into TSDB blocks in dataDir. */
export function backfillOpenMetrics(text: string, workDir: string, dataDir: string): void {
    const input = path.join(workDir, "series.om");
    fs.writeFileSync(input, text);
    runTool("promtool", ["tsdb", "create-blocks-from", "openmetrics", "-q", input, dataDir]);
}

/**
 * Evaluates recording rules over a past range against a running Prometheus and moves the blocks into dataDir
 * (they are read when that Prometheus starts again).
 */
export function backfillRecordings(
    ruleFile: string,
    sourceUrl: string,
    range: { start: Date; end: Date; evalSeconds: number },
    workDir: string,
    dataDir: string,
): void {
    const out = fs.mkdtempSync(path.join(workDir, "rule-blocks-"));
    runTool("promtool", [
        "tsdb",
        "create-blocks-from",
        "rules",
        "-q",
        `--url=${sourceUrl}`,
        `--start=${Math.floor(range.start.getTime() / 1000)}`,
        `--end=${Math.floor(range.end.getTime() / 1000)}`,
        `--eval-interval=${range.evalSeconds}s`,
        `--output-dir=${out}`,
        ruleFile,
    ]);
    for (const block of fs.readdirSync(out)) {
        fs.renameSync(path.join(out, block), path.join(dataDir, block));
    }
}
