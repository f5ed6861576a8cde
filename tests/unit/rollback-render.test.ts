// What production's history records of how each release was rendered, and how a rollback renders the release it
// returns to: from that record, or from Helm's own record of the revision that ran its digest, never with today's
// value paths. The real run, with a chart whose value shape changed between two releases: tests/e2e/rollback.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pinnedValues } from "../../components/pinned-values";
import { rolloutAnnotation } from "../../components/rollout-watch";
import { judgedDescription } from "../../gate/judged";
import { rollbackDescription } from "../../gate/rollback-record";
import { imagePinProblems } from "../../policy/image-pinned-by-digest";
import { alreadyPromoted } from "../../policy/judged";
import { imageValues, pinnedDigest, ResourceValidationArgs } from "../../policy/release";
import { loadServiceProfile } from "../../config/service-profile";
import { pinPathsOf, revisionThatRan } from "../../config/helm-recorded-render";
import { HelmRecords, HelmRevision, parseHelmHistory } from "../../config/helm-revisions";
import { historyOf, PromotedRelease, withPromotion } from "../../config/production-history";
import { asRenderRecord, REDACTED, RenderRecord, renderRecordOf, sha256Of } from "../../config/release-render";
import { rollbackRender } from "../../config/rollback-render";
import { ChartValuePaths } from "../../config/service-profile";
import { ProductionReleaseSettings } from "../../config/settings";
import { loadSettings } from "../../config/stack-config";
import { ConfigError } from "../../config/validate";
import { repoRoot } from "../support/tools";
import { mapConfig } from "./support/map-config";
import { asProduction } from "./support/settings";
import { createSourceFixture, SourceFixture } from "./support/source-fixture";
import { prodConfig, prodSecrets } from "./support/stacks";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const repository = "127.0.0.1:5000/mirador-rca";

function release(version: string, c: string, render?: RenderRecord): PromotedRelease {
    return {
        version,
        commit: c.repeat(40),
        imageDigestRef: `${repository}@${digest(c)}`,
        imageDigest: digest(c),
        chartRef: "oci://127.0.0.1:5000/charts/mirador-rca",
        chartDigest: digest(c === "a" ? "d" : "e"),
        ...(render ? { render } : {}),
    };
}

/** Today's paths: the chart renders repository:tag. */
const tagPaths: ChartValuePaths = {
    imageRepository: "image.repository",
    imageTag: "image.tag",
    replicas: "replicaCount",
    autoscaling: "autoscaling.enabled",
    podLabels: "podLabels",
    servicePort: "service.port",
    metricsPort: "metrics.port",
};
/** The old chart's: a digest value. */
const digestPaths: ChartValuePaths = { ...tagPaths, imageTag: undefined, imageDigest: "image.digest" };
delete digestPaths.imageTag;

/** Helm's records of a release, from a list of revisions and their values; counts the calls. */
function fakeHelm(revisions: (HelmRevision & { values: Record<string, unknown> })[]) {
    const calls: string[] = [];
    const records: HelmRecords = {
        history: () => {
            calls.push("history");
            return revisions.map(({ revision, status, description }) => ({ revision, status, description }));
        },
        values: (n) => {
            calls.push(`values ${n}`);
            return revisions.find((r) => r.revision === n)!.values;
        },
    };
    return { records, calls };
}

/** Helm that must not be asked. */
const noHelm: HelmRecords = {
    history: () => assert.fail("helm history asked"),
    values: () => assert.fail("helm get values asked"),
};

function problemOf(f: () => unknown): string {
    try {
        f();
    } catch (e) {
        assert.ok(e instanceof ConfigError, String(e));
        return e.problems.join("\n");
    }
    return assert.fail("no ConfigError");
}

describe("production's history records how each release was rendered", () => {
    let src: SourceFixture;
    let project: string;
    const load = (helm: Record<string, unknown>, secretKeys: string[] = []) =>
        asProduction(
            loadSettings(mapConfig({ ...prodConfig(src), helm }, [...prodSecrets, ...secretKeys]), {
                projectDir: project,
                stack: "prod",
            }),
        );
    before(() => {
        src = createSourceFixture({ tags: ["v0.3.0"] });
        project = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-render-project-"));
        for (const f of ["Pulumi.yaml", "profiles", "policy"]) {
            fs.cpSync(path.join(repoRoot, f), path.join(project, f), { recursive: true });
        }
        fs.mkdirSync(path.join(project, "values"));
        fs.writeFileSync(path.join(project, "values", "prod.yaml"), "resources: { limits: { cpu: 500m } }\n");
        fs.writeFileSync(path.join(project, "post-render"), "#!/bin/sh\ncat\n", { mode: 0o755 });
    });
    after(() => {
        src.remove();
        fs.rmSync(project, { recursive: true, force: true });
    });

    it("records the profile's value paths and track, helm.values, and each file by path and sha256", () => {
        const s = load({ values: { replicaCount: 3 }, valuesFiles: ["values/prod.yaml"], postRenderer: "post-render" });
        const record = renderRecordOf(s, project);
        assert.deepStrictEqual(record, {
            profile: "profiles/mirador-rca.yaml",
            chartValues: s.profile.chart.values,
            track: { label: "track", value: "stable" },
            helm: {
                values: { replicaCount: 3 },
                valuesFiles: [{ file: "values/prod.yaml", sha256: sha256Of(path.join(project, "values/prod.yaml")) }],
                postRenderer: { file: "post-render", sha256: sha256Of(path.join(project, "post-render")) },
            },
        });
        // A values file's content is never in the record: only its path and sha256.
        assert.ok(!JSON.stringify(record).includes("500m"));
        assert.deepStrictEqual(asRenderRecord(JSON.parse(JSON.stringify(record))), record, "it round-trips");
    });

    it("redacts helm.values when the stack stores helm encrypted (a field set with --secret)", () => {
        const secret = "db-password-4711";
        const s = load({ values: { db: { password: secret } } }, ["helm"]);
        assert.strictEqual(s.release.encrypted, true);
        const record = renderRecordOf(s, project);
        assert.strictEqual(record.helm.values, REDACTED);
        assert.ok(!JSON.stringify(record).includes(secret), "the secret is nowhere in the record");
        assert.strictEqual(load({ values: { a: 1 } }).release.encrypted, false);
    });

    it("reads entries without a record (older mains) as they were, and drops a record that is not whole", () => {
        const old = release("0.4.0", "a");
        const outputs = { role: "production", ...old, releases: [old] };
        assert.deepStrictEqual(historyOf(outputs).releases, [old]);
        assert.strictEqual(historyOf(outputs).releases[0].render, undefined);
        const record = renderRecordOf(load({}), project);
        const withRecord = release("0.4.1", "b", record);
        assert.deepStrictEqual(historyOf({ ...outputs, releases: [old, withRecord] }).releases, [old, withRecord]);
        const broken = { ...withRecord, render: { ...record, chartValues: { imageRepository: "image.repository" } } };
        assert.deepStrictEqual(historyOf({ ...outputs, releases: [broken] }).releases, [release("0.4.1", "b")]);
    });

    it("appends a promotion once; a re-run of it records the render it runs with now", () => {
        const first = release("0.4.1", "b", renderRecordOf(load({ values: { a: 1 } }), project));
        const again = release("0.4.1", "b", renderRecordOf(load({ values: { a: 2 } }), project));
        const old = release("0.4.0", "a");
        assert.deepStrictEqual(withPromotion([old], first), [old, first]);
        assert.deepStrictEqual(withPromotion([old, first], first), [old, first]);
        assert.deepStrictEqual(withPromotion([old, first], again), [old, again]);
        // An entry of an older main, promoted again now: one entry, with its record.
        assert.deepStrictEqual(withPromotion([old, release("0.4.1", "b")], first), [old, first]);
    });
});

describe("a rollback renders the release as it ran", () => {
    let project: string;
    const prodRelease = { name: "mirador-rca", namespace: "mirador-prod" };
    /** Today's settings: the chart renders repository:tag, another overlay, today's post-renderer. */
    const settings = (): ProductionReleaseSettings =>
        ({
            release: {
                ...prodRelease,
                values: { today: true },
                valuesFiles: [],
                postRenderer: path.join(project, "post-render"),
            },
            kubernetes: {},
            profile: { chart: { values: tagPaths }, track: { label: "track", stable: "stable" } },
        }) as unknown as ProductionReleaseSettings;
    const file = (name: string) => ({ file: name, sha256: sha256Of(path.join(project, name)) });
    /** What the old release recorded: the digest value, its own overlay, files as they were then. */
    const oldRecord = (): RenderRecord => ({
        profile: "profiles/mirador-rca.yaml",
        chartValues: digestPaths,
        track: { label: "release_track", value: "main" },
        helm: { values: { old: true }, valuesFiles: [file("values/prod.yaml")], postRenderer: file("post-render") },
    });

    beforeEach(() => {
        project = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-rollback-render-"));
        fs.mkdirSync(path.join(project, "values"));
        fs.writeFileSync(path.join(project, "values", "prod.yaml"), "resources: {}\n");
        fs.writeFileSync(path.join(project, "post-render"), "#!/bin/sh\ncat\n", { mode: 0o755 });
    });
    afterEach(() => fs.rmSync(project, { recursive: true, force: true }));

    it("takes the entry's recorded paths, track and overlay, not today's, and asks Helm nothing", () => {
        const { render, warnings } = rollbackRender(release("0.4.0", "a", oldRecord()), settings(), project, noHelm);
        assert.deepStrictEqual(render, {
            valuePaths: digestPaths,
            trackLabels: { release_track: "main" },
            values: { old: true },
            valuesFiles: [path.join(project, "values/prod.yaml")],
            postRenderer: path.join(project, "post-render"),
            source: "the history record of 0.4.0 (profile profiles/mirador-rca.yaml)",
        });
        assert.deepStrictEqual(warnings, []);
        // Pinned with those paths, the old chart's digest value gets the digest; today's tag path stays unset.
        const pinned = pinnedValues({
            paths: render.valuePaths,
            imageRepository: repository,
            imageTag: "v0.4.0",
            imageDigest: digest("a"),
            podLabels: render.trackLabels,
        });
        assert.deepStrictEqual(pinned, {
            image: { repository, digest: digest("a") },
            podLabels: { release_track: "main" },
        });
    });

    it("without a recorded post-renderer, renders with none (not today's)", () => {
        const record = oldRecord();
        delete record.helm.postRenderer;
        const { render } = rollbackRender(release("0.4.0", "a", record), settings(), project, noHelm);
        assert.strictEqual(render.postRenderer, undefined);
    });

    it("stops when the recorded post-renderer changed, naming the file and the fix", () => {
        const entry = release("0.4.0", "a", oldRecord());
        fs.writeFileSync(path.join(project, "post-render"), "#!/bin/sh\nsed s/a/b/\n");
        assert.match(
            problemOf(() => rollbackRender(entry, settings(), project, noHelm)),
            /mirador-release:rollback 0\.4\.0: helm\.postRenderer post-render changed .* restore post-render as it was when 0\.4\.0 was promoted \(sha256 [0-9a-f]{64}; its git history: git log -- post-render\)/,
        );
    });

    const oldValues = {
        image: { repository, digest: digest("a") },
        track: "stable",
        podAnnotations: { [rolloutAnnotation]: "0123456789abcdef" },
        releaseDrift: "none",
    };
    const helmOf = () =>
        fakeHelm([
            { revision: 1, status: "superseded", description: judgedDescription(digest("a")), values: oldValues },
            {
                revision: 2,
                status: "superseded",
                description: judgedDescription(digest("b")),
                values: { image: { repository, tag: `v0.4.1@${digest("b")}` } },
            },
            { revision: 3, status: "failed", description: "x", values: oldValues },
            {
                revision: 4,
                status: "deployed",
                description: `rollback 0.4.1 → 0.4.0: ${digest("a")} …`,
                values: { ...oldValues, extra: 1 },
            },
        ]);

    it("an entry without a record: Helm's record of the revision the gate promoted its digest with, paths where it pins", () => {
        const { records, calls } = helmOf();
        const { render, warnings } = rollbackRender(release("0.4.0", "a"), settings(), project, records);
        assert.deepStrictEqual(calls, ["history", "values 1"]);
        assert.strictEqual(render.source, "Helm's record of revision 1 of mirador-prod/mirador-rca");
        assert.deepStrictEqual(render.valuePaths, digestPaths, "the digest value, found where Helm's values pin it");
        assert.deepStrictEqual(render.trackLabels, {}, "the values hold the track already");
        assert.deepStrictEqual(render.values, {}, "nothing of today's overlay");
        assert.strictEqual(render.postRenderer, path.join(project, "post-render"));
        assert.strictEqual(render.valuesFiles.length, 1);
        // Helm's values, less the program's per-run marks, in a values file only its owner reads.
        const written = render.valuesFiles[0];
        assert.deepStrictEqual(JSON.parse(fs.readFileSync(written, "utf8")), {
            image: { repository, digest: digest("a") },
            track: "stable",
        });
        assert.strictEqual(fs.statSync(written).mode & 0o077, 0);
        assert.match(warnings.join("\n"), /no render record of 0\.4\.0 .* today's helm\.postRenderer \(post-render\)/);
        // The same again (a second up): the same file.
        assert.deepStrictEqual(rollbackRender(release("0.4.0", "a"), settings(), project, helmOf().records), {
            render,
            warnings,
        });
    });

    it("an entry whose values file changed since: Helm's record, with the entry's recorded paths and track", () => {
        const entry = release("0.4.0", "a", oldRecord());
        fs.writeFileSync(path.join(project, "values", "prod.yaml"), "resources: { limits: {} }\n");
        const { render, warnings } = rollbackRender(entry, settings(), project, helmOf().records);
        assert.strictEqual(render.source, "Helm's record of revision 1 of mirador-prod/mirador-rca");
        assert.deepStrictEqual(render.valuePaths, digestPaths);
        assert.deepStrictEqual(render.trackLabels, { release_track: "main" });
        assert.match(
            warnings.join("\n"),
            /takes its values from Helm's record: helm\.valuesFiles values\/prod\.yaml changed/,
        );
    });

    it("an entry whose helm.values were redacted: Helm's record", () => {
        const record = oldRecord();
        record.helm.values = REDACTED;
        const { render } = rollbackRender(release("0.4.0", "a", record), settings(), project, helmOf().records);
        assert.match(render.source, /^Helm's record of revision 1 /);
    });

    it("stops at config stage when Helm no longer holds a revision that ran the digest, naming release, why and fix", () => {
        const { records } = fakeHelm([
            {
                revision: 12,
                status: "deployed",
                description: judgedDescription(digest("b")),
                values: { image: { repository, tag: `v0.4.1@${digest("b")}` } },
            },
        ]);
        assert.match(
            problemOf(() => rollbackRender(release("0.4.0", "a"), settings(), project, records)),
            /^mirador-release:rollback 0\.4\.0: production's history has no record of how 0\.4\.0 was rendered \(it was promoted before the history kept one\), and Helm no longer holds a revision of mirador-prod\/mirador-rca that ran sha256:a{64} \(it keeps the last 10\), so the release it returns to cannot be rendered as it ran \(the program never renders it with today's value paths\): roll back to a release whose history entry records its render, or ship 0\.4\.0's commit as a new version through staging and promote it$/,
        );
        const changedFile = release("0.4.0", "a", oldRecord());
        fs.writeFileSync(path.join(project, "values", "prod.yaml"), "changed: true\n");
        assert.match(
            problemOf(() => rollbackRender(changedFile, settings(), project, records)),
            /helm\.valuesFiles values\/prod\.yaml changed .* Helm no longer holds .*: restore values\/prod\.yaml as it was when 0\.4\.0 was promoted/,
        );
        const unreadable: HelmRecords = {
            history: () => {
                throw new Error("helm history mirador-rca: Error: release: not found");
            },
            values: () => ({}),
        };
        assert.match(
            problemOf(() => rollbackRender(release("0.4.0", "a"), settings(), project, unreadable)),
            /Helm's history of mirador-prod\/mirador-rca cannot be read: helm history mirador-rca: Error: release: not found/,
        );
    });
});

describe("Helm's record of a revision", () => {
    it("parses helm history", () => {
        assert.deepStrictEqual(
            parseHelmHistory('[{"revision":1,"status":"superseded","chart":"c-0.4.0","description":"d"}]'),
            [{ revision: 1, status: "superseded", description: "d" }],
        );
    });

    it("finds the pin of a tag-shaped chart, and refuses values that pin the digest twice", () => {
        const tagged = { image: { repository, tag: `v0.4.0@${digest("a")}` }, podLabels: { track: "stable" } };
        assert.deepStrictEqual(pinPathsOf(tagged, { repository, digest: digest("a") }, digestPaths), tagPaths);
        const twice = { image: { repository, digest: digest("a") }, sidecar: { image: `x@${digest("a")}` } };
        assert.match(
            JSON.stringify(pinPathsOf(twice, { repository, digest: digest("a") }, tagPaths)),
            /hold the digest at image\.digest, sidecar\.image, so the value that pins the image is not known/,
        );
    });

    it("takes no revision that did not run the digest", () => {
        const { records } = fakeHelm([
            { revision: 1, status: "deployed", description: judgedDescription(digest("a")), values: { a: 1 } },
        ]);
        assert.strictEqual(revisionThatRan(records, digest("a")), undefined);
    });
});

describe("the policy pack reads a rollback's pin where its recorded paths put it", () => {
    const profile = loadServiceProfile(path.join(repoRoot, "profiles", "mirador-rca.yaml"));
    const args = (description: string, image: Record<string, unknown>) =>
        ({
            type: "kubernetes:helm.sh/v3:Release",
            name: "production-release",
            props: { name: "mirador-rca", namespace: "mirador-prod", description, values: { image } },
        }) as unknown as ResourceValidationArgs;
    const rollback = rollbackDescription({ from: "0.4.1", to: "0.4.0", digest: digest("a") });
    const oldShape = { repository, digest: digest("a") };

    it("takes the one value that pins the recorded digest, when today's profile path pins nothing", () => {
        const image = imageValues(args(rollback, oldShape), profile);
        assert.deepStrictEqual(
            { pinPath: image.pinPath, kind: image.kind, digest: pinnedDigest(image) },
            { pinPath: "image.digest", kind: "digest", digest: digest("a") },
        );
        assert.deepStrictEqual(imagePinProblems(image), []);
        assert.strictEqual(alreadyPromoted(args(rollback, oldShape), profile), true);
    });

    it("reads today's path for anything but a rollback, and for a rollback that pins another digest", () => {
        const promotion = imageValues(args(judgedDescription(digest("a")), oldShape), profile);
        assert.strictEqual(promotion.pinPath, "image.tag");
        assert.strictEqual(pinnedDigest(promotion), undefined);
        const other = imageValues(args(rollback, { repository, digest: digest("b") }), profile);
        assert.strictEqual(pinnedDigest(other), undefined);
        assert.strictEqual(alreadyPromoted(args(rollback, { repository, digest: digest("b") }), profile), false);
    });
});
