// RELEASE-PROCESS.md step 5.4: the manual smoke tests of the canary, as commands that fail the update.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";
import { smokeRequests } from "./steps/smoke-requests";

export interface SmokeTestsArgs {
    /** host:port of the canary's gRPC endpoint. */
    endpoint: string;
    /** Talk plain HTTP/2 instead of TLS (local and in-cluster endpoints). */
    plaintext: boolean;
    /** The canary's digest: the smoke tests re-run exactly when it changes. */
    digestRef: pulumi.Input<string>;
    prometheusUrl: string;
    /** The lowest acceptable canary cache hit rate after the calls (0..1). */
    cacheHitRateFloor: number;
}

export class SmokeTests extends pulumi.ComponentResource {
    /** Every check, in the order they run; the traffic switch waits for all of them. */
    readonly checks: command.local.Command[] = [];

    constructor(name: string, args: SmokeTestsArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:SmokeTests", name, {}, opts);
        const plaintext = args.plaintext ? "-plaintext" : "";
        let previous: command.local.Command | undefined;
        const step = (suffix: string, create: string, environment: Record<string, pulumi.Input<string>>) => {
            previous = new command.local.Command(
                `${name}-${suffix}`,
                { create, environment, triggers: [args.digestRef] },
                { parent: this, dependsOn: previous ? [previous] : waitFor(opts) },
            );
            this.checks.push(previous);
        };

        // The investigation runs twice: the second call must be served from the cache.
        for (const call of smokeRequests) {
            step(
                call.name,
                [
                    `out=$(grpcurl ${plaintext} -max-time 20 -d "$REQUEST" "$ENDPOINT" "$METHOD")`,
                    'printf "%s\\n" "$out"',
                    'case "$out" in *"$EXPECT"*) ;; *) echo "answer lacks $EXPECT" >&2; exit 1 ;; esac',
                ].join(" && "),
                {
                    ENDPOINT: args.endpoint,
                    METHOD: call.method,
                    REQUEST: JSON.stringify(call.request),
                    EXPECT: call.expect,
                },
            );
        }
        step("cache-hit-rate", "node components/steps/cache-hit-rate.js", {
            PROMETHEUS_URL: args.prometheusUrl,
            CACHE_HIT_RATE_FLOOR: String(args.cacheHitRateFloor),
            IMAGE: args.digestRef,
        });
        this.registerOutputs({});
    }
}
