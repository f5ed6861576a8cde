// The gate against a real Prometheus (Debian's package) that evaluates the committed Sloth rules on synthetic
// series: one Prometheus a scenario, started on a free loopback port and stopped afterwards.
import * as assert from "assert/strict";
import { parseGateConfig } from "../../gate/config";
import { runGate } from "../../gate/evaluate";
import { SCENARIOS } from "../support/gate-scenarios";
import { LoadedPrometheus, loadScenario } from "../support/slo-prometheus";

describe("gate against a real Prometheus running the Sloth rules", function () {
    this.timeout(120000);

    for (const { title, scenario, denied, config } of SCENARIOS) {
        describe(title, () => {
            let loaded: LoadedPrometheus | undefined;
            before(async () => {
                loaded = await loadScenario(scenario);
            });
            after(async () => {
                await loaded?.dispose();
            });

            const expected = Object.keys(denied).length === 0 ? "promote" : "deny";
            it(`decides ${expected}${expected === "deny" ? ", naming each reason" : ""}`, async () => {
                assert.ok(loaded, "the scenario's Prometheus did not start");
                const gate = parseGateConfig(config?.(loaded.end) ?? {}, "scenario", "/");
                const decision = await runGate(loaded.prometheus.url, gate);
                const report = decision.checks.map((c) => `${c.name}: ${c.result}: ${c.reason}`).join("\n");
                assert.equal(decision.decision, expected, report);
                const notPassing = decision.checks.filter((c) => c.result !== "pass");
                assert.deepEqual(notPassing.map((c) => c.name).sort(), Object.keys(denied).sort(), report);
                for (const check of notPassing) {
                    assert.match(check.reason, denied[check.name], `${check.name}: ${check.reason}`);
                }
            });
        });
    }
});
