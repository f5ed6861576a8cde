// Runs, with the real tools, the very shell commands that the program declares as command:local:Command
// resources (taken from a mocked run of index.ts), so tests check what `pulumi up` would execute.
import { spawn } from "child_process";
import { ProgramRun } from "../unit/support/program";
import { repoRoot, toolPath } from "./tools";

export interface DeclaredCommand {
    create: string;
    environment: Record<string, string>;
    stdin?: string;
}

export function declaredCommand(run: ProgramRun, name: string): DeclaredCommand {
    const r = run.byName(name);
    if (r.type !== "command:local:Command") {
        throw new Error(`${name} is a ${r.type}, not a command`);
    }
    return { create: String(r.inputs.create), environment: r.inputs.environment ?? {}, stdin: r.inputs.stdin };
}

export interface CommandResult {
    status: number | null;
    stdout: string;
    stderr: string;
}

/**
 * Runs a declared command from the project directory, as the command provider does; `env` overrides variables.
 * Asynchronous, so that receivers served by the test process itself can answer it.
 */
export function runDeclared(
    cmd: DeclaredCommand,
    env: Record<string, string> = {},
    timeoutMs = 120000,
): Promise<CommandResult> {
    return new Promise((resolve, reject) => {
        const child = spawn("/bin/sh", ["-c", cmd.create], {
            cwd: repoRoot,
            env: { ...process.env, PATH: toolPath(), ...cmd.environment, ...env },
            stdio: ["pipe", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
        child.on("error", reject);
        child.on("close", (status) => {
            clearTimeout(timer);
            resolve({ status, stdout: stdout.replace(/\n$/, ""), stderr });
        });
        // A command that exits without reading its input closes the pipe first: EPIPE is its choice, not an error.
        child.stdin.on("error", (err: NodeJS.ErrnoException) => {
            if (err.code !== "EPIPE") {
                reject(err);
            }
        });
        child.stdin.end(cmd.stdin ?? "");
    });
}
