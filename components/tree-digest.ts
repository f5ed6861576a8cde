// A content digest of a directory tree, computed when the program runs: a plain value that makes a step re-run
// when (and only when) the files it reads change.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";

/** `exclude` names top-level entries that are outputs of a step rather than its inputs (e.g. a chart's charts/). */
export function treeDigest(dir: string, exclude: string[] = []): string {
    const hash = crypto.createHash("sha256");
    const walk = (rel: string) => {
        const abs = path.join(dir, rel);
        for (const entry of fs.readdirSync(abs, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
            const child = path.join(rel, entry.name);
            if (rel === "" && exclude.includes(entry.name)) {
                continue;
            }
            if (entry.isDirectory()) {
                walk(child);
            } else if (entry.isFile()) {
                hash.update(child)
                    .update("\0")
                    .update(fs.readFileSync(path.join(dir, child)))
                    .update("\0");
            }
        }
    };
    walk("");
    return `sha256:${hash.digest("hex")}`;
}
