// The validated, normalised settings of one stack: what index.ts composes the release from.
import * as pulumi from "@pulumi/pulumi";

/** staging ships a canary; prod promotes the canary's digest. */
export type Role = "canary" | "production";

export interface SourceSettings {
    /** Absolute path of the service checkout. */
    dir: string;
    /** The commit being released (HEAD of the checkout). */
    commit: string;
    /** Absolute path of the Helm chart. */
    chartDir: string;
    /** The CHANGELOG section of this version (without its heading). */
    changelog: string;
    /** The date in the CHANGELOG heading, YYYY-MM-DD. */
    releaseDate: string;
}

export interface ImageSettings {
    repository: string;
    /** Dockerfile path relative to the source checkout. */
    dockerfile: string;
    /** Build context relative to the source checkout. */
    context: string;
    /** A command run in the checkout before the image build (e.g. `make build`); empty for none. */
    prebuild: string;
    platform?: string;
    /** Docker build network, e.g. "host" where the engine has no bridge network. */
    network?: string;
    /** Registry credentials, when the registry needs them. */
    registry?: { server: string; username: string; password: pulumi.Output<string> };
}

export interface HelmReleaseSettings {
    namespace: string;
    name: string;
    timeoutSeconds: number;
    atomic: boolean;
    cleanupOnFail: boolean;
    /** Values overlay of this stack (merged over the chart's values.yaml, under the pinned image and track). */
    values: Record<string, unknown>;
    /** Extra values files, absolute paths, applied in order before `values`. */
    valuesFiles: string[];
}

export interface CanarySettings {
    replicaCount: number;
    /** Extra labels on the canary's pods and series, for Prometheus to tell them apart. */
    prometheusLabels: Record<string, string>;
    /** The share of mirador-core's RCA traffic routed to the canary, in percent. */
    trafficWeight: number;
    /** canary.abort: take the canary out (weight 0, its Helm release removed) until a fixed version ships. */
    abort: boolean;
}

export interface CosignSettings {
    /** Private key reference for `cosign sign --key` (a path or a KMS URI). */
    key: string;
    /** Public key reference for `cosign verify --key`. */
    publicKey: string;
    /** The signing key's password; only the canary role signs, so only it has one. */
    password?: pulumi.Output<string>;
    /** Upload signatures to the Rekor transparency log. */
    tlogUpload: boolean;
    /** A Sigstore trusted-root file for verification (default: cosign fetches the public one). */
    trustedRoot?: string;
}

export interface SmokeSettings {
    /** host:port of the canary's gRPC endpoint, as reachable from where `pulumi up` runs. */
    endpoint: string;
    plaintext: boolean;
    /** The lowest acceptable canary cache hit rate after the smoke calls (0..1). */
    cacheHitRateFloor: number;
}

export interface TrafficSettings {
    /** Namespace of the mirador-core routing ConfigMap. */
    namespace: string;
    configMapName: string;
}

export interface GitHubSettings {
    owner: string;
    repo: string;
    token: pulumi.Output<string>;
    closeMilestone: boolean;
}

export interface ReleaseSettings {
    role: Role;
    stack: string;
    /** Normalised semver, without a leading v. */
    version: string;
    /** The release tag, vX.Y.Z. */
    tag: string;
    source: SourceSettings;
    image: ImageSettings;
    release: HelmReleaseSettings;
    kubernetes: { kubeconfig?: string; context?: string };
    cosign: CosignSettings;
    preflightCommands: string[];
    /** An OCI registry (oci://host/path) that receives the packaged chart; none when undefined. */
    chartRegistry?: string;
    prometheusUrl: string;
    traffic: TrafficSettings;
    /** Staging only. */
    canary?: CanarySettings;
    smoke?: SmokeSettings;
    /** Production only: the staging stack whose canary is promoted. */
    stagingStack?: string;
    /** Production only: the version to roll back to, from production's own history (mirador-release:rollback). */
    rollback?: string;
    /** Production only: the policy pack config whose slo-gate section the program's gate reads (absolute path). */
    gateConfig?: string;
    /** Production only: what prod requires of the digest's attestations (docs/attestations.md). */
    attestations?: { gateVerdictMaxAgeSeconds: number };
    /** Production only: the git remote that receives the tag. */
    gitRemote?: string;
    github?: GitHubSettings;
    slackWebhookUrl?: pulumi.Output<string>;
}
