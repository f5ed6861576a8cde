// What Helm itself recorded of the production release's revisions (read-only: `helm history`, `helm get values
// --revision N`), in the stack's kubeconfig and kube context. A rollback to a history entry that has no render
// record reads here how the release that ran its digest was rendered (config/helm-recorded-render.ts).
import { HelmTarget, runHelmAt } from "../components/helm-live-status";

export interface HelmRevision {
    revision: number;
    /** "deployed", "superseded", "failed", … */
    status: string;
    description: string;
}

/** Helm's records of one release. */
export interface HelmRecords {
    /** Its revisions, as `helm history` lists them; throws when Helm cannot say. */
    history(): HelmRevision[];
    /** The values a revision was installed with (user-supplied: values files and values merged, as Helm keeps them). */
    values(revision: number): Record<string, unknown>;
}

function helm(t: HelmTarget, args: string[]): string {
    try {
        return runHelmAt(t, [...args, "-o", "json"]);
    } catch (err) {
        throw new Error(`helm ${args.join(" ")}: ${(err as Error).message.replace(/\s+/g, " ")}`);
    }
}

/** Parses `helm history -o json`. Internal. Exported for testing. */
export function parseHelmHistory(json: string): HelmRevision[] {
    const doc = JSON.parse(json) as unknown;
    if (!Array.isArray(doc)) {
        throw new Error(`helm history gave no list: ${json.slice(0, 120)}`);
    }
    return doc.map((r: { revision?: unknown; status?: unknown; description?: unknown }) => ({
        revision: Number(r.revision),
        status: typeof r.status === "string" ? r.status : "",
        description: typeof r.description === "string" ? r.description : "",
    }));
}

/** The records of the release `t` names, asked of helm when needed. */
export function helmRecords(t: HelmTarget): HelmRecords {
    return {
        history: () => parseHelmHistory(helm(t, ["history", t.release])),
        values: (revision) => {
            const doc = JSON.parse(helm(t, ["get", "values", t.release, "--revision", String(revision)])) as unknown;
            return typeof doc === "object" && doc !== null && !Array.isArray(doc)
                ? (doc as Record<string, unknown>)
                : {};
        },
    };
}
