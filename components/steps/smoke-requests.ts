// The gRPC calls of the canary smoke test (RELEASE-PROCESS.md step 5.4): an investigation (twice, so the second
// is a cache hit), then GetPatterns and ListCorrelations.
export interface SmokeRequest {
    /** Resource-name suffix of the step. */
    name: string;
    /** Fully qualified gRPC method, as grpcurl takes it. */
    method: string;
    request: Record<string, unknown>;
}

const service = "mirador.rca.v1.RCAService";
const investigation = { incident_id: "smoke-test", service: "mirador-core", window_minutes: 15 };

export const smokeRequests: SmokeRequest[] = [
    { name: "investigate", method: `${service}/Investigate`, request: investigation },
    { name: "investigate-cached", method: `${service}/Investigate`, request: investigation },
    { name: "get-patterns", method: `${service}/GetPatterns`, request: { service: "mirador-core", limit: 5 } },
    {
        name: "list-correlations",
        method: `${service}/ListCorrelations`,
        request: { incident_id: "smoke-test", limit: 5 },
    },
];
