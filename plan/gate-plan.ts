// The SLO gate as a production plan shows it: evaluated with the same config the policy pack gets
// (--policy-pack-config), on the digest the production release would get, whether or not the preview passed;
// plus the chart of the canary's soak.
import * as fs from "fs";
import { DIGEST_PATTERN } from "../gate/config";
import { ClientFactory, httpClient, loadGateSpec, runGate } from "../gate/evaluate";
import { parsePolicyConfig, PolicyConfig, SLO_GATE_FIELDS } from "../policy/config";
import type { AttestationProbe } from "./attestations-plan";
import { canaryChart, httpRangeQuery, RangeQuery } from "./canary-chart";
import { Marker, PlanValue, PreviewFacts } from "./events";
import type { GateView } from "./markdown";
import { HELM_RELEASE } from "./summary";
import { renderChart } from "./svg";

/** The slo-gate entry of the policy config files (the last file that has one wins), or why there is none. */
export function sloGateConfig(files: string[]): PolicyConfig | string {
    let raw: unknown;
    for (const file of files) {
        const doc = JSON.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown>;
        if (doc["slo-gate"] !== undefined) {
            raw = doc["slo-gate"];
        }
    }
    if (raw === undefined || typeof raw !== "object" || raw === null) {
        return files.length === 0 ? "no --policy-pack-config given" : "no slo-gate settings in the policy config";
    }
    const settings = Object.fromEntries(Object.entries(raw).filter(([key]) => key !== "enforcementLevel"));
    const config = parsePolicyConfig(SLO_GATE_FIELDS, settings, "slo-gate");
    return config.prometheusUrl === undefined ? "no prometheusUrl in the slo-gate policy config" : config;
}

/**
 * The digest the production release pins, as the preview declares it, when known: at the profile's image value
 * path (the chart's digest value, or its tag `<tag>@sha256:…`).
 */
export function promotedDigest(facts: PreviewFacts, config: PolicyConfig): string | undefined {
    const release = facts.steps.find(
        (s) =>
            s.type === HELM_RELEASE &&
            s.newInputs?.namespace === config.productionNamespace &&
            s.newInputs?.name === config.productionRelease,
    );
    const child = (v: PlanValue | undefined, key: string): PlanValue | undefined =>
        typeof v === "object" && v !== null && !Array.isArray(v) && !(v instanceof Marker) ? v[key] : undefined;
    const paths = config.profile.chart.values;
    const pinPath = (paths.imageDigest ?? paths.imageTag) as string;
    const pin = pinPath.split(".").reduce(child, release?.newInputs?.values);
    if (typeof pin !== "string") {
        return undefined;
    }
    const digest = paths.imageDigest !== undefined ? pin : pin.slice(pin.lastIndexOf("@") + 1);
    return new RegExp(DIGEST_PATTERN).test(digest) && (paths.imageDigest !== undefined || pin.includes("@"))
        ? digest
        : undefined;
}

export interface GateOutcome {
    view: GateView;
    /** The chart of the soak, when Prometheus answered the range queries. */
    svg?: string;
}

export interface GateDeps {
    now: Date;
    /** `cosign verify-attestation` for the plan's attestations section (default: the cosign on PATH). */
    probeAttestation?: AttestationProbe;
    makeClient: ClientFactory;
    rangeQuery: (url: string, timeoutMs: number) => RangeQuery;
}

export const liveGateDeps = (): GateDeps => ({ now: new Date(), makeClient: httpClient, rangeQuery: httpRangeQuery });

/** Evaluates the gate of a production plan; problems become the view's error, never a rejection. */
export async function gateForPlan(facts: PreviewFacts, policyConfigs: string[], deps: GateDeps): Promise<GateOutcome> {
    let config: PolicyConfig | string;
    try {
        config = sloGateConfig(policyConfigs);
    } catch (err) {
        return { view: { error: `the policy config cannot be used: ${(err as Error).message}` } };
    }
    if (typeof config === "string") {
        return { view: { error: config } };
    }
    const url = config.prometheusUrl!;
    const gate = { ...config.gate, canaryDigest: config.gate.canaryDigest ?? promotedDigest(facts, config) };
    let decision;
    try {
        decision = await runGate(url, gate, deps.now, deps.makeClient);
    } catch (err) {
        return { view: { prometheusUrl: url, error: (err as Error).message } };
    }
    const view: GateView = { prometheusUrl: url, decision };
    // From the canary's start when the gate found it, else over the minimum soak.
    const soak = decision.checks.find((c) => c.name === "canary-soak")?.value ?? null;
    const minutes = Math.max(1, soak ?? gate.minSoakMinutes);
    const to = Math.floor(deps.now.getTime() / 1000);
    try {
        const spec = loadGateSpec(gate);
        const query = deps.rangeQuery(url, gate.queryTimeoutSeconds * 1000);
        const chart = await canaryChart(query, gate, spec, to - Math.round(minutes * 60), to);
        if (soak === null) {
            chart.axis = `minutes over the last ${minutes} (the canary's start is unknown)`;
        }
        return { view, svg: renderChart(chart) };
    } catch (err) {
        return { view: { ...view, chartError: (err as Error).message } };
    }
}
