// Issue 13 end to end, through the real engine against the local release world: staging attests the digest it
// signed (syft SBOM, SLSA provenance); prod stops before the release changes when the digest is signed but not
// attested, or attested by another key; the healthy path promotes, attests the gate's verdict and verifies it.
// The scenarios build on each other.
import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as path from "path";
import { promisify } from "util";
import { newestPromoteVerdict } from "../../components/gate-verdict-renewal";
import { GATE_VERDICT_TYPE } from "../../gate/verdict-attestation";
import { changesOf, ReleaseSandbox } from "../support/release-sandbox";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const execFileAsync = promisify(execFile);

function outputsOf(result: { outputs: Record<string, { value: unknown }> }): Record<string, unknown> {
    return Object.fromEntries(Object.entries(result.outputs).map(([k, v]) => [k, v.value]));
}

describe("attestations: staging attests the signed digest, prod verifies before it deploys", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    let imageRef = "";
    let digest = "";
    const log = (text: string) => process.stdout.write(text);
    const env = () => ({ ...process.env, ...sandbox.infra, PATH: toolPath() });
    const tool = (name: string, args: string[]) => sandbox.tool(name, args);
    const prodReleased = () => {
        try {
            tool("helm", ["status", "mirador-rca", "-n", "mirador-prod"]);
            return true;
        } catch {
            return false;
        }
    };
    const tagExists = (tag: string) => {
        try {
            tool("git", ["-C", sandbox.infra.MIRADOR_GIT_REMOTE, "rev-parse", "-q", "--verify", `${tag}^{tag}`]);
            return true;
        } catch {
            return false;
        }
    };
    /** `cosign verify-attestation` with the local stacks' key-only, offline trust; the exit code and stderr. */
    const verifyAttestation = async (type: string, publicKey = sandbox.infra.MIRADOR_COSIGN_PUBLIC_KEY) => {
        const args = ["verify-attestation", "--key", publicKey, "--insecure-ignore-tlog=true"];
        args.push(`--trusted-root=${sandbox.infra.MIRADOR_COSIGN_TRUSTED_ROOT}`, "--type", type, imageRef);
        try {
            await execFileAsync(requireTool("cosign"), args, { env: env(), encoding: "utf8", timeout: 120_000 });
            return { code: 0, stderr: "" };
        } catch (e) {
            const err = e as { code: number; stderr: string };
            return { code: err.code, stderr: err.stderr };
        }
    };
    /** The attest step as staging runs it, with another key pair than the release's (password "other"). */
    const attestWithOtherKey = async (kind: string, extra: NodeJS.ProcessEnv = {}) => {
        const otherKey = sandbox.otherPublicKey().replace(/\.pub$/, ".key");
        await execFileAsync("bash", [path.join(repoRoot, "components", "steps", "attest-image.sh")], {
            env: {
                ...env(),
                KIND: kind,
                IMAGE: imageRef,
                COSIGN_KEY: otherKey,
                COSIGN_PASSWORD: "other",
                COSIGN_TLOG_UPLOAD: "false",
                ...extra,
            },
            encoding: "utf8",
            timeout: 300_000,
        });
    };
    /** prod up must fail with the reason, before the release, the tag or the announcement. */
    const prodStops = async (step: RegExp, reason: RegExp) => {
        await assert.rejects(sandbox.prod.up({ onOutput: log }), (e: Error) => {
            assert.match(e.message, step);
            assert.match(e.message, reason);
            assert.match(e.message, /production stops before it changes/);
            return true;
        });
        assert.ok(!prodReleased(), "the production release was never created");
        assert.ok(!tagExists("v0.4.0"), "no release tag");
        assert.strictEqual(sandbox.slackMessages().length, 0, "no announcement");
    };

    before(async () => {
        await sandbox.start();
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. staging attests the digest it signed: an SPDX SBOM and a SLSA provenance naming the commit", async () => {
        const started = Date.now();
        const staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        log(`staging up with attestations: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
        imageRef = String(staging.imageDigestRef);
        digest = String(staging.imageDigest);
        const lines = staging.attestations as string[];
        assert.strictEqual(lines.length, 2, JSON.stringify(lines));
        assert.match(lines[0], new RegExp(`^attested sbom \\(spdxjson\\) on ${digest}`));
        assert.match(lines[1], new RegExp(`^attested provenance \\(slsaprovenance1\\) on ${digest}`));
        for (const type of ["spdxjson", "slsaprovenance1"]) {
            assert.strictEqual((await verifyAttestation(type)).code, 0, `${type} verifies with the release's key`);
            assert.notStrictEqual((await verifyAttestation(type, sandbox.otherPublicKey())).code, 0);
        }
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
    });

    it("2. a digest signed but not attested stops prod before the release changes", async () => {
        tool("cosign", ["clean", "--type", "attestation", "--force", imageRef]);
        assert.notStrictEqual((await verifyAttestation("spdxjson")).code, 0, "the attestations are gone");
        await prodStops(/canary-attestations-(sbom|provenance)/, new RegExp(`${digest}: it carries no attestations`));
    });

    it("3. attestations made with another key stop prod", async () => {
        await attestWithOtherKey("sbom");
        await attestWithOtherKey("provenance", {
            SOURCE_DIR: sandbox.infra.MIRADOR_SOURCE_DIR,
            COMMIT: execFileSync("git", ["-C", sandbox.infra.MIRADOR_SOURCE_DIR, "rev-parse", "HEAD"], {
                encoding: "utf8",
            }).trim(),
            DOCKERFILE: "Dockerfile",
            CONTEXT: ".",
            STARTED_ON: "2026-11-29T00:00:00Z",
            BUILDER_ID: "https://example.invalid/someone-else",
            BUILD_TYPE: "https://example.invalid/build",
        });
        await prodStops(/canary-attestations-(sbom|provenance)/, /signed by another key/);
    });

    it("4. re-attested by staging, prod promotes, attests the gate's verdict and verifies all three", async () => {
        // Staging's attest steps run again (as they would for a new digest); --replace drops the foreign ones.
        const urns = (await sandbox.staging.exportStack()).deployment.resources
            .map((r: { urn: string }) => r.urn)
            .filter((urn: string) => /::image-attestations-(sbom|provenance)$/.test(urn));
        assert.strictEqual(urns.length, 2, urns.join(", "));
        await sandbox.staging.up({ onOutput: log, replace: urns });
        const load = await sandbox.load(60, 10);
        assert.ok(Object.keys(load.errors).length === 0, JSON.stringify(load));

        const prod = outputsOf(await sandbox.prod.up({ onOutput: log }));
        assert.strictEqual(prod.imageDigest, digest);
        assert.ok(prodReleased());
        const verified = prod.attestationsVerified as string[];
        assert.deepStrictEqual(
            verified.map((l) => l.split(":")[0]),
            [
                "verified sbom attestation of sha256",
                "verified provenance attestation of sha256",
                "verified gate attestation of sha256",
            ],
        );
        assert.strictEqual(
            (await verifyAttestation(GATE_VERDICT_TYPE)).code,
            0,
            "the gate's verdict is attested on the digest",
        );
        const message = sandbox.slackMessages()[0]?.text ?? "";
        assert.match(message, /cosign verify-attestation --key mirador-rca\.pub --type slsaprovenance1/);
        assert.match(message, /SBOM \(syft, SPDX JSON\)/);

        // Nothing changed, nothing runs again: no second verdict, no second verification.
        const again = await sandbox.prod.up({ onOutput: log });
        assert.deepStrictEqual(changesOf(again), {});
    });

    it("5. a verdict that expires before production runs the digest is renewed: the gate judges the canary again", async () => {
        // 0.4.1's canary, healthy; prod with a one-minute verdict age and a production pod that crashes at start.
        sandbox.bumpSource("0.4.1");
        await sandbox.configure(sandbox.staging, { version: "0.4.1" });
        const staging = outputsOf(await sandbox.staging.up({ onOutput: log }));
        imageRef = String(staging.imageDigestRef);
        digest = String(staging.imageDigest);
        const load = await sandbox.load(60, 10);
        assert.ok(Object.keys(load.errors).length === 0, JSON.stringify(load));
        await sandbox.configure(sandbox.prod, {
            version: "0.4.1",
            attestations: { gateVerdictMaxAgeMinutes: 1 },
            helm: sandbox.prodHelm({ timeoutSeconds: 60, values: { faultInjection: { startup: "crash" } } }),
        });
        const verdicts = async () => {
            const args = ["verify-attestation", "--key", sandbox.infra.MIRADOR_COSIGN_PUBLIC_KEY];
            args.push("--insecure-ignore-tlog=true", `--trusted-root=${sandbox.infra.MIRADOR_COSIGN_TRUSTED_ROOT}`);
            args.push("--type", GATE_VERDICT_TYPE, imageRef);
            const { stdout } = await execFileAsync(requireTool("cosign"), args, { env: env(), encoding: "utf8" });
            return stdout.split("\n").filter((l) => l.startsWith("{"));
        };

        // The gate promotes 0.4.1 and attests it; production's upgrade fails after it (Helm rolls back to 0.4.0).
        await assert.rejects(sandbox.prod.up({ onOutput: log }), /CrashLoopBackOff|crash/i);
        const judged = await verdicts();
        assert.strictEqual(judged.length, 1, "one verdict for 0.4.1");
        const judgedAt = newestPromoteVerdict(judged.join("\n"), digest)!;
        assert.notStrictEqual(sandbox.deploymentImage(), imageRef, "production still runs 0.4.0");

        // The fault fixed after the verdict's minute (less the renewal margin): the up judges again, verifies the new
        // verdict, then deploys. Without the renewal it would stop at the old verdict's age.
        const due = Date.parse(judgedAt) + 50_000 - Date.now();
        await new Promise((resolve) => setTimeout(resolve, Math.max(0, due)));
        await sandbox.configure(sandbox.prod, { helm: sandbox.prodHelm({ timeoutSeconds: 120 }) });
        let output = "";
        const replaced: string[] = [];
        await sandbox.prod.up({
            onOutput: (t) => (output += t),
            onEvent: (e) => {
                const m = e.resourcePreEvent?.metadata;
                if (m?.op === "replace" || m?.op === "create-replacement") {
                    replaced.push(m.urn.split("::").pop()!);
                }
            },
        });
        log(output);
        assert.match(output, /the SLO gate judges the canary again: the verdict judged at \S+ is older than 1 min/);
        for (const step of ["promotion-gate-judge", "gate-verdict-gate"]) {
            assert.ok(replaced.includes(step), `${step} ran again: ${replaced.join(", ")}`);
        }
        // The attest step replaces the verdict of the same type (cosign attest --replace): one, fresh verdict.
        const after = await verdicts();
        assert.strictEqual(after.length, 1, "the old verdict replaced");
        const renewedAt = newestPromoteVerdict(after.join("\n"), digest)!;
        assert.ok(renewedAt > judgedAt, `${renewedAt} > ${judgedAt}`);
        assert.strictEqual(sandbox.deploymentImage(), imageRef, "production runs 0.4.1");

        // Once production runs the digest, its verdict ages without consequence: a later up changes nothing.
        await new Promise((resolve) => setTimeout(resolve, 60_000));
        const again = await sandbox.prod.up({ onOutput: log });
        assert.deepStrictEqual(changesOf(again), {});
        assert.strictEqual(newestPromoteVerdict((await verdicts()).join("\n"), digest), renewedAt, "not judged again");
    });
});
