// The production stack's `gate` setting: the policy pack config whose slo-gate section the program's own gate
// (components/promotion-gate.ts) judges the canary with. Required, so that no production stack can promote
// without the gate; checked now with the gate's own parser, so that a bad file stops the run before anything
// changes instead of failing the gate step mid-update.
import * as fs from "fs";
import * as path from "path";
import { loadCliConfig, parseCli } from "../gate/cli";
import { Reader } from "./reader";

/** The absolute path of the gate's policy config, each problem with it recorded against the `gate` key. */
export function loadGateConfig(r: Reader, projectDir: string): string {
    const value = r.requireString("gate", "policy/prod.json");
    if (value === "") {
        return "";
    }
    const file = path.resolve(projectDir, value);
    if (!fs.existsSync(file)) {
        r.problems.add(
            "gate",
            `'${value}' does not exist (expected the policy pack config given to --policy-pack-config, e.g. policy/prod.json)`,
        );
        return file;
    }
    try {
        const opts = parseCli(["--policy-pack-config", file]);
        if (opts !== null) {
            loadCliConfig(opts);
        }
    } catch (e) {
        r.problems.add("gate", `'${value}' cannot be used by the gate: ${(e as Error).message}`);
    }
    return file;
}
