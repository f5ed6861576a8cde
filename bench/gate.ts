// `npm run bench:gate`: the gate's decision latency against a real local Prometheus, median of repeated runs, for
// the committed 2-SLO derived spec and for a generated 20-SLO spec on the service's real metrics (the investigation
// counter and histogram, go-grpc-prometheus's calls per method), derived as `npm run slos` derives the service's
// spec and generated with sloth into a temporary folder, never committed. Prints figures; asserts nothing.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { performance } from "perf_hooks";
import { stringify } from "yaml";
import { parseGateConfig } from "../gate/config";
import { deriveSpec, specYaml } from "../gate/derive";
import { runGate } from "../gate/evaluate";
import { parseSloSpec } from "../gate/spec";
import { outputs, slothArgs } from "../scripts/slos";
import { CANARY, scenario, STABLE } from "../tests/support/gate-scenarios";
import { LoadedPrometheus, loadScenario, SLOTH_RULES } from "../tests/support/slo-prometheus";
import { GRPC_SERVICE, RCA_METHODS } from "../tests/support/synthetic";
import { runTool } from "../tests/support/tools";

const RUNS = Number(process.env.BENCH_RUNS ?? 21);
const WARMUP = 3;
/** Rule evaluation interval of the bench's Prometheus: slow enough not to compete with the gate for the CPU. */
const EVALUATION_SECONDS = 10;

const HANDLED = "grpc_server_handled_total";
const INVESTIGATIONS = "mirador_rca_investigations_total";
const BUCKET = "mirador_rca_investigation_seconds_bucket";
/** The gRPC codes a server causes: every code but these (the client's own) is an error. */
const CLIENT_CODES =
    "OK|Canceled|InvalidArgument|NotFound|AlreadyExists|PermissionDenied|Unauthenticated|FailedPrecondition|OutOfRange";

function slo(name: string, objective: number, errors: string, total: string) {
    return {
        name,
        objective,
        sli: { events: { error_query: errors, total_query: total } },
        alerting: { name, page_alert: { labels: {} }, ticket_alert: { labels: {} } },
    };
}

/** Calls of the service (of one method) that end with a server-caused code, over all its calls. */
function availability(name: string, objective: number, method?: string) {
    const m = method === undefined ? "" : `,grpc_method="${method}"`;
    const calls = `${HANDLED}{grpc_service="${GRPC_SERVICE}"${m}`;
    return slo(
        name,
        objective,
        `sum(rate(${calls},grpc_code!~"${CLIENT_CODES}"}[{{.window}}]))`,
        `sum(rate(${calls}}[{{.window}}]))`,
    );
}

/** Investigations slower than `le` seconds (a bucket of the service's histogram). */
function latency(name: string, objective: number, le: string) {
    const all = `sum(rate(${BUCKET}{le="+Inf"}[{{.window}}]))`;
    return slo(name, objective, `${all} - sum(rate(${BUCKET}{le="${le}"}[{{.window}}]))`, all);
}

/**
 * 20 SLOs: the service's two, eight more latency objectives and two more success objectives of its investigations,
 * availability per gRPC method (two objectives each) and of the whole service (two). The objectives sit under what
 * the synthetic healthy canary does, so that it is promoted on every one.
 */
function twentySlos(): unknown[] {
    const success = (name: string, objective: number) =>
        slo(
            name,
            objective,
            `sum(rate(${INVESTIGATIONS}{outcome="error"}[{{.window}}]))`,
            `sum(rate(${INVESTIGATIONS}[{{.window}}]))`,
        );
    const slos: unknown[] = [
        latency("investigation-latency", 96, "4"),
        success("investigation-success-rate", 99.5),
        success("investigation-success-99", 99),
        success("investigation-success-999", 99.9),
        availability("service-availability-999", 99.9),
        availability("service-availability-99", 99),
    ];
    const latencies: [string, number][] = [
        ["0.5", 40],
        ["1", 70],
        ["2", 99],
        ["3", 99],
        ["5", 99],
        ["6", 99.5],
        ["8", 99.5],
        ["10", 99.9],
    ];
    for (const [le, objective] of latencies) {
        slos.push(latency(`investigation-latency-${le.replace(".", "")}s`, objective, le));
    }
    for (const method of RCA_METHODS) {
        const m = method.toLowerCase();
        slos.push(
            availability(`${m}-availability-999`, 99.9, method),
            availability(`${m}-availability-995`, 99.5, method),
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
        const spec20 = path.join(dir, "twenty.derived.yaml");
        const rules20 = path.join(dir, "twenty.rules.yml");
        const raw = stringify({ version: "prometheus/v1", service: "mirador-rca", slos: twentySlos() });
        fs.writeFileSync(spec20, specYaml(deriveSpec(parseSloSpec(raw, "twenty"), "track"), ["bench: 20 SLOs"]));
        runTool("sloth", slothArgs(spec20, rules20));
        const data = scenario(STABLE, CANARY);
        const sources: [string, string, string][] = [
            ["2 SLOs", outputs("mirador-rca").spec, SLOTH_RULES],
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
