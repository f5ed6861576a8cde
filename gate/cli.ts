// `npm run gate -- --prometheus-url URL [--config FILE] [--canary-since ISO-8601] [--canary-digest D] [--json]
//   [--verdict-predicate FILE]`
// Exit 0: promote. Exit 1: do not promote (any check not passing, Prometheus unreachable or failing).
// Exit 2: bad usage or bad config, with the reason.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parse } from "yaml";
import {
    checkField,
    ConfigError,
    GATE_FIELDS,
    GateConfig,
    parseCanarySince,
    parseGateConfig,
    REPO_ROOT,
} from "./config";
import { runGate } from "./evaluate";
import { normalisePrometheusUrl } from "./prometheus";
import { renderJson, renderTable } from "./report";
import { verdictPredicate } from "./verdict-attestation";

export const USAGE = `usage: npm run gate -- --prometheus-url URL [--config FILE] [--canary-since ISO-8601]
                        [--canary-digest sha256:<64 hex>] [--json | --wide] [--verdict-predicate FILE]
       npm run gate -- --policy-pack-config FILE [--prometheus-url URL] [...]

Decides whether the canary may be promoted to production (docs/gate.md).
  --prometheus-url URL   the Prometheus that scrapes the canary and evaluates the Sloth rules
  --config FILE          YAML thresholds and options (keys and defaults: docs/gate.md)
  --policy-pack-config FILE
                         judge exactly as the policy pack will: the slo-gate section of a --policy-pack-config
                         file (its prometheusUrl too, unless --prometheus-url is given)
  --canary-since TIME    when the canary started, e.g. 2026-11-23T21:00:00Z (default: the first up == 1 sample
                         of its targets with the digest)
  --canary-digest D      the digest the canary runs (default: the one its targets' image label carries now)
  --json                 print {"decision", "checks": [...]} instead of a table
  --wide                 the table with each check's PromQL and full digests (default: one that fits a terminal)
  --verdict-predicate FILE
                         also write the verdict as the gate-verdict predicate that production attests
                         (docs/attestations.md)
Exit status: 0 promote, 1 do not promote, 2 bad usage or config.`;

export interface CliOptions {
    prometheusUrl: string;
    configFile?: string;
    /** The slo-gate section of a policy pack config, instead of a --config file. */
    policyConfig?: Record<string, unknown>;
    canarySince?: Date;
    canaryDigest?: string;
    json: boolean;
    /** The table with the queries and full digests. */
    wide: boolean;
    /** Where to write the verdict as an attestation predicate (docs/attestations.md). */
    verdictPredicate?: string;
}

/** Parses the command line; null means --help. Throws a ConfigError for bad usage. */
export function parseCli(argv: string[]): CliOptions | null {
    let values: Record<string, string | boolean | undefined>;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                "prometheus-url": { type: "string" },
                config: { type: "string" },
                "policy-pack-config": { type: "string" },
                "canary-since": { type: "string" },
                "canary-digest": { type: "string" },
                json: { type: "boolean", default: false },
                wide: { type: "boolean", default: false },
                "verdict-predicate": { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
        }));
    } catch (err) {
        throw new ConfigError((err as Error).message);
    }
    if (values.help === true) {
        return null;
    }
    const packFile = values["policy-pack-config"] as string | undefined;
    if (packFile !== undefined && values.config !== undefined) {
        throw new ConfigError("--config and --policy-pack-config exclude each other");
    }
    const policyConfig = packFile === undefined ? undefined : readPolicyPackConfig(packFile);
    const url = values["prometheus-url"] ?? policyConfig?.prometheusUrl;
    if (typeof url !== "string") {
        throw new ConfigError("--prometheus-url is required (or a prometheusUrl in the slo-gate policy config)");
    }
    let prometheusUrl: string;
    try {
        prometheusUrl = normalisePrometheusUrl(url);
    } catch (err) {
        throw new ConfigError(`--prometheus-url: ${(err as Error).message}`);
    }
    const since = values["canary-since"];
    const digest = values["canary-digest"];
    return {
        prometheusUrl,
        configFile: packFile ?? (values.config as string | undefined),
        policyConfig,
        canarySince: typeof since === "string" ? parseCanarySince(since, "--canary-since") : undefined,
        canaryDigest:
            typeof digest === "string"
                ? (checkField("--canary-digest", GATE_FIELDS.canaryDigest, digest) as string)
                : undefined,
        json: values.json === true,
        wide: values.wide === true,
        verdictPredicate: values["verdict-predicate"] as string | undefined,
    };
}

/** Keys of the slo-gate policy config that are not the gate's own. */
const PACK_ONLY_KEYS = ["enforcementLevel", "prometheusUrl", "productionNamespace", "productionRelease"];

/** The slo-gate section of a --policy-pack-config file. */
function readPolicyPackConfig(file: string): Record<string, unknown> {
    let doc: unknown;
    try {
        doc = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        throw new ConfigError(`--policy-pack-config: cannot read ${file} as JSON: ${(err as Error).message}`);
    }
    const section = (doc as Record<string, unknown> | null)?.["slo-gate"];
    if (section === undefined || typeof section === "string") {
        return {};
    }
    if (typeof section !== "object" || section === null || Array.isArray(section)) {
        throw new ConfigError(`${file}: "slo-gate" must be an object or an enforcement level`);
    }
    return section as Record<string, unknown>;
}

/** The gate config: the --config file or the policy pack's slo-gate section (if any), with the flags on top. */
export function loadCliConfig(opts: CliOptions): GateConfig {
    let raw: Record<string, unknown> = {};
    let baseDir = process.cwd();
    if (opts.policyConfig !== undefined) {
        // Relative paths of the pack's config start at the repository, as the policy pack reads them.
        raw = Object.fromEntries(Object.entries(opts.policyConfig).filter(([k]) => !PACK_ONLY_KEYS.includes(k)));
        baseDir = REPO_ROOT;
    } else if (opts.configFile !== undefined) {
        let text: string;
        try {
            text = fs.readFileSync(opts.configFile, "utf8");
        } catch (err) {
            throw new ConfigError(`--config: cannot read ${opts.configFile}: ${(err as Error).message}`);
        }
        let doc: unknown;
        try {
            doc = parse(text);
        } catch (err) {
            throw new ConfigError(`${opts.configFile}: not valid YAML: ${(err as Error).message}`);
        }
        if (doc !== null && (typeof doc !== "object" || Array.isArray(doc))) {
            throw new ConfigError(`${opts.configFile}: expected a mapping of keys (docs/gate.md)`);
        }
        raw = (doc ?? {}) as Record<string, unknown>;
        baseDir = path.dirname(path.resolve(opts.configFile));
    }
    const config = parseGateConfig(raw, opts.configFile ?? "config", baseDir);
    return {
        ...config,
        canarySince: opts.canarySince ?? config.canarySince,
        canaryDigest: opts.canaryDigest ?? config.canaryDigest,
    };
}

/** Runs the CLI and returns its exit status; output goes through the two writers. */
export async function main(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
    let opts: CliOptions | null;
    let config: GateConfig;
    try {
        opts = parseCli(argv);
        if (opts === null) {
            out(USAGE + "\n");
            return 0;
        }
        config = loadCliConfig(opts);
    } catch (e) {
        err(`gate: ${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    try {
        const now = new Date();
        const decision = await runGate(opts.prometheusUrl, config, now);
        if (opts.verdictPredicate !== undefined) {
            const facts = { prometheusUrl: opts.prometheusUrl, digest: config.canaryDigest, now };
            fs.writeFileSync(opts.verdictPredicate, JSON.stringify(verdictPredicate(decision, facts), null, 2) + "\n");
        }
        out(opts.json ? renderJson(decision) : renderTable(decision, { wide: opts.wide }));
        return decision.decision === "promote" ? 0 : 1;
    } catch (e) {
        if (e instanceof ConfigError) {
            err(`gate: ${e.message}\n`);
            return 2;
        }
        err(`gate: deny: the evaluation failed: ${(e as Error).message}\n`);
        return 1;
    }
}

if (require.main === module) {
    void main(
        process.argv.slice(2),
        (text) => process.stdout.write(text),
        (text) => process.stderr.write(text),
    ).then((code) => {
        process.exitCode = code;
    });
}
