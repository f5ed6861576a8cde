// The gate's configuration: defaults, overrides, and the messages of bad keys and values.
import * as assert from "assert/strict";
import * as path from "path";
import { assertConfigError } from "../support/config-error";
import { GATE_FIELDS, parseCanarySince, parseGateConfig, REPO_ROOT } from "../../gate/config";
import { pageWindows, ticketWindows } from "../../gate/sloth-windows";

const OTHER = path.join(REPO_ROOT, "tests", "fixtures", "profiles", "other-labels.yaml");

describe("gate config", () => {
    it("fills every default from the field table", () => {
        const config = parseGateConfig({}, "config", "/nowhere");
        assert.equal(config.profile, path.join(REPO_ROOT, "profiles", "mirador-rca.yaml"));
        assert.equal(config.sloSpec, path.join(REPO_ROOT, "slos", "mirador-rca.derived.yaml"));
        assert.equal(config.trackLabel, "track");
        assert.equal(config.canaryTrack, "canary");
        assert.equal(config.budgetTrack, "stable");
        assert.deepEqual(config.requests, {
            metric: "grpc_server_handled_total",
            serviceLabel: "grpc_service",
            service: "rca.v1.RCAEngine",
        });
        assert.equal(config.minSoakMinutes, 30);
        assert.equal(config.minRequests, 1000);
        assert.deepEqual(config.pageBurnWindows, [
            { short: "5m", long: "1h", factor: 14.4 },
            { short: "30m", long: "6h", factor: 6 },
        ]);
        assert.equal(config.soakBurnCeiling, 1);
        assert.equal(config.periodBudgetFloor, 0.1);
        assert.deepEqual(config.alertSeverities, ["page", "ticket"]);
        assert.equal(config.queryTimeoutSeconds, 10);
        assert.equal(config.canaryLookback, "7d");
        assert.equal(config.canaryDigest, undefined);
        assert.equal(config.canarySince, undefined);
    });

    it("takes overrides and resolves a given sloSpec against the base folder", () => {
        const config = parseGateConfig(
            {
                sloSpec: "specs/twenty.yaml",
                minSoakMinutes: 45,
                canarySince: "2026-11-23T21:00:00+01:00",
                canaryDigest: `sha256:${"a".repeat(64)}`,
                alertSeverities: ["page"],
            },
            "gate.yaml",
            "/etc/gate",
        );
        assert.equal(config.sloSpec, "/etc/gate/specs/twenty.yaml");
        assert.equal(config.minSoakMinutes, 45);
        assert.equal(config.canarySince?.toISOString(), "2026-11-23T20:00:00.000Z");
        assert.deepEqual(config.alertSeverities, ["page"]);
    });

    it("reads the track label, its values and the request metric from another profile", () => {
        const config = parseGateConfig({ profile: OTHER, budgetTrack: "canary" }, "gate.yaml", "/");
        assert.equal(config.profile, OTHER);
        assert.equal(config.trackLabel, "release_track");
        assert.equal(config.canaryTrack, "preview");
        assert.equal(config.budgetTrack, "preview");
        assert.equal(parseGateConfig({ profile: OTHER }, "gate.yaml", "/").budgetTrack, "main");
        assert.deepEqual(config.requests, {
            metric: "ledger_rpc_served_total",
            serviceLabel: "rpc_service",
            service: "books.v2.LedgerService",
        });
        assert.equal(config.sloSpec, path.join(REPO_ROOT, "slos", "ledger-api.derived.yaml"));
    });

    const bad: [string, Record<string, unknown>, RegExp][] = [
        [
            "cacheHitRateFloor, no longer read",
            { cacheHitRateFloor: 0.5 },
            /cacheHitRateFloor is no longer read: the cache-hit check is retired/,
        ],
        ["canaryTrack, no longer read", { canaryTrack: "canary" }, /canaryTrack is no longer read: .*track\.canary/],
        [
            "pageBurnWindows, no longer read",
            { pageBurnWindows: [{ short: "5m", long: "1h", factor: 14.4 }] },
            /pageBurnWindows is no longer read: the page windows and factors are Sloth's/,
        ],
        [
            "a budget track that is not a role",
            { budgetTrack: "prod" },
            /budgetTrack: 'prod' does not match \^\(stable\|canary\)\$/,
        ],
        [
            "a profile that does not exist",
            { profile: "nowhere.yaml" },
            /profile: cannot read the service profile \/nowhere\.yaml/,
        ],
        ["an unknown key", { minSoakMinute: 5 }, /unknown key minSoakMinute/],
        ["a string for a number", { minRequests: "many" }, /minRequests: "many" is not a number/],
        ["a negative minimum", { minSoakMinutes: -1 }, /minSoakMinutes: -1 is below the minimum 0/],
        ["a floor above 1", { periodBudgetFloor: 1.5 }, /periodBudgetFloor: 1.5 is above the maximum 1/],
        ["a malformed digest", { canaryDigest: "sha256:abc" }, /canaryDigest: 'sha256:abc' does not match/],
        ["a time without a zone", { canarySince: "2026-11-23T21:00:00" }, /canarySince: '2026-11-23T21:00:00'/],
        ["a bad lookback", { canaryLookback: "1 week" }, /canaryLookback: '1 week' does not match/],
    ];
    for (const [what, input, message] of bad) {
        it(`refuses ${what}, naming the key`, () => {
            assertConfigError(() => parseGateConfig(input, "gate.yaml", "/"), "gate.yaml", message);
        });
    }

    it("takes the page windows and factors of Sloth's catalog for the SLO period, as its alerts do", () => {
        assert.deepEqual(parseGateConfig({}, "config", "/").pageBurnWindows, pageWindows("30d"));
        assert.deepEqual(pageWindows("30d"), [
            { short: "5m", long: "1h", factor: 14.4 },
            { short: "30m", long: "6h", factor: 6 },
        ]);
        assert.deepEqual(ticketWindows("30d"), [
            { short: "2h", long: "1d", factor: 3 },
            { short: "6h", long: "3d", factor: 1 },
        ]);
        assert.deepEqual(
            pageWindows("28d").map((w) => w.factor),
            [13.44, 5.6],
        );
        assert.throws(() => pageWindows("7d"), /SLO period 7d is not in Sloth's default catalog/);
    });

    it("refuses an impossible --canary-since date", () => {
        assert.throws(
            () => parseCanarySince("2026-13-45T25:00:00Z", "--canary-since"),
            /--canary-since: .* not a valid time/,
        );
    });

    it("documents every key", () => {
        for (const [key, spec] of Object.entries(GATE_FIELDS)) {
            assert.ok(spec.description.length > 10, `${key} has no description`);
        }
    });
});
