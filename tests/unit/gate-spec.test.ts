// The Sloth spec as the gate reads it: the committed spec keeps the contract, and specs that break it are refused.
import * as assert from "assert/strict";
import * as path from "path";
import { assertConfigError } from "../support/config-error";
import { loadSloSpec, narrowQuery, parseSloSpec } from "../../gate/spec";

const SPEC = path.resolve(__dirname, "..", "..", "slos", "mirador-rca.yaml");

function spec(sli: Record<string, string>, objective: unknown = 99.9): string {
    const events = Object.entries(sli)
        .map(([k, v]) => `        ${k}: ${JSON.stringify(v)}`)
        .join("\n");
    return [
        'version: "prometheus/v1"',
        "service: svc",
        "slos:",
        "  - name: avail",
        `    objective: ${JSON.stringify(objective)}`,
        "    sli:",
        "      events:",
        events,
    ].join("\n");
}

const GOOD = {
    error_query: 'sum by (track) (rate(x_total{code="5xx",track!=""}[{{.window}}]))',
    total_query: 'sum by (track) (rate(x_total{track!=""}[{{ .window }}]))',
};

describe("gate: Sloth spec", () => {
    it("reads the committed spec: availability 99.9 and latency 99 of mirador-rca", () => {
        const loaded = loadSloSpec(SPEC);
        assert.equal(loaded.service, "mirador-rca");
        assert.deepEqual(
            loaded.slos.map((s) => [s.name, s.objective, s.budget]),
            [
                ["requests-availability", 99.9, 0.001],
                ["requests-latency", 99, 0.01],
            ],
        );
        const availability = loaded.slos[0].errorQuery;
        for (const code of ["OK", "Canceled", "InvalidArgument", "NotFound", "FailedPrecondition", "OutOfRange"]) {
            assert.match(availability, new RegExp(`grpc_code!~"[^"]*\\b${code}\\b`), `${code} is not excluded`);
        }
        assert.doesNotMatch(availability, /Internal|Unavailable|DeadlineExceeded/);
    });

    it("narrows an SLI to one track and one window", () => {
        const slo = parseSloSpec(spec(GOOD), "s.yaml").slos[0];
        assert.equal(
            narrowQuery(slo.totalQuery, "canary", "2700s"),
            'sum by (track) (rate(x_total{track="canary"}[2700s]))',
        );
        assert.equal(
            narrowQuery(slo.errorQuery, "canary", "5m"),
            'sum by (track) (rate(x_total{code="5xx",track="canary"}[5m]))',
        );
    });

    const broken: [string, string, RegExp][] = [
        [
            'a query without track!=""',
            spec({ ...GOOD, total_query: "sum by (track) (rate(x[{{.window}}]))" }),
            /cannot narrow it/,
        ],
        [
            "a query not aggregated by track",
            spec({ ...GOOD, error_query: 'sum(rate(x{track!=""}[{{.window}}]))' }),
            /by \(track\)/,
        ],
        [
            "a query without the window",
            spec({ ...GOOD, total_query: 'sum by (track) (x{track!=""})' }),
            /no \{\{\.window\}\}/,
        ],
        ["a raw SLI", spec({}), /error_query: missing/],
        ["an objective of 100", spec(GOOD, 100), /objective 100 is not a percentage/],
        ["another spec version", spec(GOOD).replace("prometheus/v1", "sloth.slok.dev/v1"), /is not "prometheus\/v1"/],
        ["broken YAML", "slos: [", /not valid YAML/],
    ];
    for (const [what, text, message] of broken) {
        it(`refuses ${what}`, () => {
            assertConfigError(() => parseSloSpec(text, "s.yaml"), "s.yaml", message);
        });
    }

    it("says which file it cannot read", () => {
        assert.throws(
            () => loadSloSpec("/nonexistent/slos.yaml"),
            /cannot read the Sloth spec \/nonexistent\/slos\.yaml/,
        );
    });
});
