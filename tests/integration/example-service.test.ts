// The example service as the release's smoke tests and SLO gate see it: the real binary on loopback, called with
// the real grpcurl through server reflection, and its /metrics read as Prometheus would.
import * as assert from "assert";
import {
    RunningService,
    Sample,
    callRca,
    grpcurl,
    makeExample,
    rcaService,
    scrapeMetrics,
    select,
    startService,
} from "../support/service";

const digest = `sha256:${"ab".repeat(32)}`;
const methods = ["Investigate", "GetPatterns", "ListCorrelations"];
const investigation = {
    incident_id: "INC-1042",
    symptoms: ["checkout p99 latency above 2s", "payments 5xx errors"],
    start_unix: 1758520800,
    end_unix: 1758524400,
};

function value(samples: Sample[], name: string, labels: Record<string, string>): number {
    const found = select(samples, name, labels);
    assert.strictEqual(found.length, 1, `expected one ${name}${JSON.stringify(labels)}, found ${found.length}`);
    return found[0].value;
}

describe("example service (examples/mirador-rca)", function () {
    let canary: RunningService | undefined;

    before(async function () {
        this.timeout(600_000);
        await makeExample(["build"]);
        canary = await startService({ track: "canary", imageDigest: digest, version: "0.4.0", cacheSize: 16 });
    });

    after(async function () {
        this.timeout(60_000);
        await canary?.stop();
    });

    it("lists and describes RCAService through server reflection", async function () {
        const list = await grpcurl([], canary!.grpcAddr, ["list"]);
        assert.strictEqual(list.code, 0, list.stderr);
        assert.ok(list.stdout.split("\n").includes(rcaService), `grpcurl list: ${list.stdout}`);
        const described = await grpcurl([], canary!.grpcAddr, ["describe", rcaService]);
        assert.strictEqual(described.code, 0, described.stderr);
        for (const m of methods) {
            assert.match(described.stdout, new RegExp(`rpc ${m} \\(`), `describe lacks ${m}: ${described.stdout}`);
        }
    });

    it("answers Investigate, then the same investigation from the cache", async function () {
        const first = await callRca(canary!.grpcAddr, "Investigate", investigation);
        assert.match(String(first.investigationId), /^inv-[0-9a-f]{16}$/);
        assert.strictEqual(first.cached, undefined, "the first answer must be computed (cached is omitted when false)");
        assert.strictEqual(first.track, "canary");
        assert.strictEqual(first.version, "0.4.0");
        const causes = first.rootCauses as { service: string; confidence: number }[];
        assert.strictEqual(causes.length, 2);
        assert.ok(causes[0].confidence >= causes[1].confidence, "root causes are ranked");

        const second = await callRca(canary!.grpcAddr, "Investigate", investigation);
        assert.strictEqual(second.cached, true);
        assert.strictEqual(second.investigationId, first.investigationId);
    });

    it("answers GetPatterns and ListCorrelations", async function () {
        const patterns = await callRca(canary!.grpcAddr, "GetPatterns", { service: "checkout", limit: 5 });
        const list = patterns.patterns as { service: string; occurrences: number }[];
        assert.ok(list.length > 0 && list.every((p) => p.service === "checkout"), JSON.stringify(patterns));
        const correlations = await callRca(canary!.grpcAddr, "ListCorrelations", {
            incident_id: "INC-1042",
            min_score: 0.1,
            page_size: 3,
        });
        const corr = correlations.correlations as { score: number }[];
        assert.ok(corr.length >= 1 && corr.length <= 3, JSON.stringify(correlations));
        assert.ok(corr.every((c) => c.score >= 0.1));
    });

    it("rejects an invalid request with INVALID_ARGUMENT", async function () {
        const result = await grpcurl(["-d", "{}"], canary!.grpcAddr, [`${rcaService}/Investigate`]);
        assert.strictEqual(result.code, 64 + 3, `grpcurl exit ${result.code}: ${result.stderr}`);
        assert.match(result.stderr, /incident_id is required/);
    });

    it("exports the metrics contract with the track and image digest", async function () {
        const samples = await scrapeMetrics(canary!.metricsAddr);
        const base = { grpc_service: rcaService, track: "canary" };
        assert.strictEqual(
            value(samples, "grpc_server_handled_total", { ...base, grpc_method: "Investigate", grpc_code: "OK" }),
            2,
        );
        assert.strictEqual(
            value(samples, "grpc_server_handled_total", {
                ...base,
                grpc_method: "Investigate",
                grpc_code: "InvalidArgument",
            }),
            1,
        );
        for (const m of ["GetPatterns", "ListCorrelations"]) {
            assert.strictEqual(
                value(samples, "grpc_server_handled_total", { ...base, grpc_method: m, grpc_code: "OK" }),
                1,
            );
        }
        // Error series exist at zero before any error, for ratio queries.
        assert.strictEqual(
            value(samples, "grpc_server_handled_total", {
                ...base,
                grpc_method: "GetPatterns",
                grpc_code: "Unavailable",
            }),
            0,
        );
        const buckets = select(samples, "grpc_server_handling_seconds_bucket", { ...base, grpc_method: "Investigate" });
        assert.ok(buckets.length >= 5, "a histogram with buckets");
        assert.strictEqual(buckets.find((b) => b.labels.le === "+Inf")?.value, 3);
        assert.strictEqual(
            value(samples, "grpc_server_handling_seconds_count", { ...base, grpc_method: "Investigate" }),
            3,
        );
        assert.ok(value(samples, "grpc_server_handling_seconds_sum", { ...base, grpc_method: "Investigate" }) >= 0);
        assert.strictEqual(value(samples, "mirador_rca_cache_hits_total", { track: "canary" }), 1);
        assert.strictEqual(value(samples, "mirador_rca_cache_misses_total", { track: "canary" }), 1);
        assert.strictEqual(
            value(samples, "mirador_rca_build_info", { track: "canary", version: "0.4.0", image_digest: digest }),
            1,
        );
        // The track is constant per process: no series of the contract carries another one.
        const contract = samples.filter((s) => /^(grpc_server_|mirador_rca_)/.test(s.name));
        assert.ok(
            contract.every((s) => s.labels.track === "canary"),
            "every contract series has track=canary",
        );
    });

    describe("fault injection (the SLO test hooks)", function () {
        let faulty: RunningService | undefined;

        before(async function () {
            this.timeout(60_000);
            faulty = await startService({ track: "canary", faultErrorRatio: 0.5, faultLatency: "30ms" });
        });

        after(async function () {
            this.timeout(60_000);
            await faulty?.stop();
        });

        it("fails exactly the asked share with UNAVAILABLE, delays calls, and counts both", async function () {
            const codes: number[] = [];
            for (let i = 0; i < 4; i++) {
                const r = await grpcurl(["-d", JSON.stringify({ limit: 1 })], faulty!.grpcAddr, [
                    `${rcaService}/GetPatterns`,
                ]);
                codes.push(r.code);
            }
            // Ratio 0.5: calls 2 and 4 fail; grpcurl exits 64 + 14 (UNAVAILABLE).
            assert.deepStrictEqual(codes, [0, 78, 0, 78]);
            const samples = await scrapeMetrics(faulty!.metricsAddr);
            const base = { grpc_service: rcaService, grpc_method: "GetPatterns", track: "canary" };
            assert.strictEqual(value(samples, "grpc_server_handled_total", { ...base, grpc_code: "OK" }), 2);
            assert.strictEqual(value(samples, "grpc_server_handled_total", { ...base, grpc_code: "Unavailable" }), 2);
            // Every call took at least the injected 30ms: none falls in the buckets up to 25ms.
            assert.strictEqual(value(samples, "grpc_server_handling_seconds_bucket", { ...base, le: "0.025" }), 0);
            assert.strictEqual(value(samples, "grpc_server_handling_seconds_bucket", { ...base, le: "+Inf" }), 4);
            assert.match(faulty!.logs(), /fault injection is on/);
        });
    });
});
