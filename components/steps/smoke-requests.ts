// The gRPC calls of the canary smoke test (RELEASE-PROCESS.md step 5.4): an investigation twice (the second must
// be answered from the cache), then GetPatterns and ListCorrelations. Each must answer, and its answer must hold
// `expect` (a fragment of grpcurl's JSON output).
export interface SmokeRequest {
    /** Resource-name suffix of the step. */
    name: string;
    /** Fully qualified gRPC method, as grpcurl takes it. */
    method: string;
    request: Record<string, unknown>;
    expect: string;
}

const service = "mirador.rca.v1.RCAService";
// A fixed window, so that both investigations are the same request and the second one is a cache hit.
const investigation = {
    incident_id: "INC-SMOKE",
    symptoms: ["checkout p99 latency above 2s"],
    start_unix: 1767225600,
    end_unix: 1767229200,
};

export const smokeRequests: SmokeRequest[] = [
    { name: "investigate", method: `${service}/Investigate`, request: investigation, expect: '"rootCauses"' },
    {
        name: "investigate-cached",
        method: `${service}/Investigate`,
        request: investigation,
        expect: '"cached": true',
    },
    {
        name: "get-patterns",
        method: `${service}/GetPatterns`,
        request: { service: "mirador-core", limit: 5 },
        expect: '"patterns"',
    },
    {
        name: "list-correlations",
        method: `${service}/ListCorrelations`,
        request: { incident_id: "INC-SMOKE", page_size: 5 },
        expect: '"correlations"',
    },
];
