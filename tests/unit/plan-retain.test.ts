// The plan of a production version bump with GitHub switched on: the new version's GitHub release is created and
// the previous one is only retained (retainOnDelete), never shown or counted as deleted; an update of the
// announcement's inputs (a rotated webhook) is not shown as a new post.
import * as assert from "assert/strict";
import type { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { reduceEvents } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { summarize } from "../../plan/summary";

const PROD = "urn:pulumi:prod::mirador-release::";
const RELEASE = "github:index/release:Release";
const COMMAND = "command:local:Command";

let sequence = 0;

function step(op: OpType, type: string, name: string, old?: object, now?: object, diffs: string[] = []): EngineEvent {
    const urn = `${PROD}${type}::${name}`;
    const state = (s: object) => ({ type, urn, custom: true, id: "", parent: "", ...s });
    return {
        sequence: sequence++,
        timestamp: 0,
        resourcePreEvent: {
            metadata: {
                op,
                urn,
                type,
                provider: "",
                diffs,
                ...(old ? { old: state(old) } : {}),
                ...(now ? { new: state(now) } : {}),
            },
        },
    } as unknown as EngineEvent;
}

function bumpEvents(): EngineEvent[] {
    sequence = 0;
    return [
        {
            sequence: sequence++,
            timestamp: 0,
            preludeEvent: {
                config: {
                    "mirador-release:role": "production",
                    "mirador-release:version": "0.4.1",
                    "mirador-release:github": '{"owner":"miradorstack","repo":"mirador-rca"}',
                },
            },
        } as unknown as EngineEvent,
        step("same", "pulumi:pulumi:Stack", "mirador-release-prod", { outputs: { version: "0.4.0" } }, {}),
        step("create", RELEASE, "github-release-v0.4.1", undefined, {
            retainOnDelete: true,
            inputs: { tagName: "v0.4.1" },
        }),
        step(
            "delete",
            RELEASE,
            "github-release-v0.4.0",
            { retainOnDelete: true, inputs: { tagName: "v0.4.0" } },
            undefined,
        ),
        step("update", COMMAND, "announcement-slack", { inputs: {} }, { inputs: {} }, ["environment"]),
        { sequence: sequence++, timestamp: 0, summaryEvent: { result: "succeeded" } } as unknown as EngineEvent,
    ];
}

describe("plan: what a production release keeps", () => {
    it("shows the previous version's GitHub release as retained, never deleted", () => {
        const facts = reduceEvents(bumpEvents());
        const s = summarize(facts);
        assert.deepEqual(
            s.steps.map((st) => `${st.action} ${st.name}`),
            ["create github-release-v0.4.1", "retain github-release-v0.4.0", "update announcement-slack"],
        );
        assert.equal(s.counts.delete, 0);
        assert.equal(s.counts.retain, 1);
        const markdown = renderPlan(facts, s, undefined).markdown;
        assert.match(markdown, /3 of 3 steps change \(1 create, 1 update, 1 retain\)/);
        assert.match(markdown, /`github-release-v0\.4\.0` \| retain \| removed from the program, kept where it is/);
        assert.doesNotMatch(markdown, /\| delete \|/);
    });

    it("names the new version's GitHub release as the side effect, and no second announcement", () => {
        const s = summarize(reduceEvents(bumpEvents()));
        const effects = Object.fromEntries(s.sideEffects.map((e) => [e.what, e]));
        assert.deepEqual(effects["GitHub release v0.4.1"], {
            what: "GitHub release v0.4.1",
            happens: true,
            why: "new in this release",
        });
        assert.deepEqual(effects["announcement in Slack #mirador-release"], {
            what: "announcement in Slack #mirador-release",
            happens: false,
            why: "already posted for this release: an update does not post again (environment changed)",
        });
    });

    it("still shows a delete of a resource that is not retained", () => {
        const events = bumpEvents().map((e) => {
            const m = e.resourcePreEvent?.metadata;
            return m?.op === "delete" ? step("delete", RELEASE, "github-release-v0.4.0", { inputs: {} }) : e;
        });
        const s = summarize(reduceEvents(events));
        assert.equal(s.counts.delete, 1);
        assert.equal(s.counts.retain, 0);
    });
});
