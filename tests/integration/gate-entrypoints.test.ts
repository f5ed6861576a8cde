// The gate's entry points against real servers on loopback: the CLI (exit codes, JSON, table) and the policies
// on a real Prometheus with a healthy canary; the CLI against an unreachable and a too slow Prometheus.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { imagePinnedByDigest } from "../../policy/image-pinned-by-digest";
import { promoteCanariedDigestPolicy } from "../../policy/promote-canaried-digest";
import { sloGatePolicy } from "../../policy/slo-gate";
import { CANARY, CANARY_DIGEST, scenario, STABLE, STABLE_DIGEST } from "../support/gate-scenarios";
import { pinned, releaseProps, validationArgs, violationsOf } from "../support/policy-args";
import { freePort } from "../support/ports";
import { PolicyProject } from "../support/pulumi-engine";
import { runGateCli } from "../support/run-cli";
import { LoadedPrometheus, loadScenario } from "../support/slo-prometheus";

interface JsonDecision {
    decision: string;
    checks: { name: string; result: string; reason: string; value: number | null }[];
}

describe("gate entry points", function () {
    this.timeout(180000);
    let dir: string;
    before(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "gate-entry-"));
    });
    after(() => fs.rmSync(dir, { recursive: true, force: true }));

    describe("on a real Prometheus with a healthy canary", () => {
        let loaded: LoadedPrometheus | undefined;
        before(async () => {
            loaded = await loadScenario(scenario(STABLE, CANARY));
        });
        after(async () => {
            await loaded?.dispose();
        });
        const url = (): string => {
            assert.ok(loaded, "the Prometheus of the scenario did not start");
            return loaded.prometheus.url;
        };

        it("CLI: exits 0 and prints the JSON decision", async () => {
            const run = await runGateCli(["--prometheus-url", url(), "--json"]);
            assert.equal(run.code, 0, run.stdout + run.stderr);
            const doc = JSON.parse(run.stdout) as JsonDecision;
            assert.equal(doc.decision, "promote");
            assert.equal(doc.checks.length, 12);
            assert.ok(doc.checks.every((c) => c.result === "pass"));
        });

        it("CLI: exits 1 with the reason in the table when a configured threshold is not met", async () => {
            const config = path.join(dir, "strict.yaml");
            fs.writeFileSync(config, "minSoakMinutes: 60\n");
            const run = await runGateCli(["--prometheus-url", url(), "--config", config]);
            assert.equal(run.code, 1, run.stdout + run.stderr);
            assert.match(run.stdout, /^canary-soak\s+FAIL\s+44\.\d+\s+>= 60 min\s+canary started .* soak too short/m);
            assert.match(run.stdout, /DENY: 1 of 12 checks did not pass/);
        });

        it("CLI: an explicit --canary-since sets the soak window", async () => {
            const since = new Date(Date.now() - 40 * 60000).toISOString();
            const run = await runGateCli(["--prometheus-url", url(), "--canary-since", since, "--json"]);
            const soak = (JSON.parse(run.stdout) as JsonDecision).checks[0];
            assert.match(soak.reason, /\(given\), 40(\.\d+)? min ago/);
        });

        const prod = (digest: string) => releaseProps("mirador-prod", "mirador-rca", pinned(digest));

        it("policies: the production release of the canaried digest passes all three", async () => {
            const args = validationArgs(prod(CANARY_DIGEST), { prometheusUrl: url() });
            assert.deepEqual(await violationsOf(sloGatePolicy(), args), []);
            assert.deepEqual(await violationsOf(promoteCanariedDigestPolicy(), args), []);
            assert.deepEqual(await violationsOf(imagePinnedByDigest, args), []);
        });

        it("policies: another digest is denied by promote-canaried-digest, judged by slo-gate", async () => {
            const args = validationArgs(prod(STABLE_DIGEST), { prometheusUrl: url() });
            const digest = await violationsOf(promoteCanariedDigestPolicy(), args);
            assert.equal(digest.length, 1);
            assert.match(digest[0], new RegExp(`never reported the promoted digest ${STABLE_DIGEST}`));
            const gate = await violationsOf(sloGatePolicy(), args);
            // Neither its start nor a sample of it now: the canary track does not run that digest.
            assert.deepEqual(gate.length, 2);
            assert.match(
                gate[0],
                /canary-soak no-data: canary start unknown: no up == 1 sample of a up\{track="canary"\} target running sha256:/,
            );
            assert.match(
                gate[1],
                /canary-reporting no-data: no data: the canary does not report now: no up\{track="canary"\} of sha256:[0-9a-f]{64} target answered/,
            );
        });

        describe("the policy pack under the real engine (pulumi preview)", () => {
            let project: PolicyProject | undefined;
            before(async () => {
                project = await PolicyProject.create();
            });
            after(() => project?.remove());

            it("lets the canaried digest through and stops any other before it is created", async () => {
                assert.ok(project, "the Pulumi project was not set up");
                const config = {
                    "slo-gate": { prometheusUrl: url() },
                    "promote-canaried-digest": { prometheusUrl: url() },
                };
                const pass = await project.preview(CANARY_DIGEST, config);
                assert.equal(pass.code, 0, pass.output);
                assert.match(pass.output, /\+ +kubernetes:helm\.sh\/v3:Release prod create/);
                const deny = await project.preview(STABLE_DIGEST, config);
                assert.notEqual(deny.code, 0, deny.output);
                assert.match(deny.output, /\[mandatory\] +promote-canaried-digest/);
                assert.match(deny.output, /\[mandatory\] +slo-gate/);
                assert.match(deny.output, new RegExp(`the canary never reported the promoted digest ${STABLE_DIGEST}`));
            });

            it("stops a production release that the policy config does not name", async () => {
                assert.ok(project, "the Pulumi project was not set up");
                const config = { "slo-gate": { prometheusUrl: url() } };
                const deny = await project.preview(CANARY_DIGEST, config, "mirador-production");
                assert.notEqual(deny.code, 0, deny.output);
                assert.match(deny.output, /\[mandatory\] +slo-gate/);
                assert.match(
                    deny.output,
                    /mirador-production\/mirador-rca: a Helm release with track "stable" that the policy config does not name as the production release/,
                );
            });
        });

        it("policies: slo-gate reports a threshold from the policy config", async () => {
            const args = validationArgs(prod(CANARY_DIGEST), { prometheusUrl: url(), minRequests: 50000 });
            const violations = await violationsOf(sloGatePolicy(), args);
            assert.equal(violations.length, 1);
            assert.match(violations[0], /canary-requests fail: .* is 1\d{4}(\.\d+)?, needs >= 50000/);
        });

        it("Prometheus: the healthy canary has no error series, and its success-rate burn is 0, not no data", async () => {
            const errors = await fetch(
                `${url()}/api/v1/query?query=${encodeURIComponent('mirador_rca_investigations_total{outcome="error",track="canary"}')}`,
            );
            assert.deepEqual(((await errors.json()) as { data: { result: unknown[] } }).data.result, []);
            const run = await runGateCli(["--prometheus-url", url(), "--json"]);
            const soak = (JSON.parse(run.stdout) as JsonDecision).checks.find(
                (c) => c.name === "soak-burn/investigation-success-rate",
            );
            assert.equal(soak?.result, "pass", JSON.stringify(soak));
            assert.equal(soak?.value, 0);
        });
    });

    it("CLI: exits 1 and names the reason when Prometheus is unreachable", async () => {
        const port = await freePort();
        const run = await runGateCli(["--prometheus-url", `http://127.0.0.1:${port}`, "--json"]);
        assert.equal(run.code, 1, run.stderr);
        const doc = JSON.parse(run.stdout) as JsonDecision;
        assert.equal(doc.decision, "deny");
        for (const check of doc.checks) {
            assert.equal(check.result, "error", check.name);
            assert.match(
                check.reason,
                new RegExp(`cannot reach Prometheus at http://127\\.0\\.0\\.1:${port}: .*ECONNREFUSED`),
            );
        }
    });

    describe("against a Prometheus slower than the timeout", () => {
        const held: http.ServerResponse[] = [];
        let server: http.Server | undefined;
        let url = "";
        before(async () => {
            // Answers nothing until the test ends: every query must time out.
            server = http.createServer((_req, res) => held.push(res));
            const port = await freePort();
            await new Promise<void>((resolve) => server?.listen(port, "127.0.0.1", resolve));
            url = `http://127.0.0.1:${port}`;
        });
        after(async () => {
            for (const res of held) {
                res.destroy();
            }
            server?.closeAllConnections();
            await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
        });

        it("CLI: exits 1 with a timeout reason for every check, without hanging", async () => {
            const config = path.join(dir, "fast.yaml");
            fs.writeFileSync(config, "queryTimeoutSeconds: 0.5\n");
            const run = await runGateCli(["--prometheus-url", url, "--config", config, "--json"], 30000);
            assert.equal(run.code, 1, run.stderr);
            const doc = JSON.parse(run.stdout) as JsonDecision;
            assert.equal(doc.decision, "deny");
            assert.equal(doc.checks.length, 12);
            for (const check of doc.checks) {
                assert.equal(check.result, "error", check.name);
                assert.match(check.reason, /did not answer within 500 ms/);
            }
            // One query a batch: the canary's start, Sloth's recordings (2 burn pairs, budgets), alerts, and after
            // the start timed out the soak window's two (requests, soak burns) and whether it reports now.
            assert.equal(held.length, 8, `the slow server saw ${held.length} queries`);
        });
    });
});
