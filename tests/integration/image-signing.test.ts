// Build, push, sign and verify the example image for real, with the exact commands the SignedImage component
// runs (docs/example-service.md): a private dockerd and a loopback registry, crane for the digest, cosign v2 with
// a key pair and no transparency log (it is unreachable), and a verification that needs nothing but the key.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { LocalInfra, startLocalInfra } from "../support/docker";
import { exampleDir, makeExample } from "../support/service";
import { requireTool } from "../support/tools";

const execFileAsync = promisify(execFile);

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

describe("image signing: docker build, push, crane digest, cosign sign and verify", function () {
    let infra: LocalInfra | undefined;
    let work = "";
    let repo = "";
    let digest = "";

    /** Runs a tool with the infra's environment; never throws on a non-zero exit (read `code`). */
    async function run(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<Run> {
        try {
            const { stdout, stderr } = await execFileAsync(requireTool(tool), args, {
                cwd: work,
                env: { ...infra!.env, ...env },
                encoding: "utf8",
                timeout: 120_000,
            });
            return { code: 0, stdout, stderr };
        } catch (err) {
            const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
            if (typeof e.code !== "number") {
                throw new Error(`${tool} ${args.join(" ")} did not run: ${e.message}`);
            }
            return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
        }
    }

    async function ok(tool: string, args: string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
        const r = await run(tool, args, env);
        assert.strictEqual(r.code, 0, `${tool} ${args.join(" ")} exited ${r.code}:\n${r.stderr}`);
        return r.stdout;
    }

    /** The key-only verification: no transparency log, and an empty trusted root so that cosign does not try the
     * public TUF repository (it is unreachable, and the key is the only trust we want). */
    function verifyArgs(pub: string, ref: string): string[] {
        return ["verify", "--key", pub, "--insecure-ignore-tlog=true", "--trusted-root", "trusted-root.json", ref];
    }

    before(async function () {
        this.timeout(900_000);
        for (const tool of ["cosign", "crane", "docker", "make"]) {
            requireTool(tool);
        }
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-signing-"));
        infra = await startLocalInfra(["docker", "registry"]);
        repo = `${infra.registry}/mirador-rca`;
        await makeExample(["image", `IMAGE=${repo}:v0.4.0`], { env: { DOCKER_HOST: infra.dockerHost } });
        await infra.docker(["push", `${repo}:v0.4.0`]);
        fs.writeFileSync(
            path.join(work, "trusted-root.json"),
            JSON.stringify({ mediaType: "application/vnd.dev.sigstore.trustedroot+json;version=0.1" }),
        );
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

    it("built a FROM-scratch image that runs as a numeric non-root user, with OCI labels", async function () {
        const inspect = await infra!.docker(["image", "inspect", `${repo}:v0.4.0`, "--format", "{{json .Config}}"]);
        const config = JSON.parse(inspect) as { User: string; Entrypoint: string[]; Labels: Record<string, string> };
        assert.match(config.User, /^[1-9]\d*:\d+$/, `USER must be numeric and not root, got ${config.User}`);
        assert.deepStrictEqual(config.Entrypoint, ["/mirador-rca"]);
        assert.strictEqual(config.Labels["org.opencontainers.image.version"], "0.4.0");
        assert.strictEqual(config.Labels["org.opencontainers.image.title"], "mirador-rca");
        const history = await infra!.docker([
            "image",
            "history",
            "--no-trunc",
            "--format",
            "{{.CreatedBy}}",
            `${repo}:v0.4.0`,
        ]);
        assert.strictEqual(history.split("\n").filter((l) => l.includes("COPY")).length, 1, "one layer: the binary");
        assert.ok(fs.existsSync(path.join(exampleDir, "bin", "mirador-rca")));
    });

    it("reads the pushed image's digest with crane", async function () {
        digest = (await ok("crane", ["digest", `${repo}:v0.4.0`])).trim();
        assert.match(digest, /^sha256:[a-f0-9]{64}$/);
        const manifest = JSON.parse(await ok("crane", ["manifest", `${repo}@${digest}`])) as { layers: unknown[] };
        assert.strictEqual(manifest.layers.length, 1);
    });

    it("signs by digest with a key and no transparency log, and verifies with that key only", async function () {
        assert.ok(digest !== "", "the digest test ran first");
        const ref = `${repo}@${digest}`;
        const password = { COSIGN_PASSWORD: "mirador-test-password" };
        await ok("cosign", ["generate-key-pair", "--output-key-prefix", "mirador-rca"], password);
        await ok("cosign", ["generate-key-pair", "--output-key-prefix", "other"], { COSIGN_PASSWORD: "other" });
        assert.ok(
            fs.existsSync(path.join(work, "mirador-rca.key")) && fs.existsSync(path.join(work, "mirador-rca.pub")),
        );

        // Before signing, verification fails: there is no signature.
        const unsigned = await run("cosign", verifyArgs("mirador-rca.pub", ref));
        assert.notStrictEqual(unsigned.code, 0, "an unsigned image must not verify");
        assert.match(unsigned.stderr, /no signatures found/i);

        // A wrong password cannot sign.
        const wrong = await run("cosign", ["sign", "--key", "mirador-rca.key", "--tlog-upload=false", "--yes", ref], {
            COSIGN_PASSWORD: "not-the-password",
        });
        assert.notStrictEqual(wrong.code, 0, "signing with a wrong key password must fail");

        await ok("cosign", ["sign", "--key", "mirador-rca.key", "--tlog-upload=false", "--yes", ref], password);
        const tags = (await ok("crane", ["ls", repo])).split("\n");
        assert.ok(tags.includes(`${digest.replace(":", "-")}.sig`), `signature tag missing: ${tags.join(", ")}`);

        const verified = await run("cosign", verifyArgs("mirador-rca.pub", ref));
        assert.strictEqual(verified.code, 0, verified.stderr);
        const payload = JSON.parse(verified.stdout) as { critical: { image: { "docker-manifest-digest": string } } }[];
        assert.strictEqual(payload[0].critical.image["docker-manifest-digest"], digest);
        assert.doesNotMatch(verified.stderr, /TUF/, "verification must not reach for the public TUF repository");

        const other = await run("cosign", verifyArgs("other.pub", ref));
        assert.notStrictEqual(other.code, 0, "verification with another key must fail");
        assert.match(other.stderr, /no matching signatures/);
    });
});
