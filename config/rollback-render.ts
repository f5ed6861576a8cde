// How a rollback renders the release it returns to: as that release ran, never with today's profile value paths
// and overlay. The rule (README "Roll production back", docs/service-profile.md):
//  1. the entry's render record (config/release-render.ts), when whole and usable: its chart value paths, track
//     label, helm.values, and its values files and post-renderer while each still has its recorded sha256;
//  2. otherwise (an entry recorded before the history kept renders; a values file changed since; helm.values
//     redacted) what Helm itself recorded for the revision that ran the entry's digest, read through the stack's
//     kubeconfig (config/helm-recorded-render.ts), with the record's value paths when it has them;
//  3. when Helm no longer holds such a revision, the rollback stops here, naming the release, why, and the fix.
// A recorded post-renderer that changed stops the rollback too (Helm does not record it); an entry without a
// record is rendered with today's helm.postRenderer, and the run says so.
import * as fs from "fs";
import * as path from "path";
import { HelmTarget } from "../components/helm-live-status";
import { pinPathsOf, revisionThatRan, writeRecordedValues } from "./helm-recorded-render";
import { HelmRecords, helmRecords } from "./helm-revisions";
import { PromotedRelease } from "./production-history";
import { RecordedFile, REDACTED, ReleaseRender, RenderRecord, sha256Of } from "./release-render";
import { ProductionReleaseSettings } from "./settings";
import { ConfigError } from "./validate";

export interface RollbackRender {
    render: ReleaseRender;
    /** What the run should say of it (a fallback it took). */
    warnings: string[];
}

/** Whether a recorded file still has its recorded content; the problem otherwise. */
function changed(projectDir: string, f: RecordedFile): string | undefined {
    const file = path.resolve(projectDir, f.file);
    if (!fs.existsSync(file)) {
        return `${f.file} no longer exists`;
    }
    const now = sha256Of(file);
    return now === f.sha256
        ? undefined
        : `${f.file} changed (sha256 ${now.slice(0, 12)}…, recorded ${f.sha256.slice(0, 12)}…)`;
}

const restoreHint = (f: RecordedFile, version: string) =>
    `restore ${f.file} as it was when ${version} was promoted (sha256 ${f.sha256}; its git history: git log -- ${f.file}) and run again`;

function fromRecord(
    entry: PromotedRelease,
    record: RenderRecord,
    projectDir: string,
    postRenderer: string | undefined,
): ReleaseRender {
    return {
        valuePaths: record.chartValues,
        trackLabels: { [record.track.label]: record.track.value },
        values: record.helm.values as Record<string, unknown>,
        valuesFiles: record.helm.valuesFiles.map((f) => path.resolve(projectDir, f.file)),
        postRenderer,
        source: `the history record of ${entry.version} (profile ${record.profile})`,
    };
}

/** The render of a rollback to `entry`, or a ConfigError that names the release, why and the fix. */
export function rollbackRender(
    entry: PromotedRelease,
    s: ProductionReleaseSettings,
    projectDir: string,
    records?: HelmRecords,
): RollbackRender {
    const target: HelmTarget = {
        release: s.release.name,
        namespace: s.release.namespace,
        kubeconfig: s.kubernetes.kubeconfig,
        kubeContext: s.kubernetes.context,
    };
    const release = `${target.namespace}/${target.release}`;
    const record = entry.render;
    const warnings: string[] = [];
    let postRenderer = s.release.postRenderer;
    if (record !== undefined) {
        const recorded = record.helm.postRenderer;
        const problem = recorded === undefined ? undefined : changed(projectDir, recorded);
        if (recorded !== undefined && problem !== undefined) {
            throw new ConfigError([
                `mirador-release:rollback ${entry.version}: helm.postRenderer ${problem} since ${entry.version} was rendered with it, and Helm does not record a post-renderer: ${restoreHint(recorded, entry.version)}`,
            ]);
        }
        postRenderer = recorded === undefined ? undefined : path.resolve(projectDir, recorded.file);
        const files = record.helm.valuesFiles
            .map((f) => [f, changed(projectDir, f)] as const)
            .filter(([, p]) => p !== undefined);
        if (record.helm.values !== REDACTED && files.length === 0) {
            return { render: fromRecord(entry, record, projectDir, postRenderer), warnings };
        }
        const why =
            files.length > 0
                ? `helm.valuesFiles ${files.map(([, p]) => p).join("; ")}`
                : "its helm.values were redacted (helm is stored encrypted)";
        const fix =
            files.length > 0
                ? files.map(([f]) => restoreHint(f, entry.version)).join("; ")
                : "roll back to another release of the history";
        warnings.push(`the rollback to ${entry.version} takes its values from Helm's record: ${why}`);
        return fromHelm(entry, s, projectDir, records ?? helmRecords(target), {
            release,
            why,
            fix,
            record,
            postRenderer,
            warnings,
        });
    }
    warnings.push(
        `production's history has no render record of ${entry.version} (promoted before the history kept one): the rollback takes its values from Helm's record of ${release}, and today's helm.postRenderer (${s.release.postRenderer === undefined ? "none" : path.relative(projectDir, s.release.postRenderer)}), which Helm does not record`,
    );
    return fromHelm(entry, s, projectDir, records ?? helmRecords(target), {
        release,
        why: `production's history has no record of how ${entry.version} was rendered (it was promoted before the history kept one)`,
        fix: `roll back to a release whose history entry records its render, or ship ${entry.version}'s commit as a new version through staging and promote it`,
        postRenderer,
        warnings,
    });
}

function fromHelm(
    entry: PromotedRelease,
    s: ProductionReleaseSettings,
    projectDir: string,
    records: HelmRecords,
    c: { release: string; why: string; fix: string; record?: RenderRecord; postRenderer?: string; warnings: string[] },
): RollbackRender {
    const stop = (reason: string): never => {
        throw new ConfigError([
            `mirador-release:rollback ${entry.version}: ${c.why}, and ${reason}, so the release it returns to cannot be rendered as it ran (the program never renders it with today's value paths): ${c.fix}`,
        ]);
    };
    let found: ReturnType<typeof revisionThatRan>;
    try {
        found = revisionThatRan(records, entry.imageDigest);
    } catch (err) {
        return stop(`Helm's history of ${c.release} cannot be read: ${(err as Error).message}`);
    }
    if (found === undefined) {
        return stop(
            `Helm no longer holds a revision of ${c.release} that ran ${entry.imageDigest} (it keeps the last 10)`,
        );
    }
    const image = { repository: entry.imageDigestRef.split("@")[0], digest: entry.imageDigest };
    const paths = c.record?.chartValues ?? pinPathsOf(found.values, image, s.profile.chart.values);
    if (typeof paths === "string") {
        return stop(`revision ${found.revision} of ${c.release}: ${paths}`);
    }
    const source = `Helm's record of revision ${found.revision} of ${c.release}`;
    return {
        render: {
            valuePaths: paths,
            trackLabels: c.record ? { [c.record.track.label]: c.record.track.value } : {},
            values: {},
            valuesFiles: [writeRecordedValues(projectDir, found.values)],
            postRenderer: c.postRenderer,
            source,
        },
        warnings: c.warnings,
    };
}
