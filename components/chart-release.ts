// RELEASE-PROCESS.md steps 5.2 and 6: `helm upgrade --install` of the packaged chart, the image pinned by digest.
import * as command from "@pulumi/command";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import { waitFor } from "./naming";
import { rolloutAnnotation, RolloutWatch } from "./rollout-watch";
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
    /** sha256:… of the signed image. */
    imageDigest: pulumi.Input<string>;
    /** "canary" or "stable": the track label of the pods and of every series they export. */
    track: "canary" | "stable";
    /** The stack's values overlay; the image, track and replica count below win over it. */
    values: Values;
    /** Values files applied before `values` (e.g. values/canary.yaml). */
    valuesFiles: string[];
    replicaCount?: number;
    prometheusLabels?: Record<string, string>;
    timeoutSeconds: number;
    atomic: boolean;
    cleanupOnFail: boolean;
    /** The kubeconfig the guard step's helm uses; the provider gets the same one. */
    kubeconfig?: string;
    provider?: k8s.Provider;
    /** Helm's description of the release (production: the gate's record of the promotion). */
    description?: pulumi.Input<string>;
    /** Refuse to delete or replace the Helm release (production: retire it deliberately, README). */
    protect?: boolean;
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

    constructor(name: string, args: ChartReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:ChartRelease", name, {}, opts);
        const changeTriggers = [args.imageDigest, args.chartDigest];
        const env = {
            RELEASE: args.name,
            NAMESPACE: args.namespace,
            ...(args.kubeconfig ? { KUBECONFIG: args.kubeconfig } : {}),
        };

        // A run cancelled mid-upgrade leaves the release pending-upgrade and every later upgrade refused; before
        // each change, roll such a release back to its last good revision (or remove a half-done first install).
        const guard = new command.local.Command(
            `${name}-pending-guard`,
            { create: "bash components/steps/helm-pending-guard.sh", environment: env, triggers: changeTriggers },
            { parent: this, dependsOn: waitFor(opts) },
        );

        const pinned: Values = {
            image: { repository: args.imageRepository, digest: args.imageDigest },
            track: args.track,
        };
        if (args.replicaCount !== undefined) {
            pinned.replicaCount = args.replicaCount;
        }
        if (args.prometheusLabels !== undefined && Object.keys(args.prometheusLabels).length > 0) {
            pinned.prometheus = { labels: args.prometheusLabels };
        }
        // The rollout's id: a hash of everything Helm gets, set as a pod annotation so that the rollout watch tells
        // this rollout's pods from the previous ones. It changes exactly when the release's inputs change.
        const values = mergeValues(args.values, pinned);
        const files = args.valuesFiles.map((f) => fs.readFileSync(f, "utf8"));
        const rolloutId = pulumi
            .output({ chart: args.chartDigest, values, files })
            .apply((inputs) => createHash("sha256").update(JSON.stringify(inputs)).digest("hex").slice(0, 16));

        this.release = new k8s.helm.v3.Release(
            `${name}-release`,
            {
                name: args.name,
                namespace: args.namespace,
                createNamespace: true,
                chart: args.chartArchive,
                valueYamlFiles: args.valuesFiles.map((f) => new pulumi.asset.FileAsset(f)),
                values: mergeValues(values, { podAnnotations: { [rolloutAnnotation]: rolloutId } }),
                // Without this the provider's check drops null values, and with them a value the preview does not
                // know yet (a new image digest): the plan would show the digest pin as removed instead of
                // "computed by the update". A null in a values overlay now reaches Helm, which takes it, as Helm
                // always does, for "remove this chart default".
                allowNullValues: true,
                // atomic rolls a failed upgrade back; cleanupOnFail removes what a failed upgrade created; the
                // timeout bounds the wait for Ready pods; jobs (hooks) must finish too.
                atomic: args.atomic,
                cleanupOnFail: args.cleanupOnFail,
                timeout: args.timeoutSeconds,
                waitForJobs: true,
                maxHistory: 10,
                ...(args.description !== undefined ? { description: args.description } : {}),
            },
            { parent: this, dependsOn: waitFor(opts, guard), provider: args.provider, protect: args.protect },
        );
        this.rollout = new RolloutWatch(
            `${name}-rollout`,
            {
                release: args.name,
                namespace: args.namespace,
                rolloutId,
                timeoutSeconds: args.timeoutSeconds,
                kubeconfig: args.kubeconfig,
            },
            { parent: this, dependsOn: waitFor(opts, guard) },
        );
        this.revision = this.release.status.revision;
        this.status = this.release.status.status;

        const stamp = new command.local.Command(
            `${name}-deployed-at`,
            { create: "date -u +%Y-%m-%dT%H:%M:%SZ", triggers: changeTriggers },
            { parent: this, dependsOn: [this.release, this.rollout] },
        );
        this.deployedAt = stamp.stdout.apply((s) => s.trim());

        this.registerOutputs({ revision: this.revision, status: this.status, deployedAt: this.deployedAt });
    }
}
