// The pure helpers behind the components: parsing tool output, building payloads and merging values.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { announcementPayload } from "../../components/announcement";
import { parsePackageOutput } from "../../components/chart-package";
import { releaseBody } from "../../components/github-release";
import { verifiedDigest } from "../../components/signature-check";
import { patchAnnotations, routingData } from "../../components/traffic-switch";
import { treeDigest } from "../../components/tree-digest";
import { pinnedValues, setValueAt } from "../../components/pinned-values";
import { mergeValues } from "../../components/values";
import { ChartValuePaths } from "../../config/service-profile";
import { changelogSections } from "../../config/source-tree";
import { normaliseVersion } from "../../config/validate";
import { promiseOf } from "./support/program";

const digest = `sha256:${"a".repeat(64)}`;
const ref = `ghcr.io/miradorstack/mirador-rca@${digest}`;

describe("component helpers", () => {
    describe("verifiedDigest (cosign verify --output json)", () => {
        const payload = (d: string) => ({ critical: { image: { "docker-manifest-digest": d } } });
        it("accepts signatures of exactly the digest", () => {
            assert.ok(verifiedDigest(JSON.stringify([payload(digest), payload(digest)]), ref));
        });
        it("refuses a signature of another digest among them", () => {
            assert.ok(!verifiedDigest(JSON.stringify([payload(digest), payload(`sha256:${"b".repeat(64)}`)]), ref));
        });
        it("refuses no signature, garbage, and a reference without digest", () => {
            assert.ok(!verifiedDigest("[]", ref));
            assert.ok(!verifiedDigest("Error: no matching signatures", ref));
            assert.ok(!verifiedDigest(JSON.stringify([payload(digest)]), "ghcr.io/miradorstack/mirador-rca:v0.4.0"));
        });
    });

    describe("parsePackageOutput (helm package step)", () => {
        it("reads the archive and its digest", () => {
            assert.deepStrictEqual(parsePackageOutput(`dist/mirador-rca-0.4.0.tgz ${"f".repeat(64)}\n`), {
                archive: "dist/mirador-rca-0.4.0.tgz",
                digest: `sha256:${"f".repeat(64)}`,
            });
        });
        it("fails with what the step printed when there is no digest line", () => {
            assert.throws(
                () => parsePackageOutput("Error: chart not found"),
                /helm package printed no '<archive> <sha256>' line; it printed: Error: chart not found/,
            );
        });
    });

    describe("routingData (traffic switch)", () => {
        it("splits the weight between the tracks", () => {
            assert.deepStrictEqual(
                routingData({ track: "canary", weight: 25, releaseName: "mirador-rca-canary", version: "0.4.0" }),
                {
                    "rca.canary.release": "mirador-rca-canary",
                    "rca.canary.version": "0.4.0",
                    "rca.canary.weight": "25",
                    "rca.stable.weight": "75",
                },
            );
        });
        it("hands the traffic back to stable at promotion", () => {
            assert.deepStrictEqual(
                routingData({ track: "stable", weight: 100, releaseName: "mirador-rca", version: "0.4.0" }),
                {
                    "rca.stable.release": "mirador-rca",
                    "rca.stable.version": "0.4.0",
                    "rca.stable.weight": "100",
                    "rca.canary.weight": "0",
                },
            );
        });
        it("applies as the stack's own field manager, forcing the hand-over of the split", () => {
            assert.deepStrictEqual(patchAnnotations("mirador-release-staging"), {
                "pulumi.com/patchFieldManager": "mirador-release-staging",
                "pulumi.com/patchForce": "true",
            });
        });
    });

    describe("release notes and announcement", () => {
        it("puts the changelog first, then the digests", () => {
            const body = releaseBody("mirador-rca", "### Added\n- x\n", ref, digest);
            assert.strictEqual(body.split("\n")[0], "### Added");
            assert.ok(body.includes(`- Image: \`${ref}\``));
            assert.ok(body.includes(`- Helm chart: \`${digest}\``));
        });
        it("announces version, digests and links, skipping empty links", () => {
            const { text } = announcementPayload({
                service: "mirador-rca",
                version: "0.4.0",
                tag: "v0.4.0",
                digestRef: ref,
                chartDigest: digest,
                links: ["", "https://x/r"],
            });
            assert.deepStrictEqual(text.split("\n"), [
                ":rocket: *mirador-rca v0.4.0* is in production",
                `• image \`${ref}\` (cosign-verified)`,
                `• chart \`${digest}\``,
                "• https://x/r",
            ]);
        });
    });

    describe("mergeValues", () => {
        it("merges objects key by key and lets the pinned values win", () => {
            const merged = mergeValues(
                {
                    image: { repository: "x", pullPolicy: "Always", tag: "latest" },
                    resources: { limits: { memory: "1Gi" } },
                },
                { image: { repository: "y", digest } },
            );
            assert.deepStrictEqual(merged, {
                image: { repository: "y", pullPolicy: "Always", tag: "latest", digest },
                resources: { limits: { memory: "1Gi" } },
            });
        });
        it("treats Outputs as values, not as objects to merge into", () => {
            const out = pulumi.output({ a: 1 });
            assert.strictEqual(mergeValues({ x: { b: 2 } }, { x: out }).x, out);
        });
    });

    describe("setValueAt (dotted value paths)", () => {
        it("creates the objects on the way and merges into the ones there, without mutating them", () => {
            const base = { image: { repository: "r", pullPolicy: "Always" }, replicaCount: 2 };
            const set = setValueAt(base, "image.tag", "v1");
            assert.deepStrictEqual(set, {
                image: { repository: "r", pullPolicy: "Always", tag: "v1" },
                replicaCount: 2,
            });
            assert.deepStrictEqual(base.image, { repository: "r", pullPolicy: "Always" }, "base is not mutated");
            assert.deepStrictEqual(setValueAt({}, "a.b.c", 1), { a: { b: { c: 1 } } });
            assert.deepStrictEqual(setValueAt({ a: "scalar" }, "a.b", 1), { a: { b: 1 } });
        });
        it("refuses an empty path", () => {
            assert.throws(() => setValueAt({}, "", 1), /'' is not a dotted value path/);
        });
    });

    describe("pinnedValues (the profile's chart value paths)", () => {
        const paths: ChartValuePaths = {
            imageRepository: "image.repository",
            imageTag: "image.tag",
            replicas: "replicaCount",
            autoscaling: "autoscaling.enabled",
            podLabels: "podLabels",
            servicePort: "service.port",
            metricsPort: "metrics.port",
        };
        const resolved = (v: unknown) => promiseOf(pulumi.output(v));
        it("pins the digest in the tag, the track in the pod labels, and the canary's replicas with the HPA off", async () => {
            const pinned = pinnedValues({
                paths,
                imageRepository: "127.0.0.1:5000/svc",
                imageTag: "v0.4.0",
                imageDigest: digest,
                podLabels: { track: "canary", team: "a" },
                replicaCount: 1,
            });
            assert.deepStrictEqual(await resolved(pinned), {
                image: { repository: "127.0.0.1:5000/svc", tag: `v0.4.0@${digest}` },
                podLabels: { track: "canary", team: "a" },
                replicaCount: 1,
                autoscaling: { enabled: false },
            });
        });
        it("puts the digest alone at imageDigest, and leaves replicas and autoscaling to the chart without a count", async () => {
            const other = { ...paths, imageTag: undefined, imageDigest: "deploy.image.sha", podLabels: "pod.labels" };
            const pinned = pinnedValues({
                paths: other,
                imageRepository: "r",
                imageTag: "v1.0.0",
                imageDigest: digest,
                podLabels: { lane: "stable" },
            });
            assert.deepStrictEqual(await resolved(pinned), {
                image: { repository: "r" },
                deploy: { image: { sha: digest } },
                pod: { labels: { lane: "stable" } },
            });
        });
        it("sets no autoscaling value when the profile names none", async () => {
            const pinned = pinnedValues({
                paths: { ...paths, autoscaling: undefined },
                imageRepository: "r",
                imageTag: "v1",
                imageDigest: digest,
                podLabels: {},
                replicaCount: 3,
            });
            const values = (await resolved(pinned)) as Record<string, unknown>;
            assert.strictEqual(values.replicaCount, 3);
            assert.ok(!("autoscaling" in values));
        });
    });

    describe("normaliseVersion", () => {
        it("tolerates a leading v and nothing else", () => {
            assert.strictEqual(normaliseVersion("v1.2.3"), "1.2.3");
            assert.strictEqual(normaliseVersion("1.2.3-rc.1"), "1.2.3-rc.1");
            for (const bad of ["1.2", "01.2.3", "v1.2.3.4", "latest", "=1.2.3", " 1.2.3x"]) {
                assert.strictEqual(normaliseVersion(bad), undefined, bad);
            }
        });
    });

    describe("changelogSections", () => {
        const text =
            "# Changelog\n\n## [Unreleased]\n- wip\n\n## [v0.4.0] - 2025-09-22\n### Fixed\n- y\n\n## [v0.3.0] - 2025-08-01\n- z\n";
        it("cuts the version's section up to the next heading", () => {
            assert.deepStrictEqual(changelogSections(text, "0.4.0"), {
                hasUnreleased: true,
                date: "2025-09-22",
                release: "### Fixed\n- y",
            });
        });
        it("does not take 0.4.0 for 0.4.01 or 10.4.0", () => {
            assert.strictEqual(changelogSections(text.replace("v0.4.0", "v10.4.0"), "0.4.0").release, undefined);
        });
    });

    describe("treeDigest", () => {
        it("changes with a file's content and ignores excluded top-level entries", () => {
            const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tree-"));
            try {
                fs.writeFileSync(path.join(dir, "Chart.yaml"), "version: 1\n");
                fs.mkdirSync(path.join(dir, "charts"));
                const first = treeDigest(dir, ["charts"]);
                fs.writeFileSync(path.join(dir, "charts", "dep.tgz"), "downloaded");
                assert.strictEqual(treeDigest(dir, ["charts"]), first);
                fs.writeFileSync(path.join(dir, "Chart.yaml"), "version: 2\n");
                assert.notStrictEqual(treeDigest(dir, ["charts"]), first);
            } finally {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        });
    });
});
