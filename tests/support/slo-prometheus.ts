// A Prometheus loaded for one gate scenario: the synthetic raw series backfilled with promtool, the history of
// Sloth's 5m SLI recordings backfilled with `promtool tsdb create-blocks-from rules` (Sloth's 30-day period
// recordings average it), and then every Sloth rule evaluated live, alerts included.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse, stringify } from "yaml";
import {
    backfillOpenMetrics,
    backfillRecordings,
    RunningPrometheus,
    startPrometheus,
    waitForRuleEvaluations,
} from "./prometheus";
import { renderOpenMetrics, Scenario } from "./synthetic";

export const SLOTH_RULES = path.resolve(__dirname, "..", "..", "slos", "mirador-rca.rules.yml");

/** The recording whose past values later rules read through a range (sum_over_time over the period). */
const HISTORY_RECORD = "slo:sli_error:ratio_rate5m";

export interface LoadedPrometheus {
    prometheus: RunningPrometheus;
    /** The time of the last synthetic sample. */
    end: Date;
    /** Stops Prometheus and removes its folder. */
    dispose(): Promise<void>;
}

interface RuleFile {
    groups: { name: string; rules: { record?: string }[] }[];
}

/** The rule file reduced to the recordings whose history is backfilled. */
function historyRules(rulesFile: string, workDir: string): string {
    const doc = parse(fs.readFileSync(rulesFile, "utf8")) as RuleFile;
    const groups = doc.groups
        .map((g) => ({ ...g, rules: g.rules.filter((r) => r.record === HISTORY_RECORD) }))
        .filter((g) => g.rules.length > 0);
    const out = path.join(workDir, "history.rules.yml");
    fs.writeFileSync(out, stringify({ groups }));
    return out;
}

export interface LoadOptions {
    /** The Sloth rules to evaluate (default: the committed ones). */
    rulesFile?: string;
    /** Rule evaluation interval, seconds (default 1). */
    evaluationSeconds?: number;
}

/** Builds the data of a scenario and starts the Prometheus that evaluates the rules on it. */
export async function loadScenario(scenario: Scenario, opts: LoadOptions = {}): Promise<LoadedPrometheus> {
    const rulesFile = opts.rulesFile ?? SLOTH_RULES;
    const evaluationSeconds = opts.evaluationSeconds ?? 1;
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-prometheus-"));
    const dataDir = path.join(workDir, "data");
    const end = new Date(Math.floor(Date.now() / 1000) * 1000);
    const remove = (): void => fs.rmSync(workDir, { recursive: true, force: true });
    let live: RunningPrometheus | undefined;
    try {
        backfillOpenMetrics(renderOpenMetrics(scenario, end), workDir, dataDir);
        const raw = await startPrometheus({ workDir, dataDir, ruleFiles: [] });
        try {
            const start = new Date(end.getTime() - scenario.historyMinutes * 60000);
            const range = { start, end, evalSeconds: 60 };
            backfillRecordings(historyRules(rulesFile, workDir), raw.url, range, workDir, dataDir);
        } finally {
            await raw.stop();
        }
        live = await startPrometheus({ workDir, dataDir, ruleFiles: [rulesFile], evaluationSeconds });
        await waitForRuleEvaluations(live.url, 3, evaluationSeconds);
    } catch (err) {
        await live?.stop();
        remove();
        throw err;
    }
    const prometheus = live;
    return {
        prometheus,
        end,
        dispose: async () => {
            await prometheus.stop();
            remove();
        },
    };
}
