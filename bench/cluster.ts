// npm run bench:cluster [-- --cold-build] [-- --warm-build]
//
// Prints, for the local cluster (scripts/local-cluster):
// - the build time of its binaries: with --cold-build, measured now in empty Go build and module caches (downloads
//   and compiles everything: tens of minutes on 2 cores); otherwise the time tools/go/cluster/build.sh recorded when
//   the cached set was built (cold or warm, depending on the Go caches at that moment);
// - with --warm-build, a rebuild of the whole set with the Go caches as they are (what a change of the wrapper module
//   costs once everything was compiled once);
// - the start time, `up` to a Ready node that runs pods (kubelet and containerd up, the sandbox image imported): the
//   cold start (the first of this process: the binaries may not be in the page cache yet) and the warm start,
//   median of 3 more fresh clusters;
// - the canary pod: `helm install --wait` of the example chart as the local stacks deploy it (hostNetwork on
//   127.0.0.1, one replica, its image by digest from a loopback registry) until the pod is Ready, and of it the image
//   pull as the kubelet reports it; every cluster is fresh, so every start pulls;
// - `down`: the containers, then every process, by PID.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalCluster, requireClusterBinaries, runOk } from "../tests/support/cluster";
import { startLocalInfra } from "../tests/support/docker";
import { ExampleImages } from "../tests/support/example-image";
import { freePort } from "../tests/support/ports";
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
    const binDir = path.dirname(fs.realpathSync(path.join(toolBin, "kubelet")));
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
        console.log(`last build of the cached cluster set: ${recordedBuild()}`);
    }
    if (args.includes("--warm-build")) {
        console.log(`warm rebuild (Go caches as they are): ${seconds(await build({}))}`);
    }

    const infra = await startLocalInfra(["registry"]);
    const images = new ExampleImages(infra.registry);
    try {
        const digest = await images.push("bench");
        const figures: { start: number; pod: number; pull: number; down: number }[] = [];
        for (let i = 0; i <= runs; i++) {
            figures.push(await oneCluster(infra.registry, digest));
            const f = figures[i];
            console.log(
                `${i === 0 ? "cold" : `warm ${i}`}: start to a Ready node ${seconds(f.start)}, canary pod Ready ` +
                    `${seconds(f.pod)} (image pull ${seconds(f.pull)}), down ${seconds(f.down)}`,
            );
        }
        const warm = figures.slice(1);
        const list = (xs: number[]) => xs.map((x) => (x / 1000).toFixed(1)).join(", ");
        console.log(`cold start to a Ready node: ${seconds(figures[0].start)}`);
        console.log(
            `warm start to a Ready node: median ${seconds(median(warm.map((f) => f.start)))} of ${runs} (${list(warm.map((f) => f.start))})`,
        );
        console.log(
            `canary pod pulled and Ready (helm install --wait): cold ${seconds(figures[0].pod)}, warm median ${seconds(median(warm.map((f) => f.pod)))} of ${runs} (${list(warm.map((f) => f.pod))})`,
        );
        console.log(`of it the image pull: median ${seconds(median(figures.map((f) => f.pull)))} of ${runs + 1}`);
        console.log(`down: median ${seconds(median(figures.map((f) => f.down)))} of ${runs + 1}`);
    } finally {
        images.remove();
        await infra.stop();
    }
}

/** One fresh cluster: up, the canary's chart installed and Ready, down; the times of each. */
async function oneCluster(registry: string, digest: string) {
    const cluster = new LocalCluster(undefined, [registry]);
    try {
        let t = Date.now();
        await cluster.start();
        const start = Date.now() - t;
        const [grpcPort, metricsPort] = [await freePort(), await freePort()];
        t = Date.now();
        await cluster.helm(
            [
                "install",
                "mirador-rca-canary",
                chart,
                "-n",
                "bench",
                "--create-namespace",
                ...["--post-renderer", path.join(repoRoot, "scripts", "local-node-postrender")],
                ...[
                    `image.repository=${registry}/mirador-rca`,
                    `image.tag=v0.4.0@${digest}`,
                    "podLabels.track=canary",
                    "replicaCount=1",
                    "autoscaling.enabled=false",
                    "alerts.enabled=false",
                    `service.port=${grpcPort}`,
                    `metrics.port=${metricsPort}`,
                    `config.server.address=127.0.0.1:${grpcPort}`,
                    `config.server.metricsAddress=127.0.0.1:${metricsPort}`,
                ].flatMap((v) => ["--set", v]),
                ...["--wait", "--timeout", "120s"],
            ],
            { timeoutMs: 180_000 },
        );
        const pod = Date.now() - t;
        const pulled = await cluster.kubectl([
            "-n",
            "bench",
            "get",
            "events",
            "--field-selector",
            "reason=Pulled",
            "-o",
            "jsonpath={.items[*].message}",
        ]);
        // The kubelet's own figure: 'Successfully pulled image "…" in 812ms (812ms including waiting)'.
        const m = /pulled image "[^"]+" in ([\d.]+)(ms|s)/.exec(pulled);
        const pull = m ? Number(m[1]) * (m[2] === "s" ? 1000 : 1) : NaN;
        t = Date.now();
        await cluster.stop();
        return { start, pod, pull, down: Date.now() - t };
    } catch (e) {
        await cluster.stop();
        throw e;
    }
}

main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
