// What a production release is rendered with besides its chart and digest: the service profile's chart value paths
// and track label its pins went to, and the stack's Helm overlay (helm.values, helm.valuesFiles, helm.postRenderer).
// Production's history records it with each promoted release (config/production-history.ts), so that a rollback
// renders that release as it ran, not with today's profile and overlay (config/rollback-render.ts).
//
// Values files and the post-renderer are recorded by project-relative path and sha256, not by content: they are
// files of this project, whose git history keeps each content; a values file is where a chart's credentials often
// sit, outside the config's encryption, and the stack's outputs are plain text to anyone who reads the stack. A
// rollback uses a file only while it still has the recorded sha256. helm.values is recorded as given, unless the
// stack stores `helm` encrypted (a field set with --secret): then it is redacted, never written out.
import { createHash } from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ChartValuePaths } from "./service-profile";
import { ProductionReleaseSettings } from "./settings";

/** What a redacted helm.values is recorded as. */
export const REDACTED = "[redacted: helm is stored encrypted (pulumi config set --secret)]";

/** A file of this project as a release used it: its path relative to the project, and its content's sha256. */
export interface RecordedFile {
    file: string;
    sha256: string;
}

/** What a history entry records of how its release was rendered. */
export interface RenderRecord {
    /** The service profile it was read from, relative to the project (for people: the fields below count). */
    profile: string;
    /** The profile's chart.values: the dotted value paths the pins went to. */
    chartValues: ChartValuePaths;
    /** The pod label that carried the track, and its value (the profile's track.label and track.stable). */
    track: { label: string; value: string };
    helm: {
        /** helm.values as used, or REDACTED. */
        values: Record<string, unknown> | typeof REDACTED;
        valuesFiles: RecordedFile[];
        postRenderer?: RecordedFile;
    };
}

/** How the release is rendered in this run (the settings of a promotion, or what a rollback recorded). */
export interface ReleaseRender {
    valuePaths: ChartValuePaths;
    /** The pod labels that carry the track; none when the values already hold them (Helm's own record). */
    trackLabels: Record<string, string>;
    values: Record<string, unknown>;
    /** Absolute paths. */
    valuesFiles: string[];
    /** Absolute path. */
    postRenderer?: string;
    /** Where this render comes from, for the log and the rollback output. */
    source: string;
}

export function sha256Of(file: string): string {
    return createHash("sha256").update(fs.readFileSync(file)).digest("hex");
}

function recorded(projectDir: string, file: string): RecordedFile {
    return { file: path.relative(projectDir, file) || ".", sha256: sha256Of(file) };
}

/** A promotion's render: the stack's settings as they are now. */
export function settingsRender(s: ProductionReleaseSettings): ReleaseRender {
    return {
        valuePaths: s.profile.chart.values,
        trackLabels: { [s.profile.track.label]: s.profile.track.stable },
        values: s.release.values,
        valuesFiles: s.release.valuesFiles,
        postRenderer: s.release.postRenderer,
        source: "the stack's settings",
    };
}

/** The record a promotion writes into production's history: the profile's paths and the overlay, as used now. */
export function renderRecordOf(s: ProductionReleaseSettings, projectDir: string): RenderRecord {
    const h = s.release;
    return {
        profile: path.relative(projectDir, s.profile.file) || s.profile.file,
        chartValues: { ...s.profile.chart.values },
        track: { label: s.profile.track.label, value: s.profile.track.stable },
        helm: {
            values: h.encrypted ? REDACTED : h.values,
            valuesFiles: h.valuesFiles.map((f) => recorded(projectDir, f)),
            ...(h.postRenderer === undefined ? {} : { postRenderer: recorded(projectDir, h.postRenderer) }),
        },
    };
}

type Obj = Record<string, unknown>;
const isObject = (v: unknown): v is Obj => typeof v === "object" && v !== null && !Array.isArray(v);
const isText = (v: unknown): v is string => typeof v === "string" && v !== "";
const SHA256 = /^[0-9a-f]{64}$/;

function asFile(v: unknown): RecordedFile | undefined {
    return isObject(v) && isText(v.file) && typeof v.sha256 === "string" && SHA256.test(v.sha256)
        ? { file: v.file, sha256: v.sha256 }
        : undefined;
}

function asPaths(v: unknown): ChartValuePaths | undefined {
    if (!isObject(v) || !Object.values(v).every(isText)) {
        return undefined;
    }
    const required = ["imageRepository", "replicas", "podLabels", "servicePort", "metricsPort"];
    const oneImage = (v.imageTag === undefined) !== (v.imageDigest === undefined);
    return required.every((k) => isText(v[k])) && oneImage ? (v as unknown as ChartValuePaths) : undefined;
}

/** A history entry's render record as the stack's outputs hold it; undefined when absent or not whole. */
export function asRenderRecord(value: unknown): RenderRecord | undefined {
    if (!isObject(value) || !isObject(value.helm) || !isObject(value.track)) {
        return undefined;
    }
    const { helm, track } = value;
    const chartValues = asPaths(value.chartValues);
    const files = Array.isArray(helm.valuesFiles) ? helm.valuesFiles.map(asFile) : [];
    const postRenderer = helm.postRenderer === undefined ? undefined : asFile(helm.postRenderer);
    const values = helm.values === REDACTED || isObject(helm.values) ? helm.values : undefined;
    const whole =
        isText(value.profile) &&
        chartValues !== undefined &&
        isText(track.label) &&
        isText(track.value) &&
        values !== undefined &&
        Array.isArray(helm.valuesFiles) &&
        files.every((f) => f !== undefined) &&
        (helm.postRenderer === undefined || postRenderer !== undefined);
    if (!whole) {
        return undefined;
    }
    return {
        profile: value.profile as string,
        chartValues,
        track: { label: track.label as string, value: track.value as string },
        helm: {
            values: values as RenderRecord["helm"]["values"],
            valuesFiles: files.filter((f) => f !== undefined),
            ...(postRenderer ? { postRenderer } : {}),
        },
    };
}
