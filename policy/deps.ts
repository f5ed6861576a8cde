// What the Prometheus-reading policies need from outside, injectable so that unit tests run without a server.
import { ClientFactory, httpClient } from "../gate/evaluate";

export interface PolicyDeps {
    /** Makes the Prometheus client of one validation. */
    makeClient: ClientFactory;
    /** The evaluation time. */
    now(): Date;
}

export const liveDeps: PolicyDeps = { makeClient: httpClient, now: () => new Date() };

/** A violation message that starts with the policy's config problem, for a config that cannot be used. */
export function configProblem(err: unknown): string {
    return `the policy config cannot be used, so the promotion is denied: ${(err as Error).message}`;
}
