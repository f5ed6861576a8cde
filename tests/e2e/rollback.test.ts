// Rolling production back through the real engine against the local release world: promote 0.4.0, promote 0.4.1,
// then `mirador-release:rollback: 0.4.0` redeploys 0.4.0's digest and chart from production's own history (no
// rebuild, the signature verified again, no canary gate, the reason in Helm's history), behind the policy pack;
// the tags stay, one rollback message is posted, a second up changes nothing, and 0.4.2 is promoted as usual.
// The chart's value shape changes between the two: 0.4.0's chart takes the digest at its own value (image.digest,
// with a profile that names it), 0.4.1's in the tag (image.tag). The rollback renders 0.4.0 with the value paths and
// overlay its history entry recorded; an entry without that record (as an older program wrote it) is rendered from
// Helm's own record of the revision that ran its digest.
import * as assert from "assert";
import * as path from "path";
import { Stack } from "@pulumi/pulumi/automation";
import { DIGEST_PROFILE, packConfigWithProfile, useDigestValue, writeDigestProfile } from "../support/chart-shape";
import { changesOf, ReleaseSandbox } from "../support/release-sandbox";
import { repoRoot } from "../support/tools";

const policyPack = path.join(repoRoot, "policy");

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, unknown> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
}

/** A history entry as the stack exports it, with what it was rendered with. */
interface Rendered {
    version: string;
    imageDigest: string;
    render: {
        profile: string;
        chartValues: Record<string, string | undefined>;
        track: { label: string; value: string };
        helm: { postRenderer?: { file: string } };
    };
}

interface StateResource {
    urn: string;
    inputs?: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

describe("rolling production back to the release it ran before", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    const promoted: Record<string, Record<string, unknown>> = {};
    const tags: Record<string, string> = {};
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const helmHistory = () => sandbox.helmHistory();
    const prodImage = () => sandbox.deploymentImage();
    const routing = () => sandbox.routing("mirador-prod");
    const remoteTag = (tag: string) => tool("git", ["-C", sandbox.infra.MIRADOR_GIT_REMOTE, "rev-parse", tag]);
    const withPack = { policyPacks: [policyPack], policyPackConfigs: [] as string[] };
    const stateOf = async (stack: Stack): Promise<StateResource[]> =>
        ((await stack.exportStack()).deployment as { resources: StateResource[] }).resources;
    const named = (resources: StateResource[], name: string) => resources.find((r) => r.urn.endsWith(`::${name}`));

    let restoreTagShape = () => {};
    let digestPackConfig = "";
    /** The digest every running container of production runs, as containerd reports it. */
    const runningDigests = () => [...new Set(sandbox.runningImageIDs().map((id) => id.slice(id.indexOf("@") + 1)))];

    /** Ships `version` to staging, soaks it healthily and promotes it with the policy pack. */
    const promote = async (version: string, profile = "profiles/mirador-rca.yaml") => {
        if (version !== "0.4.0") {
            sandbox.bumpSource(version);
        }
        withPack.policyPackConfigs = [profile === DIGEST_PROFILE ? digestPackConfig : sandbox.gateConfig];
        await sandbox.configure(sandbox.staging, { version, profile });
        await sandbox.configure(sandbox.prod, { version, rollback: "", profile });
        const staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        const prod = outputsOf(await sandbox.prod.up({ onOutput: log, ...withPack }));
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.strictEqual(prodImage(), staging.imageDigestRef);
        promoted[version] = prod;
        tags[version] = remoteTag(`v${version}`);
        return prod;
    };

    before(async () => {
        await sandbox.start();
        withPack.policyPackConfigs.push(sandbox.gateConfig);
        // 0.4.0's chart and profile: the digest at its own value. 0.4.1 puts the tag shape back.
        restoreTagShape = useDigestValue(sandbox.infra.MIRADOR_SOURCE_DIR);
        sandbox.commitSource("mirador-rca: the chart takes the digest at image.digest");
        const profile = writeDigestProfile(sandbox.projectDir);
        digestPackConfig = packConfigWithProfile(sandbox.gateConfig, profile);
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. promotes 0.4.0 (digest value), then 0.4.1 (digest in the tag): the history lists both, as rendered", async () => {
        await promote("0.4.0", DIGEST_PROFILE);
        assert.deepStrictEqual(
            (sandbox.helmValues().image as Record<string, unknown>).digest,
            promoted["0.4.0"].imageDigest,
        );
        restoreTagShape();
        const prod = await promote("0.4.1");
        assert.strictEqual((sandbox.helmValues().image as Record<string, unknown>).digest, undefined);
        const releases = prod.releases as Rendered[];
        assert.deepStrictEqual(
            releases.map((r) => [r.version, r.imageDigest]),
            [
                ["0.4.0", promoted["0.4.0"].imageDigest],
                ["0.4.1", promoted["0.4.1"].imageDigest],
            ],
        );
        // Each entry records the value paths and overlay it was rendered with.
        assert.strictEqual(releases[0].render.profile, DIGEST_PROFILE);
        assert.strictEqual(releases[0].render.chartValues.imageDigest, "image.digest");
        assert.strictEqual(releases[0].render.chartValues.imageTag, undefined);
        assert.strictEqual(releases[1].render.chartValues.imageTag, "image.tag");
        assert.deepStrictEqual(releases[1].render.track, { label: "track", value: "stable" });
        assert.strictEqual(releases[1].render.helm.postRenderer?.file, "scripts/local-node-postrender");
        assert.deepStrictEqual(runningDigests(), [promoted["0.4.1"].imageDigest]);
        assert.strictEqual(helmHistory().length, 2);
        assert.strictEqual(sandbox.slackMessages().length, 2);
    });

    it("2. a rollback target that production never ran is refused before anything changes", async () => {
        await sandbox.configure(sandbox.prod, { rollback: "0.3.9" });
        await assert.rejects(
            sandbox.prod.up({ onOutput: log, ...withPack }),
            /mirador-release:rollback '0\.3\.9' is not a release production ran \(its history: 0\.4\.0, 0\.4\.1\)/,
        );
        assert.strictEqual(helmHistory().length, 2);
        assert.strictEqual(prodImage(), promoted["0.4.1"].imageDigestRef);
    });

    it("3. rollback 0.4.1 → 0.4.0: 0.4.0's digest and chart serve again, behind the pack, tags intact, one message", async () => {
        await sandbox.configure(sandbox.prod, { rollback: "0.4.0" });
        const result = await sandbox.prod.up({ onOutput: log, ...withPack });
        const out = outputsOf(result);
        const target = promoted["0.4.0"];
        assert.strictEqual(out.version, "0.4.0");
        assert.strictEqual(out.imageDigest, target.imageDigest);
        assert.strictEqual(out.chartDigest, target.chartDigest);
        assert.strictEqual(out.signatureVerified, true);
        assert.deepStrictEqual(
            { ...(out.rollback as Record<string, unknown>), reason: undefined },
            {
                from: "0.4.1",
                to: "0.4.0",
                reason: undefined,
                renderedWith: `the history record of 0.4.0 (profile ${DIGEST_PROFILE})`,
            },
        );
        assert.strictEqual(prodImage(), target.imageDigestRef);
        // Rendered as 0.4.0 ran: the digest at its own value, which 0.4.0's chart reads; containerd runs it.
        const image = sandbox.helmValues().image as Record<string, unknown>;
        assert.deepStrictEqual([image.digest, image.tag], [target.imageDigest, undefined]);
        assert.deepStrictEqual(runningDigests(), [target.imageDigest]);
        assert.strictEqual(routing()["rca.stable.image"], target.imageDigestRef);
        assert.strictEqual(routing()["rca.stable.version"], "0.4.0");
        assert.strictEqual(routing()["rca.stable.weight"], "100");
        // Helm's history: the two promotions and the rollback, which records why no gate ran.
        const history = helmHistory();
        assert.strictEqual(history.length, 3);
        assert.strictEqual(history[0].description, `promoted by the SLO gate: ${String(target.imageDigest)}`);
        assert.strictEqual(
            history[2].description,
            `rollback 0.4.1 → 0.4.0: ${String(target.imageDigest)} already served production (promoted by the SLO gate); the canary gate is skipped`,
        );
        // The signature was verified again for 0.4.0's digest; no gate ran.
        const state = await stateOf(sandbox.prod);
        assert.strictEqual(
            (named(state, "canary-signature-verify")?.inputs?.environment as Record<string, string>).IMAGE,
            target.imageDigestRef,
        );
        assert.strictEqual(named(state, "promotion-gate-judge"), undefined);
        // Both tags where they were; one rollback message besides the two announcements.
        assert.strictEqual(remoteTag("v0.4.0"), tags["0.4.0"]);
        assert.strictEqual(remoteTag("v0.4.1"), tags["0.4.1"]);
        const messages = sandbox.slackMessages();
        assert.strictEqual(messages.length, 3);
        const rollbacks = messages.filter((m) => m.text.includes("rolled back"));
        assert.strictEqual(rollbacks.length, 1);
        assert.match(rollbacks[0].text, /rolled back 0\.4\.1 → 0\.4\.0/);
        assert.ok(rollbacks[0].text.includes(String(target.imageDigestRef)));
    });

    it("4. a second up of the rollback changes nothing and posts nothing", async () => {
        const again = await sandbox.prod.up({ onOutput: log, ...withPack });
        assert.deepStrictEqual(changesOf(again), {});
        assert.strictEqual(helmHistory().length, 3);
        assert.strictEqual(sandbox.slackMessages().length, 3);
    });

    it("5. promoting 0.4.2 afterwards works as usual: gate, tag, announcement", async () => {
        const prod = await promote("0.4.2");
        const history = helmHistory();
        assert.strictEqual(history.length, 4);
        assert.strictEqual(history[3].description, `promoted by the SLO gate: ${String(prod.imageDigest)}`);
        assert.strictEqual(prod.rollback, undefined);
        const releases = prod.releases as { version: string }[];
        assert.deepStrictEqual(
            releases.map((r) => r.version),
            ["0.4.0", "0.4.1", "0.4.2"],
        );
        assert.strictEqual(remoteTag("v0.4.0"), tags["0.4.0"]);
        assert.strictEqual(remoteTag("v0.4.1"), tags["0.4.1"]);
        const messages = sandbox.slackMessages();
        assert.strictEqual(messages.length, 4);
        assert.match(messages[3].text, /v0\.4\.2/);
    });

    it("6. an entry without a render record (an older program's) rolls back as Helm recorded the revision that ran it", async () => {
        // The history as an older program exported it: 0.4.0's entry without its render record.
        const exported = await sandbox.prod.exportStack();
        const resources = (exported.deployment as { resources: StateResource[] }).resources;
        const stack = resources.find((r) => r.urn.endsWith("::mirador-release-local-prod"))!;
        const releases = stack.outputs!.releases as Record<string, unknown>[];
        assert.strictEqual(releases[0].version, "0.4.0");
        delete releases[0].render;
        await sandbox.prod.importStack(exported);

        await sandbox.configure(sandbox.prod, { rollback: "0.4.0" });
        const out = outputsOf(await sandbox.prod.up({ onOutput: log, ...withPack }));
        const target = promoted["0.4.0"];
        assert.strictEqual(out.imageDigest, target.imageDigest);
        assert.strictEqual(
            (out.rollback as Record<string, unknown>).renderedWith,
            "Helm's record of revision 1 of mirador-prod/mirador-rca",
        );
        // Helm's values of 0.4.0's promotion, with the digest again at the value 0.4.0's chart reads.
        const image = sandbox.helmValues().image as Record<string, unknown>;
        assert.deepStrictEqual([image.digest, image.tag], [target.imageDigest, undefined]);
        assert.deepStrictEqual(runningDigests(), [target.imageDigest]);
        assert.strictEqual(prodImage(), target.imageDigestRef);
        assert.strictEqual(helmHistory().length, 5);
    });

    it("7. a second up of that rollback changes nothing", async () => {
        const again = await sandbox.prod.up({ onOutput: log, ...withPack });
        assert.deepStrictEqual(changesOf(again), {});
        assert.strictEqual(helmHistory().length, 5);
        assert.deepStrictEqual(runningDigests(), [promoted["0.4.0"].imageDigest]);
    });
});
