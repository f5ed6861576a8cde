// Drift of the production release with the official Kubernetes provider: a hand-run `helm upgrade`, a hand-run
// `helm rollback` and an edit of the Deployment behind Helm's back (`kubectl set env`, what `kubectl edit` does
// non-interactively) each show in `pulumi preview --refresh` as a change of the Helm release, named in its values
// (releaseDrift) and in the release plan; the next `pulumi up` upgrades the release back to what the program
// declares (the program wins), and a second up changes nothing.
import * as assert from "assert";
import * as path from "path";
import { EngineEvent } from "@pulumi/pulumi/automation";
import { reduceEvents } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { summarize } from "../../plan/summary";
import { ReleaseSandbox, digestRefOf } from "../support/release-sandbox";

const ns = "mirador-prod";
const release = "mirador-rca";

interface Deployment {
    spec: {
        template: {
            metadata: { annotations?: Record<string, string> };
            spec: { containers: { image: string; env?: { name: string }[] }[] };
        };
    };
    status: { readyReplicas?: number };
}

describe("drift of the production release", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    const log = (text: string) => process.stdout.write(text);
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const helmStatus = () =>
        JSON.parse(tool("helm", ["status", release, "-n", ns, "-o", "json"])) as {
            version: number;
            info: { description: string };
        };
    const deployment = () =>
        JSON.parse(tool("kubectl", ["get", "deployment", release, "-n", ns, "-o", "json"])) as Deployment;
    let imageDigestRef = "";
    let chartArchive = "";

    /** `pulumi preview --refresh` of prod: the drift the plan names, and the plan's Markdown. */
    async function previewDrift(): Promise<{ drift?: string; action?: string; markdown: string }> {
        const events: EngineEvent[] = [];
        await sandbox.prod.preview({ refresh: true, onEvent: (e) => events.push(e), onOutput: log });
        const facts = reduceEvents(events);
        const summary = summarize(facts);
        const r = summary.releases.find((x) => x.label === `${ns}/${release}`);
        const markdown = renderPlan(facts, summary, undefined).markdown;
        log(`${markdown}\n`);
        return { drift: r?.drift, action: r?.action, markdown };
    }

    /** `pulumi up` of prod restores the declared release: the program's description, its image, no hand changes. */
    async function upRestores(): Promise<void> {
        const before = helmStatus().version;
        await sandbox.prod.up({ onOutput: log });
        const status = helmStatus();
        assert.strictEqual(status.version, before + 1);
        assert.doesNotMatch(status.info.description, /^(Rollback to \d+|Upgrade complete|Install complete)$/);
        const d = deployment();
        assert.strictEqual(digestRefOf(d.spec.template.spec.containers[0].image), imageDigestRef);
        assert.strictEqual(d.spec.template.metadata.annotations?.handmade, undefined);
        assert.ok(!(d.spec.template.spec.containers[0].env ?? []).some((e) => e.name === "DRIFT"));
        assert.strictEqual(d.status.readyReplicas, 1);
    }

    before(async () => {
        await sandbox.start();
        const staging = await sandbox.staging.up({ onOutput: log });
        imageDigestRef = String(staging.outputs.imageDigestRef.value);
        chartArchive = path.join(sandbox.projectDir, String(staging.outputs.chartArchive.value));
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        await sandbox.prod.up({ onOutput: log });
        const again = await previewDrift();
        assert.strictEqual(again.drift, undefined, "no drift right after the program's own deploy");
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. a hand-run helm upgrade shows as drift in preview --refresh and the plan; up upgrades back", async () => {
        tool("helm", [
            "upgrade",
            release,
            chartArchive,
            "-n",
            ns,
            "--reuse-values",
            // as an operator on the local node must: the post-renderer is a flag, not a value Helm keeps
            "--post-renderer",
            path.join(sandbox.projectDir, "scripts", "local-node-postrender"),
            "--set-string",
            "podAnnotations.handmade=yes",
            "--wait",
            "--timeout",
            "180s",
        ]);
        const hand = helmStatus().version;
        const p = await previewDrift();
        assert.strictEqual(p.action, "update");
        assert.match(p.drift ?? "", new RegExp(`^at revision ${hand}: revision ${hand} was made outside the program`));
        assert.match(p.drift ?? "", /\(helm upgrade\/install: "Upgrade complete"\)/);
        assert.match(p.markdown, /\*\*Drift\*\* \(changed outside the program\): at revision \d+/);
        await upRestores();
    });

    it("2. a hand-run helm rollback shows as drift naming the rollback; up upgrades back", async () => {
        const handRevision = helmStatus().version - 1;
        tool("helm", ["rollback", release, String(handRevision), "-n", ns, "--wait", "--timeout", "180s"]);
        assert.strictEqual(deployment().spec.template.metadata.annotations?.handmade, "yes");
        const p = await previewDrift();
        assert.strictEqual(p.action, "update");
        assert.match(p.drift ?? "", new RegExp(`\\(helm rollback: "Rollback to ${handRevision}"\\)`));
        await upRestores();
    });

    it("3. an edit of the Deployment behind Helm's back shows as drift naming the field; up puts it back", async () => {
        tool("kubectl", ["set", "env", `deployment/${release}`, "-n", ns, "DRIFT=1"]);
        tool("kubectl", ["rollout", "status", `deployment/${release}`, "-n", ns, "--timeout=180s"]);
        const p = await previewDrift();
        assert.strictEqual(p.action, "update");
        assert.match(p.drift ?? "", /deployment\/mirador-rca container mirador-rca: env DRIFT=1 /);
        await upRestores();
    });

    it("4. with the drift repaired, a second up changes nothing", async () => {
        const again = await sandbox.prod.up({ onOutput: log });
        assert.deepStrictEqual(Object.keys(again.summary.resourceChanges ?? {}), ["same"]);
    });
});
