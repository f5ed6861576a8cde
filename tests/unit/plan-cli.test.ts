// `npm run plan`: its usage, the files it writes beside --out, and the exit status (0 with a plan, whatever it
// says; 1 when no preview ran; 2 for bad usage). Recorded events stand in for the preview (--events).
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { main, parseCli } from "../../plan/cli";
import { parseXml } from "./plan-xml";
import { fakeGateDeps, policyConfigFile } from "./plan-support";

const FIXTURES = path.join(__dirname, "..", "fixtures", "plan");
const REPO = path.join(__dirname, "..", "..");

async function run(args: string[]) {
    let stdout = "";
    let stderr = "";
    const deps = fakeGateDeps();
    const code = await main(
        args,
        (t) => (stdout += t),
        (t) => (stderr += t),
        deps,
    );
    return { code, stdout, stderr, deps };
}

describe("plan: the CLI", () => {
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-cli-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("refuses bad usage with exit 2 and says why", async () => {
        for (const [args, message] of [
            [[], /--stack is required/],
            [["--stack", "prod", "--bogus"], /Unknown option '--bogus'/],
            [
                ["--stack", "prod", "--policy-pack-config", "nope.json"],
                /--policy-pack-config: .*nope\.json does not exist/,
            ],
        ] as [string[], RegExp][]) {
            const r = await run(args);
            assert.equal(r.code, 2, args.join(" "));
            assert.match(r.stderr, message);
            assert.match(r.stderr, /usage: npm run plan -- --stack NAME/);
        }
        const help = await run(["--help"]);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /^usage: npm run plan/);
    });

    it("takes policy/<stack>.json as the policy config when there is one, as pulumi up -s prod is run", () => {
        assert.deepEqual(parseCli(["--stack", "prod"], REPO)?.policyPackConfigs, [
            path.join(REPO, "policy", "prod.json"),
        ]);
        assert.deepEqual(parseCli(["--stack", "staging"], REPO)?.policyPackConfigs, []);
        assert.equal(parseCli(["--stack", "staging"], REPO)?.policyPack, path.join(REPO, "policy"));
    });

    it("prints the comment-sized plan without --out", async () => {
        const r = await run(["--stack", "local-staging", "--events", path.join(FIXTURES, "staging-bump.json")]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal(r.stdout, fs.readFileSync(path.join(FIXTURES, "staging-bump.md"), "utf8"));
    });

    it("writes the full plan, the comment and the chart beside --out for a production stack", async () => {
        const out = path.join(dir, "plans", "prod.md");
        const r = await run([
            "--stack",
            "local-prod",
            "--events",
            path.join(FIXTURES, "prod-deny.json"),
            "--policy-pack-config",
            policyConfigFile(),
            "--out",
            out,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.deepEqual(fs.readdirSync(path.dirname(out)).sort(), ["prod.comment.md", "prod.md", "prod.svg"]);
        const full = fs.readFileSync(out, "utf8");
        assert.match(full, /gate: \*\*DENY\*\* \(6 of 12 checks do not pass\)/);
        assert.match(
            full,
            /!\[The canary's error ratio and burn rate over its soak, with the gate's thresholds\]\(prod\.svg\)/,
        );
        assert.equal(fs.readFileSync(path.join(path.dirname(out), "prod.comment.md"), "utf8"), full);
        assert.equal(parseXml(fs.readFileSync(path.join(path.dirname(out), "prod.svg"), "utf8")).name, "svg");
        assert.equal(r.deps.ranges.length, 2, "the chart's two range queries");
        assert.match(r.stderr, /^plan: local-prod: .*prod\.md\n$/);
    });

    it("exits 1 when no preview ran", async () => {
        const empty = path.join(dir, "empty.json");
        fs.writeFileSync(empty, "[]");
        const r = await run(["--stack", "prod", "--events", empty]);
        assert.equal(r.code, 1);
        assert.match(r.stderr, /the preview of prod did not run: no engine events/);
    });
});
