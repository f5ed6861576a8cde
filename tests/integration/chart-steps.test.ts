// RELEASE-PROCESS.md step 4 with the real helm: the dependency update, lint and package commands that the
// ChartPackage component declares, run against the example chart.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parsePackageOutput } from "../../components/chart-package";
import { declaredCommand, runDeclared } from "../support/declared-commands";
import { requireTool } from "../support/tools";
import { ProgramRun, runProgram } from "../unit/support/program";
import { createSourceFixture, SourceFixture } from "../unit/support/source-fixture";
import { stagingConfig, stagingSecrets } from "../unit/support/stacks";

describe("chart steps with the real helm", function () {
    this.timeout(120000);
    let src: SourceFixture;
    let run: ProgramRun;
    let dist: string;

    before(async () => {
        requireTool("helm");
        src = createSourceFixture();
        run = await runProgram({ stack: "staging", config: stagingConfig(src), secretKeys: stagingSecrets });
        dist = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-dist-"));
    });
    after(() => {
        src.remove();
        fs.rmSync(dist, { recursive: true, force: true });
    });

    const step = (name: string, env: Record<string, string> = {}) =>
        runDeclared(declaredCommand(run, name), { DIST: dist, ...env });

    it("updates the dependencies and lints the chart with the built digest", async () => {
        const deps = await step("chart-dependency-update");
        assert.strictEqual(deps.status, 0, deps.stderr);
        const lint = await step("chart-lint");
        assert.strictEqual(lint.status, 0, lint.stdout + lint.stderr);
        assert.match(lint.stdout, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it("lints by rendering the chart with the pinned image value: one it cannot render fails the lint", async () => {
        // The whole image object replaced by a string: the templates cannot read image.repository from it.
        const lint = await step("chart-lint", { IMAGE_VALUE_PATH: "image", IMAGE_VALUE: "latest" });
        assert.notStrictEqual(lint.status, 0);
        assert.match(lint.stdout + lint.stderr, /<\.Values\.image\.repository>: can.t evaluate field repository/);
    });

    it("packages the chart and reports the archive's sha256", async () => {
        const pkg = await step("chart-package");
        assert.strictEqual(pkg.status, 0, pkg.stderr);
        const { archive, digest } = parsePackageOutput(pkg.stdout);
        assert.strictEqual(archive, path.join(dist, "mirador-rca-0.4.0.tgz"));
        const actual = crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex");
        assert.strictEqual(digest, `sha256:${actual}`);
    });
});
