// The prod program under mocks, rolling back to a release whose chart took the digest at another value than today's
// profile names: the Helm release and the rendered check before it get the value paths, track label and overlay
// that release's history entry recorded, not today's; an entry without a record whose Helm revision cannot be read
// stops the run before anything is declared.
import * as assert from "assert";
import * as crypto from "crypto";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cachedChartPath } from "../../components/chart-fetch";
import { createSourceFixture, SourceFixture } from "./support/source-fixture";
import { ProgramRun, runProgram } from "./support/program";
import { prodConfig, prodSecrets } from "./support/stacks";
import { repoRoot } from "../support/tools";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const repository = "127.0.0.1:5000/mirador-rca";

/** The fixture chart with the image rendered from a digest value (image.digest), packaged into the chart cache. */
function cacheDigestShapedChart(): string {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-digest-chart-"));
    try {
        const chart = path.join(scratch, "mirador-rca");
        fs.cpSync(path.join(repoRoot, "tests", "fixtures", "service-checkout", "charts", "mirador-rca"), chart, {
            recursive: true,
        });
        const deployment = path.join(chart, "templates", "deployment.yaml");
        const text = fs.readFileSync(deployment, "utf8");
        const shaped = text.replace(
            '"{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}"',
            '"{{ .Values.image.repository }}@{{ .Values.image.digest }}"',
        );
        assert.notStrictEqual(shaped, text, "the fixture chart's image line changed");
        fs.writeFileSync(deployment, shaped);
        execFileSync("helm", ["package", chart, "-d", scratch, "--version", "0.4.0"], { stdio: "ignore" });
        const bytes = fs.readFileSync(path.join(scratch, "mirador-rca-0.4.0.tgz"));
        const sha = `sha256:${crypto.createHash("sha256").update(bytes).digest("hex")}`;
        fs.writeFileSync(cachedChartPath(sha), bytes);
        return sha;
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

describe("prod stack rolling back across a chart's value shape", () => {
    let src: SourceFixture;
    let run: ProgramRun;
    let r040: Record<string, unknown>;
    let r041: Record<string, unknown>;
    const config = () => ({
        ...prodConfig(src),
        version: "0.4.1",
        rollback: "0.4.0",
        helm: { values: { today: true } },
    });

    before(async () => {
        src = createSourceFixture({ version: "0.4.1", tags: ["v0.3.0", "v0.4.0"] });
        r040 = {
            version: "0.4.0",
            commit: "a".repeat(40),
            imageDigestRef: `${repository}@${digest("a")}`,
            imageDigest: digest("a"),
            chartRef: "oci://127.0.0.1:5000/charts/mirador-rca",
            chartDigest: cacheDigestShapedChart(),
            render: {
                profile: "profiles/old-shape.yaml",
                chartValues: {
                    imageRepository: "image.repository",
                    imageDigest: "image.digest",
                    replicas: "replicaCount",
                    podLabels: "podLabels",
                    servicePort: "service.port",
                    metricsPort: "metrics.port",
                },
                track: { label: "release_track", value: "main" },
                helm: { values: { recorded: true }, valuesFiles: [] },
            },
        };
        r041 = { ...r040, version: "0.4.1", commit: src.commit, imageDigest: digest("b"), render: undefined };
        r041.imageDigestRef = `${repository}@${digest("b")}`;
        run = await runProgram({
            stack: "prod",
            config: config(),
            secretKeys: prodSecrets,
            ownOutputs: { role: "production", version: "0.4.1", releases: [r040, r041] },
        });
    });
    after(() => src.remove());

    it("gives the Helm release the recorded value paths, track label and overlay, not today's", () => {
        const release = run.byName("production-release").inputs;
        assert.deepStrictEqual(release.values.image, { repository, digest: digest("a") });
        assert.deepStrictEqual(release.values.podLabels, { release_track: "main" });
        assert.strictEqual(release.values.recorded, true);
        assert.strictEqual(release.values.today, undefined);
        assert.strictEqual(release.chart, cachedChartPath(String(r040.chartDigest)));
    });

    it("checks the release as rendered with those values, for the recorded digest", () => {
        const env = run.byName("production-rendered-check").inputs.environment as Record<string, string>;
        const values = JSON.parse(env.VALUES) as { image: Record<string, unknown> };
        assert.deepStrictEqual(values.image, { repository, digest: digest("a") });
        const contract = JSON.parse(env.CONTRACT) as { image: unknown; imageValuePath: string };
        assert.deepStrictEqual(contract.image, { repository, digest: digest("a") });
        assert.strictEqual(contract.imageValuePath, "image.digest");
    });

    it("says where the render came from in the rollback output", async () => {
        const rollback = (await Promise.resolve(run.outputs.rollback)) as Record<string, unknown>;
        assert.strictEqual(rollback.renderedWith, "the history record of 0.4.0 (profile profiles/old-shape.yaml)");
    });

    it("stops before anything is declared when an entry without a record has no readable Helm revision", async () => {
        const legacy = { ...r040, render: undefined };
        await assert.rejects(
            runProgram({
                stack: "prod",
                config: config(),
                secretKeys: prodSecrets,
                ownOutputs: { role: "production", version: "0.4.1", releases: [legacy, r041] },
            }),
            /mirador-release:rollback 0\.4\.0: production's history has no record of how 0\.4\.0 was rendered .* Helm's history of mirador-prod\/mirador-rca cannot be read: .* roll back to a release whose history entry records its render/s,
        );
    });
});
