// A plan too long for a pull-request comment (65,536 characters) is cut to fit, least useful parts first, with a
// note of what was cut; the full plan keeps everything.
import * as assert from "assert/strict";
import { buildPlan } from "../../plan/build";
import { reduceEvents } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { summarize } from "../../plan/summary";
import { COMMENT_LIMIT, fitComment } from "../../plan/trim";
import { fakeGateDeps, fixture, policyConfigFile } from "./plan-support";

function balanced(text: string): void {
    assert.equal((text.match(/^```/gm) ?? []).length % 2, 0, "code blocks closed");
    assert.equal((text.match(/<details>/g) ?? []).length, (text.match(/<\/details>/g) ?? []).length, "details closed");
}

describe("plan: trimmed to a pull-request comment", () => {
    it("keeps every one of 1,500 changed values in the full plan and as many as fit in the comment", async () => {
        const plan = await buildPlan(
            {
                events: fixture("staging-huge"),
                policyConfigs: [],
                chartRef: "x.svg",
                fullPlanRef: "[the full plan](https://ci/run/1)",
            },
            fakeGateDeps(),
        );
        assert.ok(plan.full.length > COMMENT_LIMIT, `the full plan is over the limit: ${plan.full.length}`);
        assert.equal((plan.full.match(/^\| `featureFlags\.flag\d{4}` \|/gm) ?? []).length, 1500);
        assert.ok(plan.trimmed);
        assert.ok(plan.comment.length <= COMMENT_LIMIT, `comment of ${plan.comment.length} characters`);
        assert.ok(plan.comment.length > COMMENT_LIMIT - 1000, "the room is used, not thrown away");
        const shown = (plan.comment.match(/^\| `featureFlags\.flag\d{4}` \|/gm) ?? []).length;
        assert.ok(shown > 1000 && shown < 1500, `${shown} value rows shown`);
        // What a reviewer needs first is never cut; the note says what was and where the rest is.
        assert.match(
            plan.comment,
            /^\*\*0\.4\.1 → 0\.4\.1\*\* · `local-staging` \(canary\): 2 of 18 steps change \(1 update, 1 replace\)/m,
        );
        assert.match(plan.comment, /### Side effects/);
        assert.match(plan.comment, /### Policy violations/);
        // The 1,500 flags and the rollout annotation (which sorts after them) change: what is not shown is counted.
        assert.match(plan.comment, new RegExp(`… and ${1501 - shown} more values \\(in the full plan\\)\\.`));
        assert.match(
            plan.comment,
            new RegExp(
                `_Cut to fit a pull-request comment \\(65,536 characters\\): ` +
                    `${1501 - shown} value rows of mirador-staging/mirador-rca-canary; the list of 16 unchanged steps\\. ` +
                    `The full plan: \\[the full plan\\]\\(https://ci/run/1\\)\\._\\n$`,
            ),
        );
        balanced(plan.comment);
    });

    it("leaves a plan that fits as it is", async () => {
        const plan = await buildPlan(
            { events: fixture("staging-bump"), policyConfigs: [], chartRef: "x.svg", fullPlanRef: "p.md" },
            fakeGateDeps(),
        );
        assert.equal(plan.trimmed, false);
        assert.equal(plan.comment, plan.full);
    });

    it("drops the gate's PromQL before any row, and cuts at a line with blocks closed as a last resort", async () => {
        const facts = reduceEvents(fixture("prod-deny"));
        const s = summarize(facts);
        const plan = await buildPlan(
            {
                events: fixture("prod-deny"),
                policyConfigs: [policyConfigFile()],
                chartRef: "x.svg",
                fullPlanRef: "p.md",
            },
            fakeGateDeps(),
        );
        assert.ok(plan.full.length < COMMENT_LIMIT);
        const gate = plan.gate!;
        const full = renderPlan(facts, s, gate).markdown;
        const fitted = fitComment((o) => renderPlan(facts, s, gate, o), "p.md", full.length - 10);
        assert.ok(fitted.trimmed && fitted.text.length <= full.length - 10);
        assert.match(
            fitted.text,
            /Cut to fit a pull-request comment \(\d[\d,]* characters\): the PromQL of the gate's checks\./,
        );
        for (const limit of [3000, 1500]) {
            const cut = fitComment((o) => renderPlan(facts, s, gate, o), "p.md", limit);
            assert.ok(cut.text.length <= limit, `${cut.text.length} <= ${limit}`);
            assert.match(cut.text, /^<!-- mirador-release-plan:local-prod -->\n/);
            assert.match(cut.text, /everything after this point\. The full plan: p\.md\._\n$/);
            balanced(cut.text);
        }
    });
});
