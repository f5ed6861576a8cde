// Names the pod that keeps a Helm release from becoming Ready, while Helm waits for it.
//
// Design. Helm's `--wait` with `atomic` (driven by the Kubernetes provider's helm.v3.Release) is what gates a
// release: it waits up to helm.timeoutSeconds for the release's pods to be Ready and rolls the release back when
// they are not. Its error then says only "context deadline exceeded" or "resource not ready": it names neither the
// pod nor the reason. The provider's wait cannot be extended, so this component runs beside it instead of after it:
//  - it starts when the release starts (the same dependencies: after the pending-release guard) and re-runs exactly
//    when the release's inputs change (its trigger is the rollout id below), so a second `pulumi up` with nothing
//    changed runs nothing;
//  - the pods of this rollout are told apart from the previous ones by a pod annotation, mirador.release/rollout,
//    which ChartRelease sets from a hash of the release's inputs (image digest, chart digest, values); the chart
//    passes podAnnotations to the pod template;
//  - it succeeds when every pod the release's Deployments want carries that annotation and is Ready; it fails at
//    once when waiting cannot help (CrashLoopBackOff with the exit code and the last log line, ImagePullBackOff, a
//    bad image or config), and after helm.timeoutSeconds with each pod's last state otherwise (not scheduled and
//    why, the failing readiness probe from the pod's events);
//  - everything after the release (smoke tests, traffic switch) depends on it as well as on the release, so a
//    failed rollout never reaches them. Helm still decides the release itself: the engine lets the running Helm
//    operation finish, and atomic rolls it back.
// The watching itself is components/steps/rollout-watch.js (kubectl, bounded in time).
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

/** The pod annotation that marks the pods of one rollout. */
export const rolloutAnnotation = "mirador.release/rollout";

export interface RolloutWatchArgs {
    /** Helm release name and namespace. */
    release: string;
    namespace: string;
    /** The rollout's id: the value of the pods' rolloutAnnotation, and the watch's trigger. */
    rolloutId: pulumi.Input<string>;
    /** helm.timeoutSeconds: how long Helm waits, and so how long the pods have. */
    timeoutSeconds: number;
    kubeconfig?: string;
    /** kubernetes.context: the provider's kube context, and so the watch's. */
    kubeContext?: string;
}

export class RolloutWatch extends pulumi.ComponentResource {
    /** The watch: it completes when every pod of the rollout is Ready, and fails naming the pod otherwise. */
    readonly ready: command.local.Command;

    constructor(name: string, args: RolloutWatchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:RolloutWatch", name, {}, opts);
        this.ready = new command.local.Command(
            `${name}-pods-ready`,
            {
                create: "node components/steps/rollout-watch.js",
                environment: {
                    NAMESPACE: args.namespace,
                    RELEASE: args.release,
                    ROLLOUT: args.rolloutId,
                    TIMEOUT_SECONDS: String(args.timeoutSeconds),
                    ...(args.kubeconfig ? { KUBECONFIG: args.kubeconfig } : {}),
                    ...(args.kubeContext ? { KUBE_CONTEXT: args.kubeContext } : {}),
                },
                triggers: [args.rolloutId],
            },
            { parent: this, dependsOn: waitFor(opts) },
        );
        this.registerOutputs({});
    }
}
