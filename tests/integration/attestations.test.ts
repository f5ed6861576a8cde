// The attest and verify steps (components/steps/attest-image.sh, verify-attestation.sh) for real, against a
// loopback registry with cosign v2 and syft: staging's SBOM and provenance, the gate's verdict, and the cases that
// must stop production (a digest signed but not attested, attestations by another key, mismatching ones).
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { GateDecision } from "../../gate/checks";
import { GATE_VERDICT_TYPE, utcSeconds, verdictPredicate } from "../../gate/verdict-attestation";
import { LocalInfra, startLocalInfra } from "../support/docker";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const execFileAsync = promisify(execFile);
const steps = path.join(repoRoot, "components", "steps");

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

describe("attestations: syft SBOM, SLSA provenance and the gate's verdict, attested and verified by digest", function () {
    let infra: LocalInfra | undefined;
    let work = "";
    let repo = "";
    let commit = "";
    const password = "mirador-attest-password";

    async function run(file: string, args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
        try {
            const { stdout, stderr } = await execFileAsync(file, args, {
                cwd: work,
                env: { ...process.env, PATH: toolPath(), ...env },
                encoding: "utf8",
                timeout: 180_000,
                maxBuffer: 64 * 1024 * 1024,
            });
            return { code: 0, stdout, stderr };
        } catch (err) {
            const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
            if (typeof e.code !== "number") {
                throw new Error(`${file} ${args.join(" ")} did not run: ${e.message}`);
            }
            return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
        }
    }

    async function ok(file: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
        const r = await run(file, args, env);
        assert.strictEqual(r.code, 0, `${file} ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
        return r.stdout;
    }

    /** Pushes a one-layer image holding a small Go program (so that the SBOM has packages) and returns repo@digest. */
    async function pushImage(tag: string, message: string): Promise<string> {
        const dir = path.join(work, `image-${tag}`);
        fs.mkdirSync(path.join(dir, "layer"), { recursive: true });
        fs.writeFileSync(path.join(dir, "go.mod"), "module example.com/attested\n\ngo 1.22\n");
        fs.writeFileSync(
            path.join(dir, "main.go"),
            `package main\n\nfunc main() { println(${JSON.stringify(message)}) }\n`,
        );
        await ok(requireTool("go"), ["-C", dir, "build", "-o", "layer/attested", "."], { CGO_ENABLED: "0" });
        await ok("tar", ["-C", path.join(dir, "layer"), "-cf", path.join(dir, "layer.tar"), "."]);
        await ok(requireTool("crane"), ["append", "-f", path.join(dir, "layer.tar"), "-t", `${repo}:${tag}`]);
        const digest = (await ok(requireTool("crane"), ["digest", `${repo}:${tag}`])).trim();
        return `${repo}@${digest}`;
    }

    function signing(key = "mirador-rca"): NodeJS.ProcessEnv {
        return {
            COSIGN_KEY: `${key}.key`,
            COSIGN_PASSWORD: key === "mirador-rca" ? password : "other",
            COSIGN_TLOG_UPLOAD: "false",
        };
    }

    const attest = (kind: string, image: string, env: NodeJS.ProcessEnv = {}) =>
        run("bash", [path.join(steps, "attest-image.sh")], { KIND: kind, IMAGE: image, ...signing(), ...env });

    function provenanceEnv(): NodeJS.ProcessEnv {
        return {
            SOURCE_DIR: "source",
            COMMIT: commit,
            DOCKERFILE: "Dockerfile",
            CONTEXT: ".",
            PREBUILD: "make build",
            STARTED_ON: "2026-11-29T00:00:00Z",
            BUILDER_ID: "https://github.com/miradorstack/mirador-release/stacks/local-staging",
            BUILD_TYPE: "https://github.com/miradorstack/mirador-release/blob/main/docs/attestations.md#build-v1",
        };
    }

    /** A promote verdict of the gate judged `ageSeconds` ago, written where attest-image.sh reads it. */
    function verdictFile(digest: string, ageSeconds: number): string {
        const decision: GateDecision = {
            decision: "promote",
            checks: [
                {
                    name: "canary-soak",
                    query: "",
                    value: 31,
                    threshold: ">= 30 min",
                    result: "pass",
                    reason: "canary started 2026-11-29T00:00:00.000Z (given), 31 min ago",
                },
            ],
        };
        const now = new Date(Date.now() - ageSeconds * 1000);
        const predicate = verdictPredicate(decision, { prometheusUrl: "http://127.0.0.1:9", digest, now });
        const file = path.join(work, `verdict-${Math.random().toString(36).slice(2)}.json`);
        fs.writeFileSync(file, JSON.stringify(predicate));
        return file;
    }

    const verify = (kind: string, image: string, env: NodeJS.ProcessEnv = {}) =>
        run("bash", [path.join(steps, "verify-attestation.sh")], {
            KIND: kind,
            IMAGE: image,
            COSIGN_PUBLIC_KEY: "mirador-rca.pub",
            COSIGN_FLAGS: "--insecure-ignore-tlog=true --trusted-root=trusted-root.json",
            COMMIT: commit,
            GATE_VERDICT_TYPE,
            MAX_AGE_SECONDS: "3600",
            ...env,
        });

    before(async function () {
        this.timeout(600_000);
        for (const tool of ["cosign", "crane", "syft", "go", "git"]) {
            requireTool(tool);
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-attest-"));
        infra = await startLocalInfra(["registry"]);
        repo = `${infra.registry}/mirador-rca`;
        await ok(requireTool("cosign"), ["generate-key-pair", "--output-key-prefix", "mirador-rca"], {
            COSIGN_PASSWORD: password,
        });
        await ok(requireTool("cosign"), ["generate-key-pair", "--output-key-prefix", "other"], {
            COSIGN_PASSWORD: "other",
        });
        fs.writeFileSync(
            path.join(work, "trusted-root.json"),
            JSON.stringify({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1" }),
        );
        const source = path.join(work, "source");
        fs.mkdirSync(source);
        fs.writeFileSync(path.join(source, "Dockerfile"), "FROM scratch\nCOPY bin/mirador-rca /\n");
        const git = (...args: string[]) =>
            ok("git", ["-C", source, ...args], {
                GIT_AUTHOR_NAME: "dev",
                GIT_AUTHOR_EMAIL: "dev@localhost",
                GIT_COMMITTER_NAME: "dev",
                GIT_COMMITTER_EMAIL: "dev@localhost",
            });
        await git("init", "-q");
        await git("add", "-A");
        await git("commit", "-qm", "service");
        commit = (await git("rev-parse", "HEAD")).trim();
    });

    after(async function () {
        this.timeout(120_000);
        try {
            await infra?.stop();
        } finally {
            if (work !== "") {
                fs.rmSync(work, { recursive: true, force: true });
            }
        }
    });

    it("attests the SBOM, the provenance and the gate's verdict with the release's key, and verifies each", async function () {
        this.timeout(300_000);
        const image = await pushImage("v0.4.0", "attested");
        const digest = image.split("@")[1];
        await ok(requireTool("cosign"), ["sign", "--yes", "--key", "mirador-rca.key", "--tlog-upload=false", image], {
            COSIGN_PASSWORD: password,
        });
        const sbom = await attest("sbom", image);
        assert.strictEqual(sbom.code, 0, sbom.stderr);
        assert.match(
            sbom.stdout,
            new RegExp(`^attested sbom \\(spdxjson\\) on ${digest}: predicate sha256:[0-9a-f]{64}`),
        );
        const provenance = await attest("provenance", image, provenanceEnv());
        assert.strictEqual(provenance.code, 0, provenance.stderr);
        const gate = await attest("gate", image, { PREDICATE: verdictFile(digest, 5), GATE_VERDICT_TYPE });
        assert.strictEqual(gate.code, 0, gate.stderr);
        const tags = (await ok(requireTool("crane"), ["ls", repo])).split("\n");
        assert.ok(tags.includes(`${digest.replace(":", "-")}.att`), `attestation tag missing: ${tags.join(", ")}`);

        for (const kind of ["sbom", "provenance", "gate"]) {
            const r = await verify(kind, image);
            assert.strictEqual(r.code, 0, `${kind}: ${r.stderr}`);
            assert.match(r.stdout, new RegExp(`^verified ${kind} attestation of ${digest}`));
        }

        // What the SBOM and the provenance say, read back as `cosign verify-attestation` gives them to a person.
        const statement = async (type: string) => {
            const out = await ok(requireTool("cosign"), [
                "verify-attestation",
                "--key",
                "mirador-rca.pub",
                "--insecure-ignore-tlog=true",
                "--trusted-root=trusted-root.json",
                "--type",
                type,
                image,
            ]);
            const envelope = JSON.parse(out.trim().split("\n")[0]) as { payload: string };
            return JSON.parse(Buffer.from(envelope.payload, "base64").toString("utf8")) as {
                subject: { digest: { sha256: string } }[];
                predicate: Record<string, unknown>;
            };
        };
        const spdx = await statement("spdxjson");
        assert.strictEqual(spdx.subject[0].digest.sha256, digest.slice("sha256:".length));
        const packages = (spdx.predicate.packages as { name: string }[]).map((p) => p.name);
        assert.ok(packages.includes("example.com/attested"), `the Go module is in the SBOM: ${packages.join(", ")}`);
        const slsa = await statement("slsaprovenance1");
        const def = slsa.predicate.buildDefinition as { externalParameters: Record<string, unknown> };
        assert.deepStrictEqual(def.externalParameters.source, {
            repository: `file://${path.join(work, "source")}`,
            commit,
        });
        assert.strictEqual(def.externalParameters.prebuild, "make build");
        const runDetails = slsa.predicate.runDetails as { metadata: { startedOn: string; finishedOn: string } };
        assert.strictEqual(runDetails.metadata.startedOn, "2026-11-29T00:00:00Z");
        assert.ok(runDetails.metadata.finishedOn >= runDetails.metadata.startedOn);
    });

    it("stops on a digest that is signed but not attested, naming the digest and what is missing", async function () {
        this.timeout(300_000);
        const image = await pushImage("signed-only", "signed only");
        await ok(requireTool("cosign"), ["sign", "--yes", "--key", "mirador-rca.key", "--tlog-upload=false", image], {
            COSIGN_PASSWORD: password,
        });
        for (const kind of ["sbom", "provenance", "gate"]) {
            const r = await verify(kind, image);
            assert.strictEqual(r.code, 1, `${kind} must not verify`);
            assert.match(
                r.stderr,
                new RegExp(`production stops before it changes: ${image.split("@")[1]}: it carries no attestations`),
            );
        }
    });

    it("stops on attestations made with another key", async function () {
        this.timeout(300_000);
        const image = await pushImage("foreign", "foreign");
        const other = signing("other");
        assert.strictEqual((await attest("provenance", image, { ...provenanceEnv(), ...other })).code, 0);
        const gate = { PREDICATE: verdictFile(image.split("@")[1], 5), GATE_VERDICT_TYPE, ...other };
        assert.strictEqual((await attest("gate", image, gate)).code, 0);
        for (const kind of ["provenance", "gate"]) {
            const r = await verify(kind, image);
            assert.strictEqual(r.code, 1, `${kind} by another key must not verify`);
            assert.match(r.stderr, /no attestation on it is signed by the release's key \(mirador-rca\.pub\)/);
        }
        // The same attestations verify with the key that made them: it is the key that stops them, nothing else.
        assert.strictEqual((await verify("provenance", image, { COSIGN_PUBLIC_KEY: "other.pub" })).code, 0);
    });

    it("stops on mismatching attestations: another commit, an old verdict, a verdict of another digest", async function () {
        this.timeout(300_000);
        const image = await pushImage("mismatch", "mismatch");
        const digest = image.split("@")[1];
        assert.strictEqual((await attest("provenance", image, provenanceEnv())).code, 0);
        const otherCommit = await verify("provenance", image, { COMMIT: "f".repeat(40) });
        assert.strictEqual(otherCommit.code, 1);
        assert.match(
            otherCommit.stderr,
            /its provenance attestation does not match: expected SLSA provenance naming commit f{40}/,
        );
        assert.match(otherCommit.stderr, new RegExp(`conflicting values "${commit}" and "f{40}"`));

        assert.strictEqual(
            (await attest("gate", image, { PREDICATE: verdictFile(digest, 7200), GATE_VERDICT_TYPE })).code,
            0,
        );
        const old = await verify("gate", image);
        assert.strictEqual(old.code, 1, "a two-hour-old verdict is older than the hour allowed");
        assert.match(old.stderr, /its gate attestation does not match: .*predicate\.judgedAt: invalid value/);
        assert.strictEqual((await verify("gate", image, { MAX_AGE_SECONDS: "10800" })).code, 0, "younger than 3 h");

        // A fresh verdict replaces the old one (one per digest), but a verdict of another digest does not pass.
        const foreignDigest = `sha256:${"a".repeat(64)}`;
        assert.strictEqual(
            (await attest("gate", image, { PREDICATE: verdictFile(foreignDigest, 1), GATE_VERDICT_TYPE })).code,
            0,
        );
        const wrong = await verify("gate", image);
        assert.strictEqual(wrong.code, 1);
        assert.match(
            wrong.stderr,
            new RegExp(
                `predicate\\.digest: conflicting values "${foreignDigest}" and "${digest}"|conflicting values "${digest}" and "${foreignDigest}"`,
            ),
        );
        assert.strictEqual(
            (await attest("gate", image, { PREDICATE: verdictFile(digest, 1), GATE_VERDICT_TYPE })).code,
            0,
        );
        const fresh = await verify("gate", image);
        assert.strictEqual(fresh.code, 0, fresh.stderr);
        assert.match(fresh.stdout, new RegExp(`judged since ${utcSeconds(new Date()).slice(0, 11)}`));
    });
});
