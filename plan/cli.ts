// `npm run plan -- --stack NAME [--out FILE]`: the release plan of a stack for a pull request (docs/plan.md).
// Exit 0: the plan was written (whatever it says: a denied promotion is a plan too). Exit 1: no preview ran.
// Exit 2: bad usage.
import * as fs from "fs";
import * as path from "path";
import { parseArgs } from "util";
import type { EngineEvent } from "@pulumi/pulumi/automation";
import { buildPlan } from "./build";
import { GateDeps, liveGateDeps } from "./gate-plan";
import { runPreview } from "./preview";

export const USAGE = `usage: npm run plan -- --stack NAME [--out FILE] [--cwd DIR] [--policy-pack DIR]
                        [--policy-pack-config FILE] [--chart-url URL] [--full-plan-url URL] [--events FILE]

Previews the stack through the Automation API with the policy pack and writes its release plan as Markdown.
  --stack NAME               the stack to preview (staging, prod, local-staging, ...)
  --out FILE                 the full plan; beside it FILE's name with .comment.md (fits one PR comment),
                             .svg (the canary's chart, production only) and .events.json (the engine events);
                             without --out the comment-sized plan goes to stdout
  --cwd DIR                  the Pulumi project (default: the current folder)
  --policy-pack DIR          the policy pack (default: policy)
  --policy-pack-config FILE  its config (default: policy/<stack>.json when it exists); the production plan's
                             SLO gate is evaluated with the same file
  --chart-url URL            where the chart will be published, for the Markdown (default: the .svg file's name)
  --full-plan-url URL        where the full plan will be published, for the note of a trimmed comment
  --events FILE              render recorded engine events instead of running a preview`;

export interface CliOptions {
    stack: string;
    out?: string;
    cwd: string;
    policyPack: string;
    policyPackConfigs: string[];
    chartUrl?: string;
    fullPlanUrl?: string;
    events?: string;
}

export class UsageError extends Error {}

/** Parses the command line; null means --help. */
export function parseCli(argv: string[], cwd = process.cwd()): CliOptions | null {
    let values: Record<string, string | boolean | undefined>;
    try {
        ({ values } = parseArgs({
            args: argv,
            strict: true,
            allowPositionals: false,
            options: {
                stack: { type: "string" },
                out: { type: "string" },
                cwd: { type: "string" },
                "policy-pack": { type: "string" },
                "policy-pack-config": { type: "string" },
                "chart-url": { type: "string" },
                "full-plan-url": { type: "string" },
                events: { type: "string" },
                help: { type: "boolean", short: "h", default: false },
            },
        }));
    } catch (err) {
        throw new UsageError((err as Error).message);
    }
    if (values.help === true) {
        return null;
    }
    const stack = values.stack;
    if (typeof stack !== "string" || stack === "") {
        throw new UsageError("--stack is required");
    }
    const dir = path.resolve(cwd, (values.cwd as string | undefined) ?? ".");
    const given = values["policy-pack-config"] as string | undefined;
    const byStack = path.join(dir, "policy", `${stack}.json`);
    const configs = given !== undefined ? [path.resolve(cwd, given)] : fs.existsSync(byStack) ? [byStack] : [];
    for (const file of configs) {
        if (!fs.existsSync(file)) {
            throw new UsageError(`--policy-pack-config: ${file} does not exist`);
        }
    }
    const optional = (key: string) => values[key] as string | undefined;
    return {
        stack,
        out: optional("out") === undefined ? undefined : path.resolve(cwd, optional("out")!),
        cwd: dir,
        policyPack: path.resolve(dir, optional("policy-pack") ?? "policy"),
        policyPackConfigs: configs,
        chartUrl: optional("chart-url"),
        fullPlanUrl: optional("full-plan-url"),
        events: optional("events") === undefined ? undefined : path.resolve(cwd, optional("events")!),
    };
}

/** FILE.md → FILE.<suffix> */
export function beside(out: string, suffix: string): string {
    return out.replace(/\.md$/, "") + suffix;
}

async function events(opts: CliOptions): Promise<{ events: EngineEvent[]; error?: string }> {
    if (opts.events !== undefined) {
        return { events: JSON.parse(fs.readFileSync(opts.events, "utf8")) as EngineEvent[] };
    }
    return runPreview({
        workDir: opts.cwd,
        stack: opts.stack,
        policyPacks: [opts.policyPack],
        policyPackConfigs: opts.policyPackConfigs,
    });
}

/** Runs the CLI and returns its exit status. */
export async function main(
    argv: string[],
    out: (text: string) => void,
    err: (text: string) => void,
    deps: GateDeps = liveGateDeps(),
): Promise<number> {
    let opts: CliOptions | null;
    try {
        opts = parseCli(argv);
    } catch (e) {
        err(`plan: ${(e as Error).message}\n${USAGE}\n`);
        return 2;
    }
    if (opts === null) {
        out(USAGE + "\n");
        return 0;
    }
    const run = await events(opts);
    if (run.events.length === 0) {
        err(`plan: the preview of ${opts.stack} did not run: ${run.error ?? "no engine events"}\n`);
        return 1;
    }
    const svgFile = opts.out === undefined ? undefined : beside(opts.out, ".svg");
    const plan = await buildPlan(
        {
            events: run.events,
            error: run.error,
            policyConfigs: opts.policyPackConfigs,
            chartRef: opts.chartUrl ?? (svgFile === undefined ? "chart.svg" : path.basename(svgFile)),
            fullPlanRef:
                opts.fullPlanUrl ??
                (opts.out === undefined ? "the output of npm run plan -- --out FILE" : path.basename(opts.out)),
        },
        deps,
    );
    if (opts.out === undefined) {
        out(plan.comment);
        return 0;
    }
    fs.mkdirSync(path.dirname(opts.out), { recursive: true });
    fs.writeFileSync(opts.out, plan.full);
    fs.writeFileSync(beside(opts.out, ".comment.md"), plan.comment);
    if (opts.events === undefined) {
        fs.writeFileSync(beside(opts.out, ".events.json"), JSON.stringify(run.events) + "\n");
    }
    if (plan.svg !== undefined) {
        fs.writeFileSync(svgFile!, plan.svg);
    }
    const trimmed = plan.trimmed ? ` (trimmed to ${plan.comment.length} characters for the comment)` : "";
    err(`plan: ${opts.stack}: ${opts.out}${trimmed}\n`);
    return 0;
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
