// RELEASE-PROCESS.md steps 5.2 and 6: `helm upgrade --install` of the packaged chart, the image pinned by digest.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import { helmLiveStatus, isPending, recoveryKey } from "./helm-live-status";
import { waitFor } from "./naming";
import { driftMarker, liveReleaseDrift } from "./release-drift";
import { rolloutAnnotation, RolloutWatch } from "./rollout-watch";
import { ChartValuePaths } from "../config/service-profile";
import { pinnedValues } from "./pinned-values";
import { executablePath, RenderedObject } from "./rendered-manifest";
import {
    compareObjects,
    liveReleaseObjects,
    objectChangesWarning,
    unacknowledged,
    unacknowledgedError,
} from "./release-object-changes";
import { checkStructure, PLACEHOLDER_DIGEST, ReleaseContract, renderedCheckStep } from "./rendered-release";
import { mergeValues, Values } from "./values";

export interface ChartReleaseArgs {
    /** Helm release name and namespace (staging: mirador-rca-canary in mirador-staging). */
    name: string;
    namespace: string;
    /**
     * The verified chart archive, at its digest-named path (components/chart-fetch.ts): the digest is part of this
     * input, so a chart changed at the same version upgrades the release, and the path is the same in every clone.
     */
    chartArchive: pulumi.Input<string>;
    /** The chart archive's digest: a new chart is a new release even at the same version. */
    chartDigest: pulumi.Input<string>;
    imageRepository: string;
    /** The release tag the image was pushed under (vX.Y.Z), for a chart that renders repository:tag. */
    imageTag: string;
    /** sha256:… of the signed image. */
    imageDigest: pulumi.Input<string>;
    /** Where the pinned values go: the service profile's chart value paths (dotted). */
    valuePaths: ChartValuePaths;
    /** "canary" or "stable": which release this is (its Helm description). */
    track: "canary" | "stable";
    /** The pod labels that carry the track: { <profile track.label>: <its canary or stable value> }. */
    trackLabels: Record<string, string>;
    /** The stack's values overlay; the image, pod labels and replica count below win over it. */
    values: Values;
    /** Values files applied before `values` (e.g. values/canary.yaml). */
    valuesFiles: string[];
    /** The canary's replica count: set at the profile's replicas path, the chart's autoscaler switched off. */
    replicaCount?: number;
    /** More pod labels (canary.prometheusLabels), merged under the track labels. */
    extraPodLabels?: Record<string, string>;
    /**
     * helm.postRenderer: an executable Helm pipes the rendered manifest through, relative to the project directory
     * (the provider runs there); its content is part of the rollout's id, so a changed post-renderer re-deploys.
     */
    postRenderer?: string;
    timeoutSeconds: number;
    atomic: boolean;
    cleanupOnFail: boolean;
    /** The kubeconfig the guard step's helm uses; the provider gets the same one. */
    kubeconfig?: string;
    /** kubernetes.context: the kube context of the provider, and so of the guard's helm. */
    kubeContext?: string;
    provider?: k8s.Provider;
    /** Helm's description of the release (production: the gate's record of the promotion). */
    description?: pulumi.Input<string>;
    /** Refuse to delete or replace the Helm release (production: retire it deliberately, README). */
    protect?: boolean;
    /** What the release is checked against as rendered (docs/rendered-release.md). */
    rendered: RenderedSettings;
    /**
     * What an upgrade may delete or rename (components/release-object-changes.ts): always named in a warning; with
     * `stop` (production), a workload or traffic object not in `acknowledged` stops the run while it loads.
     */
    objectChanges?: { stop: boolean; acknowledged: string[] };
}

export interface RenderedSettings {
    /** The same chart as chartArchive, readable while the program loads (staging: the checkout's chart folder). */
    loadTimeChart: string;
    /** Kind → the value that turns it off (the service profile's chart.optionalKinds). */
    optionalKinds: Record<string, string>;
    /** The Service and container port name of the gRPC service (the service profile's chart.ports.grpc). */
    grpcPort: string;
}

/** What the rendered release must be: the signed image through the profile's path, the canary's replicas. */
export function releaseContract(args: ChartReleaseArgs): ReleaseContract {
    const paths = args.valuePaths;
    return {
        namespace: args.namespace,
        imageRepository: args.imageRepository,
        imageValuePath: paths.imageDigest ?? paths.imageTag ?? paths.imageRepository,
        ...(args.replicaCount === undefined
            ? {}
            : {
                  replicas: {
                      count: args.replicaCount,
                      valuePath: paths.replicas,
                      ...(paths.autoscaling ? { autoscalingPath: paths.autoscaling } : {}),
                  },
              }),
        optionalKinds: args.rendered.optionalKinds,
        grpcPort: args.rendered.grpcPort,
    };
}

/** The values Helm gets, with the placeholder digest: what the structure is rendered with at load time. */
export function structureValues(args: ChartReleaseArgs): Record<string, unknown> {
    const values = mergeValues(args.values, {
        ...pinnedValues({ ...releasePins(args), imageDigest: PLACEHOLDER_DIGEST }),
        podAnnotations: { [rolloutAnnotation]: "structure-check" },
        releaseDrift: "none",
    });
    const plain = JSON.stringify(values, (_k, v: unknown) => {
        if (pulumi.Output.isInstance(v)) {
            throw new Error(
                `the values of release ${args.namespace}/${args.name} hold a secret or computed value: the ` +
                    "release cannot be checked as rendered while the program loads; give helm.values as plain values",
            );
        }
        return v;
    });
    return JSON.parse(plain) as Record<string, unknown>;
}

/** Renders the release with the placeholder digest and throws naming each problem; the rendered facts. */
export function releaseStructure(args: ChartReleaseArgs) {
    return checkStructure(
        {
            release: args.name,
            namespace: args.namespace,
            chart: args.rendered.loadTimeChart,
            valuesFiles: args.valuesFiles,
            values: structureValues(args),
            postRenderer: args.postRenderer,
        },
        releaseContract(args),
        `the ${args.track} release ${args.namespace}/${args.name}`,
    );
}

function releasePins(args: ChartReleaseArgs) {
    return {
        paths: args.valuePaths,
        imageRepository: args.imageRepository,
        imageTag: args.imageTag,
        imageDigest: args.imageDigest,
        podLabels: { ...args.extraPodLabels, ...args.trackLabels },
        replicaCount: args.replicaCount,
    };
}

/** Compares the live release with the render; warns on `resource` naming each change, or throws (see objectChanges). */
export function checkObjectChanges(args: ChartReleaseArgs, rendered: RenderedObject[], resource: pulumi.Resource) {
    const label = `${args.namespace}/${args.name}`;
    const live = liveReleaseObjects({ ...args, release: args.name, kubeContext: args.kubeContext });
    if ("absent" in live) {
        return;
    }
    if ("error" in live) {
        void pulumi.log.warn(
            `the objects of the live release ${label} could not be read (helm get manifest: ${live.error}): what ` +
                "the upgrade deletes or renames is not known",
            resource,
        );
        return;
    }
    const changes = compareObjects(live.objects, rendered, args.namespace);
    const acknowledged = args.objectChanges?.acknowledged ?? [];
    const risky = unacknowledged(changes, acknowledged);
    if (args.objectChanges?.stop === true && risky.length > 0) {
        throw new Error(unacknowledgedError(label, risky));
    }
    const warning = objectChangesWarning(label, changes, acknowledged);
    if (warning !== "") {
        void pulumi.log.warn(warning, resource);
    }
}

export class ChartRelease extends pulumi.ComponentResource {
    /** The Helm release, for `helm list`, `helm history` and `helm rollback`. */
    readonly release: k8s.helm.v3.Release;
    /** Helm's revision number of the deployed release. */
    readonly revision: pulumi.Output<number>;
    /** Helm's status of the release ("deployed" once it is up). */
    readonly status: pulumi.Output<string>;
    /** When this digest was deployed (UTC, ISO 8601): the start of the canary's soak. */
    readonly deployedAt: pulumi.Output<string>;
    /** Watches this rollout's pods while Helm waits, and names the one that is not Ready. */
    readonly rollout: RolloutWatch;
    /** Where the release's gRPC service answers, as rendered (undefined: no Service port named for it). */
    readonly endpoint: string | undefined;

    constructor(name: string, args: ChartReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:ChartRelease", name, {}, opts);
        const changeTriggers = [args.imageDigest, args.chartDigest];
        const env = {
            RELEASE: args.name,
            NAMESPACE: args.namespace,
            ...(args.kubeconfig ? { KUBECONFIG: args.kubeconfig } : {}),
            ...(args.kubeContext ? { KUBE_CONTEXT: args.kubeContext } : {}),
        };

        // A run killed mid-upgrade leaves the release pending-upgrade and every later upgrade refused; before each
        // change, and whenever Helm says the release is pending, roll it back to its last good revision (or remove a
        // half-done first install). Helm's live status is asked now; while the release is settled the recovery key
        // keeps its stored value, so a healthy release's guard runs only when the digests change.
        const live = helmLiveStatus({ ...args, release: args.name, kubeContext: args.kubeContext });
        const guard = new command.local.Command(
            `${name}-pending-guard`,
            {
                create: "bash components/steps/helm-pending-guard.sh",
                environment: env,
                triggers: [...changeTriggers, recoveryKey(live)],
            },
            { parent: this, dependsOn: waitFor(opts), ignoreChanges: isPending(live) ? [] : ["triggers[2]"] },
        );

        // The structure as rendered, while the program loads: a chart that would not run what is checked stops
        // here, in preview too. Its gRPC endpoint is where the smoke tests call.
        const structure = releaseStructure(args);
        this.endpoint = structure.endpoint;
        const pinned = pinnedValues(releasePins(args));
        // The rollout's id: a hash of everything Helm gets, set as a pod annotation so that the rollout watch tells
        // this rollout's pods from the previous ones. It changes exactly when the release's inputs change.
        const values = mergeValues(args.values, pinned);
        const files = args.valuesFiles.map((f) => fs.readFileSync(f, "utf8"));
        const postRenderer =
            args.postRenderer === undefined
                ? {}
                : { postRenderer: createHash("sha256").update(fs.readFileSync(args.postRenderer)).digest("hex") };
        const rolloutId = pulumi
            .output({ chart: args.chartDigest, values, files, ...postRenderer })
            .apply((inputs) => createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16));

        // Drift (a hand-run helm rollback/upgrade, a kubectl edit) is named in the values, so the preview shows it
        // and the up upgrades the release back; without drift the stored marker stays and nothing changes.
        const drift = liveReleaseDrift({ ...args, release: args.name, kubeContext: args.kubeContext });
        const rolloutValues = mergeValues(values, { podAnnotations: { [rolloutAnnotation]: rolloutId } });
        const helmValues = mergeValues(rolloutValues, { releaseDrift: driftMarker(drift) });
        // Right before Helm changes the release: the same render with the signed digest, against the cluster's kinds.
        // Without the drift marker, which no template reads: found drift, then repaired, must not re-run the check.
        const rendered = renderedCheckStep(
            `${name}-rendered-check`,
            {
                release: args.name,
                namespace: args.namespace,
                chart: args.chartArchive,
                chartDigest: args.chartDigest,
                valuesFiles: args.valuesFiles,
                values: rolloutValues,
                postRenderer: args.postRenderer,
                contract: releaseContract(args),
                digest: args.imageDigest,
                kubeconfig: args.kubeconfig,
                kubeContext: args.kubeContext,
            },
            { parent: this, dependsOn: waitFor(opts, guard) },
        );
        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: args.name,
                namespace: args.namespace,
                createNamespace: true,
                chart: args.chartArchive,
                valueYamlFiles: args.valuesFiles.map((f) => new pulumi.asset.FileAsset(f)),
                values: helmValues,
                // Without this the provider's check drops null values, and with them a value the preview does not
                // know yet (a new image digest): the plan would show the digest pin as removed instead of
                // "computed by the update". A null in a values overlay now reaches Helm, which takes it, as Helm
                // always does, for "remove this chart default".
                allowNullValues: true,
                // Helm runs it as `helm --post-renderer` would, on the install and on every upgrade.
                postrender: args.postRenderer === undefined ? undefined : executablePath(args.postRenderer),
                // atomic rolls a failed upgrade back; cleanupOnFail removes what a failed upgrade created; the
                // timeout bounds the wait for Ready pods; jobs (hooks) must finish too.
                atomic: args.atomic,
                cleanupOnFail: args.cleanupOnFail,
                timeout: args.timeoutSeconds,
                waitForJobs: true,
                maxHistory: 10,
                // Always the program's own description: Helm's defaults mark a revision made by hand (drift).
                description: args.description ?? `mirador-release ${pulumi.getStack()}: ${args.track}`,
            },
            {
                parent: this,
                dependsOn: waitFor(opts, guard, rendered),
                provider: args.provider,
                protect: args.protect,
                ignoreChanges: drift.drift.length > 0 ? [] : ["values.releaseDrift"],
            },
        );
        // What the upgrade deletes or renames, against the live release: named on the release (preview and up, and
        // the release plan), and in production a stop for an outage nobody acknowledged.
        checkObjectChanges(args, structure.objects, this.release);
        this.rollout = new RolloutWatch(
            `${name}-rollout`,
            {
                release: args.name,
                namespace: args.namespace,
                rolloutId,
                timeoutSeconds: args.timeoutSeconds,
                kubeconfig: args.kubeconfig,
                kubeContext: args.kubeContext,
            },
            { parent: this, dependsOn: waitFor(opts, guard) },
        );
        // Helm's upgrade resets what an edit of a Deployment changed, not what it added: after drift, replace the
        // Deployments with Helm's manifest. Only when drift was found; otherwise the stored trigger stays.
        const restore = new command.local.Command(
            `${name}-restore-deployments`,
            {
                create: "bash components/steps/restore-deployments.sh",
                environment: { ...env, TIMEOUT_SECONDS: String(args.timeoutSeconds) },
                triggers: [driftMarker(drift)],
            },
            { parent: this, dependsOn: [this.release], ignoreChanges: drift.drift.length > 0 ? [] : ["triggers"] },
        );
        this.revision = this.release.status.revision;
        this.status = this.release.status.status;

        const stamp = new command.local.Command(
            `${name}-deployed-at`,
            { create: "date -u +%Y-%m-%dT%H:%M:%SZ", triggers: changeTriggers },
            { parent: this, dependsOn: [this.release, this.rollout, restore] },
        );
        this.deployedAt = stamp.stdout.apply((s) => s.trim());

        this.registerOutputs({ revision: this.revision, status: this.status, deployedAt: this.deployedAt });
    }
}
