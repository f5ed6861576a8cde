// slo-gate: the production Helm release may be created or updated only when the promotion gate (gate/) says
// "promote". Every check that does not pass is reported as its own violation.
import type { ResourceValidationPolicy } from "@pulumi/policy";
import { Check, formatValue } from "../gate/checks";
import { runGate } from "../gate/evaluate";
import { configSchema, SLO_GATE_FIELDS } from "./config";
import { liveDeps, PolicyDeps } from "./deps";
import { alreadyPromoted } from "./judged";
import { configProblem, productionConfig, reporterFor, unnamedReleaseProblem } from "./production";
import {
    imageValues,
    isHelmRelease,
    isProductionRelease,
    isUnnamedProductionRelease,
    pinnedDigest,
    profileOf,
} from "./release";

function violation(check: Check): string {
    const value = check.value === null ? "none" : formatValue(check.value);
    return (
        `${check.name} ${check.result}: ${check.reason} ` +
        `(value ${value}, threshold ${check.threshold}; query: ${check.query.replace(/\s+/g, " ") || "-"})`
    );
}

export function sloGatePolicy(deps: PolicyDeps = liveDeps): ResourceValidationPolicy {
    return {
        name: "slo-gate",
        description:
            "The production release is created or updated only while the canary keeps the service's SLOs " +
            "(soak, reporting, traffic, burn rates, Sloth alerts, error budget: docs/gate.md).",
        enforcementLevel: "mandatory",
        configSchema: configSchema(SLO_GATE_FIELDS),
        validateResource: async (args, reportViolation) => {
            const report = reporterFor(args, reportViolation);
            const raw = args.getConfig<Record<string, unknown>>();
            if (isHelmRelease(args) && !isProductionRelease(args, raw)) {
                // Which track the release is on is the profile's pod label: an unusable profile denies too.
                let profile;
                try {
                    profile = profileOf(raw);
                } catch (err) {
                    report(configProblem(err));
                    return;
                }
                if (isUnnamedProductionRelease(args, raw, profile)) {
                    report(unnamedReleaseProblem(args, raw, profile));
                }
                return;
            }
            const config = productionConfig(args, SLO_GATE_FIELDS, "slo-gate", report);
            if (config === undefined || alreadyPromoted(args, config.profile)) {
                return;
            }
            if (config.prometheusUrl === undefined) {
                report("prometheusUrl is not set in the slo-gate policy config: cannot gate");
                return;
            }
            // Judge the canary that runs the digest being promoted, unless the config names one.
            const gate = {
                ...config.gate,
                canaryDigest: config.gate.canaryDigest ?? pinnedDigest(imageValues(args, config.profile)),
            };
            let failing: Check[];
            try {
                const decision = await runGate(config.prometheusUrl, gate, deps.now(), deps.makeClient);
                failing = decision.checks.filter((c) => c.result !== "pass");
            } catch (err) {
                report(configProblem(err));
                return;
            }
            for (const check of failing) {
                report(violation(check));
            }
        },
    };
}
