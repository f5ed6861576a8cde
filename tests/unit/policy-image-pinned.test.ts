// image-pinned-by-digest: every Helm release takes its image by digest.
import * as assert from "assert/strict";
import { imagePinnedByDigest } from "../../policy/image-pinned-by-digest";
import { CANARY_DIGEST } from "../support/fake-prometheus";
import { releaseProps, validationArgs, violationsOf } from "../support/policy-args";

const REPO = "127.0.0.1:5000/mirador-rca";

function check(image: Record<string, unknown>, namespace = "mirador-prod", type?: string): Promise<string[]> {
    return violationsOf(imagePinnedByDigest, validationArgs(releaseProps(namespace, "mirador-rca", image), {}, type));
}

describe("policy: image-pinned-by-digest", () => {
    it("passes a release pinned by digest, in prod and in staging", async () => {
        assert.deepEqual(await check({ repository: REPO, digest: CANARY_DIGEST }), []);
        assert.deepEqual(await check({ repository: REPO, digest: CANARY_DIGEST, tag: "" }, "mirador-staging"), []);
    });

    it("reports a tag, naming the release", async () => {
        const violations = await check({ repository: REPO, digest: CANARY_DIGEST, tag: "v0.4.0" });
        assert.deepEqual(violations, [
            'mirador-prod/mirador-rca: values.image.tag "v0.4.0" is set: a tag can move, deploy by digest',
        ]);
    });

    it("reports a tag or a digest hidden in the repository", async () => {
        for (const repository of [`${REPO}:v0.4.0`, `mirador-rca:latest`, `${REPO}@${CANARY_DIGEST}`]) {
            const violations = await check({ repository, digest: CANARY_DIGEST });
            assert.equal(violations.length, 1, repository);
            assert.match(violations[0], /carries a tag or digest/);
        }
    });

    it("reports a missing or malformed digest", async () => {
        assert.match((await check({ repository: REPO }))[0], /values\.image\.digest \(unset\) is not sha256:<64 hex>/);
        assert.match((await check({ repository: REPO, digest: "sha256:abc" }))[0], /"sha256:abc" is not sha256/);
    });

    it("reports a release without image values at all (missing data)", async () => {
        const args = validationArgs({ name: "other", namespace: "mirador-prod", chart: "x", values: {} });
        const violations = await violationsOf(imagePinnedByDigest, args);
        assert.deepEqual(violations, [
            "mirador-prod/other: values.image.repository is not set",
            "mirador-prod/other: values.image.digest (unset) is not sha256:<64 hex>",
        ]);
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
