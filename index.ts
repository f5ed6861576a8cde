// mirador-release: the release process of mirador-rca (RELEASE-PROCESS.md) as one Pulumi program.
//   pulumi up -s staging   build, sign and package; deploy the canary; smoke-test it; route canary traffic
//   pulumi up -s prod      promote exactly the canary's digest and chart; route all traffic; tag; announce
// This file reads the stack's config and composes the components for the stack's role; it holds no step logic.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as path from "path";
import { Announcement } from "./components/announcement";
import {
    AttestationCheck,
    AttestationCheckArgs,
    requiredAttestations,
    verifyFlags,
} from "./components/attestation-check";
import { ImageAttestations } from "./components/attestations";
import { ChartPackage } from "./components/chart-package";
import { ChartRelease, ChartReleaseArgs, releaseContract, structureValues } from "./components/chart-release";
import { pinnedImageValue } from "./components/pinned-values";
import { askRenewal, renewing } from "./components/gate-verdict-renewal";
import { GitHubRelease } from "./components/github-release";
import { Preflight } from "./components/preflight";
import { ProductionLock } from "./components/production-lock";
import { PromotionGate } from "./components/promotion-gate";
import { ReleaseTag } from "./components/release-tag";
import { RollbackAnnouncement } from "./components/rollback-announcement";
import { SignatureCheck } from "./components/signature-check";
import { SignedImage } from "./components/signed-image";
import { PLACEHOLDER_DIGEST, renderedCheckStep } from "./components/rendered-release";
import { SmokeTests } from "./components/smoke-tests";
import { treeDigest } from "./components/tree-digest";
import { TrafficSwitch } from "./components/traffic-switch";
import { productionTarget } from "./config/production-target";
import { pulumiConfigSource } from "./config/reader";
import { CanaryReleaseSettings, ProductionReleaseSettings, ReleaseSettings } from "./config/settings";
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

/** What both Helm releases take from the stack's settings as they are. */
function releaseSettings(s: ReleaseSettings) {
    return {
        name: s.release.name,
        namespace: s.release.namespace,
        valuePaths: s.profile.chart.values,
        values: s.release.values,
        valuesFiles: s.release.valuesFiles.map(rel),
        postRenderer: s.release.postRenderer === undefined ? undefined : rel(s.release.postRenderer),
        timeoutSeconds: s.release.timeoutSeconds,
        atomic: s.release.atomic,
        cleanupOnFail: s.release.cleanupOnFail,
        kubeconfig: s.kubernetes.kubeconfig,
        kubeContext: s.kubernetes.context,
    };
}

/** What the release is checked against as rendered: the service profile's kinds and gRPC port. */
function renderedSettings(s: ReleaseSettings, loadTimeChart: string) {
    return {
        loadTimeChart,
        optionalKinds: s.profile.chart.optionalKinds,
        grpcPort: s.profile.chart.ports.grpc,
    };
}

/** The smoke tests' endpoint: the rendered one, unless smoke.endpoint names another way to it. */
function smokeEndpoint(s: CanaryReleaseSettings, rendered: string | undefined): string {
    const endpoint = s.smoke.endpoint ?? rendered;
    if (endpoint === undefined) {
        throw new Error(
            `the canary's chart renders no Service port named ${s.profile.chart.ports.grpc} (the service profile's ` +
                "chart.ports.grpc): set mirador-release:smoke.endpoint to host:port of its gRPC service",
        );
    }
    return endpoint;
}

/** The server-side apply field manager of this stack's routing keys: one per stack, so that each owns its own. */
function routingFieldManager(): string {
    return `mirador-release-${pulumi.getStack()}`;
}

/**
 * staging: Preflight → SignedImage → ChartPackage → canary ChartRelease → SmokeTests → TrafficSwitch.
 * canary.abort: the same build (unchanged), the routing at weight 0, and no canary release nor smoke test (the
 * engine removes them after the routing moved); the next version, with abort unset, declares them again.
 */
function canary(s: CanaryReleaseSettings) {
    const provider = kubernetesProvider(s);
    const prebuild = s.prebuild?.run ?? "";
    // Before anything is built: the canary as the chart renders it (placeholder digest), against the cluster's kinds.
    const structure = s.canary.abort ? undefined : canaryStructureCheck(s);
    const preflight = new Preflight(
        "preflight",
        {
            sourceDir: rel(s.source.dir),
            commands: s.preflightCommands.map((c) => c.run),
            commit: s.source.commit,
            version: s.version,
        },
        { dependsOn: structure ? [structure] : [] },
    );
    const image = new SignedImage(
        "image",
        {
            repository: s.image.repository,
            tag: s.tag,
            sourceDir: rel(s.source.dir),
            dockerfile: s.image.dockerfile,
            context: s.image.context,
            prebuild,
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
            prebuild,
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
        imageValue: pinnedImageValue(s.profile.chart.values, s.tag, image.digest),
        ociRegistry: s.chartRegistry,
    });
    const live = s.canary.abort ? undefined : canaryRelease(s, image, chart, provider);
    const weight = s.canary.abort ? 0 : s.canary.trafficWeight;
    new TrafficSwitch(
        "traffic",
        {
            namespace: s.traffic.namespace,
            configMapName: s.traffic.configMapName,
            releaseName: s.release.name,
            track: "canary",
            weight,
            digestRef: image.digestRef,
            version: s.version,
            fieldManager: routingFieldManager(),
            provider,
        },
        { dependsOn: live ? [live.smoke] : [image] },
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
        // Where prod fetches the chart by digest (config/promotion.ts): prod never needs this clone's dist/.
        chartRef: chart.ref,
        releaseName: s.release.name,
        namespace: s.release.namespace,
        // An aborted canary has no release: the outputs are left out, not undefined (the engine warns of those).
        ...(live ? { releaseRevision: live.release.revision, canaryDeployedAt: live.release.deployedAt } : {}),
        trafficWeight: weight,
        canaryAborted: s.canary.abort,
    };
}

/** The canary's release arguments, for a digest and chart (the structure check's placeholder, or the real ones). */
function canaryReleaseArgs(
    s: CanaryReleaseSettings,
    built: { digest: pulumi.Input<string>; chart: pulumi.Input<string>; chartDigest: pulumi.Input<string> },
    provider?: k8s.Provider,
): ChartReleaseArgs {
    return {
        ...releaseSettings(s),
        chartArchive: built.chart,
        chartDigest: built.chartDigest,
        imageRepository: s.image.repository,
        imageTag: s.tag,
        imageDigest: built.digest,
        track: "canary",
        trackLabels: { [s.profile.track.label]: s.profile.track.canary },
        replicaCount: s.canary.replicaCount,
        extraPodLabels: s.canary.prometheusLabels,
        rendered: renderedSettings(s, s.source.chartDir),
        provider,
    };
}

/** The step before the build: the canary rendered from the checkout's chart, with the placeholder digest. */
function canaryStructureCheck(s: CanaryReleaseSettings) {
    const chartDir = rel(s.source.chartDir);
    const args = canaryReleaseArgs(s, { digest: PLACEHOLDER_DIGEST, chart: chartDir, chartDigest: "" });
    return renderedCheckStep(
        "canary-structure",
        {
            release: args.name,
            namespace: args.namespace,
            chart: chartDir,
            chartDigest: treeDigest(s.source.chartDir),
            valuesFiles: args.valuesFiles,
            values: structureValues(args),
            postRenderer: args.postRenderer,
            contract: releaseContract(args),
            digest: PLACEHOLDER_DIGEST,
            kubeconfig: args.kubeconfig,
            kubeContext: args.kubeContext,
        },
        {},
    );
}

/** The canary's Helm release and its smoke tests. */
function canaryRelease(s: CanaryReleaseSettings, image: SignedImage, chart: ChartPackage, provider?: k8s.Provider) {
    const release = new ChartRelease(
        "canary",
        canaryReleaseArgs(s, { digest: image.digest, chart: chart.localChart, chartDigest: chart.digest }, provider),
        { dependsOn: [image] },
    );
    const smoke = new SmokeTests(
        "smoke",
        {
            endpoint: smokeEndpoint(s, release.endpoint),
            plaintext: s.smoke.plaintext,
            digestRef: image.digestRef,
            service: s.profile.grpc.service,
            healthService: s.profile.grpc.health,
            calls: s.profile.grpc.smoke,
        },
        { dependsOn: [release] },
    );
    return { release, smoke };
}

/** The SLO gate on the promoted digest, and the check of the verdict it attested (a promotion, not a rollback). */
function promotionGate(
    s: ProductionReleaseSettings,
    deployed: { imageDigest: string; imageDigestRef: string },
    after: pulumi.Resource[],
    verifyArgs: Omit<AttestationCheckArgs, "kinds">,
) {
    // A verdict that expired before production ran the digest (a failed or killed update resumed later) is renewed:
    // the gate judges the canary again, and the new verdict is verified again.
    const renewal = askRenewal({
        production: {
            release: s.release.name,
            namespace: s.release.namespace,
            kubeconfig: s.kubernetes.kubeconfig,
            kubeContext: s.kubernetes.context,
        },
        imageRef: deployed.imageDigestRef,
        publicKey: verifyArgs.publicKey,
        cosignFlags: verifyFlags(verifyArgs),
        maxAgeSeconds: s.attestations.gateVerdictMaxAgeSeconds,
    });
    if (renewing(renewal)) {
        void pulumi.log.warn(`the SLO gate judges the canary again: ${renewal.slice("renew: ".length)}`);
    }
    const gate = new PromotionGate(
        "promotion-gate",
        {
            policyConfig: rel(s.gateConfig),
            digest: deployed.imageDigest,
            renewal,
            attest: {
                imageRef: deployed.imageDigestRef,
                cosign: { ...s.cosign, password: s.cosign.password ?? pulumi.secret("") },
            },
        },
        { dependsOn: after },
    );
    const verdict = new AttestationCheck(
        "gate-verdict",
        { ...verifyArgs, kinds: ["gate"], gateVerdictRenewal: renewal },
        { dependsOn: [gate] },
    );
    return { gate, verdict };
}

/**
 * prod: the canary's digest and chart → verify → SLO gate → prod ChartRelease → TrafficSwitch(100 %) → tag →
 * release → announce. The Helm release and the routing are protected: `pulumi destroy` refuses (README).
 * mirador-release:rollback: a release from production's own history instead of the canary: verified again, no
 * gate (the release records why), the last promotion's tag, GitHub release and announcement left as they are,
 * and one rollback message.
 */
async function production(s: ProductionReleaseSettings) {
    const target = await productionTarget(s, { projectDir });
    const { deployed, promoted, render } = target;
    for (const warning of target.warnings) {
        void pulumi.log.warn(warning);
    }
    if (target.rollback) {
        void pulumi.log.info(`the rollback to ${deployed.version} renders with ${render.source}`);
    }
    const provider = kubernetesProvider(s);
    const signature = new SignatureCheck("canary-signature", {
        imageRef: deployed.imageDigestRef,
        publicKey: s.cosign.publicKey,
        tlogUpload: s.cosign.tlogUpload,
        trustedRoot: s.cosign.trustedRoot,
    });
    // The digest's attestations (docs/attestations.md): SBOM and provenance before the gate judges, the gate's own
    // attested verdict after it; missing, foreign-key or mismatching ones stop prod before the release changes. A
    // rollback returns to a digest the gate promoted before: its signature and provenance are verified again, and
    // it runs no gate and needs no fresh verdict (its Helm description says why).
    const verifyArgs = {
        imageRef: deployed.imageDigestRef,
        commit: deployed.commit,
        publicKey: s.cosign.publicKey,
        tlogUpload: s.cosign.tlogUpload,
        trustedRoot: s.cosign.trustedRoot,
        gateVerdictMaxAgeSeconds: s.attestations.gateVerdictMaxAgeSeconds,
    };
    const required = requiredAttestations({ freshGateVerdict: target.rollback === undefined });
    const supplyChain = new AttestationCheck(
        "canary-attestations",
        { ...verifyArgs, kinds: required.filter((k) => k !== "gate") },
        { dependsOn: [signature] },
    );
    // Nothing in production changes before the gate says promote; it judges each promoted digest once.
    const judged =
        target.rollback === undefined ? promotionGate(s, deployed, [signature, supplyChain], verifyArgs) : undefined;
    const release = new ChartRelease(
        "production",
        {
            ...releaseSettings(s),
            // The value paths and overlay the release is rendered with: a rollback's are the ones it ran with.
            valuePaths: render.valuePaths,
            values: render.values,
            valuesFiles: render.valuesFiles.map(rel),
            postRenderer: render.postRenderer === undefined ? undefined : rel(render.postRenderer),
            chartArchive: deployed.chartArchive,
            chartDigest: deployed.chartDigest,
            imageRepository: deployed.imageDigestRef.split("@")[0],
            imageTag: `v${deployed.version}`,
            imageDigest: deployed.imageDigest,
            track: "stable",
            trackLabels: render.trackLabels,
            rendered: renderedSettings(s, deployed.chartArchive),
            // A delete or rename of what serves production's traffic stops here unless acknowledged.
            objectChanges: { stop: true, acknowledged: s.objectChanges.acknowledged },
            provider,
            description: judged?.gate.description ?? target.rollback?.reason,
            protect: true,
        },
        { dependsOn: [signature, supplyChain, ...(judged ? [judged.gate, judged.verdict] : [])] },
    );
    const traffic = new TrafficSwitch(
        "traffic",
        {
            namespace: s.traffic.namespace,
            configMapName: s.traffic.configMapName,
            releaseName: s.release.name,
            track: "stable",
            weight: 100,
            digestRef: deployed.imageDigestRef,
            version: deployed.version,
            fieldManager: routingFieldManager(),
            provider,
            protect: true,
        },
        { dependsOn: [release] },
    );
    const tag = new ReleaseTag(
        "tag",
        {
            service: s.profile.name,
            sourceDir: rel(s.source.dir),
            tag: s.tag,
            commit: s.source.commit,
            remote: s.gitRemote,
        },
        { dependsOn: [release, traffic] },
    );
    const githubRelease = s.github
        ? new GitHubRelease(
              "github",
              {
                  ...s.github,
                  service: s.profile.name,
                  tag: s.tag,
                  commit: s.source.commit,
                  changelog: s.source.changelog,
                  digestRef: promoted.imageDigestRef,
                  chartDigest: promoted.chartDigest,
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
                  service: s.profile.name,
                  version: s.version,
                  tag: s.tag,
                  digestRef: promoted.imageDigestRef,
                  chartDigest: promoted.chartDigest,
                  links: githubRelease ? [githubRelease.url] : [],
                  commit: promoted.commit,
              },
              { dependsOn: githubRelease ? [tag, githubRelease] : [tag] },
          )
        : undefined;
    const rollbackMessage =
        s.slackWebhookUrl && target.rollback
            ? new RollbackAnnouncement(
                  "rollback-announcement",
                  {
                      webhookUrl: s.slackWebhookUrl,
                      service: s.profile.name,
                      from: target.rollback.from,
                      to: target.rollback.to,
                      digestRef: deployed.imageDigestRef,
                      chartDigest: deployed.chartDigest,
                  },
                  { dependsOn: [release, traffic] },
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
                ...(judged ? [judged.gate, judged.verdict] : []),
                release,
                traffic,
                tag,
                ...[githubRelease, announcement, rollbackMessage].filter((r) => r !== undefined),
            ],
        },
    );
    return {
        role: s.role,
        version: deployed.version,
        commit: deployed.commit,
        tag: tag.summary,
        imageDigestRef: deployed.imageDigestRef,
        imageDigest: deployed.imageDigest,
        chartRef: deployed.chartRef,
        chartDigest: deployed.chartDigest,
        releaseName: s.release.name,
        namespace: s.release.namespace,
        releaseRevision: release.revision,
        deployedAt: release.deployedAt,
        canaryDeployedAt: target.canaryDeployedAt,
        signatureVerified: signature.verified,
        attestationsVerified: pulumi
            .all([supplyChain.verified, judged?.verdict.verified ?? []])
            .apply(([a, b]) => [...a, ...b]),
        ...(githubRelease ? { githubRelease: githubRelease.url } : {}),
        releases: target.releases,
        ...(target.rollback ? { rollback: target.rollback } : {}),
    };
}

// Not async: a bad config throws while the program loads, so the engine reports it at once and no rejected
// promise waits unobserved for the runtime to pick it up.
function main() {
    const settings = loadSettings(pulumiConfigSource(), { projectDir, stack: pulumi.getStack() });
    return settings.role === "canary" ? canary(settings) : production(settings);
}

export = main();
