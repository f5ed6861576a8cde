// What Helm says of a release right now, asked while the program runs (read-only: `helm status`), in the stack's
// kubeconfig and kube context. The pending guard uses it to run exactly when a killed run left the release pending.
import { execFileSync } from "child_process";

export interface HelmTarget {
    release: string;
    namespace: string;
    kubeconfig?: string;
    /** kubernetes.context: the kube context the provider uses; helm must ask the same cluster. */
    kubeContext?: string;
}

/** The arguments and environment helm needs to reach the stack's cluster (`--kube-context` when one is set). */
export function helmTargetArgs(t: HelmTarget): { args: string[]; env: Record<string, string> } {
    return {
        args: ["-n", t.namespace, ...(t.kubeContext ? ["--kube-context", t.kubeContext] : [])],
        env: t.kubeconfig ? { KUBECONFIG: t.kubeconfig } : {},
    };
}

/**
 * Runs helm against the release's cluster (bounded; `-n`, the kube context and the kubeconfig added) and returns its
 * output; throws with helm's own words (or "helm is not on PATH").
 */
export function runHelmAt(t: HelmTarget, args: string[], timeoutMs = 60_000): string {
    const target = helmTargetArgs(t);
    try {
        return execFileSync("helm", [...args, ...target.args], {
            encoding: "utf8",
            env: { ...process.env, ...target.env },
            stdio: ["ignore", "pipe", "pipe"],
            timeout: timeoutMs,
            maxBuffer: 64 * 1024 * 1024,
        });
    } catch (err) {
        const e = err as { stderr?: string; message: string; code?: string };
        throw new Error(e.code === "ENOENT" ? "helm is not on PATH" : (e.stderr || e.message).trim());
    }
}

/** Helm's status of a release: "deployed", "pending-upgrade", …; "" when it is not installed or Helm cannot say. */
export interface LiveStatus {
    status: string;
    revision: number;
    /** The latest revision's description ("" when unknown): the program writes its own (gate/judged.ts). */
    description: string;
}

/** Parses `helm status -o json`; anything else (no release, no cluster) is "not known" rather than an error. */
export function parseHelmStatus(json: string): LiveStatus {
    try {
        const doc = JSON.parse(json) as { version?: number; info?: { status?: string; description?: string } };
        return { status: doc.info?.status ?? "", revision: doc.version ?? 0, description: doc.info?.description ?? "" };
    } catch {
        return { status: "", revision: 0, description: "" };
    }
}

export function isPending(s: LiveStatus): boolean {
    return s.status.startsWith("pending-");
}

/** Asks helm for the release's status (bounded: 30 s); an absent release or unreachable cluster gives status "". */
export function helmLiveStatus(t: HelmTarget): LiveStatus {
    const { args, env } = helmTargetArgs(t);
    try {
        const out = execFileSync("helm", ["status", t.release, ...args, "-o", "json"], {
            encoding: "utf8",
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 30_000,
        });
        return parseHelmStatus(out);
    } catch {
        return { status: "", revision: 0, description: "" };
    }
}

/**
 * The pending guard's recovery key: names the pending revision when the release is pending (so that each
 * interrupted run is recovered once), "settled" otherwise. ChartRelease ignores the key's changes while the release
 * is settled, so a healthy release's second `pulumi up` runs nothing.
 */
export function recoveryKey(s: LiveStatus): string {
    return isPending(s) ? `${s.status}@${s.revision}` : "settled";
}
