// The render of a rollback target as Helm itself recorded it: the values of the production release's revision that
// ran the target's digest (`helm get values --revision N`: the values files and values of that run, merged, with
// its pins). Used for a history entry that has no render record (recorded before production's history kept one),
// or whose record cannot be used as it is (a values file changed since, or helm.values was redacted).
//  - the revision: the newest one the gate promoted that digest with (its description), else the newest other
//    revision that pinned it; failed and pending revisions are not considered;
//  - the values: as Helm recorded them, less what the program adds to every run (the rollout annotation, the drift
//    marker), written to a values file (the release's state then holds its hash, not values that may be secret);
//  - the value paths: the record's, or where those values pin the digest and the repository (the other paths are
//    not pinned on the stable track: its labels are in the values already).
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";
import { rolloutAnnotation } from "../components/rollout-watch";
import { judgedDigest } from "../gate/judged";
import { HelmRecords } from "./helm-revisions";
import { ChartValuePaths } from "./service-profile";
import { digestPins, stringLeaves } from "./value-leaves";

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);

/** Whether values pin the digest: a value that is the digest, or `<tag>@<digest>`. */
export function pinsDigest(values: unknown, digest: string): boolean {
    return digestPins(values, digest).length > 0;
}

/** A revision's values less what the program adds to every run. Internal. Exported for testing. */
export function withoutRunMarks(values: Obj): Obj {
    const { releaseDrift: _drift, ...rest } = values;
    void _drift;
    if (isObject(rest.podAnnotations)) {
        const { [rolloutAnnotation]: _id, ...annotations } = rest.podAnnotations;
        void _id;
        if (Object.keys(annotations).length === 0) {
            delete rest.podAnnotations;
        } else {
            rest.podAnnotations = annotations;
        }
    }
    return rest;
}

/** The revision whose values ran `digest`, and those values; undefined when Helm holds none. */
export function revisionThatRan(records: HelmRecords, digest: string): { revision: number; values: Obj } | undefined {
    const usable = records
        .history()
        .filter((r) => r.status === "deployed" || r.status === "superseded")
        .sort((a, b) => b.revision - a.revision);
    const promoted = usable.filter((r) => judgedDigest(r.description) === digest);
    const others = usable.filter((r) => judgedDigest(r.description) !== digest);
    for (const r of [...promoted, ...others]) {
        const values = records.values(r.revision);
        if (pinsDigest(values, digest)) {
            return { revision: r.revision, values: withoutRunMarks(values) };
        }
    }
    return undefined;
}

/**
 * Where recorded values pin the image: the one value that holds the digest (alone: imageDigest; `<tag>@digest`:
 * imageTag) and the one that holds the repository (the pin's sibling first). The other paths are `rest`'s.
 */
export function pinPathsOf(
    values: Obj,
    image: { repository: string; digest: string },
    rest: ChartValuePaths,
): ChartValuePaths | string {
    const leaves = stringLeaves(values);
    const pins = digestPins(values, image.digest);
    if (pins.length !== 1) {
        return `its values hold the digest at ${pins.length === 0 ? "no path" : pins.map(([p]) => p).join(", ")}, so the value that pins the image is not known`;
    }
    const [pinPath, pin] = pins[0];
    const repositories = leaves.filter(([, v]) => v === image.repository).map(([p]) => p);
    const parent = pinPath.split(".").slice(0, -1).join(".");
    const sibling = repositories.find((p) => p.split(".").slice(0, -1).join(".") === parent);
    const repositoryPath = sibling ?? (repositories.length === 1 ? repositories[0] : undefined);
    if (repositoryPath === undefined) {
        return `its values hold the repository ${image.repository} at ${repositories.length === 0 ? "no path" : repositories.join(", ")}, so the value that names it is not known`;
    }
    const { imageTag: _tag, imageDigest: _digest, ...others } = rest;
    void _tag;
    void _digest;
    const kind = pin === image.digest ? { imageDigest: pinPath } : { imageTag: pinPath };
    return { ...others, imageRepository: repositoryPath, ...kind };
}

/** Writes recorded values as a values file of the project (named by its content, readable by the owner only). */
export function writeRecordedValues(projectDir: string, values: Obj): string {
    const text = `${JSON.stringify(values, null, 2)}\n`;
    const dir = path.join(projectDir, "dist", "recorded-values");
    const file = path.join(dir, `${createHash("sha256").update(text).digest("hex").slice(0, 16)}.json`);
    fs.mkdirSync(dir, { recursive: true });
    if (!fs.existsSync(file) || fs.readFileSync(file, "utf8") !== text) {
        fs.writeFileSync(file, text, { mode: 0o600 });
    }
    return file;
}
