// The policy pack's config: the committed prod config is valid for each policy, and the schemas the engine
// validates carry the gate's defaults.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { GATE_FIELDS } from "../../gate/config";
import { configSchema, DIGEST_FIELDS, parsePolicyConfig, SLO_GATE_FIELDS } from "../../policy/config";

const PROD = path.resolve(__dirname, "..", "..", "policy", "prod.json");
const TABLES: Record<string, typeof SLO_GATE_FIELDS> = {
    "slo-gate": SLO_GATE_FIELDS,
    "promote-canaried-digest": DIGEST_FIELDS,
};

describe("policy: config", () => {
    it("policy/prod.json keeps every policy mandatory and is valid for each", () => {
        const prod = JSON.parse(fs.readFileSync(PROD, "utf8")) as Record<string, unknown>;
        assert.deepEqual(Object.keys(prod).sort(), ["image-pinned-by-digest", "promote-canaried-digest", "slo-gate"]);
        assert.equal(prod["image-pinned-by-digest"], "mandatory");
        for (const [policy, fields] of Object.entries(TABLES)) {
            const { enforcementLevel, ...config } = prod[policy] as Record<string, unknown>;
            assert.equal(enforcementLevel, "mandatory", policy);
            const parsed = parsePolicyConfig(fields, config, policy);
            assert.match(parsed.prometheusUrl ?? "", /^http:\/\//);
            assert.equal(parsed.productionNamespace, "mirador-prod");
            assert.equal(parsed.productionRelease, "mirador-rca");
        }
    });

    it("builds JSON schemas with the gate's defaults and no undefined members", () => {
        const schema = configSchema(SLO_GATE_FIELDS);
        for (const [key, spec] of Object.entries(GATE_FIELDS)) {
            assert.deepEqual(schema.properties[key].default, spec.default, key);
        }
        assert.deepEqual(schema.properties.alertSeverities.items, { type: "string" });
        assert.equal(schema.properties.profile.default, "profiles/mirador-rca.yaml");
        assert.ok(!JSON.stringify(schema).includes("undefined"));
        assert.ok(!("minimum" in schema.properties.sloSpec));
    });

    it("refuses a key that belongs to another policy", () => {
        assert.throws(
            () => parsePolicyConfig(DIGEST_FIELDS, { minRequests: 5 }, "promote-canaried-digest"),
            /policy config of promote-canaried-digest: unknown key minRequests/,
        );
    });
});
