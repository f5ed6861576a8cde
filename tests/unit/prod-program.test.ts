import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedChartPath } from "../../components/chart-fetch";
import { createSourceFixture, SourceFixture, writePackagedChart } from "./support/source-fixture";
import { isSecretValue, ProgramRun, runProgram } from "./support/program";
import { prodConfig, prodSecrets } from "./support/stacks";

const canaryDigest = `sha256:${"c".repeat(64)}`;

function stagingOutputs(src: SourceFixture, archive: string) {
    return {
        version: "0.4.0",
        imageDigestRef: `127.0.0.1:5000/mirador-rca@${canaryDigest}`,
        imageDigest: canaryDigest,
        chartArchive: archive,
        chartRef: "oci://127.0.0.1:5000/charts/mirador-rca",
        chartDigest: `sha256:${crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex")}`,
        canaryDeployedAt: "2026-11-23T09:00:00Z",
        commit: src.commit,
    };
}

describe("prod stack (role production)", () => {
    let src: SourceFixture;
    let archive: string;
    let run: ProgramRun;

    before(async () => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mirador-dist-")), "mirador-rca-0.4.0.tgz");
        writePackagedChart(archive);
        run = await runProgram({
            stack: "prod",
            config: prodConfig(src),
            secretKeys: prodSecrets,
            stagingOutputs: stagingOutputs(src, archive),
        });
    });
    after(() => {
        src.remove();
        fs.rmSync(path.dirname(archive), { recursive: true, force: true });
    });

    it("declares exactly the promotion's steps, and no build", () => {
        const declared = run.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(declared.sort(), [
            "command:local:Command announcement-slack",
            "command:local:Command canary-attestations-provenance",
            "command:local:Command canary-attestations-sbom",
            "command:local:Command canary-signature-verify",
            "command:local:Command gate-verdict-gate",
            "command:local:Command github-close-milestone",
            "command:local:Command production-deployed-at",
            "command:local:Command production-lock-protect",
            "command:local:Command production-pending-guard",
            "command:local:Command production-rendered-check",
            "command:local:Command production-restore-deployments",
            "command:local:Command production-rollout-pods-ready",
            "command:local:Command promotion-gate-judge",
            "command:local:Command tag-git-tag",
            "github:index/release:Release github-release-v0.4.0",
            "kubernetes:core/v1:ConfigMapPatch traffic-routing",
            "kubernetes:helm.sh/v3:Release production-release",
            "pulumi:providers:github github-github",
            "pulumi:pulumi:StackReference staging",
        ]);
    });

    it("promotes exactly the canary's digest and chart from the staging stack", () => {
        assert.strictEqual(run.byName("staging").inputs.name, "organization/mirador-release/staging");
        const release = run.byName("production-release").inputs;
        assert.strictEqual(release.values.image.tag, `v0.4.0@${canaryDigest}`);
        assert.strictEqual(release.values.image.repository, "127.0.0.1:5000/mirador-rca");
        // Fetched by digest from where staging published it (here: already in the cache), never staging's dist/.
        assert.strictEqual(release.chart, cachedChartPath(stagingOutputs(src, archive).chartDigest));
        assert.deepStrictEqual(fs.readFileSync(release.chart), fs.readFileSync(archive));
        assert.deepStrictEqual(release.values.podLabels, { track: "stable" });
        assert.strictEqual(release.values.replicaCount, undefined, "prod keeps the chart's replica count");
        assert.strictEqual(release.values.autoscaling, undefined, "and the chart's autoscaler");
        for (const gone of ["track", "prometheus"]) {
            assert.strictEqual(release.values[gone], undefined, `the chart has no value ${gone}`);
        }
        assert.strictEqual(release.name, "mirador-rca");
        assert.strictEqual(release.namespace, "mirador-prod");
        assert.strictEqual(
            run.byName("canary-signature-verify").inputs.environment.IMAGE,
            `127.0.0.1:5000/mirador-rca@${canaryDigest}`,
        );
        assert.strictEqual(run.outputs.imageDigest, canaryDigest);
    });

    it("verifies the signature again before the release, and tags only after it", () => {
        const order: [string, string][] = [
            ["production-release", "canary-signature-verify"],
            ["promotion-gate-judge", "canary-signature-verify"],
            ["canary-attestations-sbom", "canary-signature-verify"],
            ["promotion-gate-judge", "canary-attestations-sbom"],
            ["promotion-gate-judge", "canary-attestations-provenance"],
            ["gate-verdict-gate", "promotion-gate-judge"],
            ["production-release", "gate-verdict-gate"],
            ["production-pending-guard", "promotion-gate-judge"],
            ["production-release", "promotion-gate-judge"],
            ["traffic-routing", "production-release"],
            ["tag-git-tag", "production-release"],
            ["tag-git-tag", "traffic-routing"],
            ["github-release-v0.4.0", "tag-git-tag"],
            ["github-close-milestone", "github-release-v0.4.0"],
            ["announcement-slack", "tag-git-tag"],
            ["announcement-slack", "github-release-v0.4.0"],
        ];
        for (const [later, earlier] of order) {
            assert.ok(run.dependsOn(later, earlier), `${later} must run after ${earlier}`);
        }
    });

    it("judges the canary of the promoted digest with the stack's gate config, once per digest", () => {
        const gate = run.byName("promotion-gate-judge").inputs;
        assert.match(gate.create, /gate\/cli\.ts --policy-pack-config "\$GATE_CONFIG" --canary-digest "\$DIGEST"/);
        assert.deepStrictEqual(
            { GATE_CONFIG: gate.environment.GATE_CONFIG, DIGEST: gate.environment.DIGEST },
            { GATE_CONFIG: "policy/local.json", DIGEST: canaryDigest },
        );
        // The second trigger renews an expired verdict (components/gate-verdict-renewal.ts): no cluster or registry
        // answers here, so the digest's judging is settled.
        assert.deepStrictEqual(gate.triggers, [canaryDigest, "settled"]);
        // Any other change keeps the verdict: the update command only repeats it.
        assert.strictEqual(gate.update, 'printf "%s" "$PULUMI_COMMAND_STDOUT"');
        // The release records the promotion, which the policy pack reads to judge a digest once.
        assert.strictEqual(
            run.byName("production-release").inputs.description,
            `promoted by the SLO gate: ${canaryDigest}`,
        );
    });

    it("attests the gate's promote verdict on the digest with the release's key, in the judging step", () => {
        const gate = run.byName("promotion-gate-judge");
        assert.match(gate.inputs.create, /--verdict-predicate "\$verdict_dir\/verdict.json"/);
        assert.match(gate.inputs.create, /KIND=gate .*components\/steps\/attest-image\.sh/);
        assert.strictEqual(gate.inputs.environment.IMAGE, `127.0.0.1:5000/mirador-rca@${canaryDigest}`);
        assert.strictEqual(gate.inputs.environment.COSIGN_KEY, path.join(src.dir, "cosign.key"));
        assert.ok(isSecretValue((gate.raw.environment as Record<string, unknown>).COSIGN_PASSWORD));
    });

    it("verifies SBOM and provenance before the gate and the gate's verdict after it, by digest", () => {
        const ref = `127.0.0.1:5000/mirador-rca@${canaryDigest}`;
        const env = (name: string) => run.byName(name).inputs.environment as Record<string, string>;
        assert.deepStrictEqual(
            ["canary-attestations-sbom", "canary-attestations-provenance", "gate-verdict-gate"].map((n) => [
                env(n).KIND,
                env(n).IMAGE,
            ]),
            [
                ["sbom", ref],
                ["provenance", ref],
                ["gate", ref],
            ],
        );
        assert.strictEqual(env("canary-attestations-provenance").COMMIT, src.commit);
        assert.strictEqual(env("gate-verdict-gate").MAX_AGE_SECONDS, "3600");
        assert.deepStrictEqual(run.byName("gate-verdict-gate").inputs.triggers, [ref, "settled"]);
        assert.deepStrictEqual(run.byName("canary-attestations-provenance").inputs.triggers, [ref, src.commit]);
    });

    it("protects production's Helm release and routing, and keeps every GitHub release", () => {
        const kept = run.resources.filter((r) => r.protect || r.retainOnDelete);
        assert.deepStrictEqual(
            kept.map((r) => `${r.name} protect=${r.protect} retainOnDelete=${r.retainOnDelete}`).sort(),
            [
                "github-release-v0.4.0 protect=false retainOnDelete=true",
                "production-lock-protect protect=true retainOnDelete=false",
                "production-release protect=true retainOnDelete=false",
                "traffic-routing protect=true retainOnDelete=false",
            ],
        );
    });

    it("makes pulumi destroy meet a protected step first: the lock depends on every other step", () => {
        const lock = run.byName("production-lock-protect");
        assert.deepStrictEqual(lock.inputs.triggers, undefined, "never replaced, so never in the way of an update");
        for (const step of run.resources.filter((r) => r.custom && r.type === "command:local:Command")) {
            if (step.name !== lock.name) {
                assert.ok(run.dependsOn(lock.name, step.name), `the lock depends on ${step.name}`);
            }
        }
        for (const step of ["production-release", "traffic-routing", "github-release-v0.4.0"]) {
            assert.ok(run.dependsOn(lock.name, step), `the lock depends on ${step}`);
        }
    });

    it("posts the announcement once: a new webhook or wording updates the step without posting", () => {
        const slack = run.byName("announcement-slack").inputs;
        assert.strictEqual(slack.update, 'printf "%s" "$PULUMI_COMMAND_STDOUT"');
        assert.ok(!slack.triggers.some((t: unknown) => String(t).includes("hooks.slack.com")));
    });

    it("routes all traffic to the promoted release", () => {
        const data = run.byName("traffic-routing").inputs.data;
        assert.deepStrictEqual(
            [data["rca.stable.weight"], data["rca.canary.weight"], data["rca.stable.release"]],
            ["100", "0", "mirador-rca"],
        );
        assert.strictEqual(data["rca.stable.image"], `127.0.0.1:5000/mirador-rca@${canaryDigest}`);
    });

    it("patches only its own keys of the routing ConfigMap, as this stack's field manager", () => {
        const routing = run.byName("traffic-routing").inputs;
        assert.deepStrictEqual(Object.keys(routing.data).sort(), [
            "rca.canary.weight",
            "rca.stable.image",
            "rca.stable.release",
            "rca.stable.version",
            "rca.stable.weight",
        ]);
        assert.deepStrictEqual(routing.metadata, {
            name: "mirador-core-routing",
            namespace: "mirador-prod",
            annotations: { "pulumi.com/patchFieldManager": "mirador-release-prod", "pulumi.com/patchForce": "true" },
        });
    });

    it("tags the released commit with an annotated vX.Y.Z tag on the configured remote", () => {
        const env = run.byName("tag-git-tag").inputs.environment;
        assert.deepStrictEqual(
            [env.TAG, env.MESSAGE, env.COMMIT, env.REMOTE],
            ["v0.4.0", "mirador-rca v0.4.0", src.commit, "origin"],
        );
        assert.strictEqual(run.outputs.tag, `v0.4.0 ${src.commit}`);
    });

    it("writes the release notes from the CHANGELOG section and the digests", () => {
        const release = run.byName("github-release-v0.4.0").inputs;
        assert.strictEqual(release.tagName, "v0.4.0");
        assert.strictEqual(release.targetCommitish, src.commit);
        assert.ok(release.body.startsWith("### Added\n- Correlation ranking by blast radius."));
        assert.ok(release.body.includes(`127.0.0.1:5000/mirador-rca@${canaryDigest}`));
        assert.ok(release.body.includes(stagingOutputs(src, archive).chartDigest));
    });

    it("keeps the GitHub token and the Slack webhook secret wherever they flow", () => {
        const provider = run.byName("github-github");
        assert.ok(isSecretValue(provider.raw.token), "provider token");
        const milestone = run.byName("github-close-milestone").raw.environment as Record<string, unknown>;
        assert.ok(isSecretValue(milestone.GITHUB_TOKEN), "milestone step token");
        const slack = run.byName("announcement-slack").raw.environment as Record<string, unknown>;
        assert.ok(isSecretValue(slack.SLACK_WEBHOOK_URL), "webhook");
        const everything = JSON.stringify(run.resources.map((r) => r.raw)).replace(/"value":"[^"]*"/g, "");
        assert.ok(!everything.includes("ghp_fixture_token") && !everything.includes("hooks.slack.com"));
    });

    it("announces the version and both digests", () => {
        const payload = JSON.parse(run.byName("announcement-slack").inputs.stdin) as { text: string };
        assert.ok(payload.text.includes("v0.4.0"));
        assert.ok(payload.text.includes(canaryDigest));
        assert.ok(payload.text.includes(stagingOutputs(src, archive).chartDigest));
        assert.deepStrictEqual(run.byName("announcement-slack").inputs.triggers.slice(0, 1), ["0.4.0"]);
    });
});

describe("prod stack refuses what did not run as the canary", () => {
    let src: SourceFixture;
    let archive: string;
    before(() => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mirador-dist-")), "mirador-rca-0.4.0.tgz");
        writePackagedChart(archive);
    });
    after(() => {
        src.remove();
        fs.rmSync(path.dirname(archive), { recursive: true, force: true });
    });

    // Only the read of the staging stack may happen before the refusal: nothing is deployed, tagged or sent.
    const refused = async (outputs: Record<string, unknown>, expected: RegExp) => {
        await assert.rejects(
            runProgram({ stack: "prod", config: prodConfig(src), secretKeys: prodSecrets, stagingOutputs: outputs }),
            (e: Error & { registered: { type: string }[] }) => {
                assert.match(e.message, expected);
                assert.deepStrictEqual(
                    e.registered.map((r) => r.type),
                    ["pulumi:pulumi:StackReference"],
                );
                return true;
            },
        );
    };

    it("a canary of another version", async () => {
        await refused(
            { ...stagingOutputs(src, archive), version: "0.3.9" },
            /the canary in organization\/mirador-release\/staging is version 0\.3\.9, but mirador-release:version is 0\.4\.0/,
        );
    });

    it("a staging stack that never ran", async () => {
        await refused(
            {},
            /staging stack organization\/mirador-release\/staging has no version, imageDigestRef, .* output: run pulumi up -s staging first/,
        );
    });

    it("a canary whose chart was published nowhere", async () => {
        await refused(
            { ...stagingOutputs(src, archive), chartRef: undefined },
            /staging stack organization\/mirador-release\/staging publishes its chart nowhere \(no chartRef output\): set mirador-release:chartRegistry in its stack file/,
        );
    });

    it("a chart digest that is no sha256", async () => {
        await refused(
            { ...stagingOutputs(src, archive), chartDigest: "md5:abc" },
            /exports chartDigest 'md5:abc', which is not sha256:<64 hex>/,
        );
    });

    it("a canary built from another commit", async () => {
        await refused(
            { ...stagingOutputs(src, archive), commit: "f".repeat(40) },
            /the canary was built from commit ffffffffffff, but the checkout is at/,
        );
    });
});

describe("prod stack options", () => {
    it("declares each version's GitHub release as its own kept resource, so the next version replaces none", async () => {
        const src = createSourceFixture({ version: "0.4.1", tags: ["v0.3.0", "v0.4.0"] });
        const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mirador-dist-")), "chart.tgz");
        writePackagedChart(archive);
        try {
            const run = await runProgram({
                stack: "prod",
                config: { ...prodConfig(src), version: "0.4.1" },
                secretKeys: prodSecrets,
                stagingOutputs: { ...stagingOutputs(src, archive), version: "0.4.1" },
            });
            const releases = run.resources.filter((r) => r.type === "github:index/release:Release");
            assert.deepStrictEqual(
                releases.map((r) => [r.name, String(r.inputs.tagName), r.retainOnDelete]),
                [["github-release-v0.4.1", "v0.4.1", true]],
            );
        } finally {
            src.remove();
            fs.rmSync(path.dirname(archive), { recursive: true, force: true });
        }
    });

    it("declares no GitHub release and no announcement when both are switched off", async () => {
        const src = createSourceFixture();
        const archive = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "mirador-dist-")), "chart.tgz");
        writePackagedChart(archive);
        try {
            const config = { ...prodConfig(src), github: { enabled: false }, announce: { enabled: false } };
            const run = await runProgram({
                stack: "local-prod",
                config,
                secretKeys: ["cosignPassword"],
                stagingOutputs: stagingOutputs(src, archive),
            });
            const names = run.resources.map((r) => r.name);
            assert.ok(!names.some((n) => n.startsWith("github") || n.startsWith("announcement")), names.join(", "));
            assert.ok(names.includes("tag-git-tag"));
        } finally {
            src.remove();
            fs.rmSync(path.dirname(archive), { recursive: true, force: true });
        }
    });
});
