import * as assert from "assert";
import { cachedChartPath } from "../../components/chart-fetch";
import * as path from "path";
import { loadServiceProfile } from "../../config/service-profile";
import { repoRoot } from "../support/tools";
import { createSourceFixture, SourceFixture } from "./support/source-fixture";
import { isSecretValue, ProgramRun, runProgram } from "./support/program";
import { stagingConfig, stagingSecrets } from "./support/stacks";

const digestPattern = /^sha256:[a-f0-9]{64}$/;

describe("staging stack (role canary)", () => {
    let src: SourceFixture;
    let run: ProgramRun;

    before(async () => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        run = await runProgram({ stack: "staging", config: stagingConfig(src), secretKeys: stagingSecrets });
    });
    after(() => src.remove());

    it("declares exactly the canary's steps as resources", () => {
        const declared = run.resources.filter((r) => r.custom).map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(declared.sort(), [
            "command:local:Command canary-deployed-at",
            "command:local:Command canary-pending-guard",
            "command:local:Command canary-rendered-check",
            "command:local:Command canary-restore-deployments",
            "command:local:Command canary-rollout-pods-ready",
            "command:local:Command canary-structure",
            "command:local:Command chart-dependency-update",
            "command:local:Command chart-lint",
            "command:local:Command chart-package",
            "command:local:Command image-attestations-provenance",
            "command:local:Command image-attestations-sbom",
            "command:local:Command image-build-started",
            "command:local:Command image-prebuild",
            "command:local:Command image-sign",
            "command:local:Command image-signature-verify",
            "command:local:Command preflight-make-govulncheck",
            "command:local:Command preflight-make-verify",
            "command:local:Command smoke-get-patterns",
            "command:local:Command smoke-health",
            "command:local:Command smoke-investigate",
            "command:local:Command smoke-list-correlations",
            "docker:index/image:Image image-image",
            "kubernetes:core/v1:ConfigMapPatch traffic-routing",
            "kubernetes:helm.sh/v3:Release canary-release",
        ]);
        const components = run.resources.filter((r) => !r.custom).map((r) => `${r.type} ${r.name}`);
        assert.deepStrictEqual(components.sort(), [
            "mirador:release:ChartPackage chart",
            "mirador:release:ChartRelease canary",
            "mirador:release:ImageAttestations image-attestations",
            "mirador:release:Preflight preflight",
            "mirador:release:RolloutWatch canary-rollout",
            "mirador:release:SignatureCheck image-signature",
            "mirador:release:SignedImage image",
            "mirador:release:SmokeTests smoke",
            "mirador:release:TrafficSwitch traffic",
        ]);
    });

    it("orders the steps: preflight, build, push, sign, verify, package, release, smoke tests, traffic", () => {
        const order: [string, string][] = [
            ["preflight-make-govulncheck", "preflight-make-verify"],
            ["image-build-started", "preflight-make-govulncheck"],
            ["image-prebuild", "preflight-make-govulncheck"],
            ["image-image", "image-prebuild"],
            ["image-sign", "image-image"],
            ["image-signature-verify", "image-sign"],
            ["image-attestations-sbom", "image-signature-verify"],
            ["image-attestations-provenance", "image-signature-verify"],
            ["chart-lint", "image-image"],
            ["chart-package", "chart-lint"],
            ["canary-release", "image-signature-verify"],
            ["canary-release", "chart-package"],
            ["canary-release", "canary-pending-guard"],
            ["canary-release", "canary-rendered-check"],
            ["canary-rendered-check", "canary-pending-guard"],
            ["preflight-make-verify", "canary-structure"],
            ["canary-deployed-at", "canary-release"],
            ["smoke-health", "canary-release"],
            ["smoke-investigate", "smoke-health"],
            ["smoke-get-patterns", "smoke-investigate"],
            ["smoke-list-correlations", "smoke-get-patterns"],
            ["traffic-routing", "smoke-list-correlations"],
        ];
        for (const [later, earlier] of order) {
            assert.ok(run.dependsOn(later, earlier), `${later} must run after ${earlier}`);
        }
        assert.ok(!run.dependsOn("image-sign", "canary-release"), "signing must not wait for the release");
        assert.ok(!run.dependsOn("canary-release", "image-attestations-sbom"), "the canary does not wait for the SBOM");
    });

    it("deploys the canary with the values pinned at the profile's value paths", () => {
        const release = run.byName("canary-release").inputs;
        assert.strictEqual(release.name, "mirador-rca-canary");
        assert.strictEqual(release.namespace, "mirador-staging");
        // The chart as cached by its digest (components/chart-fetch.ts), not dist/: the same path in every clone.
        assert.strictEqual(release.chart, cachedChartPath(String(run.outputs.chartDigest)));
        // profiles/mirador-rca.yaml: replicas at replicaCount, autoscaling at autoscaling.enabled (the canary's HPA
        // off), the track at podLabels, the digest in image.tag (the chart renders repository:tag).
        assert.strictEqual(release.values.replicaCount, 1);
        assert.deepStrictEqual(release.values.autoscaling, { enabled: false });
        assert.deepStrictEqual(release.values.podLabels, { track: "canary", release_track: "canary" });
        assert.strictEqual(release.values.image.repository, "127.0.0.1:5000/mirador-rca");
        assert.match(release.values.image.tag, /^v0\.4\.0@sha256:[a-f0-9]{64}$/);
        assert.strictEqual(release.values.image.tag, `v0.4.0@${String(run.outputs.imageDigest)}`);
        for (const gone of ["track", "prometheus"]) {
            assert.strictEqual(release.values[gone], undefined, `the chart has no value ${gone}`);
        }
        assert.strictEqual(release.values.image.digest, undefined, "the chart has no image.digest");
        assert.strictEqual(release.postrender, undefined, "no post-renderer unless helm.postRenderer is set");
        assert.deepStrictEqual([release.atomic, release.cleanupOnFail, release.timeout], [true, true, 300]);
        assert.strictEqual(release.allowNullValues, true, "a digest the preview does not know stays unknown");
    });

    it("smoke-tests the profile's gRPC service: the health check, then each call with what its answer must hold", () => {
        const env = (name: string) => run.byName(name).inputs.environment as Record<string, string>;
        const profile = loadServiceProfile(path.join(repoRoot, "profiles", "mirador-rca.yaml"));
        const health = env("smoke-health");
        assert.strictEqual(health.METHOD, `${profile.grpc.health}/Check`);
        assert.deepStrictEqual(JSON.parse(health.REQUEST), { service: profile.grpc.service });
        assert.deepStrictEqual(JSON.parse(health.EXPECT), ['"status": "SERVING"']);
        for (const call of profile.grpc.smoke) {
            const step = run.byName(`smoke-${call.name}`).inputs;
            assert.strictEqual(step.create, "node components/steps/smoke-call.js");
            assert.deepStrictEqual(
                [step.environment.METHOD, JSON.parse(step.environment.REQUEST), JSON.parse(step.environment.EXPECT)],
                [`${profile.grpc.service}/${call.method}`, call.request, call.expect],
            );
            assert.deepStrictEqual(
                [step.environment.ENDPOINT, step.environment.PLAINTEXT],
                ["127.0.0.1:50051", "true"],
            );
            assert.deepStrictEqual(step.triggers, [run.outputs.imageDigestRef], "re-run exactly for a new digest");
        }
    });

    it("lints the chart with the digest at the profile's image value path, as the release pins it", () => {
        const lint = run.byName("chart-lint").inputs.environment;
        assert.deepStrictEqual(
            [lint.IMAGE_VALUE_PATH, lint.IMAGE_VALUE],
            ["image.tag", `v0.4.0@${String(run.outputs.imageDigest)}`],
        );
        assert.strictEqual(lint.IMAGE_VALUE, run.byName("canary-release").inputs.values.image.tag);
    });

    it("runs the profile's preflight and prebuild commands in the checkout", () => {
        assert.strictEqual(run.byName("preflight-make-verify").inputs.create, 'cd "$SOURCE_DIR" && make verify');
        assert.strictEqual(run.byName("image-prebuild").inputs.create, 'cd "$SOURCE_DIR" && make build');
    });

    it("signs and verifies exactly the pushed digest, and re-runs both only when it changes", () => {
        const ref = String(run.outputs.imageDigestRef);
        assert.match(ref, /^127\.0\.0\.1:5000\/mirador-rca@sha256:[a-f0-9]{64}$/);
        for (const step of ["image-sign", "image-signature-verify"]) {
            const cmd = run.byName(step).inputs;
            assert.strictEqual(cmd.environment.IMAGE, ref, `${step} takes the digest reference`);
            assert.deepStrictEqual(cmd.triggers, [ref], `${step} re-runs exactly when the digest changes`);
        }
        assert.strictEqual(run.outputs.signatureVerified, true);
    });

    it("attests the signed digest's SBOM and provenance with the signing key, re-run only when the digest changes", () => {
        const ref = String(run.outputs.imageDigestRef);
        for (const kind of ["sbom", "provenance"]) {
            const step = run.byName(`image-attestations-${kind}`);
            assert.strictEqual(step.inputs.create, "bash components/steps/attest-image.sh");
            assert.strictEqual(step.inputs.environment.KIND, kind);
            assert.strictEqual(step.inputs.environment.IMAGE, ref);
            assert.strictEqual(step.inputs.environment.COSIGN_KEY, path.join(src.dir, "cosign.key"));
            assert.strictEqual(step.inputs.environment.COSIGN_TLOG_UPLOAD, "false");
            assert.ok(isSecretValue((step.raw.environment as Record<string, unknown>).COSIGN_PASSWORD));
            assert.deepStrictEqual(step.inputs.triggers, [ref], `${kind} re-runs exactly when the digest changes`);
        }
        const provenance = run.byName("image-attestations-provenance").inputs.environment;
        assert.strictEqual(provenance.COMMIT, src.commit);
        assert.deepStrictEqual(
            [provenance.DOCKERFILE, provenance.CONTEXT, provenance.PREBUILD],
            ["Dockerfile", ".", "make build"],
        );
        assert.strictEqual(provenance.BUILDER_ID, "https://github.com/miradorstack/mirador-release/stacks/staging");
        assert.deepStrictEqual(
            run.byName("image-build-started").inputs.triggers,
            [src.commit, "v0.4.0"],
            "the build's start is taken again exactly when the prebuild runs again",
        );
    });

    it("keeps the cosign password secret", () => {
        const sign = run.byName("image-sign");
        assert.ok(isSecretValue((sign.raw.environment as Record<string, unknown>).COSIGN_PASSWORD));
        const serialized = JSON.stringify(run.resources.map((r) => r.raw));
        const exposed = serialized.replace(/"value":"correct horse battery staple"/g, "");
        assert.ok(!exposed.includes("correct horse battery staple"), "the password appears outside a secret");
    });

    it("routes the canary weight to the canary release", () => {
        const data = run.byName("traffic-routing").inputs.data;
        assert.strictEqual(data["rca.canary.weight"], "10");
        assert.strictEqual(data["rca.stable.weight"], "90");
        assert.strictEqual(data["rca.canary.release"], "mirador-rca-canary");
        assert.strictEqual(data["rca.canary.image"], run.outputs.imageDigestRef);
    });

    it("patches only its own keys of the routing ConfigMap, as this stack's field manager", () => {
        const routing = run.byName("traffic-routing").inputs;
        assert.deepStrictEqual(Object.keys(routing.data).sort(), [
            "rca.canary.image",
            "rca.canary.release",
            "rca.canary.version",
            "rca.canary.weight",
            "rca.stable.weight",
        ]);
        assert.deepStrictEqual(routing.metadata, {
            name: "mirador-core-routing",
            namespace: "mirador-staging",
            annotations: {
                "pulumi.com/patchFieldManager": "mirador-release-staging",
                "pulumi.com/patchForce": "true",
            },
        });
    });

    it("exports what production promotes", () => {
        assert.strictEqual(run.outputs.version, "0.4.0");
        assert.strictEqual(run.outputs.commit, src.commit);
        assert.strictEqual(run.outputs.chartArchive, "dist/mirador-rca-0.4.0.tgz");
        assert.match(String(run.outputs.chartDigest), digestPattern);
        assert.strictEqual(run.outputs.releaseName, "mirador-rca-canary");
        assert.strictEqual(run.outputs.namespace, "mirador-staging");
        assert.strictEqual(run.outputs.canaryDeployedAt, "2026-11-23T10:00:00Z");
    });
});

describe("staging stack options", () => {
    let src: SourceFixture;
    before(() => (src = createSourceFixture()));
    after(() => src.remove());

    it("watches the rollout's pods beside Helm's wait; the smoke tests wait for both", async () => {
        const config = { ...stagingConfig(src), helm: { timeoutSeconds: 45, values: { hostNetwork: true } } };
        const run = await runProgram({ stack: "local-staging", config, secretKeys: ["cosignPassword"] });
        const watch = run.byName("canary-rollout-pods-ready").inputs;
        const release = run.byName("canary-release").inputs;
        const rollout = release.values.podAnnotations["mirador.release/rollout"];
        assert.match(rollout, /^[a-f0-9]{16}$/);
        assert.strictEqual(watch.environment.ROLLOUT, rollout, "the watch looks for the pods Helm rolls out");
        assert.deepStrictEqual(watch.triggers, [rollout], "it re-runs exactly when the release's inputs change");
        assert.strictEqual(watch.environment.TIMEOUT_SECONDS, "45");
        assert.deepStrictEqual(
            [watch.environment.RELEASE, watch.environment.NAMESPACE],
            [release.name, "mirador-staging"],
        );
        assert.strictEqual(release.values.hostNetwork, true);
        assert.ok(run.dependsOn("canary-rollout-pods-ready", "canary-pending-guard"));
        assert.ok(!run.dependsOn("canary-rollout-pods-ready", "canary-release"), "it runs while Helm waits");
        assert.ok(run.dependsOn("smoke-health", "canary-rollout-pods-ready"));
        assert.ok(run.dependsOn("traffic-routing", "canary-rollout-pods-ready"));
        // Another value is another rollout: the pods are told apart by it.
        const other = await runProgram({
            stack: "local-staging",
            config: { ...config, helm: { timeoutSeconds: 45, values: { hostNetwork: true, cache: { size: 7 } } } },
            secretKeys: ["cosignPassword"],
        });
        assert.notStrictEqual(other.byName("canary-rollout-pods-ready").inputs.environment.ROLLOUT, rollout);
    });

    it("gives the release and the routing an explicit provider when a kubeconfig is configured", async () => {
        const config = { ...stagingConfig(src), kubernetes: { kubeconfig: `${src.dir}/CHANGELOG.md` } };
        const run = await runProgram({ stack: "staging", config, secretKeys: ["cosignPassword"] });
        const provider = run.byName("kubernetes");
        assert.strictEqual(provider.type, "pulumi:providers:kubernetes");
        for (const name of ["canary-release", "traffic-routing"]) {
            assert.ok(run.byName(name).provider.startsWith(provider.urn), `${name} uses the configured cluster`);
        }
        assert.strictEqual(run.byName("canary-pending-guard").inputs.environment.KUBECONFIG, `${src.dir}/CHANGELOG.md`);
    });

    it("previews with the digest still unknown and no error", async () => {
        const run = await runProgram({
            stack: "staging",
            config: stagingConfig(src),
            secretKeys: ["cosignPassword"],
            preview: true,
        });
        assert.ok(run.resources.some((r) => r.name === "canary-release"));
    });
});
