// Running checks: one query per batch (split into chunks when it is an `or` of many), each check judged on the
// series of its own SLO.
import * as assert from "assert/strict";
import { runThresholdChecks, ThresholdCheck } from "../../gate/checks";
import { FakePrometheus } from "../support/fake-prometheus";

function def(slo: string, batch?: { group: string; query?: string }): ThresholdCheck {
    return {
        name: `burn/${slo}`,
        query: `burn{sloth_slo="${slo}"}`,
        bound: { op: "<=", limit: 1 },
        subject: `burn of ${slo}`,
        noData: "none",
        batch: batch ? { ...batch, key: slo } : undefined,
    };
}

const slos = Array.from({ length: 12 }, (_, i) => `slo-${i}`);
const answer = slos.map((slo, i) => ({ labels: { sloth_slo: slo }, value: i / 10 }));

describe("gate: running checks", () => {
    it("joins the SLO queries of a batch with `or`, at most five a query, and judges each on its own series", async () => {
        const fake = new FakePrometheus([{ match: "burn", answer }]);
        const rows = await runThresholdChecks(
            fake,
            slos.map((slo) => def(slo, { group: "burn" })),
        );
        assert.equal(fake.asked.length, 3);
        assert.deepEqual(
            fake.asked.map((q) => q.split("\nor\n").length),
            [5, 5, 2],
        );
        assert.equal(fake.asked[0].split("\nor\n")[0], '(burn{sloth_slo="slo-0"})');
        assert.deepEqual(
            rows.map((r) => [r.name, r.value, r.result]),
            slos.map((slo, i) => [`burn/${slo}`, i / 10, i <= 10 ? "pass" : "fail"]),
        );
    });

    it("runs a batch with a query of its own once, for all SLOs", async () => {
        const fake = new FakePrometheus([{ match: "burn", answer }]);
        const rows = await runThresholdChecks(
            fake,
            slos.map((slo) => def(slo, { group: "burn", query: "burn" })),
        );
        assert.deepEqual(fake.asked, ["burn"]);
        assert.equal(rows[3].value, 0.3);
        // The row still shows the SLO's own query.
        assert.equal(rows[3].query, 'burn{sloth_slo="slo-3"}');
    });

    it("runs checks without a batch one query each, and errs only the checks of a failing query", async () => {
        const fake = new FakePrometheus([
            { match: "slo-1", answer: new Error("boom") },
            { match: "burn", answer: [{ labels: {}, value: 0.5 }] },
        ]);
        const rows = await runThresholdChecks(fake, [def("slo-0"), def("slo-1"), def("slo-2")]);
        assert.equal(fake.asked.length, 3);
        assert.deepEqual(
            rows.map((r) => r.result),
            ["pass", "error", "pass"],
        );
        assert.equal(rows[1].reason, "boom");
    });
});
