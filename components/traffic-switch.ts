// RELEASE-PROCESS.md step 5 (end): "promote traffic by updating mirador-core routing (feature flag or traffic
// weight)". mirador-core reads its RCA routing from a ConfigMap that this program owns.
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
    provider?: k8s.Provider;
    /** Refuse to delete or replace the routing (production: retire it deliberately, README). */
    protect?: boolean;
}

/** The routing keys mirador-core reads. Internal. Exported for testing. */
export function routingData(args: Pick<TrafficSwitchArgs, "track" | "weight" | "releaseName" | "version">) {
    const other = args.track === "canary" ? "stable" : "canary";
    return {
        [`rca.${args.track}.release`]: args.releaseName,
        [`rca.${args.track}.version`]: args.version,
        [`rca.${args.track}.weight`]: String(args.weight),
        [`rca.${other}.weight`]: String(100 - args.weight),
    };
}

export class TrafficSwitch extends pulumi.ComponentResource {
    /** The routing ConfigMap. */
    readonly configMap: k8s.core.v1.ConfigMap;

    constructor(name: string, args: TrafficSwitchArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:TrafficSwitch", name, {}, opts);
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-routing`,
            {
                metadata: {
                    name: args.configMapName,
                    namespace: args.namespace,
                    labels: {
                        "app.kubernetes.io/managed-by": "mirador-release",
                        "app.kubernetes.io/part-of": "mirador",
                    },
                },
                data: pulumi
                    .output(args.digestRef)
                    .apply((ref) => ({ ...routingData(args), [`rca.${args.track}.image`]: ref })),
            },
            { parent: this, provider: args.provider, dependsOn: waitFor(opts), protect: args.protect },
        );
        this.registerOutputs({ configMap: this.configMap.metadata.name });
    }
}
