// Stacks made by the previous main keep working (issue 17, point 11). Stage A: the previous main's own program
// (fb33fe9, from git history) ships and promotes 0.4.0 of its example through the real engine. Stage B: today's
// program on the same state backend and stacks: the old config is refused with each moved key named, and after the
// migration the README documents (Upgrading stacks made before the service profile) the previews plan no delete or
// replace of what the release made, the ups rebuild, re-sign, re-tag and re-announce nothing, and a second up of each
// stack changes nothing. The scenarios build on each other.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { ReleaseSandbox, changesOf } from "../support/release-sandbox";
import {
    extractPreviousMain,
    PREVIOUS_PROFILE,
    PreviousMain,
    previousPolicyConfig,
    previousProdConfig,
    previousStagingConfig,
} from "../support/previous-main";
import { repoRoot } from "../support/tools";

const policyPack = path.join(repoRoot, "policy");

/** Steps that change nothing: a replacement's own sub-steps are reported as its "replace". */
const NO_CHANGE = ["same", "read", "create-replacement", "delete-replaced"];

/**
 * What the upgrade plans, by resource name: the checks that are new, the checks that run again because their
 * command or inputs changed (the lint, the profile's smoke calls, the rollout watch of a release whose rollout id
 * changed), the Helm releases' values (the track now in the profile's pod labels value), and the cache checks that
 * went. Nothing the release made is deleted or replaced: not the image, its signature or attestations, the chart
 * package, the routing patch, the tag, the GitHub release, the announcement or the production lock. Every other
 * resource of the old checkpoint is unchanged, at the same URN: no name or parent changed, so no alias is needed.
 */
const EXPECTED_PLAN: Record<string, Record<string, string>> = {
    staging: {
        "canary-structure": "create",
        "canary-rendered-check": "create",
        "chart-lint": "replace",
        "canary-rollout-pods-ready": "replace",
        "canary-release": "update",
        "smoke-investigate": "replace",
        "smoke-get-patterns": "replace",
        "smoke-list-correlations": "replace",
        "smoke-cache-hit-rate": "delete",
        "smoke-investigate-cached": "delete",
    },
    prod: {
        "production-rendered-check": "create",
        "production-rollout-pods-ready": "replace",
        "production-release": "update",
    },
};

/**
 * What the release made, by resource name in the previous main's checkpoints: the image, its signature and
 * attestations, the chart package, the Helm releases, the routing patch, the tag, the announcement, the gate's
 * verdict and the production lock (the local stacks make no GitHub release: github.enabled is false). The upgrade
 * plans nothing for any of them but the releases' update above.
 */
const RELEASE_MADE: Record<string, string[]> = {
    staging: [
        "image-image",
        "image-sign",
        "image-signature-verify",
        "image-attestations-sbom",
        "image-attestations-provenance",
        "chart-package",
        "chart-push",
        "canary-release",
        "traffic-routing",
    ],
    prod: [
        "production-release",
        "traffic-routing",
        "tag-git-tag",
        "announcement-slack",
        "gate-verdict-gate",
        "promotion-gate-judge",
        "production-lock-protect",
    ],
};

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, string> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, String(v.value)]));
}

/** A preview's planned steps, as { urn: op } without the unchanged ones and the stack itself. */
async function planOf(
    stack: Stack,
    opts: { policyPacks?: string[]; policyPackConfigs?: string[]; onOutput?: (s: string) => void },
): Promise<Record<string, string>> {
    const plan: Record<string, string> = {};
    const onEvent = (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && !NO_CHANGE.includes(m.op) && !m.type.startsWith("pulumi:pulumi:Stack")) {
            plan[m.urn] = m.op;
        }
    };
    await stack.preview({ onEvent, ...opts });
    return plan;
}

/** The URNs of a stack's checkpoint. */
async function urnsOf(stack: Stack): Promise<string[]> {
    const state = await stack.exportStack();
    return (state.deployment.resources as { urn: string }[]).map((r) => r.urn).sort();
}

const last = (urn: string) => urn.split("::").pop()!;

/** A rendered manifest without the rollout annotation's value (components/rollout-watch.ts). */
const withoutRolloutId = (manifest: string) => manifest.replace(/(mirador\.release\/rollout): .*/g, "$1: <rollout id>");

describe("stacks made by the previous main, upgraded to today's program", function () {
    this.timeout(3_600_000);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "previous-main-"));
    let previous: PreviousMain;
    let sandbox: ReleaseSandbox;
    let staging: Record<string, string> = {};
    const oldUrns: Record<string, string[]> = {};
    /** The old URNs the upgrade deletes (the checks that went). */
    const dropped: string[] = [];
    let released: Record<string, string | number> = {};
    const log = (text: string) => process.stdout.write(text);
    const oldProdOpts = () => ({
        onOutput: log,
        policyPacks: [previous.policyPack],
        policyPackConfigs: [sandbox.gateConfig],
    });
    const prodOpts = () => ({ onOutput: log, policyPacks: [policyPack], policyPackConfigs: [sandbox.gateConfig] });
    /** `pulumi` in the project, as a person upgrading runs it. */
    const pulumi = async (...args: string[]) =>
        (await sandbox.run("pulumi", args, { PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase })).stdout;
    /** What the upgrade must not touch outside the state. */
    const world = () => {
        const repo = sandbox.imageRepository();
        const remote = sandbox.infra.MIRADOR_GIT_REMOTE;
        const pods = (ns: string) =>
            sandbox.tool("kubectl", ["get", "pods", "-n", ns, "-o", "jsonpath={.items[*].metadata.uid}"]);
        const manifest = (release: string, ns: string) => sandbox.tool("helm", ["get", "manifest", release, "-n", ns]);
        return {
            canaryManifest: manifest("mirador-rca-canary", "mirador-staging"),
            prodManifest: manifest("mirador-rca", "mirador-prod"),
            image: sandbox.tool("crane", ["digest", `${repo}:v0.4.0`]),
            // cosign stores the signatures of a digest under this tag; a new signature is a new manifest digest.
            signatures: sandbox.tool("crane", ["digest", `${repo}:${staging.imageDigest.replace(":", "-")}.sig`]),
            attestations: sandbox.tool("crane", ["digest", `${repo}:${staging.imageDigest.replace(":", "-")}.att`]),
            tag: sandbox.tool("git", ["-C", remote, "rev-parse", "refs/tags/v0.4.0"]),
            slackMessages: sandbox.slackMessages().length,
            canaryPods: pods("mirador-staging"),
            prodPods: pods("mirador-prod"),
        };
    };

    before(async () => {
        previous = extractPreviousMain(dir);
        sandbox = new ReleaseSandbox({
            source: previous.checkout,
            profile: PREVIOUS_PROFILE,
            rules: previous.rules,
            sloSpec: previous.derivedSpec,
            imageName: "mirador-rca",
            preflight: ["make verify"],
            prometheusLabels: { release_track: "canary" },
        });
        await sandbox.startInfra();
        // The previous main's gate config, at the path local-prod's `gate` setting names.
        fs.writeFileSync(sandbox.gateConfig, JSON.stringify(previousPolicyConfig(sandbox)));
        await sandbox.openStacks(previous.program);
        await sandbox.configure(sandbox.staging, previousStagingConfig(sandbox));
        await sandbox.configure(sandbox.prod, previousProdConfig(sandbox));
    });
    after(async () => {
        await sandbox?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("A1. the previous main's local-staging ships 0.4.0's canary", async () => {
        staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        assert.match(staging.imageDigest, /^sha256:[0-9a-f]{64}$/);
        assert.strictEqual(sandbox.deploymentImage("mirador-rca-canary", "mirador-staging"), staging.imageDigestRef);
    });

    it("A2. after a soak with load its gate promotes, and its local-prod tags and announces", async () => {
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        const prod = outputsOf(await sandbox.prod.up(oldProdOpts()));
        assert.strictEqual(prod.imageDigest, staging.imageDigest);
        assert.strictEqual(sandbox.deploymentImage(), staging.imageDigestRef);
        const remote = sandbox.infra.MIRADOR_GIT_REMOTE;
        assert.strictEqual(sandbox.tool("git", ["-C", remote, "rev-parse", "v0.4.0^{commit}"]), staging.commit);
        assert.strictEqual(sandbox.slackMessages().length, 1);
        oldUrns.staging = await urnsOf(sandbox.staging);
        oldUrns.prod = await urnsOf(sandbox.prod);
        log(`the previous main's checkpoints: ${JSON.stringify(oldUrns, null, 2)}\n`);
        for (const [name, made] of Object.entries(RELEASE_MADE)) {
            assert.deepStrictEqual(
                made.filter((n) => !oldUrns[name].some((urn) => last(urn) === n)),
                [],
                `${name}: resources the previous main's release made`,
            );
        }
        released = world();
    });

    it("B1. today's program refuses the old config, naming each moved key and where it went", async () => {
        await sandbox.openStacks(repoRoot);
        const refused = await sandbox.staging.preview({ onOutput: log }).then(
            () => "",
            (e: Error) => e.message,
        );
        assert.match(refused, /image\.prebuild/);
        assert.match(refused, /moved to the service profile's commands\.prebuild/);
        assert.match(refused, /\(pulumi config rm --path image\.prebuild\)/);
        assert.doesNotMatch(refused, /unknown key[^\n]*image\.prebuild/);
    });

    it("B2. after the README's migration, neither preview deletes or replaces anything the release made", async () => {
        // README, "Upgrading stacks made before the service profile": the exact commands.
        for (const stack of ["local-staging", "local-prod"]) {
            await pulumi("config", "set", "profile", "profiles/previous-main.yaml", "-s", stack);
        }
        await pulumi("config", "rm", "--path", "image.prebuild", "-s", "local-staging");
        // The gate's policy config names the profile and the derived spec (docs/gate.md).
        fs.copyFileSync(sandbox.policyConfig(), sandbox.gateConfig);

        const plans = {
            staging: await planOf(sandbox.staging, { onOutput: log }),
            prod: await planOf(sandbox.prod, prodOpts()),
        };
        log(`planned: ${JSON.stringify(plans, null, 2)}\n`);
        for (const [name, plan] of Object.entries(plans)) {
            const byName = Object.fromEntries(Object.entries(plan).map(([urn, op]) => [last(urn), op]));
            assert.deepStrictEqual(byName, EXPECTED_PLAN[name], `${name}: the planned steps`);
            // A renamed or re-parented resource would be a delete of an old URN and a create of a new one.
            const deleted = Object.keys(plan).filter((urn) => plan[urn] === "delete");
            for (const urn of deleted) {
                assert.ok(oldUrns[name].includes(urn), `${urn} is deleted but was not in the old checkpoint`);
            }
            dropped.push(...deleted);
        }
    });

    it("B3. ups of staging then prod rebuild, re-sign, re-tag and re-announce nothing; a second up changes nothing", async () => {
        const first = {
            staging: changesOf(await sandbox.staging.up({ onOutput: log })),
            prod: changesOf(await sandbox.prod.up(prodOpts())),
        };
        log(`first ups: ${JSON.stringify(first)}\n`);
        // Every resource of the old checkpoints but the dropped checks is in the new ones, at the same URN.
        for (const [name, stack] of [
            ["staging", sandbox.staging],
            ["prod", sandbox.prod],
        ] as const) {
            const now = await urnsOf(stack);
            const lost = oldUrns[name].filter((urn) => !now.includes(urn) && !dropped.includes(urn));
            assert.deepStrictEqual(lost, [], `${name}: old URNs missing from the new checkpoint`);
        }
        const upgraded = world();
        const shown = (w: Record<string, unknown>) =>
            JSON.stringify({ ...w, canaryManifest: undefined, prodManifest: undefined });
        log(`released: ${shown(released)}\nupgraded: ${shown(upgraded)}\n`);
        assert.strictEqual(upgraded.image, released.image, "the image digest");
        assert.strictEqual(upgraded.signatures, released.signatures, "the signature manifest");
        assert.strictEqual(upgraded.attestations, released.attestations, "the attestation manifest");
        assert.strictEqual(upgraded.tag, released.tag, "the git tag object");
        assert.strictEqual(upgraded.slackMessages, 1, "no new announcement");
        // Each release renders as before but for the program's own rollout id (a hash of the values Helm gets);
        // a pod restarts only where the rendered manifest changed.
        for (const [release, pods] of [
            ["canaryManifest", "canaryPods"],
            ["prodManifest", "prodPods"],
        ] as const) {
            const [was, is] = [released[release] as string, upgraded[release]];
            assert.strictEqual(withoutRolloutId(is), withoutRolloutId(was), `${release}: rendered as before`);
            if (is === was) {
                assert.strictEqual(upgraded[pods], released[pods], `${pods}: the same manifest, the same pods`);
            }
            log(
                `${release}: ${is === was ? "unchanged" : "rollout id changed"}; ${pods} ${upgraded[pods] === released[pods] ? "kept" : "replaced"}\n`,
            );
        }
        assert.strictEqual(sandbox.deploymentImage(), staging.imageDigestRef);
        assert.strictEqual(sandbox.deploymentImage("mirador-rca-canary", "mirador-staging"), staging.imageDigestRef);

        assert.deepStrictEqual(changesOf(await sandbox.staging.up({ onOutput: log })), {}, "local-staging");
        assert.deepStrictEqual(changesOf(await sandbox.prod.up(prodOpts())), {}, "local-prod");
        assert.strictEqual(sandbox.slackMessages().length, 1);
    });
});
