// Local stacks only: kwok marks the canary's pods Running without running them, so the signed digest is run with
// Docker on loopback for the smoke tests and Prometheus to reach. Never part of the staging or prod stacks.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

export interface LocalCanaryArgs {
    digestRef: pulumi.Input<string>;
    version: string;
    grpcPort: number;
    metricsPort: number;
}

export class LocalCanary extends pulumi.ComponentResource {
    /** The container that runs the canary digest. */
    readonly container: command.local.Command;

    constructor(name: string, args: LocalCanaryArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:LocalCanary", name, {}, opts);
        this.container = new command.local.Command(
            `${name}-container`,
            {
                create: "bash components/steps/local-canary.sh start",
                delete: "bash components/steps/local-canary.sh stop",
                environment: {
                    IMAGE: args.digestRef,
                    VERSION: args.version,
                    GRPC_PORT: String(args.grpcPort),
                    METRICS_PORT: String(args.metricsPort),
                },
                triggers: [args.digestRef],
            },
            { parent: this, dependsOn: waitFor(opts) },
        );
        this.registerOutputs({});
    }
}
