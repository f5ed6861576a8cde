// A second service for the proof that the program fits no one service (tests/e2e/second-service.test.ts): a
// checkout made from examples/mirador-rca by mechanical renames only (another gRPC package, service and method
// names, other metric names, SLO names and objectives, another chart name and an image rendered from a digest value),
// its generated gRPC code regenerated with the example's `make generate`, and its own service profile beside it.
// What the program reads of it is data: the profile, the checkout and the stack config.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { addDigestValue } from "./chart-shape";
import { repoRoot, toolPath } from "./tools";

/** The second service's names, as its profile states them. */
export const LEDGER = {
    name: "ledger-api",
    grpcService: "books.v2.LedgerService",
    /** The renamed InvestigateIncident: the call the SLOs count, the fault hooks fail and the load generator sends most. */
    mainMethod: "ReconcileEntry",
    chartPath: "charts/ledger-api",
    sloSpec: "ops/slo/ledger-sloth.yaml",
    metricPrefix: "ledger_",
    track: { label: "release_track", canary: "preview", stable: "main" },
    imageDigestValue: "image.digest",
    slos: { latency: "entry-latency", success: "entry-success-rate" },
    objectives: { latency: 95, success: 99 },
};

/** Text renames applied to every file of the checkout, in order (the qualified names first). */
const RENAMES: [string | RegExp, string][] = [
    ["rca.v1.RCAEngine", LEDGER.grpcService],
    ["package rca.v1;", "package books.v2;"],
    ["rca.v1", "books.v2"],
    ["RCAEngine", "LedgerService"],
    ["rcav1", "ledgerv2"],
    ["InvestigateIncident", LEDGER.mainMethod],
    ["ListCorrelations", "ListEntries"],
    ["mirador_rca_", LEDGER.metricPrefix],
    ["charts/mirador-rca", LEDGER.chartPath],
    ["deployment/infra/slo/mirador-rca-sloth.yaml", LEDGER.sloSpec],
];

/** File moves after the renames (old path → new path, relative to the checkout). */
const MOVES: [string, string][] = [
    ["charts/mirador-rca", LEDGER.chartPath],
    ["internal/grpc/proto/rca.proto", "internal/grpc/proto/ledger.proto"],
    ["deployment/infra/slo/mirador-rca-sloth.yaml", LEDGER.sloSpec],
];

function walk(dir: string, out: string[] = []): string[] {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        const p = path.join(dir, e.name);
        if (e.isDirectory()) {
            walk(p, out);
        } else {
            out.push(p);
        }
    }
    return out;
}

function edit(file: string, change: (text: string) => string): void {
    const before = fs.readFileSync(file, "utf8");
    const after = change(before);
    if (after === before) {
        throw new Error(`${file}: the second service's generator changed nothing here (has the example changed?)`);
    }
    fs.writeFileSync(file, after);
}

/** The second service's profile: the same shape as profiles/mirador-rca.yaml, every service name its own. */
export function ledgerProfile(): Record<string, unknown> {
    return {
        name: LEDGER.name,
        grpc: {
            service: LEDGER.grpcService,
            health: "grpc.health.v1.Health",
            smoke: [
                {
                    name: "reconcile",
                    method: LEDGER.mainMethod,
                    request: {
                        incident_id: "LEDGER-SMOKE",
                        symptoms: ["ledger drift above 1 cent"],
                        time_range: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" },
                        affected_services: ["ledger"],
                        tenant_id: "smoke",
                    },
                    expect: ['"incidentId": "LEDGER-SMOKE"', '"rootCause"'],
                },
                { name: "patterns", method: "GetPatterns", request: { tenant_id: "smoke", service: "ledger" } },
                {
                    name: "entries",
                    method: "ListEntries",
                    request: { tenant_id: "smoke", service: "ledger", page_size: 3 },
                },
            ],
        },
        metrics: { requests: { name: "grpc_server_handled_total", serviceLabel: "grpc_service" } },
        track: LEDGER.track,
        chart: {
            path: LEDGER.chartPath,
            values: {
                imageRepository: "image.repository",
                imageDigest: LEDGER.imageDigestValue,
                replicas: "replicaCount",
                autoscaling: "autoscaling.enabled",
                podLabels: "podLabels",
                servicePort: "service.port",
                metricsPort: "metrics.port",
            },
            ports: { grpc: "grpc", metrics: "metrics" },
            optionalKinds: { PrometheusRule: "alerts.enabled" },
        },
        slo: { spec: LEDGER.sloSpec },
        commands: {
            // Its own preflight (the example's Makefile has the target): the tests, without the linters.
            preflight: [{ run: "make test", tools: [{ name: "go", from: "the Go toolchain (go.dev/dl)" }] }],
            prebuild: { run: "make build", tools: [{ name: "go", from: "the Go toolchain (go.dev/dl)" }] },
        },
    };
}

/**
 * Writes the second service under `dir`: `dir/ledger-api` (the checkout's files, not a git repository: the local
 * infrastructure's git component makes one of them) and `dir/ledger-api.yaml` (its profile).
 */
export function generateSecondService(dir: string): { checkout: string; profile: string } {
    const checkout = path.join(dir, LEDGER.name);
    fs.rmSync(checkout, { recursive: true, force: true });
    const example = path.join(repoRoot, "examples", "mirador-rca");
    fs.cpSync(example, checkout, {
        recursive: true,
        filter: (src) => !["bin", "dist"].includes(path.relative(example, src).split(path.sep)[0]),
    });
    for (const file of walk(checkout)) {
        const text = fs.readFileSync(file, "utf8");
        let renamed = text;
        for (const [from, to] of RENAMES) {
            renamed = renamed.split(from as string).join(to);
        }
        if (renamed !== text) {
            fs.writeFileSync(file, renamed);
        }
    }
    for (const [from, to] of MOVES) {
        fs.mkdirSync(path.dirname(path.join(checkout, to)), { recursive: true });
        fs.renameSync(path.join(checkout, from), path.join(checkout, to));
    }
    const chart = path.join(checkout, LEDGER.chartPath);
    edit(path.join(chart, "Chart.yaml"), (t) => t.replace(/^name: mirador-rca$/m, `name: ${LEDGER.name}`));
    // The chart renders repository@digest from a digest value (the profile's chart.values.imageDigest).
    addDigestValue(chart);
    // Its SLOs: other names, other objectives (the metric names were renamed above).
    edit(path.join(checkout, LEDGER.sloSpec), (t) =>
        t
            .replace(/^( {2}name|  service): mirador-rca$/gm, `$1: ${LEDGER.name}`)
            .replace('"96 % of investigations', `"${LEDGER.objectives.latency} % of entries`)
            .replace('"99.5 % of investigations', `"${LEDGER.objectives.success} % of entries`)
            .replace(
                /name: investigation-latency\n {6}objective: 96$/m,
                `name: ${LEDGER.slos.latency}\n      objective: ${LEDGER.objectives.latency}`,
            )
            .replace(
                /name: investigation-success-rate\n {6}objective: 99\.5$/m,
                `name: ${LEDGER.slos.success}\n      objective: ${LEDGER.objectives.success}`,
            ),
    );
    // The gRPC code of the renamed proto, as the service's own Makefile generates it; gofmt for the renamed lines.
    const env = { ...process.env, PATH: toolPath() };
    execFileSync("make", ["-C", checkout, "--no-print-directory", "generate"], { env, stdio: "pipe" });
    execFileSync("gofmt", ["-w", "."], { cwd: checkout, env, stdio: "pipe" });
    const profile = path.join(dir, `${LEDGER.name}.yaml`);
    fs.writeFileSync(profile, YAML.stringify(ledgerProfile()));
    return { checkout, profile };
}
