// The tools the service profile's preflight and prebuild commands need (go, goimports, golangci-lint, govulncheck,
// make) are checked on PATH before anything is declared. A test machine may have none of them: stand-ins in
// tests/fixtures/tools-on-path are appended to PATH, after the real tools, so that the real ones win where they
// are. A test that needs a tool to be missing sets PATH without them (see config.test.ts).
import * as path from "path";
import { repoRoot } from "../../support/tools";

export const standInTools = path.join(repoRoot, "tests", "fixtures", "tools-on-path");

/** PATH with the stand-ins' folder last (once). */
export function withStandInTools(searchPath = process.env.PATH ?? ""): string {
    const dirs = searchPath.split(path.delimiter).filter((d) => d !== "");
    return dirs.includes(standInTools) ? searchPath : [...dirs, standInTools].join(path.delimiter);
}

process.env.PATH = withStandInTools();
