#!/usr/bin/env node
// One smoke call of the canary (RELEASE-PROCESS.md step 5.4): a gRPC method called with grpcurl, whose JSON answer
// must hold every expected fragment. Exits 1 naming the call, the endpoint and what was missing (or grpcurl's
// reason when the call failed). Env: NAME, ENDPOINT (host:port), METHOD (package.Service/Method), REQUEST (the
// request as JSON), EXPECT (a JSON list of fragments), PLAINTEXT (true: no TLS), SMOKE_MAX_TIME (seconds, 20).
"use strict";
const { spawnSync } = require("child_process");

const env = process.env;
function fail(message) {
    console.error(`smoke ${env.NAME || "?"}: ${message}`);
    process.exit(1);
}

if (!env.ENDPOINT || !env.METHOD) {
    fail("ENDPOINT and METHOD must be set");
}
let expect;
try {
    expect = JSON.parse(env.EXPECT || "[]");
} catch (e) {
    fail(`EXPECT is not a JSON list of fragments: ${e.message}`);
}
const maxTime = String(Number(env.SMOKE_MAX_TIME || 20));
const args = [
    ...(env.PLAINTEXT === "true" ? ["-plaintext"] : []),
    "-max-time",
    maxTime,
    "-d",
    env.REQUEST || "{}",
    env.ENDPOINT,
    env.METHOD,
];
// grpcurl bounds the call itself; the timeout here bounds a grpcurl that hangs anyway.
const run = spawnSync("grpcurl", args, { encoding: "utf8", timeout: (Number(maxTime) + 10) * 1000 });
const where = `${env.METHOD} at ${env.ENDPOINT}`;
if (run.error) {
    fail(`${where} could not be called: ${run.error.message}`);
}
process.stdout.write(run.stdout);
if (run.status !== 0) {
    const reason = (run.stderr || run.stdout || "").trim() || `grpcurl exited ${run.status}`;
    fail(`${where} failed: ${reason}`);
}
const missing = expect.filter((fragment) => !run.stdout.includes(fragment));
if (missing.length > 0) {
    fail(
        `${where} answered without ${missing.map((f) => JSON.stringify(f)).join(", ")}: ${run.stdout.trim() || "(an empty answer)"}`,
    );
}
