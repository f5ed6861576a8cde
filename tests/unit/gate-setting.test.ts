// The production stack's `gate` setting: required, and usable by the gate, or the run stops before anything.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { loadSettings } from "../../config/stack-config";
import { ConfigError } from "../../config/validate";
import { repoRoot } from "../support/tools";
import { mapConfig } from "./support/map-config";
import { createSourceFixture, SourceFixture } from "./support/source-fixture";
import { prodConfig, prodSecrets } from "./support/stacks";
import { asProduction } from "./support/settings";

describe("stack config: gate (the program's own SLO gate)", () => {
    let src: SourceFixture;
    let dir: string;
    before(() => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-gate-setting-"));
    });
    after(() => {
        src.remove();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const load = (values: Record<string, unknown>) =>
        loadSettings(mapConfig(values, prodSecrets), { projectDir: repoRoot, stack: "prod" });

    const problemOf = (values: Record<string, unknown>): string => {
        try {
            load(values);
        } catch (e) {
            assert.ok(e instanceof ConfigError, `expected a ConfigError, got ${String(e)}`);
            assert.strictEqual(e.problems.length, 1, `expected one problem, got:\n${e.problems.join("\n")}`);
            return e.problems[0];
        }
        assert.fail("the config was accepted");
    };

    const file = (name: string, text: string): string => {
        const p = path.join(dir, name);
        fs.writeFileSync(p, text);
        return p;
    };

    it("resolves the policy pack config from the project directory", () => {
        assert.strictEqual(asProduction(load(prodConfig(src))).gateConfig, path.join(repoRoot, "policy", "local.json"));
        assert.strictEqual(
            asProduction(load({ ...prodConfig(src), gate: "policy/prod.json" })).gateConfig,
            path.join(repoRoot, "policy", "prod.json"),
        );
    });

    it("refuses a production stack without it", () => {
        assert.strictEqual(
            problemOf({ ...prodConfig(src), gate: undefined }),
            "Pulumi.prod.yaml: mirador-release:gate is not set (set it with: pulumi config set gate policy/prod.json)",
        );
    });

    it("refuses a file that does not exist", () => {
        assert.strictEqual(
            problemOf({ ...prodConfig(src), gate: "policy/prdo.json" }),
            "Pulumi.prod.yaml: mirador-release:gate 'policy/prdo.json' does not exist (expected the policy pack config given to --policy-pack-config, e.g. policy/prod.json)",
        );
    });

    it("refuses a config without the Prometheus to ask", () => {
        const gate = file("no-url.json", JSON.stringify({ "slo-gate": { enforcementLevel: "mandatory" } }));
        assert.strictEqual(
            problemOf({ ...prodConfig(src), gate }),
            `Pulumi.prod.yaml: mirador-release:gate '${gate}' cannot be used by the gate: --prometheus-url is required (or a prometheusUrl in the slo-gate policy config)`,
        );
    });

    it("refuses a gate key the gate does not know, with the gate's own message", () => {
        const gate = file(
            "typo.json",
            JSON.stringify({ "slo-gate": { prometheusUrl: "http://127.0.0.1:9090", minSoakMinutess: 5 } }),
        );
        assert.match(
            problemOf({ ...prodConfig(src), gate }),
            /^Pulumi\.prod\.yaml: mirador-release:gate '.*typo\.json' cannot be used by the gate: .*unknown key minSoakMinutess/,
        );
    });

    it("refuses a file that is not JSON", () => {
        const gate = file("broken.json", "{ slo-gate:");
        assert.match(
            problemOf({ ...prodConfig(src), gate }),
            /mirador-release:gate '.*broken\.json' cannot be used by the gate: --policy-pack-config: cannot read .* as JSON/,
        );
    });
});
