// What Helm itself recorded of the production release's revisions (read-only: `helm history`, `helm get values
// --revision N`), in the stack's kubeconfig and kube context. A rollback to a history entry that has no render
// record reads here how the release that ran its digest was rendered (config/helm-recorded-render.ts).
import { execFileSync } from "child_process";
import { HelmTarget, helmTargetArgs } from "../components/helm-live-status";

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
    const target = helmTargetArgs(t);
    try {
        return execFileSync("helm", [...args, ...target.args, "-o", "json"], {
            encoding: "utf8",
            env: { ...process.env, ...target.env },
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 60_000,
            maxBuffer: 64 * 1024 * 1024,
        });
    } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(`helm ${args.join(" ")}: ${(e.stderr || e.message).trim().replace(/\s+/g, " ")}`);
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
