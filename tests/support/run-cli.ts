// Runs `npm run -s gate -- …` as a child process, bounded in time, and collects its exit status and output.
import { spawn } from "child_process";
import { repoRoot } from "./tools";

export interface CliRun {
    code: number | null;
    stdout: string;
    stderr: string;
}

/** Runs the gate CLI; kills it (by PID) and rejects when it has not exited within `limitMs`. */
export function runGateCli(args: string[], limitMs = 60000): Promise<CliRun> {
    return new Promise((resolve, reject) => {
        const child = spawn("npm", ["run", "-s", "gate", "--", ...args], { cwd: repoRoot, stdio: "pipe" });
        let stdout = "";
        let stderr = "";
        child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
        child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
        const timer = setTimeout(() => {
            if (child.pid !== undefined) {
                process.kill(child.pid, "SIGKILL");
            }
            reject(new Error(`the gate CLI did not exit within ${limitMs} ms: ${stdout}${stderr}`));
        }, limitMs);
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
