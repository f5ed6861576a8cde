// What the Prometheus-reading policies need from outside, injectable so that unit tests run without a server.
import { ClientFactory, httpClient } from "../gate/evaluate";

export interface PolicyDeps {
    /** Makes the Prometheus client of one validation. */
    makeClient: ClientFactory;
    /** The evaluation time. */
    now(): Date;
}

export const liveDeps: PolicyDeps = { makeClient: httpClient, now: () => new Date() };
