// Abort and rollback without the engine: their settings, production's history and the rollback's decisions, the
// Helm record the policy pack reads back, and how the plan names them. The real runs are tests/e2e/abort-canary
// and tests/e2e/rollback.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { historyOf, planRollback, PromotedRelease, withPromotion } from "../../config/production-history";
import { abortedCanaryProblem } from "../../config/production-target";
import { rollbackChartArchive } from "../../config/rollback-chart";
import { loadSettings } from "../../config/stack-config";
import { ConfigError } from "../../config/validate";
import { rollbackDescription, rollbackRecord } from "../../gate/rollback-record";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { buildPlan } from "../../plan/build";
import { PreviewFacts } from "../../plan/events";
import { headline } from "../../plan/markdown";
import { summarize } from "../../plan/summary";
import { loadServiceProfile } from "../../config/service-profile";
import { alreadyPromoted } from "../../policy/judged";
import type { ResourceValidationArgs } from "../../policy/release";
import { repoRoot } from "../support/tools";
import { mapConfig } from "./support/map-config";
import { createSourceFixture, SourceFixture } from "./support/source-fixture";
import { prodConfig, prodSecrets, stagingConfig, stagingSecrets } from "./support/stacks";
import { asCanary, asProduction } from "./support/settings";

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function release(version: string, c: string): PromotedRelease {
    return {
        version,
        commit: c.repeat(40),
        imageDigestRef: `127.0.0.1:5000/mirador-rca@${digest(c)}`,
        imageDigest: digest(c),
        chartRef: "oci://127.0.0.1:5000/charts/mirador-rca",
        chartDigest: digest(c === "a" ? "d" : "e"),
    };
}

/** A refused rollback's problems, one text. */
function problemsOf(plan: ReturnType<typeof planRollback>): string {
    assert.ok(Array.isArray(plan), `expected problems, got ${JSON.stringify(plan)}`);
    return plan.join("\n");
}

const r040 = release("0.4.0", "a");
const r041 = release("0.4.1", "b");

describe("abort and rollback settings", () => {
    let src: SourceFixture;
    before(() => (src = createSourceFixture({ tags: ["v0.3.0"] })));
    after(() => src.remove());
    const problems = (values: Record<string, unknown>, secrets: string[], stack: string): string[] => {
        try {
            loadSettings(mapConfig(values, secrets), { projectDir: repoRoot, stack });
        } catch (e) {
            assert.ok(e instanceof ConfigError, String(e));
            return [...e.problems];
        }
        return [];
    };

    it("reads canary.abort on staging, false by default, and refuses what is not a boolean", () => {
        const load = (canary: Record<string, unknown>) =>
            loadSettings(mapConfig({ ...stagingConfig(src), canary }, stagingSecrets), {
                projectDir: repoRoot,
                stack: "staging",
            });
        assert.strictEqual(asCanary(load({})).canary.abort, false);
        assert.strictEqual(asCanary(load({ abort: true })).canary.abort, true);
        assert.deepStrictEqual(
            problems({ ...stagingConfig(src), canary: { abort: "yes" } }, stagingSecrets, "staging"),
            ['Pulumi.staging.yaml: mirador-release:canary.abort must be true or false, found "yes"'],
        );
    });

    it("reads rollback on prod as a version, and names the key, the value and the fix otherwise", () => {
        const load = (rollback: string) =>
            loadSettings(mapConfig({ ...prodConfig(src), rollback }, prodSecrets), {
                projectDir: repoRoot,
                stack: "prod",
            });
        assert.strictEqual(asProduction(load("v0.4.0")).rollback, "0.4.0");
        assert.strictEqual(asProduction(load("")).rollback, undefined);
        const [problem] = problems({ ...prodConfig(src), rollback: "previous" }, prodSecrets, "prod");
        assert.match(
            problem,
            /mirador-release:rollback 'previous' is not a version \(expected the version production ran before, e\.g\. 0\.4\.0/,
        );
    });

    it("refuses abort on prod and rollback on staging: each is the other role's setting", () => {
        const onProd = problems({ ...prodConfig(src), canary: { abort: true } }, prodSecrets, "prod");
        assert.ok(
            onProd.some((p) => /mirador-release:canary is a setting of canary stacks/.test(p)),
            onProd.join("\n"),
        );
        const onStaging = problems({ ...stagingConfig(src), rollback: "0.4.0" }, stagingSecrets, "staging");
        assert.ok(
            onStaging.some((p) => /mirador-release:rollback is a setting of production stacks/.test(p)),
            onStaging.join("\n"),
        );
    });
});

describe("production's history", () => {
    const outputs = (extra: Record<string, unknown>) => ({ role: "production", ...r041, ...extra });

    it("is empty before production ran, and starts from the running release of a stack that had none", () => {
        assert.deepStrictEqual(historyOf({}).releases, []);
        assert.deepStrictEqual(historyOf({ role: "canary", ...r041 }).releases, []);
        assert.deepStrictEqual(historyOf(outputs({})).releases, [r041]);
    });

    it("appends a promotion once, and keeps a bounded list", () => {
        assert.deepStrictEqual(withPromotion([r040], r041), [r040, r041]);
        assert.deepStrictEqual(withPromotion([r040, r041], r041), [r040, r041], "a re-run adds nothing");
        const many = Array.from({ length: 30 }, (_, i) => ({ ...r040, version: `0.${i}.0` }));
        assert.strictEqual(withPromotion(many, r041).length, 20);
    });

    it("plans a rollback to a release it ran, from the one that runs, keeping the last promotion's tag", () => {
        const history = historyOf(outputs({ releases: [r040, r041] }));
        const plan = planRollback(history, "0.4.0", { version: "0.4.1", commit: r041.commit });
        assert.deepStrictEqual(plan, { from: "0.4.1", to: r040, promoted: r041 });
    });

    it("a re-run of the same rollback is the same rollback", () => {
        const after = historyOf({
            role: "production",
            ...r040,
            releases: [r040, r041],
            rollback: { from: "0.4.1", to: "0.4.0", reason: "x" },
        });
        const plan = planRollback(after, "0.4.0", { version: "0.4.1", commit: r041.commit });
        assert.deepStrictEqual(plan, { from: "0.4.1", to: r040, promoted: r041 });
    });

    it("refuses a target it never ran, the running one, another version or checkout, before anything changes", () => {
        const history = historyOf(outputs({ releases: [r040, r041] }));
        const ok = { version: "0.4.1", commit: r041.commit };
        assert.deepStrictEqual(planRollback(history, "0.3.9", ok), [
            "mirador-release:rollback '0.3.9' is not a release production ran (its history: 0.4.0, 0.4.1): name one of them, or unset it (pulumi config rm rollback)",
        ]);
        assert.match(
            problemsOf(planRollback(history, "0.4.1", ok)),
            /which production runs already: nothing to roll back/,
        );
        assert.match(
            problemsOf(planRollback(history, "0.4.0", { version: "0.4.2", commit: r041.commit })),
            /mirador-release:version is '0\.4\.2', but the last promoted release is 0\.4\.1: leave version at 0\.4\.1/,
        );
        assert.match(
            problemsOf(planRollback(history, "0.4.0", { version: "0.4.1", commit: "f".repeat(40) })),
            /check out 0\.4\.1's commit for the rollback/,
        );
        assert.match(problemsOf(planRollback(historyOf({}), "0.4.0", ok)), /no history of promoted releases yet/);
    });

    it("takes the rollback's chart by its recorded digest, never bytes with another digest", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-rollback-chart-"));
        const saved = process.env.MIRADOR_CHART_CACHE;
        process.env.MIRADOR_CHART_CACHE = dir;
        try {
            const sha = `sha256:${crypto.createHash("sha256").update("chart bytes").digest("hex")}`;
            fs.writeFileSync(path.join(dir, `${sha.replace(":", "-")}.tgz`), "chart bytes");
            const got = await rollbackChartArchive({ ...r040, chartDigest: sha });
            assert.strictEqual(fs.readFileSync(got, "utf8"), "chart bytes");
            // Recorded digest not cached, and its registry unreachable: refused, never another chart.
            const unreachable = { ...r040, chartRef: "oci://127.0.0.1:1/charts/mirador-rca" };
            await assert.rejects(rollbackChartArchive(unreachable), /cannot be fetched from oci:\/\/127\.0\.0\.1:1/);
        } finally {
            if (saved === undefined) delete process.env.MIRADOR_CHART_CACHE;
            else process.env.MIRADOR_CHART_CACHE = saved;
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("refuses to promote an aborted canary, naming the fix", async () => {
        const read = (aborted: boolean) => () =>
            Promise.resolve({ outputs: { version: "0.4.1", canaryAborted: aborted } });
        assert.strictEqual(await abortedCanaryProblem("o/p/staging", read(false)), undefined);
        assert.match(
            String(await abortedCanaryProblem("o/p/staging", read(true))),
            /the canary 0\.4\.1 in o\/p\/staging was aborted \(canary\.abort\): it is not promoted; ship a fixed version/,
        );
    });
});

describe("the rollback's record on the Helm release", () => {
    const record = { from: "0.4.1", to: "0.4.0", digest: digest("a") };
    const args = (description: unknown, pinned = digest("a")) =>
        ({
            type: "kubernetes:helm.sh/v3:Release",
            name: "production-release",
            props: {
                name: "mirador-rca",
                namespace: "mirador-prod",
                description,
                values: { image: { repository: "r/mirador-rca", tag: `v0.4.0@${pinned}` } },
            },
        }) as unknown as ResourceValidationArgs;

    it("round-trips, and says why no gate ran", () => {
        const text = rollbackDescription(record);
        assert.strictEqual(
            text,
            `rollback 0.4.1 → 0.4.0: ${digest("a")} already served production (promoted by the SLO gate); the canary gate is skipped`,
        );
        assert.deepStrictEqual(rollbackRecord(text), record);
        assert.strictEqual(rollbackRecord("rollback to whatever"), undefined);
    });

    it("passes the pack's judged check only for exactly the digest the release runs", () => {
        const profile = loadServiceProfile(path.join(repoRoot, "profiles", "mirador-rca.yaml"));
        assert.strictEqual(alreadyPromoted(args(rollbackDescription(record)), profile), true);
        assert.strictEqual(alreadyPromoted(args(rollbackDescription(record), digest("b")), profile), false);
        assert.strictEqual(alreadyPromoted(args("rolled back by hand"), profile), false);
        assert.strictEqual(alreadyPromoted(args(undefined), profile), false);
    });
});

describe("the plan of an abort and of a rollback", () => {
    const facts = (config: Record<string, string>, previousOutputs: PreviewFacts["previousOutputs"]): PreviewFacts => ({
        stack: config.role === "canary" ? "staging" : "prod",
        project: "mirador-release",
        config,
        steps: [],
        violations: [],
        notRun: [],
        passed: {},
        errors: [],
        warnings: [],
        previousOutputs,
        nextOutputs: {},
        result: "succeeded",
    });

    it("shows an abort as such", () => {
        const s = summarize(
            facts({ role: "canary", version: "0.4.1", canary: '{"abort":true}' }, { version: "0.4.1" }),
        );
        assert.strictEqual(s.operation, "abort of the canary 0.4.1");
        assert.match(headline(s, undefined), /^\*\*abort of the canary 0\.4\.1\*\* · `staging` \(canary\)/);
        const plain = summarize(facts({ role: "canary", version: "0.4.1", canary: '{"trafficWeight":10}' }, {}));
        assert.strictEqual(plain.operation, undefined);
    });

    it("shows a rollback as rollback 0.4.1 → 0.4.0, the gate skipped, and the rollback message", () => {
        const s = summarize(facts({ role: "production", version: "0.4.1", rollback: "0.4.0" }, { version: "0.4.1" }));
        assert.strictEqual(s.operation, "rollback 0.4.1 → 0.4.0");
        const line = headline(s, undefined);
        assert.match(line, /^\*\*rollback 0\.4\.1 → 0\.4\.0\*\* · `prod` \(production\)/);
        assert.match(line, /gate: \*\*skipped\*\* \(a rollback returns to a release that already served production\)/);
        assert.ok(s.sideEffects.some((e) => e.what === "rollback message in Slack #mirador-release"));
        // Its re-run: production runs 0.4.0 already, the previous run recorded the rollback.
        const again = summarize(
            facts(
                { role: "production", version: "0.4.1", rollback: "0.4.0" },
                { version: "0.4.0", rollback: { from: "0.4.1", to: "0.4.0", reason: "" } },
            ),
        );
        assert.strictEqual(again.operation, "rollback 0.4.1 → 0.4.0");
    });

    it("does not judge today's canary in a rollback's plan: its gate section says why", async () => {
        const events = [
            {
                sequence: 0,
                timestamp: 0,
                preludeEvent: {
                    config: {
                        "mirador-release:role": "production",
                        "mirador-release:version": "0.4.1",
                        "mirador-release:rollback": "0.4.0",
                    },
                },
            },
        ] as unknown as EngineEvent[];
        const never = () => {
            throw new Error("a rollback's plan must not query Prometheus");
        };
        const deps = { now: new Date(), makeClient: never, rangeQuery: never };
        const plan = await buildPlan(
            { events, policyConfigs: ["policy/prod.json"], chartRef: "c.svg", fullPlanRef: "p.md" },
            deps,
        );
        assert.match(
            plan.full,
            /### SLO gate\n\nNot evaluated: skipped: a rollback returns to a release that already served production\./,
        );
    });
});
