// npm run bench:cluster [-- --cold-build] [-- --warm-build]
//
// Prints, for the local cluster (scripts/local-cluster):
// - the build time of its binaries: with --cold-build, measured now in empty Go build and module caches (downloads
//   and compiles everything: tens of minutes on 2 cores); otherwise the time tools/go/cluster/build.sh recorded when
//   the cached set was built (cold or warm, depending on the Go caches at that moment);
// - with --warm-build, a rebuild of the whole set with the Go caches as they are (what a change of the wrapper module
//   costs once everything was compiled once);
// - the warm start time, `up` to a Ready node, median of 3 fresh clusters;
// - the time for `helm install --wait` of the example chart to an Available Deployment, median of the same 3.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalCluster, requireClusterBinaries, runOk } from "../tests/support/cluster";
import { repoRoot, toolBin } from "../tests/support/tools";

const runs = 3;
const chart = path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca");

function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    return sorted[Math.floor(sorted.length / 2)];
}

function seconds(ms: number): string {
    return `${(ms / 1000).toFixed(1)} s`;
}

/** Runs tools/go/cluster/build.sh into a temporary folder with the given environment; returns the wall time. */
async function build(env: NodeJS.ProcessEnv): Promise<number> {
    const out = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-bench-build-"));
    const start = Date.now();
    try {
        await runOk(path.join(repoRoot, "tools", "go", "cluster", "build.sh"), [], {
            env: { ...process.env, ...env, OUT: path.join(out, "kube-apiserver") },
            timeoutMs: 3 * 3600_000,
        });
        return Date.now() - start;
    } finally {
        fs.rmSync(out, { recursive: true, force: true });
    }
}

async function coldBuild(): Promise<number> {
    const caches = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-bench-cold-"));
    const env = { GOCACHE: path.join(caches, "gocache"), GOMODCACHE: path.join(caches, "mod") };
    try {
        return await build(env);
    } finally {
        // The module cache is read-only by design; go clean knows how to remove it.
        await runOk("go", ["clean", "-modcache"], { env: { ...process.env, ...env } });
        fs.rmSync(caches, { recursive: true, force: true });
    }
}

function recordedBuild(): string {
    const binDir = path.dirname(fs.realpathSync(path.join(toolBin, "kube-apiserver")));
    const file = path.join(binDir, "build-time");
    if (!fs.existsSync(file)) {
        return `not recorded (${binDir} has no build-time)`;
    }
    const fields = Object.fromEntries(
        fs
            .readFileSync(file, "utf8")
            .trim()
            .split("\n")
            .map((l) => l.split("=") as [string, string]),
    );
    return `${fields.seconds} s, recorded at ${fields.date} (cold only if the Go caches were empty then; --cold-build measures one)`;
}

async function main(): Promise<void> {
    const args = process.argv.slice(2);
    requireClusterBinaries();
    console.log(`machine: ${os.cpus().length} cores, load average ${os.loadavg()[0].toFixed(1)} at start`);
    if (args.includes("--cold-build")) {
        console.log(`cold build (empty Go caches, download and compile): ${seconds(await coldBuild())}`);
    } else {
        console.log(`last build of the cached set: ${recordedBuild()}`);
    }
    if (args.includes("--warm-build")) {
        console.log(`warm rebuild (Go caches as they are): ${seconds(await build({}))}`);
    }

    const starts: number[] = [];
    const installs: number[] = [];
    for (let i = 0; i < runs; i++) {
        const cluster = new LocalCluster();
        try {
            let t = Date.now();
            await cluster.start();
            starts.push(Date.now() - t);
            t = Date.now();
            await cluster.helm(
                [
                    "install",
                    "mirador-rca",
                    chart,
                    "-n",
                    "bench",
                    "--create-namespace",
                    "--set",
                    `image.digest=sha256:${"c".repeat(64)}`,
                    "--wait",
                    "--timeout",
                    "120s",
                ],
                { timeoutMs: 180_000 },
            );
            await cluster.kubectl(["-n", "bench", "wait", "--for=condition=Available", "deployment/mirador-rca"]);
            installs.push(Date.now() - t);
        } finally {
            await cluster.stop();
        }
        console.log(
            `run ${i + 1}: start to Ready node ${seconds(starts[i])}, helm install to Available ${seconds(installs[i])}`,
        );
    }
    console.log(`warm start to a Ready node: median ${seconds(median(starts))} of ${runs}`);
    console.log(`helm install of the example chart to Available: median ${seconds(median(installs))} of ${runs}`);
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
