// The smoke call step (components/steps/smoke-call.js) against a stand-in grpcurl that prints a given answer: the
// arguments it passes, and failures that name the call, the endpoint and what was missing. The real grpcurl against
// the example service is tests/integration/smoke-steps.test.ts.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../support/tools";

describe("smoke call step", () => {
    let bin: string;
    before(() => {
        bin = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-grpcurl-"));
        // Records its arguments, prints FAKE_ANSWER on stdout and FAKE_ERROR on stderr, exits FAKE_EXIT.
        fs.writeFileSync(
            path.join(bin, "grpcurl"),
            [
                "#!/bin/sh",
                'printf "%s\\n" "$@" > "$FAKE_ARGS"',
                'printf "%s" "$FAKE_ANSWER"',
                'printf "%s" "$FAKE_ERROR" >&2',
                'exit "${FAKE_EXIT:-0}"',
                "",
            ].join("\n"),
            { mode: 0o755 },
        );
    });
    after(() => fs.rmSync(bin, { recursive: true, force: true }));

    const call = (env: Record<string, string>) => {
        const args = path.join(bin, "args");
        const run = spawnSync(process.execPath, [path.join(repoRoot, "components", "steps", "smoke-call.js")], {
            encoding: "utf8",
            timeout: 30_000,
            env: {
                PATH: `${bin}${path.delimiter}${process.env.PATH ?? ""}`,
                FAKE_ARGS: args,
                NAME: "investigate",
                ENDPOINT: "127.0.0.1:50051",
                METHOD: "shop.v1.Orders/Place",
                REQUEST: '{"id":"X-1"}',
                EXPECT: JSON.stringify(['"id": "X-1"', '"state"']),
                PLAINTEXT: "true",
                ...env,
            },
        });
        const sent = fs.existsSync(args) ? fs.readFileSync(args, "utf8").trim().split("\n") : [];
        return { ...run, sent };
    };

    it("passes when the answer holds every fragment, calling the method with the request", () => {
        const run = call({ FAKE_ANSWER: '{\n  "id": "X-1",\n  "state": "PLACED"\n}\n' });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.deepStrictEqual(run.sent, [
            "-plaintext",
            "-max-time",
            "20",
            "-d",
            '{"id":"X-1"}',
            "127.0.0.1:50051",
            "shop.v1.Orders/Place",
        ]);
        assert.match(run.stdout, /"state": "PLACED"/);
    });

    it("talks TLS unless plaintext is set", () => {
        const run = call({ PLAINTEXT: "false", EXPECT: "[]", FAKE_ANSWER: "{}" });
        assert.strictEqual(run.status, 0, run.stderr);
        assert.ok(!run.sent.includes("-plaintext"));
    });

    it("fails naming the call, the endpoint and each missing fragment", () => {
        const run = call({ FAKE_ANSWER: '{\n  "id": "X-1"\n}\n' });
        assert.strictEqual(run.status, 1);
        assert.strictEqual(
            run.stderr.trim(),
            'smoke investigate: shop.v1.Orders/Place at 127.0.0.1:50051 answered without "\\"state\\"": {\n  "id": "X-1"\n}',
        );
    });

    it("fails with grpcurl's reason when the call fails", () => {
        const run = call({ FAKE_EXIT: "1", FAKE_ERROR: "ERROR:\n  Code: Unavailable\n  Message: overloaded" });
        assert.strictEqual(run.status, 1);
        assert.match(
            run.stderr,
            /^smoke investigate: shop\.v1\.Orders\/Place at 127\.0\.0\.1:50051 failed: ERROR:\n {2}Code: Unavailable/,
        );
    });

    it("fails when grpcurl is not there, saying so", () => {
        const run = spawnSync(process.execPath, [path.join(repoRoot, "components", "steps", "smoke-call.js")], {
            encoding: "utf8",
            timeout: 30_000,
            env: { PATH: path.join(bin, "none"), NAME: "x", ENDPOINT: "127.0.0.1:1", METHOD: "a.B/C" },
        });
        assert.strictEqual(run.status, 1);
        assert.match(run.stderr, /smoke x: a\.B\/C at 127\.0\.0\.1:1 could not be called: spawnSync grpcurl ENOENT/);
    });
});
