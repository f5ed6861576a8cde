// RELEASE-PROCESS.md step 7 with the real git: the tag command the ReleaseTag component declares, against a bare
// repository as the remote. Re-running never moves or duplicates the tag.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DeclaredCommand, declaredCommand, runDeclared } from "../support/declared-commands";
import { runProgram } from "../unit/support/program";
import { createSourceFixture, SourceFixture, writePackagedChart } from "../unit/support/source-fixture";
import { prodConfig, prodSecrets } from "../unit/support/stacks";

describe("release tag with the real git and a bare remote", function () {
    this.timeout(60000);
    let src: SourceFixture;
    let remote: string;
    let tagStep: DeclaredCommand;
    let scratch: string;

    before(async () => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-tag-"));
        // origin is the fixture's bare repository (behind GitHub's URL), holding v0.3.0 already.
        remote = src.remote;
        const archive = path.join(scratch, "chart.tgz");
        writePackagedChart(archive);
        const chartDigest = `sha256:${crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex")}`;
        const run = await runProgram({
            stack: "prod",
            config: { ...prodConfig(src), github: { enabled: false }, announce: { enabled: false } },
            secretKeys: prodSecrets,
            stagingOutputs: {
                version: "0.4.0",
                imageDigestRef: `127.0.0.1:5000/mirador-rca@sha256:${"c".repeat(64)}`,
                imageDigest: `sha256:${"c".repeat(64)}`,
                chartArchive: archive,
                chartRef: "oci://127.0.0.1:5000/charts/mirador-rca",
                chartDigest,
                canaryDeployedAt: "2026-11-23T09:00:00Z",
                commit: src.commit,
            },
        });
        tagStep = declaredCommand(run, "tag-git-tag");
    });
    after(() => {
        src.remove();
        fs.rmSync(scratch, { recursive: true, force: true });
    });

    const remoteTag = (ref: string) =>
        execFileSync("git", ["-C", remote, "rev-parse", ref], { encoding: "utf8" }).trim();

    it("creates the annotated tag on the released commit and pushes it", async () => {
        const result = await runDeclared(tagStep);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(result.stdout, `v0.4.0 ${src.commit}`);
        assert.strictEqual(
            execFileSync("git", ["-C", remote, "cat-file", "-t", "v0.4.0"], { encoding: "utf8" }).trim(),
            "tag",
        );
        assert.strictEqual(remoteTag("v0.4.0^{commit}"), src.commit);
        const message = execFileSync("git", ["-C", remote, "tag", "-l", "--format=%(contents:subject)", "v0.4.0"], {
            encoding: "utf8",
        }).trim();
        assert.strictEqual(message, "mirador-rca v0.4.0");
    });

    it("accepts a second run without moving or duplicating the tag", async () => {
        const tagObject = remoteTag("v0.4.0");
        const result = await runDeclared(tagStep);
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(remoteTag("v0.4.0"), tagObject, "the tag object is the same one");
        const tags = execFileSync("git", ["-C", remote, "tag", "-l"], { encoding: "utf8" }).trim().split("\n");
        assert.deepStrictEqual(tags, ["v0.3.0", "v0.4.0"]);
    });

    it("refuses to move an existing tag to another commit", async () => {
        fs.writeFileSync(path.join(src.dir, "NEWS"), "later\n");
        src.git("add", "NEWS");
        src.git("commit", "-q", "-m", "a later commit");
        const later = src.git("rev-parse", "HEAD");
        const result = await runDeclared(tagStep, { COMMIT: later });
        assert.notStrictEqual(result.status, 0);
        assert.match(
            result.stderr,
            new RegExp(`tag v0\\.4\\.0 already exists on ${src.commit}, not on ${later}: a release tag never moves`),
        );
        assert.strictEqual(remoteTag("v0.4.0^{commit}"), src.commit);
    });

    it("refuses a remote tag of the same name on another commit", async () => {
        src.git("tag", "-d", "v0.4.0");
        execFileSync("git", ["-C", remote, "tag", "-d", "v0.4.0"]);
        const later = src.git("rev-parse", "HEAD");
        src.git("tag", "-a", "v0.4.0", "-m", "someone else's tag", later);
        src.git("push", "-q", "origin", "v0.4.0");
        src.git("tag", "-d", "v0.4.0");
        const result = await runDeclared(tagStep);
        assert.notStrictEqual(result.status, 0);
        assert.match(
            result.stderr,
            /already has v0\.4\.0 on [0-9a-f]{40}, not on [0-9a-f]{40}: a release tag never moves/,
        );
    });
});
