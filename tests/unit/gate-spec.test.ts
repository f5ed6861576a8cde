// The Sloth spec as the gate reads it, in both of Sloth's formats, and the derived, track-scoped spec: the
// committed derived spec is what `npm run slos` derives from the service's spec, and specs the gate cannot use are
// refused naming the file, the SLO and the field.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { assertConfigError } from "../support/config-error";
import { deriveSpec, trackSli } from "../../gate/derive";
import { loadSloSpec, parseSloSpec } from "../../gate/spec";
import { DEFAULT_SPEC, derivedText, outputs } from "../../scripts/slos";

const ROOT = path.resolve(__dirname, "..", "..");
const SERVICE_SPEC = path.join(ROOT, DEFAULT_SPEC);
const PROFILE = path.join(ROOT, "profiles", "mirador-rca.yaml");
const OTHER_SPEC = path.join(ROOT, "tests", "fixtures", "slo", "ledger-api-sloth.yaml");
const OTHER_PROFILE = path.join(ROOT, "tests", "fixtures", "profiles", "other-labels.yaml");

function v1(sli: Record<string, string>, objective: unknown = 99.9): string {
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

function crd(sli: Record<string, string>): string {
    const events = Object.entries(sli)
        .map(([k, v]) => `          ${k}: ${JSON.stringify(v)}`)
        .join("\n");
    return [
        "apiVersion: sloth.slok.dev/v1",
        "kind: PrometheusServiceLevel",
        "metadata: { name: svc }",
        "spec:",
        "  service: svc",
        "  slos:",
        "    - name: avail",
        "      objective: 99",
        "      sli:",
        "        events:",
        events,
    ].join("\n");
}

const GOOD = {
    error_query: 'sum(rate(x_total{code="5xx"}[{{.window}}]))',
    total_query: "sum(rate(x_total[{{ .window }}]))",
};
const GOOD_CAMEL = { errorQuery: GOOD.error_query, totalQuery: GOOD.total_query };

describe("gate: Sloth spec", () => {
    it("reads the service's PrometheusServiceLevel: its SLOs, labels and alerting", () => {
        const spec = loadSloSpec(SERVICE_SPEC);
        assert.equal(spec.format, "sloth.slok.dev/v1");
        assert.equal(spec.service, "mirador-rca");
        assert.deepEqual(spec.labels, { team: "miradorstack", tier: "backend" });
        assert.deepEqual(
            spec.slos.map((s) => [s.name, s.objective, s.budget]),
            [
                ["investigation-latency", 96, 0.04],
                ["investigation-success-rate", 99.5, 0.005],
            ],
        );
        assert.match(spec.slos[0].errorQuery, /le="4"/);
        assert.equal(spec.slos[1].alerting?.name, "investigation-success-rate");
        assert.equal(
            spec.slos[1].alerting?.pageAlert?.annotations?.summary,
            "Investigation success SLO burning too fast",
        );
        assert.equal(spec.slos[1].where, `${SERVICE_SPEC}: spec.slos[1] (investigation-success-rate)`);
    });

    it("reads prometheus/v1 and sloth.slok.dev/v1 alike", () => {
        const a = parseSloSpec(v1(GOOD), "a.yaml").slos[0];
        const b = parseSloSpec(crd(GOOD_CAMEL), "b.yaml").slos[0];
        assert.equal(a.errorQuery, b.errorQuery);
        assert.equal(a.totalQuery, b.totalQuery);
    });

    const broken: [string, string, RegExp][] = [
        [
            "a query without the window",
            v1({ ...GOOD, total_query: "sum(x)" }),
            /slos\[0\] \(avail\): sli\.events\.total_query: has no \{\{\.window\}\}/,
        ],
        ["a raw SLI", v1({}), /slos\[0\] \(avail\): sli\.events is missing: .*events SLIs/],
        ["a missing error query", v1({ total_query: GOOD.total_query }), /sli\.events\.error_query: missing/],
        ["snake_case in the CRD", crd(GOOD), /spec\.slos\[0\] \(avail\): sli\.events\.errorQuery: missing/],
        ["an objective of 100", v1(GOOD, 100), /slos\[0\] \(avail\): objective 100 is not a percentage/],
        [
            "another spec version",
            v1(GOOD).replace("prometheus/v1", "prometheus/v2"),
            /version "prometheus\/v2" is not a Sloth spec the gate reads/,
        ],
        [
            "another kind",
            crd(GOOD_CAMEL).replace("PrometheusServiceLevel", "SLO"),
            /kind "SLO" is not "PrometheusServiceLevel"/,
        ],
        ["a CRD without a service", crd(GOOD_CAMEL).replace("  service: svc\n", ""), /spec\.service is missing/],
        [
            "SLO plugins",
            v1(GOOD).replace("    sli:", "    plugins: { chain: [{ id: x }] }\n    sli:"),
            /slos\[0\] \(avail\): plugins: SLO plugins are not read/,
        ],
        [
            "a spec-level plugin chain",
            crd(GOOD_CAMEL).replace("  service: svc", "  service: svc\n  sloPlugins: { chain: [] }"),
            /spec\.sloPlugins: SLO plugins are not read/,
        ],
        ["broken YAML", "slos: [", /not valid YAML/],
    ];
    for (const [what, text, message] of broken) {
        it(`refuses ${what}, naming the file, the SLO and the field`, () => {
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

describe("gate: the derived, track-scoped spec", () => {
    it("is committed as npm run slos derives it from the service's spec", () => {
        const { name, text } = derivedText(SERVICE_SPEC, PROFILE);
        const committed = outputs(name).spec;
        assert.equal(path.relative(ROOT, committed), path.join("slos", "mirador-rca.derived.yaml"));
        assert.ok(
            fs.readFileSync(committed, "utf8") === text,
            "slos/mirador-rca.derived.yaml is stale: run npm run slos",
        );
    });

    it("scopes every SLI to the track, errors-or-zero, the total guarded, objectives kept", () => {
        const derived = loadSloSpec(outputs("mirador-rca").spec);
        assert.equal(derived.format, "prometheus/v1");
        assert.deepEqual(
            derived.slos.map((s) => [s.name, s.objective]),
            [
                ["investigation-latency", 96],
                ["investigation-success-rate", 99.5],
            ],
        );
        const success = derived.slos[1];
        assert.equal(
            success.errorQuery,
            '(sum by (track) (rate(mirador_rca_investigations_total{outcome="error",track!=""}[{{ .window }}]))) or on (track) (0 * (sum by (track) (rate(mirador_rca_investigations_total{track!=""}[{{ .window }}]))))',
        );
        assert.equal(
            success.totalQuery,
            'sum by (track) (rate(mirador_rca_investigations_total{track!=""}[{{ .window }}])) > 0',
        );
        // Deriving the derived spec changes nothing, so the gate may read either.
        assert.deepEqual(deriveSpec(derived, "track").slos, derived.slos);
    });

    it("narrows a derived SLI to one track value and one window", () => {
        const derived = deriveSpec(loadSloSpec(SERVICE_SPEC), "track");
        const { errors, total } = trackSli(derived.slos[1], "track", "canary", "2700s");
        assert.equal(
            errors,
            '(sum by (track) (rate(mirador_rca_investigations_total{outcome="error",track="canary"}[2700s]))) or on (track) (0 * (sum by (track) (rate(mirador_rca_investigations_total{track="canary"}[2700s]))))',
        );
        assert.equal(total, 'sum by (track) (rate(mirador_rca_investigations_total{track="canary"}[2700s])) > 0');
    });

    it("scopes another service's spec to its own track label", () => {
        const { text } = derivedText(OTHER_SPEC, OTHER_PROFILE);
        assert.match(
            text,
            /sum by \(release_track\) \(rate\(ledger_entries_total\{result="failed",release_track!=""\}\[\{\{\.window\}\}\]\)\)/,
        );
        assert.match(text, /disable: true/);
        assert.doesNotMatch(text, /[{,(]track[!=,)]/);
    });

    it("refuses a query the scoper cannot scope, naming the SLO and the query", () => {
        const spec = parseSloSpec(v1({ ...GOOD, error_query: "sum(rate(x[{{.window}}])) or vector(0)" }), "s.yaml");
        assertConfigError(
            () => deriveSpec(spec, "track"),
            "s.yaml",
            /^s\.yaml: slos\[0\] \(avail\): error query: vector\(\) has no track label .*: sum\(rate\(x\[\{\{\.window\}\}\]\)\) or vector\(0\)$/,
        );
    });
});
