// `npm run bench:gate`: the gate's decision latency against a real local Prometheus, median of repeated runs, for
// the committed 2-SLO spec and for a generated 20-SLO spec (per method and objective, generated with sloth into a
// temporary folder, never committed). Prints figures; asserts nothing.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { stringify } from "yaml";
import { parseGateConfig } from "../gate/config";
import { runGate } from "../gate/evaluate";
import { CANARY, scenario, STABLE } from "../tests/support/gate-scenarios";
import { LoadedPrometheus, loadScenario, SLOTH_RULES } from "../tests/support/slo-prometheus";
import { RCA_METHODS } from "../tests/support/synthetic";
import { runTool } from "../tests/support/tools";

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARMUP = 3;
/** Rule evaluation interval of the bench's Prometheus: slow enough not to compete with the gate for the CPU. */
const EVALUATION_SECONDS = 10;

const SERVICE = "mirador.rca.v1.RCAService";
const CLIENT_CODES =
    "OK|Canceled|InvalidArgument|NotFound|AlreadyExists|PermissionDenied|Unauthenticated|FailedPrecondition|OutOfRange";

function sel(metric: string, extra: string): string {
    return `${metric}{grpc_service="${SERVICE}",track!=""${extra}}`;
}

function availability(name: string, objective: number, method: string) {
    const m = method ? `,grpc_method="${method}"` : "";
    return {
        name,
        objective,
        sli: {
            events: {
                error_query: `sum by (track) (rate(${sel("grpc_server_handled_total", `${m},grpc_code!~"${CLIENT_CODES}"`)}[{{.window}}]))`,
                total_query: `sum by (track) (rate(${sel("grpc_server_handled_total", m)}[{{.window}}]))`,
            },
        },
        alerting: { name: "BenchAvailability", page_alert: { labels: {} }, ticket_alert: { labels: {} } },
    };
}

function latency(name: string, objective: number, method: string, le: string) {
    const m = method ? `,grpc_method="${method}"` : "";
    const count = `sum by (track) (rate(${sel("grpc_server_handling_seconds_count", m)}[{{.window}}]))`;
    const fast = `sum by (track) (rate(${sel("grpc_server_handling_seconds_bucket", `${m},le="${le}"`)}[{{.window}}]))`;
    return {
        name,
        objective,
        sli: { events: { error_query: `(${count} - ${fast})`, total_query: count } },
        alerting: { name: "BenchLatency", page_alert: { labels: {} }, ticket_alert: { labels: {} } },
    };
}

/** 20 SLOs: 6 per RCAService method (2 availability, 4 latency objectives) and 2 for the whole service. */
function twentySlos(): unknown[] {
    const slos: unknown[] = [availability("all-availability", 99.9, ""), latency("all-latency", 99, "", "1")];
    for (const method of RCA_METHODS) {
        const m = method.toLowerCase();
        slos.push(
            availability(`${m}-availability-999`, 99.9, method),
            availability(`${m}-availability-995`, 99.5, method),
            latency(`${m}-latency-500ms`, 95, method, "0.5"),
            latency(`${m}-latency-1s`, 99, method, "1"),
            latency(`${m}-latency-2500ms`, 99.5, method, "2.5"),
            latency(`${m}-latency-5s`, 99.9, method, "5"),
        );
    }
    return slos;
}

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

interface Target {
    label: string;
    loaded: LoadedPrometheus;
    specFile: string;
    times: number[];
    queries: number;
}

async function timeOne(target: Target): Promise<number> {
    const config = parseGateConfig({ sloSpec: target.specFile }, "bench", "/");
    const start = performance.now();
    const decision = await runGate(target.loaded.prometheus.url, config);
    const elapsed = performance.now() - start;
    if (decision.decision !== "promote") {
        const failing = decision.checks.filter((c) => c.result !== "pass").map((c) => `${c.name}: ${c.reason}`);
        throw new Error(`${target.label}: the healthy bench canary was denied:\n${failing.join("\n")}`);
    }
    target.queries = decision.checks.length;
    return elapsed;
}

async function main(): Promise<void> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-bench-"));
    const targets: Target[] = [];
    try {
        const spec20 = path.join(dir, "twenty.yaml");
        const rules20 = path.join(dir, "twenty.rules.yml");
        fs.writeFileSync(spec20, stringify({ version: "prometheus/v1", service: "mirador-rca", slos: twentySlos() }));
        runTool("sloth", ["generate", "--no-log", "-i", spec20, "-o", rules20]);
        const data = scenario(STABLE, CANARY);
        const sources: [string, string, string][] = [
            ["2 SLOs", path.resolve(__dirname, "..", "slos", "mirador-rca.yaml"), SLOTH_RULES],
            ["20 SLOs", spec20, rules20],
        ];
        for (const [label, specFile, rulesFile] of sources) {
            const started = performance.now();
            const loaded = await loadScenario(data, { rulesFile, evaluationSeconds: EVALUATION_SECONDS });
            targets.push({ label, loaded, specFile, times: [], queries: 0 });
            console.log(`${label}: Prometheus loaded in ${((performance.now() - started) / 1000).toFixed(1)} s`);
        }
        for (let i = 0; i < WARMUP + RUNS; i++) {
            for (const target of targets) {
                const ms = await timeOne(target);
                if (i >= WARMUP) {
                    target.times.push(ms);
                }
            }
        }
        console.log(`\ngate decision latency, ${RUNS} runs each (interleaved, after ${WARMUP} warm-up runs):`);
        for (const t of targets) {
            const [lo, hi] = [Math.min(...t.times), Math.max(...t.times)];
            console.log(
                `  ${t.label.padEnd(8)} median ${median(t.times).toFixed(1)} ms  (min ${lo.toFixed(1)}, max ${hi.toFixed(1)}; ${t.queries} checks)`,
            );
        }
        const ratio = median(targets[1].times) / median(targets[0].times);
        console.log(`  ratio 20/2: ${ratio.toFixed(2)} (goal: within 2)`);
    } finally {
        for (const t of targets) {
            await t.loaded.dispose();
        }
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
});
