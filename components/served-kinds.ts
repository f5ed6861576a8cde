// The kinds a cluster serves ("apiVersion/Kind"), from `kubectl api-resources -o wide`: what the rendered release
// may contain (components/rendered-check.ts). Bounded in time: a cluster that does not answer is an error.
import { execFileSync } from "child_process";

/** Reads kubectl's table by its header's column offsets (names and short names may be empty or contain commas). */
export function parseApiResources(table: string): string[] {
    const [header, ...rows] = table.split("\n").filter((l) => l.trim() !== "");
    const at = (column: string) => {
        const i = header?.search(new RegExp(`\\b${column}\\b`));
        if (i === undefined || i < 0) {
            throw new Error(`kubectl api-resources printed no ${column} column: ${header ?? "(nothing)"}`);
        }
        return i;
    };
    const apiVersion = at("APIVERSION");
    const namespaced = at("NAMESPACED");
    const kind = at("KIND");
    const verbs = at("VERBS");
    return rows.map((r) => `${r.slice(apiVersion, namespaced).trim()}/${r.slice(kind, verbs).trim()}`);
}

export function servedKinds(opts: { kubeconfig?: string; kubeContext?: string }): string[] {
    const args = [
        "api-resources",
        "-o",
        "wide",
        "--request-timeout=10s",
        ...(opts.kubeContext ? ["--context", opts.kubeContext] : []),
    ];
    try {
        return parseApiResources(
            execFileSync("kubectl", args, {
                encoding: "utf8",
                env: { ...process.env, ...(opts.kubeconfig ? { KUBECONFIG: opts.kubeconfig } : {}) },
                stdio: ["ignore", "pipe", "pipe"],
                timeout: 30_000,
            }),
        );
    } catch (err) {
        const e = err as { stderr?: string; message: string };
        throw new Error(
            `cannot ask the cluster which kinds it serves (kubectl api-resources): ${(e.stderr || e.message).trim()}`,
        );
    }
}
