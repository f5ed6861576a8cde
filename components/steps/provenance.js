#!/usr/bin/env node
// Prints the SLSA v1 provenance predicate (https://slsa.dev/provenance/v1) of the release image that staging just
// built and pushed, for `cosign attest --type slsaprovenance1` (components/attestations.ts, docs/attestations.md).
// Env: IMAGE (repo@sha256:…), SOURCE_DIR, COMMIT, DOCKERFILE, CONTEXT (both relative to SOURCE_DIR), PREBUILD,
// PLATFORM (may be empty), STARTED_ON (when the build began, ISO-8601), BUILDER_ID, BUILD_TYPE, INVOCATION_ID.
"use strict";

const crypto = require("crypto");
const fs = require("fs");
const path = require("path");
const { execFileSync } = require("child_process");

const env = process.env;

function fail(message) {
    console.error(`provenance: ${message}`);
    process.exit(1);
}

for (const key of [
    "IMAGE",
    "SOURCE_DIR",
    "COMMIT",
    "DOCKERFILE",
    "CONTEXT",
    "STARTED_ON",
    "BUILDER_ID",
    "BUILD_TYPE",
]) {
    if (!env[key]) {
        fail(`${key} must be set`);
    }
}
const digest = env.IMAGE.split("@")[1] || "";
if (!/^sha256:[0-9a-f]{64}$/.test(digest)) {
    fail(`IMAGE must be an image by digest (repo@sha256:…), got '${env.IMAGE}'`);
}

/** The same content digest as components/tree-digest.ts, without .git: the files the build could read. */
function treeDigest(dir) {
    const hash = crypto.createHash("sha256");
    const walk = (rel) => {
        const entries = fs.readdirSync(path.join(dir, rel), { withFileTypes: true });
        for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
            const child = path.join(rel, entry.name);
            if (rel === "" && entry.name === ".git") {
                continue;
            }
            if (entry.isDirectory()) {
                walk(child);
            } else if (entry.isFile()) {
                hash.update(child)
                    .update("\0")
                    .update(fs.readFileSync(path.join(dir, child)))
                    .update("\0");
            }
        }
    };
    walk("");
    return hash.digest("hex");
}

function fileDigest(file) {
    return crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

/** The checkout's origin URL; a local checkout without one is named by its path. */
function repositoryUrl(dir) {
    try {
        return execFileSync("git", ["-C", dir, "remote", "get-url", "origin"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 10_000,
        }).trim();
    } catch {
        return `file://${path.resolve(dir)}`;
    }
}

const sourceDir = path.resolve(env.SOURCE_DIR);
const repository = repositoryUrl(sourceDir);
const dockerfile = path.join(sourceDir, env.DOCKERFILE);
const predicate = {
    buildDefinition: {
        buildType: env.BUILD_TYPE,
        externalParameters: {
            source: { repository, commit: env.COMMIT },
            dockerfile: env.DOCKERFILE,
            context: env.CONTEXT,
            prebuild: env.PREBUILD || "",
            platform: env.PLATFORM || "",
        },
        internalParameters: { image: env.IMAGE.split("@")[0] },
        resolvedDependencies: [
            { uri: `git+${repository}@${env.COMMIT}`, digest: { gitCommit: env.COMMIT } },
            { name: "dockerfile", uri: env.DOCKERFILE, digest: { sha256: fileDigest(dockerfile) } },
            { name: "context", uri: env.CONTEXT, digest: { sha256: treeDigest(path.join(sourceDir, env.CONTEXT)) } },
        ],
    },
    runDetails: {
        builder: { id: env.BUILDER_ID },
        metadata: {
            invocationId: env.INVOCATION_ID || "",
            startedOn: env.STARTED_ON,
            finishedOn: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        },
        byproducts: [{ name: "image", uri: env.IMAGE, digest: { sha256: digest.slice("sha256:".length) } }],
    },
};
process.stdout.write(JSON.stringify(predicate, null, 2) + "\n");
