// RELEASE-PROCESS.md steps 7-8: the milestone close and the Slack announcement, as the program declares them,
// run with the real curl against local receivers that stand in for the GitHub API and the Slack webhook.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeclaredCommand, declaredCommand, runDeclared } from "../support/declared-commands";
import { Recorder, startRecorder } from "../support/http-recorder";
import { runProgram } from "../unit/support/program";
import { createSourceFixture, SourceFixture, writePackagedChart } from "../unit/support/source-fixture";
import { prodConfig, prodSecrets } from "../unit/support/stacks";

const digest = `sha256:${"c".repeat(64)}`;

describe("GitHub milestone and Slack announcement steps with the real curl", function () {
    this.timeout(60000);
    let src: SourceFixture;
    let scratch: string;
    let milestone: DeclaredCommand;
    let announce: DeclaredCommand;
    let chartDigest: string;

    before(async () => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-steps-"));
        const archive = path.join(scratch, "chart.tgz");
        writePackagedChart(archive);
        chartDigest = `sha256:${crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex")}`;
        const run = await runProgram({
            stack: "prod",
            config: prodConfig(src),
            secretKeys: prodSecrets,
            stagingOutputs: {
                version: "0.4.0",
                imageDigestRef: `127.0.0.1:5000/mirador-rca@${digest}`,
                imageDigest: digest,
                chartArchive: archive,
                chartRef: "oci://127.0.0.1:5000/charts/mirador-rca",
                chartDigest,
                canaryDeployedAt: "2026-11-23T09:00:00Z",
                commit: src.commit,
            },
        });
        milestone = declaredCommand(run, "github-close-milestone");
        announce = declaredCommand(run, "announcement-slack");
    });
    after(() => {
        src.remove();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    describe("closing the milestone", () => {
        let github: Recorder;
        let milestones: { number: number; title: string; state: string }[];
        beforeEach(async () => {
            github = await startRecorder((req) => {
                if (req.method === "GET" && req.url.startsWith("/repos/miradorstack/mirador-rca/milestones")) {
                    return { status: 200, body: milestones };
                }
                if (req.method === "PATCH" && req.url === "/repos/miradorstack/mirador-rca/milestones/7") {
                    return { status: 200, body: { number: 7, state: "closed" } };
                }
                return { status: 404, body: { message: "Not Found" } };
            });
        });
        afterEach(() => github.close());

        it("closes the open milestone named for the version, with the token", async () => {
            milestones = [
                { number: 6, title: "v0.3.0", state: "closed" },
                { number: 7, title: "v0.4.0", state: "open" },
            ];
            const result = await runDeclared(milestone, { GITHUB_API_URL: github.url });
            assert.strictEqual(result.status, 0, result.stderr);
            assert.strictEqual(result.stdout, "closed milestone v0.4.0 (#7)");
            const patch = github.requests.find((r) => r.method === "PATCH");
            assert.ok(patch, "a PATCH was sent");
            assert.deepStrictEqual(JSON.parse(patch.body), { state: "closed" });
            assert.strictEqual(patch.headers.authorization, "Bearer ghp_fixture_token");
        });

        it("leaves an already closed milestone alone", async () => {
            milestones = [{ number: 7, title: "0.4.0", state: "closed" }];
            const result = await runDeclared(milestone, { GITHUB_API_URL: github.url });
            assert.strictEqual(result.status, 0, result.stderr);
            assert.strictEqual(result.stdout, "milestone v0.4.0 (#7) is already closed");
            assert.ok(!github.requests.some((r) => r.method === "PATCH"));
        });

        it("says so when there is no milestone for the version", async () => {
            milestones = [{ number: 6, title: "v0.3.0", state: "closed" }];
            const result = await runDeclared(milestone, { GITHUB_API_URL: github.url });
            assert.strictEqual(result.status, 0, result.stderr);
            assert.strictEqual(
                result.stdout,
                "no milestone named v0.4.0 in miradorstack/mirador-rca: nothing to close",
            );
        });

        it("fails when the API refuses", async () => {
            const result = await runDeclared(milestone, { GITHUB_API_URL: `${github.url}/nowhere` });
            assert.notStrictEqual(result.status, 0);
            assert.match(result.stderr, /404/);
        });
    });

    describe("announcing", () => {
        let slack: Recorder;
        beforeEach(async () => (slack = await startRecorder(() => ({ status: 200, body: "ok" }))));
        afterEach(() => slack.close());

        it("posts one message with the version and both digests", async () => {
            const result = await runDeclared(announce, { SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/x` });
            assert.strictEqual(result.status, 0, result.stderr);
            assert.strictEqual(slack.requests.length, 1);
            const [req] = slack.requests;
            assert.strictEqual(req.headers["content-type"], "application/json");
            const text = (JSON.parse(req.body) as { text: string }).text;
            assert.ok(text.includes("mirador-rca v0.4.0"), text);
            assert.ok(text.includes(`127.0.0.1:5000/mirador-rca@${digest}`), text);
            assert.ok(text.includes(chartDigest), text);
            assert.ok(text.includes("https://github.com/miradorstack/mirador-rca/releases/tag/v0.4.0"), text);
        });

        it("fails the step when the webhook refuses the message", async () => {
            await slack.close();
            slack = await startRecorder(() => ({ status: 500, body: "invalid_payload" }));
            const result = await runDeclared(announce, { SLACK_WEBHOOK_URL: slack.url });
            assert.notStrictEqual(result.status, 0);
            assert.match(result.stderr, /500/);
        });
    });
});
