// What kind of run a preview is, when it is not a plain release: an abort of the canary (canary.abort on staging)
// or a rollback of production (mirador-release:rollback), named so in the plan's headline.
import { PreviewFacts } from "./events";

function objectConfig(text: string | undefined): Record<string, unknown> {
    try {
        const value = JSON.parse(text ?? "{}") as unknown;
        return typeof value === "object" && value !== null ? (value as Record<string, unknown>) : {};
    } catch {
        return {};
    }
}

/** "abort of the canary 0.4.1", "rollback 0.4.1 → 0.4.0", or undefined for a release. */
export function operation(facts: PreviewFacts): string | undefined {
    const cfg = facts.config;
    if (cfg.role === "canary") {
        const abort = objectConfig(cfg.canary).abort;
        return abort === true || abort === "true" ? `abort of the canary ${cfg.version ?? "?"}` : undefined;
    }
    const target = (cfg.rollback ?? "").replace(/^v/, "");
    if (cfg.role !== "production" || target === "") {
        return undefined;
    }
    const before = facts.previousOutputs;
    const running = typeof before.version === "string" ? before.version : "?";
    // A re-run of the same rollback: production runs the target already, the previous run recorded where from.
    const previous = before.rollback as { from?: unknown; to?: unknown } | undefined;
    const from =
        running === target && typeof previous?.from === "string" && previous.to === target ? previous.from : running;
    return `rollback ${from} → ${target}`;
}
