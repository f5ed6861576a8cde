// slo-gate: the production Helm release may be created or updated only when the promotion gate (gate/) says
// "promote". Every check that does not pass is reported as its own violation.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Check, formatValue } from "../gate/checks";
import { DIGEST_PATTERN } from "../gate/config";
import { runGate } from "../gate/evaluate";
import { configSchema, parsePolicyConfig, PolicyConfig, SLO_GATE_FIELDS } from "./config";
import { configProblem, liveDeps, PolicyDeps } from "./deps";
import { imageValues, isProductionRelease, releaseLabel } from "./release";

function violation(release: string, check: Check): string {
    const value = check.value === null ? "none" : formatValue(check.value);
    return (
        `${release}: ${check.name} ${check.result}: ${check.reason} ` +
        `(value ${value}, threshold ${check.threshold}; query: ${check.query.replace(/\s+/g, " ") || "-"})`
    );
}

export function sloGatePolicy(deps: PolicyDeps = liveDeps): ResourceValidationPolicy {
    return {
        name: "slo-gate",
        description:
            "The production mirador-rca release is created or updated only while the canary keeps its SLOs " +
            "(soak, traffic, burn rates, Sloth alerts, error budget, cache hit rate: docs/gate.md).",
        enforcementLevel: "mandatory",
        configSchema: configSchema(SLO_GATE_FIELDS),
        validateResource: async (args, reportViolation) => {
            const raw = args.getConfig<Record<string, unknown>>();
            if (!isProductionRelease(args, raw)) {
                return;
            }
            const release = releaseLabel(args);
            let config: PolicyConfig;
            try {
                config = parsePolicyConfig(SLO_GATE_FIELDS, raw, "slo-gate");
            } catch (err) {
                reportViolation(`${release}: ${configProblem(err)}`);
                return;
            }
            if (config.prometheusUrl === undefined) {
                reportViolation(`${release}: prometheusUrl is not set in the slo-gate policy config: cannot gate`);
                return;
            }
            // Judge the canary that runs the digest being promoted, unless the config names one.
            const digest = imageValues(args).digest;
            const promoted = typeof digest === "string" && new RegExp(DIGEST_PATTERN).test(digest) ? digest : undefined;
            const gate = { ...config.gate, canaryDigest: config.gate.canaryDigest ?? promoted };
            let failing: Check[];
            try {
                const decision = await runGate(config.prometheusUrl, gate, deps.now(), deps.makeClient);
                failing = decision.checks.filter((c) => c.result !== "pass");
            } catch (err) {
                reportViolation(`${release}: ${configProblem(err)}`);
                return;
            }
            for (const check of failing) {
                reportViolation(violation(release, check));
            }
        },
    };
}
