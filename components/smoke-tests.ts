// RELEASE-PROCESS.md step 5.4: the manual smoke tests of the canary, as commands that fail the update. The calls
// are the service profile's: the standard health check of its gRPC service first (when the profile names the
// health service), then each grpc.smoke call in order, each answer holding every `expect` fragment.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { SmokeCall } from "../config/service-profile";
import { waitFor } from "./naming";

export interface SmokeTestsArgs {
    /** host:port of the canary's gRPC endpoint. */
    endpoint: string;
    /** Talk plain HTTP/2 instead of TLS (local and in-cluster endpoints). */
    plaintext: boolean;
    /** The canary's digest: the smoke tests re-run exactly when it changes. */
    digestRef: pulumi.Input<string>;
    /** The profile's gRPC service (package.Service) and its health service (grpc.health), if it registers one. */
    service: string;
    healthService?: string;
    /** The profile's grpc.smoke calls, in order. */
    calls: SmokeCall[];
}

/** The step name of the health check. */
export const HEALTH_STEP = "health";

export class SmokeTests extends pulumi.ComponentResource {
    /** Every check, in the order they run; the traffic switch waits for all of them. */
    readonly checks: command.local.Command[] = [];

    constructor(name: string, args: SmokeTestsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:SmokeTests", name, {}, opts);
        if (args.healthService !== undefined && args.calls.some((c) => c.name === HEALTH_STEP)) {
            throw new Error(`a smoke call of the service profile is named '${HEALTH_STEP}', as the health check is`);
        }
        let previous: command.local.Command | undefined;
        const step = (suffix: string, method: string, request: unknown, expect: string[]) => {
            previous = new command.local.Command(
                `${name}-${suffix}`,
                {
                    create: "node components/steps/smoke-call.js",
                    environment: {
                        NAME: suffix,
                        ENDPOINT: args.endpoint,
                        PLAINTEXT: String(args.plaintext),
                        METHOD: method,
                        REQUEST: JSON.stringify(request),
                        EXPECT: JSON.stringify(expect),
                    },
                    triggers: [args.digestRef],
                },
                { parent: this, dependsOn: previous ? [previous] : waitFor(opts) },
            );
            this.checks.push(previous);
        };

        if (args.healthService !== undefined) {
            step(HEALTH_STEP, `${args.healthService}/Check`, { service: args.service }, ['"status": "SERVING"']);
        }
        for (const call of args.calls) {
            step(call.name, `${args.service}/${call.method}`, call.request, call.expect);
        }
        this.registerOutputs({});
    }
}
