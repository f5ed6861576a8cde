// Child processes of tests, bounded in time: killed by PID when they overrun. Also `npm run -s gate -- …`.
import { spawn } from "child_process";
import { repoRoot } from "./tools";

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs a command to its end; kills it (by PID) and rejects when it has not exited within `limitMs`. */
export function runBounded(
    file: string,
    args: string[],
    opts: { cwd: string; env?: NodeJS.ProcessEnv; limitMs: number },
): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const child = spawn(file, args, {
            cwd: opts.cwd,
            env: opts.env ?? process.env,
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
            if (child.pid !== undefined) {
                process.kill(child.pid, "SIGKILL");
            }
            reject(new Error(`${file} ${args[0] ?? ""} did not exit within ${opts.limitMs} ms: ${stdout}${stderr}`));
        }, opts.limitMs);
        child.on("error", (err) => {
            clearTimeout(timer);
            reject(err);
        });
        child.on("close", (code) => {
            clearTimeout(timer);
            resolve({ code, stdout, stderr });
        });
    });
}

/** Runs the gate CLI through its npm script. */
export function runGateCli(args: string[], limitMs = 60000): Promise<CliRun> {
    return runBounded("npm", ["run", "-s", "gate", "--", ...args], { cwd: repoRoot, limitMs });
}
