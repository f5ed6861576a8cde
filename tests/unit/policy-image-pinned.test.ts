// image-pinned-by-digest: every Helm release takes its image by digest, at the profile's chart value paths.
import * as assert from "assert/strict";
import { imagePinnedByDigest } from "../../policy/image-pinned-by-digest";
import { CANARY_DIGEST } from "../support/fake-prometheus";
import { pinned, releaseProps, validationArgs, violationsOf } from "../support/policy-args";

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

describe("policy: image-pinned-by-digest", () => {
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
        const props = { ...releaseProps("mirador-prod", "ledger", {}), values: { app: { image } } };
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

    it("is mandatory by default", () => {
        assert.equal(imagePinnedByDigest.enforcementLevel, "mandatory");
    });
});
