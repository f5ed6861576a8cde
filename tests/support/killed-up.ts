// A `pulumi up` started as a child process and killed with SIGKILL at a chosen moment, as a lost CI runner would
// be: the CLI's process group and the groups of its plugins (the engine starts each plugin in a group of its own,
// so that killing the CLI alone leaves them running, and the Kubernetes plugin would finish Helm's upgrade).
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";

/** The PIDs of every live descendant of `root` (from /proc), children before grandchildren. */
export function descendants(root: number): number[] {
    const parent = new Map<number, number>();
    for (const entry of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(entry)) {
            continue;
        }
        try {
            const stat = fs.readFileSync(`/proc/${entry}/stat`, "utf8");
            // pid (comm) state ppid …: comm may hold spaces and parentheses, so split after the last ')'.
            const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
            parent.set(Number(entry), Number(fields[1]));
        } catch {
            // the process ended while we looked
        }
    }
    const found: number[] = [];
    let frontier = [root];
    for (let depth = 0; depth < 10 && frontier.length > 0; depth++) {
        const next = [...parent.entries()].filter(([, ppid]) => frontier.includes(ppid)).map(([pid]) => pid);
        found.push(...next);
        frontier = next;
    }
    return found;
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

export class KilledUp {
    readonly child: ChildProcess;
    output = "";
    private exited: Promise<void>;

    /** Starts `pulumi up --yes` of `stack` in its own process group. */
    constructor(pulumi: string, stack: string, cwd: string, env: NodeJS.ProcessEnv) {
        this.child = spawn(pulumi, ["up", "--yes", "--skip-preview", "--non-interactive", "--stack", stack], {
            cwd,
            env,
            detached: true,
            stdio: ["ignore", "pipe", "pipe"],
        });
        this.child.stdout!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.child.stderr!.on("data", (d: Buffer) => (this.output += d.toString()));
        this.exited = new Promise((resolve) => this.child.on("close", () => resolve()));
    }

    /** Polls `probe` (bounded) until it is true; fails when the up ends first or the time is over. */
    async waitUntil(probe: () => boolean, what: string, limitMs: number): Promise<void> {
        const deadline = Date.now() + limitMs;
        let ended = false;
        void this.exited.then(() => (ended = true));
        while (Date.now() < deadline) {
            if (probe()) {
                return;
            }
            if (ended) {
                throw new Error(`pulumi up ended before ${what}:\n${this.output}`);
            }
            await new Promise((r) => setTimeout(r, 250));
        }
        throw new Error(`no ${what} within ${limitMs} ms:\n${this.output}`);
    }

    /**
     * SIGKILLs the CLI's process group and then every plugin's group (each by its PID), and waits until all of
     * them are gone (bounded). Returns how many processes it killed.
     */
    async kill(): Promise<number> {
        const pid = this.child.pid!;
        const tree = descendants(pid);
        process.kill(-pid, "SIGKILL");
        for (const p of tree) {
            for (const target of [-p, p]) {
                try {
                    process.kill(target, "SIGKILL");
                } catch {
                    // not a group leader, or already gone
                }
            }
        }
        await this.exited;
        for (let i = 0; i < 100 && tree.some(alive); i++) {
            await new Promise((r) => setTimeout(r, 100));
        }
        const left = tree.filter(alive);
        if (left.length > 0) {
            throw new Error(`processes of the killed up still run: ${left.join(" ")}`);
        }
        return tree.length + 1;
    }
}
