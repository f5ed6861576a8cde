// image-pinned-by-digest: every Helm release takes its image by digest, at the profile's chart value paths.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { imagePinnedByDigest } from "../../policy/image-pinned-by-digest";
import { CANARY_DIGEST } from "../support/fake-prometheus";
import { pinned, releaseProps, validationArgs, violationsOf } from "../support/policy-args";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const REPO = "127.0.0.1:5000/mirador-rca";
const OTHER_PROFILE = { profile: "tests/fixtures/profiles/other-labels.yaml" };

function check(
    image: Record<string, unknown>,
    namespace = "mirador-prod",
    type?: string,
    config: Record<string, unknown> = {},
): Promise<string[]> {
    return violationsOf(
        imagePinnedByDigest,
        validationArgs(releaseProps(namespace, "mirador-rca", image), config, type),
    );
}

/** A one-Deployment chart in a temporary folder whose container image is `image` (a template expression). */
function writeChart(name: string, image: string, sidecar?: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-chart-"));
    fs.mkdirSync(path.join(dir, "templates"));
    fs.writeFileSync(path.join(dir, "Chart.yaml"), `apiVersion: v2\nname: ${name}\nversion: 0.1.0\n`);
    const containers = [`        - name: app\n          image: ${image}\n`];
    if (sidecar) {
        containers.push(`        - name: sidecar\n          image: ${sidecar}\n`);
    }
    fs.writeFileSync(
        path.join(dir, "templates", "deployment.yaml"),
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\nspec:\n  template:\n" +
            `    spec:\n      containers:\n${containers.join("")}`,
    );
    return dir;
}

describe("policy: image-pinned-by-digest", () => {
    let savedPath: string | undefined;
    before(() => {
        requireTool("helm");
        savedPath = process.env.PATH;
        process.env.PATH = toolPath();
    });
    after(() => {
        process.env.PATH = savedPath;
    });

    it("passes a release whose tag carries the digest, in prod and in staging", async () => {
        assert.deepEqual(await check(pinned(CANARY_DIGEST, REPO)), []);
        assert.deepEqual(await check({ repository: REPO, tag: `latest@${CANARY_DIGEST}` }, "mirador-staging"), []);
    });

    it("reports a tag alone, naming the release and the value path", async () => {
        const violations = await check({ repository: REPO, tag: "v0.4.0" });
        assert.deepEqual(violations, [
            'mirador-prod/mirador-rca: values.image.tag "v0.4.0" is not <tag>@sha256:<64 hex>: a tag alone can move, deploy by digest',
        ]);
    });

    it("reports a tag or a digest hidden in the repository", async () => {
        for (const repository of [`${REPO}:v0.4.0`, `mirador-rca:latest`, `${REPO}@${CANARY_DIGEST}`]) {
            const violations = await check(pinned(CANARY_DIGEST, repository));
            assert.equal(violations.length, 1, repository);
            assert.match(violations[0], /values\.image\.repository .* carries a tag or digest/);
        }
    });

    it("reports a malformed digest in the tag", async () => {
        assert.match((await check({ repository: REPO, tag: "v0.4.0@sha256:abc" }))[0], /"v0\.4\.0@sha256:abc" is not/);
    });

    it("reads another profile's digest value path", async () => {
        const image = { name: "r/ledger", sha: CANARY_DIGEST };
        const chart = writeChart("ledger", '"{{ .Values.app.image.name }}@{{ .Values.app.image.sha }}"');
        const props = { ...releaseProps("mirador-prod", "ledger", {}), chart, values: { app: { image } } };
        assert.deepEqual(await violationsOf(imagePinnedByDigest, validationArgs(props, OTHER_PROFILE)), []);
        const bad = { ...props, values: { app: { image: { name: "r/ledger", sha: "latest" } } } };
        assert.deepEqual(await violationsOf(imagePinnedByDigest, validationArgs(bad, OTHER_PROFILE)), [
            'mirador-prod/ledger: values.app.image.sha "latest" is not sha256:<64 hex>',
        ]);
    });

    it("reports a release without image values at all (missing data)", async () => {
        const args = validationArgs({ name: "other", namespace: "mirador-prod", chart: "x", values: {} });
        const violations = await violationsOf(imagePinnedByDigest, args);
        assert.deepEqual(violations, [
            "mirador-prod/other: values.image.repository is not set",
            "mirador-prod/other: values.image.tag (unset) is not <tag>@sha256:<64 hex>: a tag alone can move, deploy by digest",
        ]);
    });

    it("denies when the profile cannot be read", async () => {
        const violations = await check(pinned(CANARY_DIGEST, REPO), "mirador-prod", undefined, {
            profile: "nowhere.yaml",
        });
        assert.equal(violations.length, 1);
        assert.match(violations[0], /policy config cannot be used.*profile: cannot read the service profile/);
    });

    it("ignores resources that are not Helm releases", async () => {
        assert.deepEqual(
            await check({ repository: `${REPO}:v1` }, "mirador-prod", "kubernetes:apps/v1:Deployment"),
            [],
        );
    });

    it("denies a release whose rendered sidecar or hard-coded image is not the pinned digest", async () => {
        const chart = writeChart("pinned", '"{{ .Values.image.repository }}:{{ .Values.image.tag }}"', "busybox:1.36");
        const props = { ...releaseProps("mirador-prod", "mirador-rca", pinned(CANARY_DIGEST, REPO)), chart };
        assert.deepEqual(await violationsOf(imagePinnedByDigest, validationArgs(props)), [
            `mirador-prod/mirador-rca: as rendered, Deployment/mirador-rca container sidecar would run busybox:1.36, ` +
                `not ${REPO}@${CANARY_DIGEST} that values.image.tag pins`,
        ]);
        const ignored = writeChart("ignores", `"${REPO}:v0.4.0"`);
        const violations = await violationsOf(imagePinnedByDigest, validationArgs({ ...props, chart: ignored }));
        assert.equal(violations.length, 1);
        assert.match(violations[0], /container app would run 127\.0\.0\.1:5000\/mirador-rca:v0\.4\.0, not /);
    });

    it("renders the real chart with the release's values files and a relative chart under programDir", async () => {
        const props = {
            ...releaseProps("mirador-staging", "mirador-rca-canary", pinned(CANARY_DIGEST, REPO)),
            chart: "charts/mirador-rca",
            valueYamlFiles: [{ path: Promise.resolve("charts/mirador-rca/values.yaml") }],
        };
        const config = { programDir: path.join(repoRoot, "examples", "mirador-rca") };
        assert.deepEqual(await violationsOf(imagePinnedByDigest, validationArgs(props, config)), []);
    });

    it("denies a release it cannot render: a chart not under programDir, or a chart helm refuses", async () => {
        const props = releaseProps("mirador-prod", "mirador-rca", pinned(CANARY_DIGEST, REPO));
        const missing = await violationsOf(imagePinnedByDigest, validationArgs(props, { programDir: "/nowhere" }));
        assert.equal(missing.length, 1);
        assert.match(
            missing[0],
            /chart examples\/mirador-rca\/charts\/mirador-rca is not at \/nowhere\/.*set programDir/,
        );
        const broken = writeChart("broken", "{{ .Values.nope.deeper }}");
        const refused = await violationsOf(imagePinnedByDigest, validationArgs({ ...props, chart: broken }));
        assert.equal(refused.length, 1);
        assert.match(refused[0], /cannot be rendered, so what it would run is unknown: helm template of .* failed/);
    });

    it("is mandatory by default", () => {
        assert.equal(imagePinnedByDigest.enforcementLevel, "mandatory");
    });
});
