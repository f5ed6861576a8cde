// mirador-release: the release process of mirador-rca (RELEASE-PROCESS.md) as one Pulumi program.
//   pulumi up -s staging   build, sign and package; deploy the canary; smoke-test it; route canary traffic
//   pulumi up -s prod      promote exactly the canary's digest and chart; route all traffic; tag; announce
// This file reads the stack's config and composes the components for the stack's role; it holds no step logic.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Announcement } from "./components/announcement";
import { AttestationCheck, requiredAttestations } from "./components/attestation-check";
import { ImageAttestations } from "./components/attestations";
import { ChartPackage } from "./components/chart-package";
import { ChartRelease } from "./components/chart-release";
import { GitHubRelease } from "./components/github-release";
import { Preflight } from "./components/preflight";
import { ProductionLock } from "./components/production-lock";
import { PromotionGate } from "./components/promotion-gate";
import { ReleaseTag } from "./components/release-tag";
import { SignatureCheck } from "./components/signature-check";
import { SignedImage } from "./components/signed-image";
import { SmokeTests } from "./components/smoke-tests";
import { TrafficSwitch } from "./components/traffic-switch";
import { readCanary } from "./config/promotion";
import { pulumiConfigSource } from "./config/reader";
import { ReleaseSettings } from "./config/settings";
import { readChart } from "./config/source-tree";
import { loadSettings } from "./config/stack-config";

const projectDir = __dirname;
const rel = (p: string) => path.relative(projectDir, p) || ".";

function kubernetesProvider(s: ReleaseSettings): k8s.Provider | undefined {
    if (s.kubernetes.kubeconfig === undefined && s.kubernetes.context === undefined) {
        return undefined;
    }
    return new k8s.Provider("kubernetes", { kubeconfig: s.kubernetes.kubeconfig, context: s.kubernetes.context });
}

/** The server-side apply field manager of this stack's routing keys: one per stack, so that each owns its own. */
function routingFieldManager(): string {
    return `mirador-release-${pulumi.getStack()}`;
}

/** staging: Preflight → SignedImage → ChartPackage → canary ChartRelease → SmokeTests → TrafficSwitch. */
function canary(s: ReleaseSettings) {
    const provider = kubernetesProvider(s);
    const preflight = new Preflight("preflight", {
        sourceDir: rel(s.source.dir),
        commands: s.preflightCommands,
        commit: s.source.commit,
        version: s.version,
    });
    const image = new SignedImage(
        "image",
        {
            repository: s.image.repository,
            tag: s.tag,
            sourceDir: rel(s.source.dir),
            dockerfile: s.image.dockerfile,
            context: s.image.context,
            prebuild: s.image.prebuild,
            platform: s.image.platform,
            network: s.image.network,
            registry: s.image.registry,
            commit: s.source.commit,
            cosign: { ...s.cosign, password: s.cosign.password ?? pulumi.secret("") },
        },
        { dependsOn: [preflight] },
    );
    // The signed digest's SBOM and provenance, beside the chart and the canary (prod requires them).
    const attestations = new ImageAttestations(
        "image-attestations",
        {
            imageRef: image.digestRef,
            sourceDir: rel(s.source.dir),
            commit: s.source.commit,
            dockerfile: s.image.dockerfile,
            context: s.image.context,
            prebuild: s.image.prebuild,
            platform: s.image.platform,
            startedOn: image.buildStartedOn,
            tag: s.tag,
            cosign: { ...s.cosign, password: s.cosign.password ?? pulumi.secret("") },
        },
        { dependsOn: [image] },
    );
    const chart = new ChartPackage("chart", {
        chartDir: rel(s.source.chartDir),
        chartName: readChart(s.source.chartDir).name,
        version: s.version,
        distDir: "dist",
        imageDigest: image.digest,
        ociRegistry: s.chartRegistry,
    });
    const release = new ChartRelease(
        "canary",
        {
            name: s.release.name,
            namespace: s.release.namespace,
            chartArchive: chart.archive,
            chartDigest: chart.digest,
            imageRepository: s.image.repository,
            imageDigest: image.digest,
            track: "canary",
            values: s.release.values,
            valuesFiles: s.release.valuesFiles.map(rel),
            replicaCount: s.canary!.replicaCount,
            prometheusLabels: s.canary!.prometheusLabels,
            timeoutSeconds: s.release.timeoutSeconds,
            atomic: s.release.atomic,
            cleanupOnFail: s.release.cleanupOnFail,
            kubeconfig: s.kubernetes.kubeconfig,
            provider,
        },
        { dependsOn: [image] },
    );
    const smoke = new SmokeTests(
        "smoke",
        {
            endpoint: s.smoke!.endpoint,
            plaintext: s.smoke!.plaintext,
            digestRef: image.digestRef,
            prometheusUrl: s.prometheusUrl,
            cacheHitRateFloor: s.smoke!.cacheHitRateFloor,
        },
        { dependsOn: [release] },
    );
    new TrafficSwitch(
        "traffic",
        {
            namespace: s.traffic.namespace,
            configMapName: s.traffic.configMapName,
            releaseName: s.release.name,
            track: "canary",
            weight: s.canary!.trafficWeight,
            digestRef: image.digestRef,
            version: s.version,
            fieldManager: routingFieldManager(),
            provider,
        },
        { dependsOn: [smoke] },
    );
    return {
        role: s.role,
        version: s.version,
        commit: s.source.commit,
        imageDigestRef: image.digestRef,
        imageDigest: image.digest,
        signatureVerified: image.signatureVerified,
        attestations: attestations.summaries,
        chartArchive: chart.archive,
        chartDigest: chart.digest,
        releaseName: s.release.name,
        namespace: s.release.namespace,
        releaseRevision: release.revision,
        canaryDeployedAt: release.deployedAt,
        trafficWeight: s.canary!.trafficWeight,
    };
}

/**
 * prod: the canary's digest and chart → verify → SLO gate → prod ChartRelease → TrafficSwitch(100 %) → tag →
 * release → announce. The Helm release and the routing are protected: `pulumi destroy` refuses (README).
 */
async function production(s: ReleaseSettings) {
    const canaryFacts = await readCanary(s.stagingStack!, { version: s.version, commit: s.source.commit });
    const provider = kubernetesProvider(s);
    const signature = new SignatureCheck("canary-signature", {
        imageRef: canaryFacts.imageDigestRef,
        publicKey: s.cosign.publicKey,
        tlogUpload: s.cosign.tlogUpload,
        trustedRoot: s.cosign.trustedRoot,
    });
    // The digest's attestations (docs/attestations.md): SBOM and provenance before the gate judges, the gate's own
    // attested verdict after it; missing, foreign-key or mismatching ones stop prod before the release changes.
    const verifyArgs = {
        imageRef: canaryFacts.imageDigestRef,
        commit: s.source.commit,
        publicKey: s.cosign.publicKey,
        tlogUpload: s.cosign.tlogUpload,
        trustedRoot: s.cosign.trustedRoot,
        gateVerdictMaxAgeSeconds: s.attestations!.gateVerdictMaxAgeSeconds,
    };
    const required = requiredAttestations({ freshGateVerdict: true });
    const supplyChain = new AttestationCheck(
        "canary-attestations",
        { ...verifyArgs, kinds: required.filter((k) => k !== "gate") },
        { dependsOn: [signature] },
    );
    // Nothing in production changes before the gate says promote; it judges each promoted digest once.
    const gate = new PromotionGate(
        "promotion-gate",
        {
            policyConfig: rel(s.gateConfig!),
            digest: canaryFacts.imageDigest,
            attest: {
                imageRef: canaryFacts.imageDigestRef,
                cosign: { ...s.cosign, password: s.cosign.password ?? pulumi.secret("") },
            },
        },
        { dependsOn: [signature, supplyChain] },
    );
    const verdict = new AttestationCheck("gate-verdict", { ...verifyArgs, kinds: ["gate"] }, { dependsOn: [gate] });
    const release = new ChartRelease(
        "production",
        {
            name: s.release.name,
            namespace: s.release.namespace,
            chartArchive: canaryFacts.chartArchive,
            chartDigest: canaryFacts.chartDigest,
            imageRepository: canaryFacts.imageDigestRef.split("@")[0],
            imageDigest: canaryFacts.imageDigest,
            track: "stable",
            values: s.release.values,
            valuesFiles: s.release.valuesFiles.map(rel),
            timeoutSeconds: s.release.timeoutSeconds,
            atomic: s.release.atomic,
            cleanupOnFail: s.release.cleanupOnFail,
            kubeconfig: s.kubernetes.kubeconfig,
            provider,
            description: gate.description,
            protect: true,
        },
        { dependsOn: [signature, supplyChain, gate, verdict] },
    );
    const traffic = new TrafficSwitch(
        "traffic",
        {
            namespace: s.traffic.namespace,
            configMapName: s.traffic.configMapName,
            releaseName: s.release.name,
            track: "stable",
            weight: 100,
            digestRef: canaryFacts.imageDigestRef,
            version: s.version,
            fieldManager: routingFieldManager(),
            provider,
            protect: true,
        },
        { dependsOn: [release] },
    );
    const tag = new ReleaseTag(
        "tag",
        { sourceDir: rel(s.source.dir), tag: s.tag, commit: s.source.commit, remote: s.gitRemote! },
        { dependsOn: [release, traffic] },
    );
    const githubRelease = s.github
        ? new GitHubRelease(
              "github",
              {
                  ...s.github,
                  tag: s.tag,
                  commit: s.source.commit,
                  changelog: s.source.changelog,
                  digestRef: canaryFacts.imageDigestRef,
                  chartDigest: canaryFacts.chartDigest,
                  prerelease: s.version.includes("-"),
              },
              { dependsOn: [tag] },
          )
        : undefined;
    const announcement = s.slackWebhookUrl
        ? new Announcement(
              "announcement",
              {
                  webhookUrl: s.slackWebhookUrl,
                  version: s.version,
                  tag: s.tag,
                  digestRef: canaryFacts.imageDigestRef,
                  chartDigest: canaryFacts.chartDigest,
                  links: githubRelease ? [githubRelease.url] : [],
                  commit: s.source.commit,
              },
              { dependsOn: githubRelease ? [tag, githubRelease] : [tag] },
          )
        : undefined;
    // Last, depending on every step: pulumi destroy meets this protected step first and stops there.
    new ProductionLock(
        "production-lock",
        { stack: s.stack },
        {
            dependsOn: [
                signature,
                supplyChain,
                gate,
                verdict,
                release,
                traffic,
                tag,
                ...[githubRelease, announcement].filter((r) => r !== undefined),
            ],
        },
    );
    return {
        role: s.role,
        version: s.version,
        commit: s.source.commit,
        tag: tag.summary,
        imageDigestRef: canaryFacts.imageDigestRef,
        imageDigest: canaryFacts.imageDigest,
        chartArchive: canaryFacts.chartArchive,
        chartDigest: canaryFacts.chartDigest,
        releaseName: s.release.name,
        namespace: s.release.namespace,
        releaseRevision: release.revision,
        deployedAt: release.deployedAt,
        canaryDeployedAt: canaryFacts.canaryDeployedAt,
        signatureVerified: signature.verified,
        attestationsVerified: pulumi.all([supplyChain.verified, verdict.verified]).apply(([a, b]) => [...a, ...b]),
        githubRelease: githubRelease?.url,
    };
}

// Not async: a bad config throws while the program loads, so the engine reports it at once and no rejected
// promise waits unobserved for the runtime to pick it up.
function main() {
    const settings = loadSettings(pulumiConfigSource(), { projectDir, stack: pulumi.getStack() });
    return settings.role === "canary" ? canary(settings) : production(settings);
}

export = main();
