// The validated, normalised settings of one stack: what index.ts composes the release from. Typed by role: a
// canary stack's settings hold what only staging reads (canary, smoke, preflight), a production stack's what only
// prod reads (the staging stack, the gate, GitHub), so that nothing reads a setting its role does not have.
import * as pulumi from "@pulumi/pulumi";
import { ProfileCommand, ServiceProfile } from "./service-profile";

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
    /** helm.postRenderer: an executable Helm pipes the rendered manifest through (absolute path); none when unset. */
    postRenderer?: string;
    /**
     * Whether the stack stores `helm` encrypted (one of its fields was set with --secret): production's history then
     * leaves helm.values out of its record (config/release-render.ts). Unset: not encrypted.
     */
    encrypted?: boolean;
}

export interface CanarySettings {
    replicaCount: number;
    /** Extra labels on the canary's pods (merged into the chart's pod labels beside the track label). */
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
    /**
     * host:port of the canary's gRPC endpoint, as reachable from where `pulumi up` runs; unset: the rendered one
     * (`<service>.<namespace>.svc:<port>`, or `127.0.0.1:<port>` for pods on the node's network).
     */
    endpoint?: string;
    plaintext: boolean;
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

/** What both roles read. */
interface CommonSettings {
    stack: string;
    /** Normalised semver, without a leading v. */
    version: string;
    /** The release tag, vX.Y.Z. */
    tag: string;
    /** The service profile (mirador-release:profile), validated and checked against the checkout. */
    profile: ServiceProfile;
    source: SourceSettings;
    image: ImageSettings;
    release: HelmReleaseSettings;
    kubernetes: { kubeconfig?: string; context?: string };
    cosign: CosignSettings;
    prometheusUrl: string;
    traffic: TrafficSettings;
}

/** staging: build, sign, package, deploy the canary, smoke-test it. */
export interface CanaryReleaseSettings extends CommonSettings {
    role: "canary";
    /** The profile's preflight commands this stack runs (preflight.commands narrows them), in order. */
    preflightCommands: ProfileCommand[];
    /** The profile's commands.prebuild, run in the checkout before the image build; none when undefined. */
    prebuild?: ProfileCommand;
    /** An OCI registry (oci://host/path) that receives the packaged chart; none when undefined. */
    chartRegistry?: string;
    canary: CanarySettings;
    smoke: SmokeSettings;
}

/** prod: promote the canary's digest and chart (or roll back to a release production ran before). */
export interface ProductionReleaseSettings extends CommonSettings {
    role: "production";
    /** The staging stack whose canary is promoted. */
    stagingStack: string;
    /** The version to roll back to, from production's own history (mirador-release:rollback). */
    rollback?: string;
    /** The policy pack config whose slo-gate section the program's gate reads (absolute path). */
    gateConfig: string;
    /** What prod requires of the digest's attestations (docs/attestations.md). */
    attestations: { gateVerdictMaxAgeSeconds: number };
    /**
     * The deletes and renames of workload and traffic objects this release may make (objectChanges.acknowledged),
     * as components/release-object-changes.ts names them; any other stops the run while it loads.
     */
    objectChanges: { acknowledged: string[] };
    /** The git remote that receives the tag. */
    gitRemote: string;
    github?: GitHubSettings;
    slackWebhookUrl?: pulumi.Output<string>;
}

export type ReleaseSettings = CanaryReleaseSettings | ProductionReleaseSettings;
