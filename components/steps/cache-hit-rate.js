#!/usr/bin/env node
// Smoke check: the canary's cache hit rate, from Prometheus, after the smoke calls (RELEASE-PROCESS.md step 5.4
// "Validate cache hit rate via metrics"). Only the pods of the released digest count (joined on build_info).
// Waits, bounded, until Prometheus has scraped the smoke calls; exits 1 with the reason when the rate is too low
// or the data never arrives. Env: PROMETHEUS_URL, CACHE_HIT_RATE_FLOOR, IMAGE (repo@sha256:…).
"use strict";

const base = process.env.PROMETHEUS_URL;
const floor = Number(process.env.CACHE_HIT_RATE_FLOOR);
const digest = (process.env.IMAGE || "").split("@")[1];
const attempts = Number(process.env.CACHE_HIT_RATE_ATTEMPTS || 30);
const intervalMs = Number(process.env.CACHE_HIT_RATE_INTERVAL_MS || 2000);

function fail(message) {
    console.error(`cache-hit-rate: ${message}`);
    process.exit(1);
}

if (!base || !Number.isFinite(floor) || !digest) {
    fail("PROMETHEUS_URL, CACHE_HIT_RATE_FLOOR and IMAGE (repo@sha256:…) must be set");
}

const ofDigest = (metric) =>
    `sum(${metric}{track="canary"} * on(instance) group_left() ` +
    `max by (instance) (mirador_rca_build_info{track="canary", image_digest="${digest}"}))`;
const hits = ofDigest("mirador_rca_cache_hits_total");
const lookups = `(${hits} + ${ofDigest("mirador_rca_cache_misses_total")})`;

async function scalar(query) {
    const url = `${base.replace(/\/$/, "")}/api/v1/query?query=${encodeURIComponent(query)}`;
    const res = await fetch(url, { signal: AbortSignal.timeout(10000) });
    if (!res.ok) {
        throw new Error(`Prometheus answered ${res.status} to ${query}`);
    }
    const body = await res.json();
    const sample = body.data && body.data.result && body.data.result[0];
    return sample ? Number(sample.value[1]) : undefined;
}

async function main() {
    let lastError = "no data";
    for (let i = 0; i < attempts; i++) {
        try {
            const total = await scalar(lookups);
            if (total !== undefined && total >= 2) {
                const rate = (await scalar(hits)) / total;
                const verdict = rate >= floor ? "ok" : "too low";
                console.log(
                    `canary cache hit rate ${rate.toFixed(3)} over ${total} lookups (floor ${floor}): ${verdict}`,
                );
                console.log(`query: ${hits} / ${lookups}`);
                process.exit(rate >= floor ? 0 : 1);
            }
            lastError = `only ${total ?? 0} cache lookups of ${digest} seen so far`;
        } catch (e) {
            lastError = e.message;
        }
        await new Promise((r) => setTimeout(r, intervalMs));
    }
    fail(`no cache data for the canary ${digest} after ${attempts} tries: ${lastError}`);
}

main().catch((e) => fail(e.message));
