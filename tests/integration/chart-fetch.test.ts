// The chart by digest against a real OCI registry: staging's push step (helm push, plain HTTP on the loopback)
// publishes the packaged chart as an artifact whose chart layer is the archive itself, so fetchChart gets exactly
// the canaried archive back by its sha256, into an empty cache (a fresh clone), and refuses what is not there.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedChartPath, ChartFetchError, chartRefOf, fetchChart } from "../../components/chart-fetch";
import { declaredCommand, runDeclared } from "../support/declared-commands";
import { LocalInfra, startLocalInfra } from "../support/docker";
import { repoRoot, requireTool, toolPath } from "../support/tools";
import { runProgram } from "../unit/support/program";
import { createSourceFixture, SourceFixture } from "../unit/support/source-fixture";
import { stagingConfig, stagingSecrets } from "../unit/support/stacks";

describe("the chart by digest from a real OCI registry", function () {
    this.timeout(300_000);
    let infra: LocalInfra;
    let src: SourceFixture;
    let scratch: string;
    let archive: string;
    let digest: string;
    let registry: string;
    let savedCache: string | undefined;
    let savedPath: string | undefined;

    before(async () => {
        requireTool("helm");
        requireTool("crane");
        infra = await startLocalInfra(["registry"]);
        src = createSourceFixture();
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-chart-fetch-"));
        savedCache = process.env.MIRADOR_CHART_CACHE;
        savedPath = process.env.PATH;
        process.env.PATH = toolPath();
        archive = path.join(scratch, "mirador-rca-0.4.0.tgz");
        execFileSync("helm", [
            "package",
            path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca"),
            "--destination",
            scratch,
        ]);
        digest = `sha256:${crypto.createHash("sha256").update(fs.readFileSync(archive)).digest("hex")}`;
        registry = `oci://${infra.registry}/charts`;
    });
    after(async () => {
        if (savedCache === undefined) delete process.env.MIRADOR_CHART_CACHE;
        else process.env.MIRADOR_CHART_CACHE = savedCache;
        process.env.PATH = savedPath;
        src?.remove();
        fs.rmSync(scratch, { recursive: true, force: true });
        await infra?.stop();
    });

    it("the program's push step publishes the archive to a loopback registry", async () => {
        const config = { ...stagingConfig(src), chartRegistry: registry };
        const run = await runProgram({ stack: "staging", config, secretKeys: stagingSecrets });
        const push = declaredCommand(run, "chart-push");
        assert.match(push.create, /--plain-http/);
        const result = await runDeclared(push, { ARCHIVE: archive });
        assert.strictEqual(result.status, 0, result.stderr);
        assert.strictEqual(run.outputs.chartRef, chartRefOf(registry, "mirador-rca"));
    });

    it("fetches exactly that archive by digest into an empty cache, and verifies it", async () => {
        process.env.MIRADOR_CHART_CACHE = path.join(scratch, "fresh-cache");
        const got = await fetchChart(chartRefOf(registry, "mirador-rca"), digest);
        assert.strictEqual(got, cachedChartPath(digest));
        assert.deepStrictEqual(fs.readFileSync(got), fs.readFileSync(archive));
    });

    it("fails closed, naming the registry setting, when the registry does not hold the digest", async () => {
        process.env.MIRADOR_CHART_CACHE = path.join(scratch, "other-cache");
        const absent = `sha256:${"0".repeat(64)}`;
        await assert.rejects(fetchChart(chartRefOf(registry, "mirador-rca"), absent), (e: Error) => {
            assert.ok(e instanceof ChartFetchError);
            assert.match(
                e.message,
                /the chart sha256:0{64} is not in .*, and it cannot be fetched from oci:\/\/127\.0\.0\.1:\d+\/charts\/mirador-rca \(.+\): the registry that the staging stack's mirador-release:chartRegistry names must be reachable and hold the canary's chart/,
            );
            return true;
        });
        assert.ok(!fs.existsSync(cachedChartPath(absent)), "nothing is cached for a chart that was not fetched");
    });
});
