// Locating the Go-built toolchain (scripts/bootstrap-tools) and the Debian tools from tests.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFileSync } from "child_process";

export const repoRoot = path.resolve(__dirname, "..", "..");
export const toolCache = process.env.MIRADOR_CACHE ?? path.join(os.homedir(), ".cache", "mirador-release");
export const toolBin = path.join(toolCache, "bin");

/** PATH with the bootstrap's bin folder first, for child processes. */
export function toolPath(): string {
    return [toolBin, process.env.PATH ?? ""].join(path.delimiter);
}

/**
 * The absolute path of a tool: the bootstrap's link first, then PATH. Throws with the command that provides it,
 * so that a missing tool fails the test instead of skipping it.
 */
export function requireTool(name: string): string {
    const linked = path.join(toolBin, name);
    if (fs.existsSync(linked)) {
        return linked;
    }
    for (const dir of (process.env.PATH ?? "").split(path.delimiter)) {
        const candidate = path.join(dir, name);
        if (dir && fs.existsSync(candidate)) {
            return candidate;
        }
    }
    const hint = fs.existsSync(path.join(repoRoot, "tools", "go", name))
        ? `run scripts/bootstrap-tools ${name}`
        : "run scripts/bootstrap-tools --apt";
    throw new Error(`${name} is not installed: ${hint}`);
}

/** Runs a tool synchronously and returns its stdout; the error carries stderr. */
export function runTool(name: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
    return execFileSync(requireTool(name), args, {
        cwd: opts.cwd,
        env: { ...process.env, PATH: toolPath(), ...opts.env },
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    });
}
