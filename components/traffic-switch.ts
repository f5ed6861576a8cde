// RELEASE-PROCESS.md step 5 (end): "promote traffic by updating mirador-core routing (feature flag or traffic
// weight)". mirador-core reads its RCA routing from a ConfigMap that mirador-core owns; this program owns only its
// own keys in it, through a server-side apply patch (ConfigMapPatch), never the ConfigMap itself.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

export interface TrafficSwitchArgs {
    namespace: string;
    configMapName: string;
    /** The Helm release that receives `weight` percent of the RCA traffic. */
    releaseName: string;
    /** "canary" in staging, "stable" after promotion. */
    track: "canary" | "stable";
    /** Percent of mirador-core's RCA traffic for this track (the canary weight in staging, 100 in prod). */
    weight: number;
    digestRef: pulumi.Input<string>;
    version: string;
    /**
     * The server-side apply field manager of this stack's keys (one per stack, e.g. mirador-release-staging): what
     * `kubectl get cm -o yaml --show-managed-fields` names as their owner, and what a destroy relinquishes.
     */
    fieldManager: string;
    provider?: k8s.Provider;
    /** Refuse to delete or replace the routing (production: retire it deliberately, README). */
    protect?: boolean;
}

/** The routing keys mirador-core reads, as this stack writes them (the image is added once known). Internal. */
export function routingData(args: Pick<TrafficSwitchArgs, "track" | "weight" | "releaseName" | "version">) {
    const other = args.track === "canary" ? "stable" : "canary";
    return {
        [`rca.${args.track}.release`]: args.releaseName,
        [`rca.${args.track}.version`]: args.version,
        [`rca.${args.track}.weight`]: String(args.weight),
        [`rca.${other}.weight`]: String(100 - args.weight),
    };
}

/**
 * The annotations that make the provider apply with this stack's field manager, forcing conflicts. Internal.
 *
 * Why force: (1) the provider writes `pulumi.com/patchFieldManager` onto the ConfigMap itself, with a different
 * value per stack, so two stacks patching one ConfigMap conflict on that annotation on every run; (2) the traffic
 * split is handed over between the stacks: staging moves `rca.canary.weight`/`rca.stable.weight` to the canary,
 * prod's promotion moves them back, and the later release step must win. Force only concerns the fields this patch
 * names (its `rca.<track>.*` keys and the split): keys that mirador-core or anyone else wrote are never part of the
 * apply, so they are neither changed nor taken over.
 *
 * The split has two declared owners in turn, so each stack's state keeps its own split: `pulumi up` without
 * changes applies nothing, but `pulumi up --refresh` of staging after a promotion sees the live 0/100, differs from
 * its recorded 10/90 and takes the split back (an in-place update). Refresh prod, not staging, once promoted.
 */
export function patchAnnotations(fieldManager: string): Record<string, string> {
    return { "pulumi.com/patchFieldManager": fieldManager, "pulumi.com/patchForce": "true" };
}

export class TrafficSwitch extends pulumi.ComponentResource {
    /** This stack's keys of the routing ConfigMap. */
    readonly routing: k8s.core.v1.ConfigMapPatch;

    constructor(name: string, args: TrafficSwitchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:TrafficSwitch", name, {}, opts);
        // A patch never replaces or deletes the ConfigMap: a change is an in-place apply of our keys, a destroy
        // relinquishes them (ssa.Relinquish), the keys of other managers stay. If the ConfigMap does not exist
        // yet, the first apply creates it (server-side apply is an upsert) with our keys only; mirador-core may
        // then add its own.
        this.routing = new k8s.core.v1.ConfigMapPatch(
            `${name}-routing`,
            {
                metadata: {
                    name: args.configMapName,
                    namespace: args.namespace,
                    annotations: patchAnnotations(args.fieldManager),
                },
                data: pulumi
                    .output(args.digestRef)
                    .apply((ref) => ({ ...routingData(args), [`rca.${args.track}.image`]: ref })),
            },
            { parent: this, provider: args.provider, dependsOn: waitFor(opts), protect: args.protect },
        );
        this.registerOutputs({ routing: this.routing.metadata.name });
    }
}
