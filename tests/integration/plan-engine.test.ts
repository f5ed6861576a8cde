// `npm run plan` against the real engine (tests/support/release-sandbox.ts: the local infrastructure, the project
// copy, the local stacks): after a deployed staging, the plan of a burning canary's promotion shows the gate's deny
// with its table and chart, and the plan of a version bump lists exactly the steps the engine would change and
// the canary overlay's values. The plans stay in out/plans/ of the repository, for a look.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { EngineEvent, OpType } from "@pulumi/pulumi/automation";
import { ReleaseSandbox } from "../support/release-sandbox";
import { runBounded } from "../support/run-cli";
import { repoRoot, toolPath } from "../support/tools";
import { allElements, parseXml } from "../unit/plan-xml";

export const PLANS = path.join(repoRoot, "out", "plans");
const policyPack = path.join(repoRoot, "policy");

/** The rows of the first Markdown table after `heading`, cells trimmed (escaped pipes stay inside a cell). */
function tableAfter(markdown: string, heading: string): string[][] {
    assert.ok(markdown.includes(heading), `the plan has ${heading}`);
    const lines = markdown.slice(markdown.indexOf(heading)).split("\n");
    const rows: string[][] = [];
    for (const line of lines.slice(lines.findIndex((l) => l.startsWith("| ")) + 2)) {
        if (!line.startsWith("| ")) {
            break;
        }
        rows.push(
            line
                .slice(2, -2)
                .split(/ (?<!\\)\| /)
                .map((c) => c.trim()),
        );
    }
    return rows;
}

describe("npm run plan against the real engine", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    let imageDigestRef = "";
    let imageDigest = "";
    const log = (text: string) => process.stdout.write(text);

    /** Runs `npm run -s plan` as CI does, in the project copy, with the sandbox's engine environment. */
    async function plan(stack: string, extra: string[] = []): Promise<string> {
        fs.mkdirSync(PLANS, { recursive: true });
        const out = path.join(PLANS, `${stack}.md`);
        const args = ["run", "-s", "plan", "--", "--stack", stack, "--cwd", sandbox.projectDir, "--out", out];
        const result = await runBounded("npm", [...args, "--policy-pack", policyPack, ...extra], {
            cwd: repoRoot,
            env: { ...process.env, ...sandbox.infra, PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase, PATH: toolPath() },
            limitMs: 600_000,
        });
        assert.equal(result.code, 0, result.stdout + result.stderr);
        return fs.readFileSync(out, "utf8");
    }

    before(async () => {
        await sandbox.start();
        const up = await sandbox.staging.up({ onOutput: log });
        imageDigestRef = String(up.outputs.imageDigestRef.value);
        imageDigest = String(up.outputs.imageDigest.value);
    });
    after(async () => {
        await sandbox.stop();
    });

    it("shows the gate's deny of a burning canary: its table, the violations, the blocked side effects, the chart", async () => {
        await sandbox.degradeCanary(imageDigestRef, { errorRatio: 0.2 });
        const load = await sandbox.load(75, 10);
        assert.ok((load.errors.Unavailable ?? 0) > 0, JSON.stringify(load));
        const markdown = await plan("local-prod", ["--policy-pack-config", sandbox.policyConfig()]);

        assert.match(
            markdown,
            /^\*\*none → 0\.4\.0\*\* · `local-prod` \(production\): .* · gate: \*\*DENY\*\* \(\d+ of \d+ checks do not pass\) · \*\*`pulumi up` stops: denied by the policy pack \(\d+ mandatory violations?: slo-gate\)\*\*$/m,
        );
        assert.ok(markdown.includes(`| image digest | — | \`${imageDigest}\` |`), "the canary's digest is what ships");
        const checks = tableAfter(markdown, "### SLO gate");
        const verdict = new Map(checks.map((row) => [row[0], row[1]]));
        assert.ok(checks.length >= 10, `${checks.length} checks`);
        const failing = [...verdict].filter(([, v]) => v !== "PASS").map(([name]) => name);
        assert.ok(
            failing.some((n) => /^`(page-burn|soak-burn)-?.*investigation-success-rate`$/.test(n)),
            `a success-rate burn fails: ${failing.join(", ")}`,
        );
        assert.match(
            markdown,
            /^- \*\*slo-gate\*\* \(mandatory\) on `production-release`: mirador-prod\/mirador-rca: /m,
        );
        const effects = new Map(tableAfter(markdown, "### Side effects").map((r) => [r[0], r[1]]));
        assert.equal(effects.get("git tag v0.4.0 pushed to origin"), "won't happen");
        assert.equal(effects.get("announcement in Slack #mirador-release"), "won't happen");
        // The digest's attestations, asked of the real registry with the release's key: staging attested the SBOM
        // and provenance; no gate verdict yet (a deny attests nothing); prod requires all three.
        assert.deepEqual(
            tableAfter(markdown, "### Attestations").map((row) => [row[0], row[2], row[3]]),
            [
                ["SBOM (syft, SPDX JSON)", "yes", "yes"],
                ["SLSA v1 provenance naming the released commit", "yes", "yes"],
                ["the SLO gate's verdict 'promote'", "**missing**", "yes"],
            ],
        );
        assert.ok(markdown.includes(`Signed by the release's key of \`${imageDigestRef}\``), "the digest asked");

        assert.match(
            markdown,
            /!\[The canary's error ratio and burn rate over its soak, with the gate's thresholds\]\(local-prod\.svg\)/,
        );
        const svg = parseXml(fs.readFileSync(path.join(PLANS, "local-prod.svg"), "utf8"));
        const burn = allElements(svg).find((e) => e.attrs["data-title"]?.startsWith("Canary burn rate"))!;
        assert.deepEqual(
            allElements(burn)
                .filter((e) => e.attrs.class === "threshold")
                .map((e) => Number(e.attrs["data-value"])),
            [14.4, 6, 1],
        );
        // The stack's secrets (the cosign password, the Slack webhook) are in none of the plan's files.
        for (const file of fs.readdirSync(PLANS).filter((f) => f.startsWith("local-prod."))) {
            const text = fs.readFileSync(path.join(PLANS, file), "utf8");
            assert.ok(!text.includes(sandbox.cosignPassword), `no cosign password in ${file}`);
            assert.ok(!text.includes(sandbox.infra.MIRADOR_SLACK_WEBHOOK), `no webhook URL in ${file}`);
        }
        const availability = allElements(burn).find((e) => e.attrs["data-series"] === "investigation-success-rate")!;
        assert.ok((availability.attrs.d.match(/[ML]/g) ?? []).length > 3, "the canary's burn from Prometheus is drawn");
    });

    it("lists exactly the steps a version bump changes, and the canary overlay's values diff", async () => {
        sandbox.bumpSource("0.4.1");
        await sandbox.configure(sandbox.staging, {
            version: "0.4.1",
            canary: { replicaCount: 2, trafficWeight: 20, prometheusLabels: { release_track: "canary", team: "rca" } },
        });
        // What the engine itself says will change, straight from its events.
        const changes: string[] = [];
        const onEvent = (e: EngineEvent) => {
            const m = e.resourcePreEvent?.metadata;
            if (m?.new?.custom && m.op !== ("same" as OpType) && !m.type.startsWith("pulumi:providers:")) {
                changes.push(m.urn.split("::").pop()!);
            }
        };
        await sandbox.staging.preview({ onEvent });
        const engine = [...new Set(changes)].sort();

        const markdown = await plan("local-staging");
        assert.match(markdown, /^\*\*0\.4\.0 → 0\.4\.1\*\* · `local-staging` \(canary\): \d+ of \d+ steps change/m);
        const steps = tableAfter(markdown, "### Steps that change").map((row) => row[1].replace(/`/g, ""));
        assert.deepEqual([...steps].sort(), engine);
        for (const step of ["image-image", "image-sign", "chart-package", "canary-release", "traffic-routing"]) {
            assert.ok(steps.includes(step), `${step} changes with the version`);
        }
        // The rollout watch's pod annotation: a hash of the release's inputs, so it follows the new digest.
        const deployed = JSON.parse(
            (
                await sandbox.run("kubectl", [
                    "-n",
                    "mirador-staging",
                    "get",
                    "deployment",
                    "mirador-rca-canary",
                    "-o",
                    "json",
                ])
            ).stdout,
        ) as { spec: { template: { metadata: { annotations: Record<string, string> } } } };
        const rollout = deployed.spec.template.metadata.annotations["mirador.release/rollout"];
        const values = tableAfter(markdown, "### Helm release `mirador-staging/mirador-rca-canary` (update)");
        // The first test set a fault by hand (kubectl set env): the program names that drift, and the up undoes it.
        const drift = values.find((row) => row[0] === "`releaseDrift`");
        assert.ok(drift, "the hand-set fault shows as drift");
        assert.equal(drift[1], "`none`");
        assert.match(
            drift[2],
            /^`at revision 1: deployment\/mirador-rca-canary container mirador-rca: env MIRADOR_FAULT_ERROR_RATIO=0\.2/,
        );
        assert.deepEqual(
            values.filter((row) => row !== drift),
            [
                ["`image.tag`", `\`v0.4.0@${imageDigest}\``, "_computed by the update_"],
                ['`podAnnotations["mirador.release/rollout"]`', `\`${rollout}\``, "_computed by the update_"],
                ["`podLabels.team`", "—", "`rca`"],
                ["`replicaCount`", "`1`", "`2`"],
            ],
        );
        for (const file of fs.readdirSync(PLANS).filter((f) => f.startsWith("local-staging."))) {
            assert.ok(!fs.readFileSync(path.join(PLANS, file), "utf8").includes(sandbox.cosignPassword), file);
        }
    });
});
