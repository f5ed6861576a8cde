// The chart by digest (components/chart-fetch.ts): a verified archive from the cache or a local package, the Helm
// release's chart input named for the digest (a new chart at the same version is a new release input), and the
// refusals that name the setting and the fix. Fetching from a real registry: tests/integration/chart-fetch.test.ts.
import * as assert from "assert";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    cachedChartPath,
    ChartFetchError,
    chartRefOf,
    fetchChart,
    isLoopbackRegistry,
} from "../../components/chart-fetch";
import { createSourceFixture, SourceFixture } from "./support/source-fixture";
import { runProgram } from "./support/program";
import { stagingConfig, stagingSecrets } from "./support/stacks";

const digestOf = (bytes: Buffer | string) => `sha256:${crypto.createHash("sha256").update(bytes).digest("hex")}`;

describe("fetchChart", () => {
    let dir: string;
    let savedCache: string | undefined;
    beforeEach(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-chart-fetch-"));
        savedCache = process.env.MIRADOR_CHART_CACHE;
        process.env.MIRADOR_CHART_CACHE = path.join(dir, "cache");
    });
    afterEach(() => {
        if (savedCache === undefined) delete process.env.MIRADOR_CHART_CACHE;
        else process.env.MIRADOR_CHART_CACHE = savedCache;
        fs.rmSync(dir, { recursive: true, force: true });
    });

    it("caches a local archive that has the digest under a path named for the digest, and finds it there again", async () => {
        const archive = path.join(dir, "mirador-rca-0.4.0.tgz");
        fs.writeFileSync(archive, "chart v1");
        const digest = digestOf("chart v1");
        const got = await fetchChart(undefined, digest, { localArchive: archive });
        assert.strictEqual(got, path.join(dir, "cache", `${digest.replace(":", "-")}.tgz`));
        assert.strictEqual(fs.readFileSync(got, "utf8"), "chart v1");
        fs.rmSync(archive);
        // A fresh clone without the archive: the cached chart is found by its digest, nothing is fetched.
        assert.strictEqual(await fetchChart("oci://127.0.0.1:1/charts/mirador-rca", digest), got);
    });

    it("the default cache is a path relative to the project, the same in every clone", () => {
        delete process.env.MIRADOR_CHART_CACHE;
        const digest = digestOf("x");
        assert.strictEqual(cachedChartPath(digest), path.join(".chart-cache", `${digest.replace(":", "-")}.tgz`));
    });

    it("never takes a local archive or a cached file whose bytes do not have the digest", async () => {
        const archive = path.join(dir, "mirador-rca-0.4.0.tgz");
        fs.writeFileSync(archive, "edited after packaging");
        const digest = digestOf("as packaged");
        fs.mkdirSync(path.join(dir, "cache"));
        fs.writeFileSync(cachedChartPath(digest), "corrupt");
        await assert.rejects(fetchChart(undefined, digest, { localArchive: archive }), (e: Error) => {
            assert.ok(e instanceof ChartFetchError);
            assert.match(
                e.message,
                /the chart sha256:[a-f0-9]{64} is not in .* nor at .*mirador-rca-0\.4\.0\.tgz, and the staging stack publishes it nowhere: set mirador-release:chartRegistry in the staging stack/,
            );
            return true;
        });
    });

    it("refuses a digest that is not sha256 and a chartRef that is not oci://host/path/name", async () => {
        await assert.rejects(fetchChart("oci://127.0.0.1:5000/charts/x", "latest"), /'latest' is not sha256:<64 hex>/);
        await assert.rejects(
            fetchChart("https://charts.example/x", digestOf("y")),
            /chartRef 'https:\/\/charts\.example\/x' is not oci:\/\/host\/path\/name: check mirador-release:chartRegistry/,
        );
    });

    it("names the chart's repository as helm push does, and tells a loopback registry (plain HTTP) apart", () => {
        assert.strictEqual(
            chartRefOf("oci://ghcr.io/miradorstack/charts/", "mirador-rca"),
            "oci://ghcr.io/miradorstack/charts/mirador-rca",
        );
        assert.ok(isLoopbackRegistry("oci://127.0.0.1:5000/charts"));
        assert.ok(isLoopbackRegistry("oci://localhost:5000"));
        assert.ok(!isLoopbackRegistry("oci://ghcr.io/miradorstack/charts"));
        assert.ok(!isLoopbackRegistry("oci://127.0.0.1.example.com/charts"));
    });
});

describe("a chart changed at the same version", () => {
    let src: SourceFixture;
    before(() => (src = createSourceFixture({ tags: ["v0.3.0"] })));
    after(() => src.remove());

    it("changes the canary Helm release's chart input: the chart digest is part of it", async () => {
        const run = () => runProgram({ stack: "staging", config: stagingConfig(src), secretKeys: stagingSecrets });
        const before = await run();
        // A template edit, committed, at the same chart version.
        const templates = path.join(src.dir, "charts", "mirador-rca", "templates");
        const template = path.join(templates, fs.readdirSync(templates).find((f) => f.endsWith(".yaml"))!);
        fs.appendFileSync(template, "\n# a template edit\n");
        src.git("commit", "-q", "-am", "chart: a template edit");
        const after = await run();

        const chartOf = (r: typeof before) => String(r.byName("canary-release").inputs.chart);
        const digestOfRun = (r: typeof before) => String(r.outputs.chartDigest);
        assert.strictEqual(before.outputs.version, after.outputs.version);
        assert.notStrictEqual(digestOfRun(after), digestOfRun(before), "the packaged chart changed");
        for (const r of [before, after]) {
            assert.strictEqual(chartOf(r), cachedChartPath(digestOfRun(r)));
            assert.ok(chartOf(r).includes(digestOfRun(r).slice("sha256:".length)));
        }
        assert.notStrictEqual(chartOf(after), chartOf(before), "the release's input changed with the chart");
    });
});
