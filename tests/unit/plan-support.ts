// What the plan's unit tests share: the recorded previews, a policy config file, and the gate's Prometheus as an
// in-memory fake (instant queries as tests/support/fake-prometheus.ts answers them, range queries made up here).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import type { GateDeps } from "../../plan/gate-plan";
import { FakePrometheus, healthyRules, perSlo } from "../support/fake-prometheus";

/** The recorded previews small enough to compare whole; staging-huge is checked for its size (plan-trim). */
export const FIXTURES = ["staging-create", "staging-unchanged", "staging-bump", "prod-deny"];
export const STAGING = "urn:pulumi:staging::mirador-release::";
/** The engine's marker of a value computed by the update, and a secret as events show it. */
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
export const SECRET = {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    ciphertext: "[secret]",
};

export function fixture(name: string): EngineEvent[] {
    const file = path.join(__dirname, "..", "fixtures", "plan", `${name}.json`);
    return JSON.parse(fs.readFileSync(file, "utf8")) as EngineEvent[];
}

let configFile: string | undefined;

/** A policy config as policy/prod.json, pointing at the fake Prometheus (one file a run, removed at exit). */
export function policyConfigFile(): string {
    if (configFile === undefined) {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-policy-"));
        process.once("exit", () => fs.rmSync(dir, { recursive: true, force: true }));
        configFile = path.join(dir, "prod.json");
        const prometheusUrl = "http://127.0.0.1:9";
        fs.writeFileSync(
            configFile,
            JSON.stringify({
                "slo-gate": { enforcementLevel: "mandatory", prometheusUrl },
                "promote-canaried-digest": { enforcementLevel: "mandatory", prometheusUrl },
                "image-pinned-by-digest": "mandatory",
            }),
        );
    }
    return configFile;
}

/** When prod-deny.json was recorded: the fake gate judges at that time. */
export const RECORDED_AT = new Date("2026-11-24T00:00:00Z");

/** A canary failing a tenth of its investigations (20 times its success budget), as in prod-deny.json. */
export function burningRules(now: Date) {
    return healthyRules(now, [
        { match: "ratio_rate(?:5m|1h)", answer: perSlo(0.4, 19.9) },
        { match: "ratio_rate(?:30m|6h)", answer: perSlo(0.3, 19.9) },
        { match: "label_replace((", answer: perSlo(0.5, 20) },
        { match: "slo:period_error_budget_remaining:ratio", answer: [] },
        {
            match: "ALERTS{",
            answer: ["page", "ticket"].map((severity) => ({
                labels: {
                    alertname: "investigation-success-rate",
                    sloth_slo: "investigation-success-rate",
                    sloth_severity: severity,
                    track: "canary",
                },
                value: 1,
            })),
        },
    ]);
}

/** The gate's dependencies with the fake: burning by default; the range queries answer a burn from 15 min ago. */
export function fakeGateDeps(now = RECORDED_AT, rules = burningRules(now)): GateDeps & { ranges: string[] } {
    const ranges: string[] = [];
    const end = now.getTime() / 1000;
    return {
        now,
        ranges,
        makeClient: () => new FakePrometheus(rules),
        rangeQuery: () => (expr, start, stop, step) => {
            ranges.push(expr);
            const burn = expr.includes("error_budget");
            return Promise.resolve(
                ["requests-availability", "requests-latency"].map((slo) => ({
                    labels: { sloth_slo: slo },
                    points: Array.from(
                        { length: Math.floor((stop - start) / step) + 1 },
                        (_, i) => start + i * step,
                    ).map((t) => {
                        const ratio = slo.endsWith("availability") && t > end - 900 ? 0.018 : 0.0003;
                        return [t, burn ? ratio / (slo.endsWith("availability") ? 0.001 : 0.01) : ratio] as [
                            number,
                            number,
                        ];
                    }),
                })),
            );
        },
    };
}
