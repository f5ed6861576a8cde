// Every config key the program understands, the roles that read it and, for object keys, their fields: the one
// table that unknown keys, misspelt fields and settings of the other role are checked against. To add or remove
// a setting, add or remove its line here (README's config table and Pulumi.yaml describe the same keys).
import { Role } from "./settings";

/** Which stacks read a key or a field: both roles, or only one. */
export type Scope = "all" | Role;

export interface KeySpec {
    scope: Scope;
    /** The fields of an object key and who reads each (a field's scope narrows its key's). */
    fields?: Record<string, Scope>;
}

export const CONFIG_KEYS: Record<string, KeySpec> = {
    role: { scope: "all" },
    version: { scope: "all" },
    // The service profile (profiles/<service>.yaml): everything the program knows of the service it releases.
    profile: { scope: "all" },
    sourceDir: { scope: "all" },
    chartPath: { scope: "all" },
    source: { scope: "all", fields: { allowDirty: "all" } },
    image: {
        scope: "all",
        fields: {
            repository: "all",
            dockerfile: "all",
            context: "all",
            platform: "all",
            network: "all",
        },
    },
    registry: { scope: "canary", fields: { server: "canary", username: "canary" } },
    registryPassword: { scope: "canary" },
    namespace: { scope: "all" },
    releaseName: { scope: "all" },
    // helm.values is the chart's own values overlay: its fields are the chart's, not ours.
    helm: {
        scope: "all",
        fields: {
            timeoutSeconds: "all",
            atomic: "all",
            cleanupOnFail: "all",
            values: "all",
            valuesFiles: "all",
            postRenderer: "all",
        },
    },
    kubernetes: { scope: "all", fields: { kubeconfig: "all", context: "all" } },
    canary: {
        scope: "canary",
        fields: { replicaCount: "canary", prometheusLabels: "canary", trafficWeight: "canary", abort: "canary" },
    },
    cosign: {
        scope: "all",
        // Production signs too: it attests the gate's verdict on the digest it promotes (docs/attestations.md).
        fields: { key: "all", publicKey: "all", tlogUpload: "all", trustedRoot: "all" },
    },
    cosignPassword: { scope: "all" },
    preflight: { scope: "canary", fields: { commands: "canary" } },
    smoke: { scope: "canary", fields: { endpoint: "canary", plaintext: "canary" } },
    chartRegistry: { scope: "canary" },
    prometheusUrl: { scope: "all" },
    trafficSwitch: { scope: "all", fields: { namespace: "all", configMapName: "all" } },
    stagingStack: { scope: "production" },
    rollback: { scope: "production" },
    gate: { scope: "production" },
    attestations: { scope: "production", fields: { gateVerdictMaxAgeMinutes: "production" } },
    objectChanges: { scope: "production", fields: { acknowledged: "production" } },
    gitRemote: { scope: "production" },
    github: {
        scope: "production",
        fields: { enabled: "production", owner: "production", repo: "production", closeMilestone: "production" },
    },
    githubToken: { scope: "production" },
    announce: { scope: "production", fields: { enabled: "production" } },
    slackWebhookUrl: { scope: "production" },
};

/**
 * Settings a previous version read and this one does not, as key or key.field: where each went (`<profile>` is the
 * stack's profile file). A stack that still sets one is told so, not that the key is unknown.
 */
export const MOVED_KEYS: Record<string, string> = {
    "image.prebuild": "moved to the service profile's commands.prebuild (<profile>): set it there and remove it here",
    "smoke.cacheHitRateFloor": "no longer read: the service exports no cache metrics; remove it",
};

/** The stacks of a role, for messages: "canary stacks (staging)". */
export const ROLE_STACKS: Record<Role, string> = {
    canary: "canary stacks (staging)",
    production: "production stacks (prod)",
};
