// The local Prometheus (scripts/local-infra's `prometheus` component: the Prometheus built with Kubernetes discovery,
// configured by scripts/lib/prometheus-config.js) against the real local cluster: it finds a Deployment's
// hostNetwork pod through the API server, scrapes the pod's container port named metrics at 127.0.0.1:<port> (an
// HTTP server of this test: the pod itself runs the node's pause image), and attaches the pod's labels to `up` and
// to every scraped series: the SLO gate's contract (track, namespace, pod, pod_template_hash, container, image). A
// pod without a metrics port is discovered and dropped; a whole-number bucket bound stays selectable as le="4".
import * as assert from "assert/strict";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { ChildProcess, spawn } from "child_process";
import { LocalCluster, processStartTime, run } from "../support/cluster";
import { freePort } from "../support/ports";
import { recordSandbox, SandboxRecord, stopEnv } from "../support/sandbox-registry";
import { repoRoot, toolCache } from "../support/tools";

/** The Prometheus that scripts/bootstrap-tools builds from tools/go/prometheus (not Debian's, on PATH). */
const prometheusBin = path.join(toolCache, "prometheus", "prometheus");
/** The node's sandbox image, imported into containerd by scripts/local-cluster (never pulled). */
const pauseImage = "localhost/mirador-pause:1.0";
const namespace = "discovery-test";
/** The contract's target labels, besides job and instance. */
const podLabels = ["track", "namespace", "pod", "pod_template_hash", "container", "image"];

const exposition = [
    "# HELP discovery_probe_requests_total Requests the probe handled.",
    "# TYPE discovery_probe_requests_total counter",
    "discovery_probe_requests_total 7",
    "# HELP discovery_probe_seconds How long the probe took.",
    "# TYPE discovery_probe_seconds histogram",
    'discovery_probe_seconds_bucket{le="0.25"} 1',
    'discovery_probe_seconds_bucket{le="4"} 3',
    'discovery_probe_seconds_bucket{le="10"} 4',
    'discovery_probe_seconds_bucket{le="+Inf"} 5',
    "discovery_probe_seconds_sum 12.5",
    "discovery_probe_seconds_count 5",
    "",
].join("\n");

type Labels = Record<string, string>;

interface Sample {
    metric: Labels;
    value: [number, string];
}

interface Targets {
    activeTargets: { labels: Labels; discoveredLabels: Labels; scrapeUrl: string; health: string }[];
    droppedTargets: { discoveredLabels: Labels }[];
}

interface Pod {
    metadata: { name: string; labels: Labels };
    spec: { containers: { name: string; image: string }[] };
    status: { phase: string; podIP?: string };
}

/** A /metrics server on 127.0.0.1 that counts the requests it answers. */
class MetricsServer {
    requests = 0;
    userAgents = new Set<string>();
    private readonly server: http.Server;

    constructor(
        readonly port: number,
        body: string,
    ) {
        this.server = http.createServer((req, res) => {
            this.requests++;
            this.userAgents.add(String(req.headers["user-agent"]));
            res.writeHead(200, { "Content-Type": "text/plain; version=0.0.4; charset=utf-8" });
            res.end(body);
        });
    }

    listen(): Promise<void> {
        return new Promise((resolve, reject) => {
            this.server.once("error", reject);
            this.server.listen(this.port, "127.0.0.1", () => resolve());
        });
    }

    close(): Promise<void> {
        return new Promise((resolve) => {
            this.server.closeAllConnections();
            this.server.close(() => resolve());
        });
    }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

async function query(url: string, promql: string): Promise<Sample[]> {
    const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`, {
        signal: AbortSignal.timeout(5_000),
    });
    const body = (await res.json()) as { status: string; error?: string; data: { result: Sample[] } };
    assert.equal(body.status, "success", `${promql}: ${body.error}`);
    return body.data.result;
}

/** Polls a query until it returns at least one series, for at most `seconds`; returns the series. */
async function waitFor(url: string, promql: string, seconds: number): Promise<Sample[]> {
    const deadline = Date.now() + seconds * 1000;
    for (let i = 0; i < seconds * 2 && Date.now() < deadline; i++) {
        const result = await query(url, promql);
        if (result.length > 0) {
            return result;
        }
        await sleep(500);
    }
    throw new Error(`${promql} returned nothing within ${seconds} s`);
}

/** The state letter of a process (/proc/PID/stat field 3), or undefined when there is none. */
function processState(pid: number): string | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
    } catch {
        return undefined;
    }
}

/**
 * Whether the process has exited within `seconds`: gone, replaced by another of the same PID, or a zombie (it was
 * started detached, so its parent is the machine's init, which reaps it when it gets to it).
 */
async function gone(pid: number, startTime: string, seconds: number): Promise<boolean> {
    for (let i = 0; i < seconds * 5; i++) {
        if (processStartTime(pid) !== startTime || processState(pid) === "Z") {
            return true;
        }
        await sleep(200);
    }
    return false;
}

function pick(labels: Labels, names: string[]): Labels {
    return Object.fromEntries(names.map((n) => [n, labels[n]]));
}

/** A Deployment (its pods get pod-template-hash) of one hostNetwork pod of the pause image. */
function deployment(name: string, labels: Labels, ports: { name: string; containerPort: number }[]): object {
    return {
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name, namespace },
        spec: {
            replicas: 1,
            selector: { matchLabels: { app: name } },
            template: {
                metadata: { labels: { app: name, ...labels } },
                spec: {
                    hostNetwork: true,
                    terminationGracePeriodSeconds: 1,
                    containers: [{ name, image: pauseImage, imagePullPolicy: "Never", ports }],
                },
            },
        },
    };
}

describe("local Prometheus discovers the release's pods (Kubernetes discovery on the local cluster)", function () {
    let cluster: LocalCluster;
    let scraped: MetricsServer;
    let unscraped: MetricsServer;
    let url: string;
    let pod: Pod;
    let prometheusPid: { pid: number; startTime?: string } | undefined;
    let prometheusRecord: SandboxRecord | undefined;

    /** scripts/local-infra with the cluster's run folder, so its `cluster` component is the test's cluster. */
    let infraEnv: NodeJS.ProcessEnv;
    const localInfra = (command: "up" | "down") =>
        run("bash", [path.join(repoRoot, "scripts", "local-infra"), command, "prometheus"], {
            env: infraEnv,
            timeoutMs: 120_000,
        });

    before(async function () {
        assert.ok(
            fs.existsSync(prometheusBin),
            `${prometheusBin} is not built: run scripts/bootstrap-tools prometheus (Debian's has no Kubernetes discovery)`,
        );
        const [metricsPort, otherPort, prometheusPort] = [await freePort(), await freePort(), await freePort()];
        scraped = new MetricsServer(metricsPort, exposition);
        unscraped = new MetricsServer(otherPort, exposition);
        await scraped.listen();
        await unscraped.listen();
        cluster = new LocalCluster();
        await cluster.start();
        infraEnv = {
            ...cluster.env(),
            MIRADOR_PROMETHEUS_PORT: String(prometheusPort),
            MIRADOR_RESERVED_PORTS: [metricsPort, otherPort, prometheusPort].join(" "),
        };
        await cluster.kubectl(["create", "namespace", namespace]);
        const manifests = [
            deployment("probe", { track: "canary" }, [{ name: "metrics", containerPort: metricsPort }]),
            // Served too, so that a scrape of it would succeed: only the port's name keeps it out.
            deployment("sidecar", { track: "canary" }, [{ name: "grpc", containerPort: otherPort }]),
        ];
        await cluster.kubectl(["apply", "-f", "-"], {
            input: JSON.stringify({ apiVersion: "v1", kind: "List", items: manifests }),
        });
        for (const name of ["probe", "sidecar"]) {
            await cluster.kubectl(["-n", namespace, "rollout", "status", `deployment/${name}`, "--timeout=120s"], {
                timeoutMs: 150_000,
            });
        }
        const pods = JSON.parse(
            await cluster.kubectl(["-n", namespace, "get", "pods", "-l", "app=probe", "-o", "json"]),
        ) as { items: Pod[] };
        assert.equal(pods.items.length, 1);
        pod = pods.items[0];

        // Its own entry: the cluster's (scripts/local-cluster down) does not stop local-infra's prometheus.
        prometheusRecord = recordSandbox("local infra (prometheus)", cluster.runDir, {
            stop: {
                argv: [path.join(repoRoot, "scripts", "local-infra"), "down", "prometheus"],
                env: stopEnv(cluster.runDir),
            },
        });
        const up = await localInfra("up");
        assert.equal(up.code, 0, `scripts/local-infra up prometheus failed:\n${up.stderr}`);
        url = `http://127.0.0.1:${prometheusPort}`;
        const pid = Number(fs.readFileSync(path.join(cluster.runDir, "prometheus", "prometheus.pid"), "utf8"));
        prometheusPid = { pid, startTime: processStartTime(pid) };
    });

    after(async function () {
        try {
            if (cluster && fs.existsSync(path.join(cluster.runDir, "prometheus"))) {
                const down = await localInfra("down");
                assert.equal(down.code, 0, down.stderr);
                prometheusRecord?.forget();
                if (prometheusPid?.startTime !== undefined) {
                    assert.ok(await gone(prometheusPid.pid, prometheusPid.startTime, 10), "prometheus still runs");
                }
            }
        } finally {
            try {
                await cluster?.stop();
            } finally {
                await scraped?.close();
                await unscraped?.close();
            }
        }
    });

    it("runs the built Prometheus 3, not Debian's, with the config of scripts/lib/prometheus-config.js", async function () {
        const argv0 = fs.readFileSync(`/proc/${prometheusPid?.pid}/cmdline`, "utf8").split("\0")[0];
        assert.equal(fs.realpathSync(argv0), fs.realpathSync(prometheusBin));
        const res = await fetch(`${url}/api/v1/status/buildinfo`, { signal: AbortSignal.timeout(5_000) });
        const info = (await res.json()) as { data: { version: string } };
        assert.equal(info.data.version, "3.16.0");
        const config = fs.readFileSync(path.join(cluster.runDir, "prometheus", "prometheus.yml"), "utf8");
        assert.match(config, /^ {6}- role: pod\n {8}kubeconfig_file: .*\/cluster\/kubeconfig$/m);
    });

    it("the hostNetwork pod's target is 127.0.0.1:<its metrics port>, and `up` carries the pod's labels", async function () {
        assert.equal(pod.status.podIP, "127.0.0.1", "a hostNetwork pod of the local node has the node's loopback IP");
        const hash = pod.metadata.labels["pod-template-hash"];
        assert.match(hash ?? "", /^[a-z0-9]+$/, "a Deployment's pod carries pod-template-hash");
        const up = await waitFor(url, `up{namespace="${namespace}"} == 1`, 60);
        assert.equal(up.length, 1, JSON.stringify(up));
        assert.deepEqual(up[0].metric, {
            __name__: "up",
            job: "pods",
            instance: `127.0.0.1:${scraped.port}`,
            track: "canary",
            namespace,
            pod: pod.metadata.name,
            pod_template_hash: hash,
            container: "probe",
            image: pod.spec.containers[0].image,
        });
        assert.equal(up[0].metric.image, pauseImage);
        assert.ok(scraped.requests > 0);
        assert.ok(
            [...scraped.userAgents].every((ua) => ua.startsWith("Prometheus/3.16.0")),
            [...scraped.userAgents].join(),
        );
    });

    it("every series scraped from /metrics carries the same labels", async function () {
        const [upSeries] = await waitFor(url, `up{namespace="${namespace}"}`, 30);
        const expected = pick(upSeries.metric, ["job", "instance", ...podLabels]);
        for (const name of [
            "discovery_probe_requests_total",
            "discovery_probe_seconds_count",
            "discovery_probe_seconds_bucket",
        ]) {
            const series = await waitFor(url, `${name}{namespace="${namespace}"}`, 30);
            for (const s of series) {
                assert.deepEqual(
                    pick(s.metric, ["job", "instance", ...podLabels]),
                    expected,
                    `${name}: ${JSON.stringify(s.metric)}`,
                );
            }
        }
        const [total] = await query(url, `discovery_probe_requests_total{track="canary",pod="${pod.metadata.name}"}`);
        assert.equal(total.value[1], "7");
    });

    it('a whole-number bucket bound is selectable as le="4" (not only as Prometheus 3\'s "4.0")', async function () {
        const four = await waitFor(url, `discovery_probe_seconds_bucket{namespace="${namespace}",le="4"}`, 30);
        assert.equal(four.length, 1);
        assert.equal(four[0].value[1], "3");
        assert.deepEqual(await query(url, `discovery_probe_seconds_bucket{namespace="${namespace}",le="4.0"}`), []);
        const bounds = (await query(url, `discovery_probe_seconds_bucket{namespace="${namespace}"}`))
            .map((s) => s.metric.le)
            .sort();
        assert.deepEqual(bounds, ["+Inf", "0.25", "10", "4"]);
        const ratio = await query(
            url,
            `sum(discovery_probe_seconds_bucket{namespace="${namespace}",le="4"}) / sum(discovery_probe_seconds_count{namespace="${namespace}"})`,
        );
        assert.equal(ratio[0].value[1], "0.6");
    });

    it("a pod without a container port named metrics is discovered and dropped, never scraped", async function () {
        const res = await fetch(`${url}/api/v1/targets?state=any`, { signal: AbortSignal.timeout(5_000) });
        const targets = ((await res.json()) as { data: Targets }).data;
        const active = targets.activeTargets.filter((t) => t.labels.namespace === namespace);
        assert.deepEqual(
            active.map((t) => [t.scrapeUrl, t.labels.pod, t.health]),
            [[`http://127.0.0.1:${scraped.port}/metrics`, pod.metadata.name, "up"]],
        );
        const dropped = targets.droppedTargets.filter(
            (t) => t.discoveredLabels.__meta_kubernetes_namespace === namespace,
        );
        assert.deepEqual(
            dropped.map((t) => [
                t.discoveredLabels.__address__,
                t.discoveredLabels.__meta_kubernetes_pod_container_port_name,
            ]),
            [[`127.0.0.1:${unscraped.port}`, "grpc"]],
        );
        assert.deepEqual(await query(url, `up{namespace="${namespace}",container="sidecar"}`), []);
        assert.equal(unscraped.requests, 0, "the sidecar's port was scraped");
        // Every target of this Prometheus is on loopback.
        for (const t of targets.activeTargets) {
            assert.match(t.scrapeUrl, /^http:\/\/127\.0\.0\.1:\d+\//);
        }
    });
});

/** Prometheus 3 without the le relabelling: what the relabelling is for. */
describe('Prometheus 3 stores a scraped le="4" as "4.0"', function () {
    let server: MetricsServer;
    let child: ChildProcess | undefined;
    let workDir: string;

    before(async function () {
        assert.ok(
            fs.existsSync(prometheusBin),
            `${prometheusBin} is not built: run scripts/bootstrap-tools prometheus`,
        );
        server = new MetricsServer(await freePort(), exposition);
        await server.listen();
        workDir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-prometheus-le-"));
    });

    after(async function () {
        if (child?.pid !== undefined && child.exitCode === null && child.signalCode === null) {
            const exited = new Promise((resolve) => child?.once("exit", resolve));
            process.kill(child.pid, "SIGTERM");
            await Promise.race([exited, sleep(10_000)]);
            if (child.exitCode === null && child.signalCode === null) {
                process.kill(child.pid, "SIGKILL");
                await exited;
            }
        }
        await server?.close();
        fs.rmSync(workDir, { recursive: true, force: true });
    });

    it('without metric_relabel_configs, le="4" selects nothing and le="4.0" the bucket', async function () {
        const port = await freePort();
        fs.writeFileSync(
            path.join(workDir, "prometheus.yml"),
            `global: { scrape_interval: 1s }\nscrape_configs:\n  - job_name: raw\n    static_configs: [{ targets: ["127.0.0.1:${server.port}"] }]\n`,
        );
        const log = fs.openSync(path.join(workDir, "prometheus.log"), "w");
        child = spawn(
            prometheusBin,
            [
                `--config.file=${path.join(workDir, "prometheus.yml")}`,
                `--storage.tsdb.path=${path.join(workDir, "data")}`,
                `--web.listen-address=127.0.0.1:${port}`,
            ],
            { stdio: ["ignore", log, log] },
        );
        fs.closeSync(log);
        const url = `http://127.0.0.1:${port}`;
        let four: Sample[] = [];
        for (let i = 0; i < 60 && four.length === 0; i++) {
            await sleep(500);
            four = await query(url, 'discovery_probe_seconds_bucket{le="4.0"}').catch(() => []);
        }
        assert.equal(four.length, 1, fs.readFileSync(path.join(workDir, "prometheus.log"), "utf8"));
        assert.deepEqual(await query(url, 'discovery_probe_seconds_bucket{le="4"}'), []);
    });
});
