// The plan's Markdown, exactly: a small hand-made preview, and the previews recorded from the real engine
// (tests/fixtures/plan) against their reviewed renderings (PLAN_FIXTURES_UPDATE=1 rewrites those after a change
// of the renderer, for review in the diff).
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { buildPlan } from "../../plan/build";
import { reduceEvents } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { summarize } from "../../plan/summary";
import { fakeGateDeps, fixture, FIXTURES, policyConfigFile, STAGING, UNKNOWN, SECRET } from "./plan-support";

const A = `sha256:${"a".repeat(64)}`;
const B = `sha256:${"b".repeat(64)}`;

/** A preview of a staging stack at 0.4.0 bumped to 0.4.1, as the engine would report it. */
function smallPreview(): EngineEvent[] {
    let seq = 0;
    const ev = (body: Partial<EngineEvent>): EngineEvent => ({ sequence: seq++, timestamp: 0, ...body }) as EngineEvent;
    const stack = `${STAGING}pulumi:pulumi:Stack::mirador-release-staging`;
    const release = `${STAGING}mirador:release:ChartRelease$kubernetes:helm.sh/v3:Release::canary-release`;
    const state = (urn: string, type: string, inputs: Record<string, unknown>, custom = true) => ({
        urn,
        type,
        custom,
        id: "",
        parent: `${STAGING}mirador:release:ChartRelease::canary`,
        inputs,
        outputs: {},
        provider: "",
    });
    const values = (replicas: number, digest: string, extra: Record<string, unknown> = {}) => ({
        image: { repository: "ghcr.io/miradorstack/mirador-rca", digest },
        replicaCount: replicas,
        track: "canary",
        auth: { token: SECRET },
        ...extra,
    });
    return [
        ev({ preludeEvent: { config: { "mirador-release:role": "canary", "mirador-release:version": "0.4.1" } } }),
        ev({
            resourcePreEvent: {
                metadata: {
                    op: "same",
                    urn: stack,
                    type: "pulumi:pulumi:Stack",
                    provider: "",
                    old: {
                        ...state(stack, "pulumi:pulumi:Stack", {}, false),
                        outputs: { version: "0.4.0", imageDigest: A, chartDigest: B },
                    },
                },
            },
        }),
        ...["ChartRelease::canary", "SignedImage::image", "Preflight::preflight"].map((c) =>
            ev({
                resourcePreEvent: {
                    metadata: {
                        op: "same",
                        urn: `${STAGING}mirador:release:${c}`,
                        type: `mirador:release:${c.split("::")[0]}`,
                        provider: "",
                        new: { ...state(`${STAGING}mirador:release:${c}`, "component", {}, false), parent: stack },
                    },
                },
            }),
        ),
        ev({
            resourcePreEvent: {
                metadata: {
                    op: "update",
                    urn: release,
                    type: "kubernetes:helm.sh/v3:Release",
                    provider: "",
                    diffs: ["chart", "values"],
                    old: state(release, "kubernetes:helm.sh/v3:Release", {
                        name: "mirador-rca-canary",
                        namespace: "mirador-staging",
                        chart: "dist/mirador-rca-0.4.0.tgz",
                        values: values(1, A),
                    }),
                    new: state(release, "kubernetes:helm.sh/v3:Release", {
                        name: "mirador-rca-canary",
                        namespace: "mirador-staging",
                        chart: UNKNOWN,
                        values: values(2, UNKNOWN, { podLabels: { "app.kubernetes.io/part-of": "mirador" } }),
                    }),
                },
            },
        }),
        ...["create-replacement", "replace", "delete-replaced"].map((op) =>
            ev({
                resourcePreEvent: {
                    metadata: {
                        op: op as "replace",
                        urn: `${STAGING}mirador:release:SignedImage$command:local:Command::image-sign`,
                        type: "command:local:Command",
                        provider: "",
                        diffs: ["triggers"],
                        keys: ["triggers"],
                        new: {
                            ...state("x", "command:local:Command", {}),
                            parent: `${STAGING}mirador:release:SignedImage::image`,
                        },
                    },
                },
            }),
        ),
        ev({
            resourcePreEvent: {
                metadata: {
                    op: "same",
                    urn: `${STAGING}mirador:release:Preflight$command:local:Command::preflight-make-verify`,
                    type: "command:local:Command",
                    provider: "",
                    new: {
                        ...state("y", "command:local:Command", {}),
                        parent: `${STAGING}mirador:release:Preflight::preflight`,
                    },
                },
            },
        }),
        ev({
            policyEvent: {
                resourceUrn: release,
                message: "Helm releases pin the image by digest.\nvalues.image.tag is set: remove it",
                color: "never",
                policyName: "image-pinned-by-digest",
                policyPackName: "mirador-release",
                policyPackVersion: "0.1.0",
                policyPackVersionTag: "0.1.0",
                enforcementLevel: "mandatory",
            },
        }),
        ev({ summaryEvent: { maybeCorrupt: false, durationSeconds: 1, resourceChanges: {}, policyPacks: {} } }),
    ];
}

const SMALL = `<!-- mirador-release-plan:staging -->

## Release plan: \`staging\`

**0.4.0 → 0.4.1** · \`staging\` (canary): 2 of 3 steps change (1 update, 1 replace) · gate: judged when prod promotes · **\`pulumi up\` stops: denied by the policy pack (1 mandatory violation: image-pinned-by-digest)**

|  | from | to |
| --- | --- | --- |
| version | \`0.4.0\` | \`0.4.1\` |
| image digest | \`${A}\` | — |
| chart digest | \`${B}\` | — |

### Helm release \`mirador-staging/mirador-rca-canary\` (update)

| value | from | to |
| --- | --- | --- |
| \`image.digest\` | \`${A}\` | _computed by the update_ |
| \`podLabels["app.kubernetes.io/part-of"]\` | — | \`mirador\` |
| \`replicaCount\` | \`1\` | \`2\` |

| other input | from | to |
| --- | --- | --- |
| \`chart\` | \`dist/mirador-rca-0.4.0.tgz\` | _computed by the update_ |

### Side effects

| side effect | in this run | why |
| --- | --- | --- |
| git tag v0.4.1 pushed to origin | won't happen | staging ships the canary only: production does this after the gate |
| GitHub release v0.4.1 | won't happen | staging ships the canary only: production does this after the gate |
| milestone v0.4.1 closed | won't happen | staging ships the canary only: production does this after the gate |
| announcement in Slack #mirador-release | won't happen | staging ships the canary only: production does this after the gate |

### Steps that change

| step | resource | action | what changes |
| --- | --- | --- | --- |
| canary | \`canary-release\` | update | \`chart\`, \`values\` |
| image | \`image-sign\` | replace | \`triggers\` (forces replacement) |

<details><summary>1 unchanged step</summary>

\`preflight-make-verify\`

</details>

### Policy violations

- **image-pinned-by-digest** (mandatory) on \`canary-release\`: values.image.tag is set: remove it
`;

describe("plan: Markdown", () => {
    it("renders a small preview exactly: headline, digests, values diff, side effects, steps, violations", () => {
        const facts = reduceEvents(smallPreview());
        assert.equal(renderPlan(facts, summarize(facts), undefined).markdown, SMALL);
    });

    for (const name of FIXTURES) {
        it(`renders the recorded preview ${name} as reviewed (tests/fixtures/plan/${name}.md)`, async () => {
            const prod = name.startsWith("prod");
            const plan = await buildPlan(
                {
                    events: fixture(name),
                    policyConfigs: prod ? [policyConfigFile()] : [],
                    chartRef: `${name}.svg`,
                    fullPlanRef: `${name}.md`,
                },
                fakeGateDeps(),
            );
            const expected = path.join(__dirname, "..", "fixtures", "plan", `${name}.md`);
            if (process.env.PLAN_FIXTURES_UPDATE === "1") {
                fs.writeFileSync(expected, plan.full);
            }
            assert.equal(
                plan.full,
                fs.readFileSync(expected, "utf8"),
                `${name}.md differs (a change of the renderer, or of the gate's PromQL it shows): review the diff, ` +
                    "then PLAN_FIXTURES_UPDATE=1 rewrites it",
            );
        });
    }
});
