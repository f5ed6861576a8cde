// Another value shape of the example chart, for the rollback across a chart change (tests/e2e/rollback.test.ts):
// the chart takes the digest at its own value (image.digest, rendered as repository@digest) instead of in the tag,
// and a service profile that names that path (chart.values.imageDigest). The same edits as the second service's
// chart (tests/support/second-service.ts), made in the sandbox's checkout, and undone by putting the files back.
import * as fs from "fs";
import * as path from "path";

/** The profile file, in the project copy, that names the digest value. */
export const DIGEST_PROFILE = "profiles/mirador-rca-digest-value.yaml";

function edit(file: string, from: string | RegExp, to: string): void {
    const before = fs.readFileSync(file, "utf8");
    const after = before.replace(from, to);
    if (after === before) {
        throw new Error(`${file}: the chart shape edit changed nothing here (has the example changed?)`);
    }
    fs.writeFileSync(file, after);
}

/**
 * Gives a copy of the example chart a digest value (image.digest, rendered as repository@digest; the tag shape when
 * it is empty). Also the second service's chart (tests/support/second-service.ts).
 */
export function addDigestValue(chart: string): void {
    edit(
        path.join(chart, "values.yaml"),
        /^ {2}tag: ""$/m,
        '  tag: ""\n  # A digest (sha256:<64 hex>): rendered as "repository@digest".\n  digest: ""',
    );
    edit(
        path.join(chart, "templates", "_helpers.tpl"),
        '{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}',
        "{{- if .Values.image.digest -}}\n" +
            '{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}\n' +
            "{{- else -}}\n" +
            '{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}\n' +
            "{{- end -}}",
    );
}

/**
 * Gives the checkout's chart a digest value; returns what puts its files back (the tag shape). Not committed.
 */
export function useDigestValue(checkout: string): () => void {
    const chart = path.join(checkout, "charts", "mirador-rca");
    const files = [path.join(chart, "values.yaml"), path.join(chart, "templates", "_helpers.tpl")];
    const saved = files.map((f) => fs.readFileSync(f, "utf8"));
    addDigestValue(chart);
    return () => files.forEach((f, i) => fs.writeFileSync(f, saved[i]));
}

/** Writes the profile that names the digest value into the project copy (beside profiles/mirador-rca.yaml). */
export function writeDigestProfile(projectDir: string): string {
    const text = fs.readFileSync(path.join(projectDir, "profiles", "mirador-rca.yaml"), "utf8");
    const file = path.join(projectDir, DIGEST_PROFILE);
    fs.writeFileSync(file, text.replace(/^( {4})imageTag: image\.tag$/m, "$1imageDigest: image.digest"));
    if (!fs.readFileSync(file, "utf8").includes("imageDigest: image.digest")) {
        throw new Error(`${file}: the profile names no imageTag to replace (has profiles/mirador-rca.yaml changed?)`);
    }
    return file;
}

/** A copy of a policy pack config whose three policies read `profile` (absolute). */
export function packConfigWithProfile(config: string, profile: string): string {
    const doc = JSON.parse(fs.readFileSync(config, "utf8")) as Record<string, Record<string, unknown>>;
    for (const policy of ["slo-gate", "promote-canaried-digest", "image-pinned-by-digest"]) {
        doc[policy] = { ...doc[policy], profile };
    }
    const file = config.replace(/\.json$/, "-digest-value.json");
    fs.writeFileSync(file, JSON.stringify(doc));
    return file;
}
