// `npm run gate -- --prometheus-url URL [--config FILE] [--canary-since ISO-8601] [--canary-digest D] [--json]`
// Exit 0: promote. Exit 1: do not promote (any check not passing, Prometheus unreachable or failing).
// Exit 2: bad usage or bad config, with the reason.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import { parse } from "yaml";
import { checkField, ConfigError, GATE_FIELDS, GateConfig, parseCanarySince, parseGateConfig } from "./config";
import { runGate } from "./evaluate";
import { normalisePrometheusUrl } from "./prometheus";
import { renderJson, renderTable } from "./report";

export const USAGE = `usage: npm run gate -- --prometheus-url URL [--config FILE] [--canary-since ISO-8601]
                        [--canary-digest sha256:<64 hex>] [--json]

Decides whether the canary may be promoted to production (docs/gate.md).
  --prometheus-url URL   the Prometheus that scrapes the canary and evaluates the Sloth rules
  --config FILE          YAML thresholds and options (keys and defaults: docs/gate.md)
  --canary-since TIME    when the canary started, e.g. 2026-11-23T21:00:00Z (default: its first build_info sample)
  --canary-digest D      the digest the canary runs (default: the one it reports now)
  --json                 print {"decision", "checks": [...]} instead of a table
Exit status: 0 promote, 1 do not promote, 2 bad usage or config.`;

export interface CliOptions {
    prometheusUrl: string;
    configFile?: string;
    canarySince?: Date;
    canaryDigest?: string;
    json: boolean;
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
                "canary-since": { type: "string" },
                "canary-digest": { type: "string" },
                json: { type: "boolean", default: false },
                help: { type: "boolean", short: "h", default: false },
            },
        }));
    } catch (err) {
        throw new ConfigError((err as Error).message);
    }
    if (values.help === true) {
        return null;
    }
    const url = values["prometheus-url"];
    if (typeof url !== "string") {
        throw new ConfigError("--prometheus-url is required");
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
        configFile: values.config as string | undefined,
        canarySince: typeof since === "string" ? parseCanarySince(since, "--canary-since") : undefined,
        canaryDigest:
            typeof digest === "string"
                ? (checkField("--canary-digest", GATE_FIELDS.canaryDigest, digest) as string)
                : undefined,
        json: values.json === true,
    };
}

/** The gate config: the --config file (if any) with the flags on top. */
export function loadCliConfig(opts: CliOptions): GateConfig {
    let raw: Record<string, unknown> = {};
    let baseDir = process.cwd();
    if (opts.configFile !== undefined) {
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
        const decision = await runGate(opts.prometheusUrl, config);
        out(opts.json ? renderJson(decision) : renderTable(decision));
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
