// The gate CLI's usage errors (exit 2), its config file, and its two output formats.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GateDecision } from "../../gate/checks";
import { loadCliConfig, main, parseCli } from "../../gate/cli";
import { renderJson, renderTable } from "../../gate/report";

async function run(argv: string[]): Promise<{ code: number; out: string; err: string }> {
    let out = "";
    let err = "";
    const code = await main(
        argv,
        (t) => (out += t),
        (t) => (err += t),
    );
    return { code, out, err };
}

const decision: GateDecision = {
    decision: "deny",
    checks: [
        {
            name: "canary-soak",
            query: "",
            value: 44.5,
            threshold: ">= 30 min",
            result: "pass",
            reason: "canary started",
        },
        {
            name: "soak-burn/requests-availability",
            query: "(a)\n/ (b)",
            value: Infinity,
            threshold: "<= 1",
            result: "fail",
            reason: "canary burn rate is Infinity, needs <= 1",
        },
        { name: "sloth-alerts", query: "ALERTS{}", value: null, threshold: "<= 0", result: "error", reason: "timeout" },
    ],
};

describe("gate: CLI", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-cli-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    const usage: [string, string[], RegExp][] = [
        ["no --prometheus-url", [], /--prometheus-url is required/],
        ["an unknown flag", ["--prometheus-url", "http://127.0.0.1:9090", "--fast"], /Unknown option '--fast'/],
        ["a URL that is not http", ["--prometheus-url", "ftp://127.0.0.1"], /not an http\(s\) URL/],
        ["a time without a zone", ["--prometheus-url", "http://h:1", "--canary-since", "2026-11-23"], /--canary-since/],
        [
            "a tag for a digest",
            ["--prometheus-url", "http://h:1", "--canary-digest", "v0.4.0"],
            /--canary-digest: 'v0.4.0'/,
        ],
        ["a missing config file", ["--prometheus-url", "http://h:1", "--config", "/nonexistent.yaml"], /cannot read/],
    ];
    for (const [what, argv, message] of usage) {
        it(`exits 2 on ${what}, with the reason and the usage`, async () => {
            const { code, out, err } = await run(argv);
            assert.equal(code, 2);
            assert.equal(out, "");
            assert.match(err, message);
            assert.match(err, /usage: npm run gate/);
        });
    }

    it("exits 2 on a config file with an unknown key", async () => {
        const file = path.join(dir, "typo.yaml");
        fs.writeFileSync(file, "minSoakMinute: 10\n");
        const { code, err } = await run(["--prometheus-url", "http://127.0.0.1:9", "--config", file]);
        assert.equal(code, 2);
        assert.match(err, /typo\.yaml: unknown key minSoakMinute/);
    });

    it("exits 2 when the configured Sloth spec cannot be used", async () => {
        const file = path.join(dir, "spec.yaml");
        fs.writeFileSync(file, "sloSpec: missing.yaml\n");
        const { code, err } = await run(["--prometheus-url", "http://127.0.0.1:9", "--config", file]);
        assert.equal(code, 2);
        assert.match(err, /cannot read the Sloth spec .*missing\.yaml/);
    });

    it("prints the usage on --help and exits 0", async () => {
        const { code, out } = await run(["--help"]);
        assert.equal(code, 0);
        assert.match(out, /Exit status: 0 promote, 1 do not promote, 2 bad usage or config/);
    });

    it("lets flags win over the config file", () => {
        const file = path.join(dir, "since.yaml");
        fs.writeFileSync(file, `canarySince: "2026-01-01T00:00:00Z"\nminRequests: 50\n`);
        const opts = parseCli([
            "--prometheus-url",
            "http://h:1/",
            "--config",
            file,
            "--canary-since",
            "2026-02-01T00:00:00Z",
        ]);
        assert.ok(opts);
        assert.equal(opts.prometheusUrl, "http://h:1");
        const config = loadCliConfig(opts);
        assert.equal(config.canarySince?.toISOString(), "2026-02-01T00:00:00.000Z");
        assert.equal(config.minRequests, 50);
    });

    it("prints JSON with exactly the contract's fields, non-finite values as null", () => {
        const doc = JSON.parse(renderJson(decision)) as { decision: string; checks: Record<string, unknown>[] };
        assert.equal(doc.decision, "deny");
        assert.deepEqual(Object.keys(doc.checks[0]), ["name", "query", "value", "threshold", "result", "reason"]);
        assert.deepEqual(
            doc.checks.map((c) => [c.result, c.value]),
            [
                ["pass", 44.5],
                ["fail", null],
                ["error", null],
            ],
        );
    });

    it("prints a table that fits a terminal: no queries, short digests, and where the rest is", () => {
        const digest = `sha256:${"ab".repeat(32)}`;
        const withDigest = {
            ...decision,
            checks: decision.checks.map((c, i) => (i === 0 ? { ...c, reason: `canary ${digest} started` } : c)),
        };
        const lines = renderTable(withDigest).trimEnd().split("\n");
        assert.match(lines[0], /^CHECK\s+VERDICT\s+VALUE\s+THRESHOLD\s+REASON$/);
        assert.match(lines[1], /^canary-soak\s+PASS\s+44\.5\s+>= 30 min\s+canary sha256:abababababab… started$/);
        assert.ok(
            lines.every((l) => !l.includes("ALERTS{}")),
            "no query in the default table",
        );
        assert.equal(lines[lines.length - 1], "(the queries and full digests: npm run gate -- --wide, or --json)");
        assert.ok(renderTable(withDigest, { wide: true }).includes(digest));
    });

    it("prints a --wide table with one row per check, its query, and the decision", () => {
        const lines = renderTable(decision, { wide: true }).trimEnd().split("\n");
        assert.match(lines[0], /^CHECK\s+VERDICT\s+VALUE\s+THRESHOLD\s+REASON\s+QUERY$/);
        assert.match(lines[1], /^canary-soak\s+PASS\s+44\.5\s+>= 30 min\s+canary started\s+-$/);
        assert.match(lines[2], /FAIL\s+Infinity\s+<= 1 .* \(a\) \/ \(b\)$/);
        assert.match(lines[3], /ERROR\s+-\s+<= 0\s+timeout\s+ALERTS\{\}$/);
        assert.equal(lines[5], "DENY: 2 of 3 checks did not pass");
    });
});
