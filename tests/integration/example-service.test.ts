// The example service as the release's smoke tests and SLO gate see it: the real binary on loopback, configured by
// a file as the chart configures it, called with the real grpcurl through server reflection, and its /metrics
// read as Prometheus would. It speaks the real mirador-rca's contract (profiles/mirador-rca.yaml).
import * as assert from "assert";
import * as path from "path";
import { loadServiceProfile } from "../../config/service-profile";
import { freePort } from "../support/ports";
import {
    RunningMockCore,
    RunningService,
    Sample,
    callRca,
    grpcurl,
    makeExample,
    rcaService,
    scrapeMetrics,
    select,
    startMockCore,
    startService,
} from "../support/service";
import { repoRoot } from "../support/tools";

const methods = ["InvestigateIncident", "ListCorrelations", "GetPatterns", "SubmitFeedback", "HealthCheck"];
const investigation = {
    incident_id: "INC-1042",
    symptoms: ["checkout p99 latency above 2s", "payments 5xx errors"],
    time_range: { start: "2026-01-01T00:00:00Z", end: "2026-01-01T01:00:00Z" },
    affected_services: ["checkout"],
    tenant_id: "acme",
};
const unary = { grpc_service: rcaService, grpc_type: "unary" };

function value(samples: Sample[], name: string, labels: Record<string, string>): number {
    const found = select(samples, name, labels);
    assert.strictEqual(found.length, 1, `expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
    return found[0].value;
}

/** Runs one call and returns grpcurl's exit code (0, or 64 + the gRPC status code). */
async function code(addr: string, method: string, request: object): Promise<number> {
    return (await grpcurl(["-d", JSON.stringify(request)], addr, [`${rcaService}/${method}`])).code;
}

describe("example service (examples/mirador-rca)", function () {
    let service: RunningService | undefined;
    let fresh: Sample[] = [];

    before(async function () {
        this.timeout(600_000);
        await makeExample(["build", "mock-core"]);
        service = await startService();
        fresh = await scrapeMetrics(service.metricsAddr);
    });

    after(async function () {
        this.timeout(60_000);
        await service?.stop();
    });

    it("lists rca.v1.RCAEngine and the health service through reflection, with the five methods", async function () {
        const list = await grpcurl([], service!.grpcAddr, ["list"]);
        assert.strictEqual(list.code, 0, list.stderr);
        const names = list.stdout.split("\n");
        assert.ok(names.includes(rcaService) && names.includes("grpc.health.v1.Health"), list.stdout);
        const described = await grpcurl([], service!.grpcAddr, ["describe", rcaService]);
        assert.strictEqual(described.code, 0, described.stderr);
        for (const m of methods) {
            assert.match(described.stdout, new RegExp(`rpc ${m} \\(`), `describe lacks ${m}: ${described.stdout}`);
        }
        const health = await grpcurl(["-d", `{"service":"${rcaService}"}`], service!.grpcAddr, [
            "grpc.health.v1.Health/Check",
        ]);
        assert.strictEqual(health.code, 0, health.stderr);
        assert.match(health.stdout, /"status": "SERVING"/);
    });

    it("exports, fresh, every method's gRPC series at zero and no investigation series", function () {
        for (const m of methods) {
            for (const c of ["OK", "Internal", "Unavailable"]) {
                assert.strictEqual(
                    value(fresh, "grpc_server_handled_total", { ...unary, grpc_method: m, grpc_code: c }),
                    0,
                );
            }
            assert.strictEqual(value(fresh, "grpc_server_started_total", { ...unary, grpc_method: m }), 0);
        }
        // As the real counter: no outcome series until an investigation of that outcome.
        assert.deepStrictEqual(select(fresh, "mirador_rca_investigations_total"), []);
        assert.ok(
            fresh.every((s) => !("track" in s.labels) && !/build_info|cache_(hits|misses)/.test(s.name)),
            "no track label, build-info series or cache counters",
        );
    });

    it("answers the profile's smoke calls with what the profile expects", async function () {
        const profile = loadServiceProfile(path.join(repoRoot, "profiles", "mirador-rca.yaml"));
        for (const call of profile.grpc.smoke) {
            const r = await grpcurl(["-d", JSON.stringify(call.request)], service!.grpcAddr, [
                `${profile.grpc.service}/${call.method}`,
            ]);
            assert.strictEqual(r.code, 0, `${call.name}: ${r.stderr}`);
            for (const fragment of call.expect) {
                assert.ok(r.stdout.includes(fragment), `${call.name} lacks ${fragment}: ${r.stdout}`);
            }
        }
    });

    it("investigates synthetic signals without mirador-core, and says so once", async function () {
        const res = await callRca(service!.grpcAddr, "InvestigateIncident", investigation);
        assert.strictEqual(res.incidentId, "INC-1042");
        assert.match(String(res.correlationId), /^corr-[0-9a-f]{16}$/);
        assert.ok(["payments", "inventory"].includes(String(res.rootCause)), `root cause ${String(res.rootCause)}`);
        assert.ok(Number(res.confidence) > 0.5 && Number(res.confidence) < 1);
        const anchors = res.redAnchors as { dataType: string }[];
        assert.deepStrictEqual([...new Set(anchors.map((a) => a.dataType))].sort(), [
            "DATA_TYPE_LOGS",
            "DATA_TYPE_METRICS",
            "DATA_TYPE_TRACES",
        ]);
        assert.ok((res.timeline as unknown[]).length >= 3 && (res.recommendations as unknown[]).length >= 2);
        const said = service!.logs().match(/clients\.core\.baseURL is empty: investigations use synthetic signals/g);
        assert.strictEqual(said?.length, 1, service!.logs());

        const list = await callRca(service!.grpcAddr, "ListCorrelations", { tenant_id: "acme", page_size: 5 });
        const ids = (list.correlations as { correlationId: string }[]).map((c) => c.correlationId);
        assert.ok(ids.includes(String(res.correlationId)), JSON.stringify(list));
        const ack = await callRca(service!.grpcAddr, "SubmitFeedback", {
            correlation_id: res.correlationId,
            correct: true,
        });
        assert.deepStrictEqual(ack, { correlationId: res.correlationId, accepted: true });
        assert.deepStrictEqual(await callRca(service!.grpcAddr, "HealthCheck", {}), { status: "SERVING" });
    });

    it("refuses an investigation without a time range with INVALID_ARGUMENT", async function () {
        const r = await grpcurl(["-d", '{"incident_id":"x"}'], service!.grpcAddr, [
            `${rcaService}/InvestigateIncident`,
        ]);
        assert.strictEqual(r.code, 64 + 3, `grpcurl exit ${r.code}: ${r.stderr}`);
        assert.match(r.stderr, /time_range\.start and time_range\.end are required/);
    });

    it("counts the calls and investigations as the real service does", async function () {
        const samples = await scrapeMetrics(service!.metricsAddr);
        const handled = (m: string, c: string) =>
            value(samples, "grpc_server_handled_total", { ...unary, grpc_method: m, grpc_code: c });
        // The smoke call and the synthetic one succeeded; the one without a time range was refused.
        assert.strictEqual(handled("InvestigateIncident", "OK"), 2);
        assert.strictEqual(handled("InvestigateIncident", "InvalidArgument"), 1);
        assert.strictEqual(handled("SubmitFeedback", "OK"), 1);
        const inf = select(samples, "grpc_server_handling_seconds_bucket", {
            ...unary,
            grpc_method: "InvestigateIncident",
            le: "+Inf",
        });
        assert.strictEqual(inf[0]?.value, 3);
        // A refused request is no investigation: two, both successes, and still no error series.
        assert.strictEqual(value(samples, "mirador_rca_investigations_total", { outcome: "success" }), 2);
        assert.deepStrictEqual(select(samples, "mirador_rca_investigations_total", { outcome: "error" }), []);
        const buckets = select(samples, "mirador_rca_investigation_seconds_bucket").map((s) => s.labels.le);
        assert.deepStrictEqual(buckets, ["0.25", "0.5", "1", "2", "3", "4", "5", "6", "8", "10", "+Inf"]);
        assert.strictEqual(value(samples, "mirador_rca_investigation_seconds_count", {}), 2);
    });

    describe("with mirador-core (bin/mock-core)", function () {
        let core: RunningMockCore | undefined;
        let withCore: RunningService | undefined;

        before(async function () {
            this.timeout(60_000);
            core = await startMockCore();
            // The cache and the vector store do not answer: no cache, synthetic history, no error.
            const nothing = `127.0.0.1:${await freePort()}`;
            withCore = await startService({ coreUrl: core.url, cacheAddr: nothing, weaviateUrl: `http://${nothing}` });
        });

        after(async function () {
            this.timeout(60_000);
            await withCore?.stop();
            await core?.stop();
        });

        it("investigates core's signals, and fails with INTERNAL once core does not answer", async function () {
            assert.match(withCore!.logs(), /cache unavailable: running without one/);
            const res = await callRca(withCore!.grpcAddr, "InvestigateIncident", investigation);
            assert.strictEqual(res.rootCause, "payments", JSON.stringify(res));
            const patterns = await callRca(withCore!.grpcAddr, "GetPatterns", {
                tenant_id: "acme",
                service: "checkout",
            });
            assert.ok((patterns.patterns as unknown[]).length > 0, JSON.stringify(patterns));

            await core!.stop();
            const r = await grpcurl(["-d", JSON.stringify(investigation)], withCore!.grpcAddr, [
                `${rcaService}/InvestigateIncident`,
            ]);
            assert.strictEqual(r.code, 64 + 13, `grpcurl exit ${r.code}: ${r.stderr}`);
            assert.match(r.stderr, /investigation failed: fetch metrics: mirador-core .* did not answer/);
            const samples = await scrapeMetrics(withCore!.metricsAddr);
            assert.strictEqual(value(samples, "mirador_rca_investigations_total", { outcome: "error" }), 1);
            assert.strictEqual(value(samples, "mirador_rca_investigations_total", { outcome: "success" }), 1);
            assert.strictEqual(
                value(samples, "grpc_server_handled_total", {
                    ...unary,
                    grpc_method: "InvestigateIncident",
                    grpc_code: "Internal",
                }),
                1,
            );
        });
    });

    describe("fault injection (the chart's faultInjection values)", function () {
        let faulty: RunningService | undefined;

        before(async function () {
            this.timeout(60_000);
            faulty = await startService({ faultErrorRatio: 0.5, faultLatency: "30ms" });
        });

        after(async function () {
            this.timeout(60_000);
            await faulty?.stop();
        });

        it("fails exactly the asked share of investigations with UNAVAILABLE, counted as errors", async function () {
            const codes: number[] = [];
            for (let i = 0; i < 4; i++) {
                codes.push(await code(faulty!.grpcAddr, "InvestigateIncident", investigation));
            }
            // Ratio 0.5: calls 2 and 4 fail; grpcurl exits 64 + 14 (UNAVAILABLE).
            assert.deepStrictEqual(codes, [0, 78, 0, 78]);
            // Other methods are only delayed.
            assert.strictEqual(await code(faulty!.grpcAddr, "GetPatterns", { service: "checkout" }), 0);
            const samples = await scrapeMetrics(faulty!.metricsAddr);
            assert.strictEqual(value(samples, "mirador_rca_investigations_total", { outcome: "error" }), 2);
            assert.strictEqual(value(samples, "mirador_rca_investigations_total", { outcome: "success" }), 2);
            const base = { ...unary, grpc_method: "InvestigateIncident" };
            assert.strictEqual(value(samples, "grpc_server_handled_total", { ...base, grpc_code: "Unavailable" }), 2);
            // Every call took at least the injected 30ms: none falls in the buckets up to 25ms.
            const patterns = { ...unary, grpc_method: "GetPatterns" };
            assert.strictEqual(value(samples, "grpc_server_handling_seconds_bucket", { ...patterns, le: "0.025" }), 0);
            assert.strictEqual(value(samples, "grpc_server_handling_seconds_bucket", { ...patterns, le: "+Inf" }), 1);
            assert.ok(value(samples, "mirador_rca_investigation_seconds_sum", {}) >= 4 * 0.03);
            assert.match(faulty!.logs(), /fault injection is on/);
        });

        it("crashes before listening with MIRADOR_FAULT_STARTUP=crash", async function () {
            this.timeout(30_000);
            await assert.rejects(startService({ faultStartup: "crash" }), /exited \(1\) before listening/);
        });
    });
});
