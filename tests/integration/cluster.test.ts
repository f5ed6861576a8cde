// The local cluster (scripts/local-cluster) as the release program will use it: a real API server with a Ready node
// that runs containers (kubelet, containerd, runc), the example chart's pod pulled by digest from a loopback
// registry and serving on 127.0.0.1, installed, upgraded and rolled back by helm; a second cluster beside it; and
// nothing left running or mounted after `down`.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as https from "https";
import * as os from "os";
import * as path from "path";
import {
    LocalCluster,
    clusterComponents,
    isLoopback,
    isRunning,
    mountsUnder,
    processStartTime,
    processesMentioning,
    run,
    tcpSockets,
} from "../support/cluster";
import { LocalInfra, startLocalInfra } from "../support/docker";
import { ExampleImages } from "../support/example-image";
import { freePort } from "../support/ports";
import { repoRoot } from "../support/tools";

const chart = path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca");
const namespace = "mirador-staging";
const release = "mirador-rca";

interface Condition {
    type: string;
    status: string;
}

interface NodeList {
    items: {
        metadata: { name: string };
        spec: { taints?: { key: string }[] };
        status: {
            conditions: Condition[];
            addresses: { type: string; address: string }[];
            daemonEndpoints: { kubeletEndpoint: { Port: number } };
            nodeInfo: { kubeletVersion: string; containerRuntimeVersion: string };
        };
    }[];
}

interface Deployment {
    metadata: { generation: number };
    spec: { replicas: number; template: { spec: { containers: { image: string }[] } } };
    status: {
        observedGeneration?: number;
        replicas?: number;
        updatedReplicas?: number;
        availableReplicas?: number;
        conditions?: Condition[];
    };
}

interface PodList {
    items: {
        metadata: { name: string; deletionTimestamp?: string };
        spec: { nodeName?: string; hostNetwork?: boolean; containers: { image: string }[] };
        status: { phase: string; podIP?: string; conditions?: Condition[]; containerStatuses?: { imageID: string }[] };
    }[];
}

interface HelmStatus {
    version: number;
    info: { status: string };
}

/** A GET to the API server with the cluster's CA but no client certificate; resolves with the HTTP status. */
function anonymousGet(server: string, caFile: string, urlPath: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const req = https.get(`${server}${urlPath}`, { ca: fs.readFileSync(caFile), timeout: 10_000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${urlPath} timed out`)));
        req.on("error", reject);
    });
}

describe("local cluster (scripts/local-cluster)", function () {
    let infra: LocalInfra;
    let images: ExampleImages;
    let cluster: LocalCluster;
    let repo: string;
    let digestA: string;
    let digestB: string;
    let grpcPort: number;
    let metricsPort: number;

    before(async function () {
        infra = await startLocalInfra(["registry"]);
        images = new ExampleImages(infra.registry);
        repo = `${infra.registry}/mirador-rca`;
        digestA = await images.push("a");
        digestB = await images.push("b");
        [grpcPort, metricsPort] = [await freePort(), await freePort()];
        cluster = new LocalCluster(undefined, [infra.registry]);
        await cluster.start();
    });

    after(async function () {
        try {
            await cluster?.stop();
        } finally {
            images?.remove();
            await infra?.stop();
        }
    });

    async function deployment(name: string, ns: string): Promise<Deployment> {
        return JSON.parse(await cluster.kubectl(["-n", ns, "get", "deployment", name, "-o", "json"])) as Deployment;
    }

    /** Waits (bounded) for the rollout to finish, then checks that every replica is updated and available. */
    async function assertRolledOut(name: string, ns: string, replicas: number, image: string): Promise<void> {
        await cluster.kubectl(["-n", ns, "rollout", "status", `deployment/${name}`, "--timeout=120s"], {
            timeoutMs: 150_000,
        });
        await cluster.kubectl(["-n", ns, "wait", "--for=condition=Available", `deployment/${name}`, "--timeout=120s"], {
            timeoutMs: 150_000,
        });
        const d = await deployment(name, ns);
        assert.equal(d.spec.template.spec.containers[0].image, image);
        assert.equal(d.status.observedGeneration, d.metadata.generation);
        assert.equal(d.status.updatedReplicas, replicas);
        assert.equal(d.status.availableReplicas, replicas);
        assert.equal(d.status.replicas, replicas, "old ReplicaSets should be scaled down");
        const available = d.status.conditions?.find((c) => c.type === "Available");
        assert.equal(available?.status, "True");
    }

    async function helmStatus(): Promise<HelmStatus> {
        return JSON.parse(await cluster.helm(["-n", namespace, "status", release, "-o", "json"])) as HelmStatus;
    }

    /**
     * Which digest really answers: the one containerd runs for the release's Ready pod, once that pod serves its
     * metrics on 127.0.0.1 (the service exports no build info).
     */
    /** The release's pods, as the API server lists them. */
    async function releasePods(): Promise<PodList> {
        const out = await cluster.kubectl([
            "-n",
            namespace,
            "get",
            "pods",
            "-l",
            `app.kubernetes.io/instance=${release}`,
            "-o",
            "json",
        ]);
        return JSON.parse(out) as PodList;
    }

    async function servedDigest(): Promise<string> {
        const res = await fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(10_000) });
        assert.match(await res.text(), /grpc_server_handled_total/);
        const pods = await releasePods();
        const ready = pods.items.filter((p) => p.status.phase === "Running" && !p.metadata.deletionTimestamp);
        assert.equal(ready.length, 1, "one running pod");
        const imageID = ready[0].status.containerStatuses?.[0].imageID ?? "";
        return imageID.slice(imageID.indexOf("@") + 1);
    }

    it("status reports a running cluster, the kubeconfig path and a Ready node", async function () {
        const result = await cluster.script("status");
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /^state: running$/m);
        assert.ok(result.stdout.includes(`kubeconfig: ${cluster.kubeconfig}\n`), result.stdout);
        assert.match(result.stdout, /^server: https:\/\/127\.0\.0\.1:\d+$/m);
        assert.match(result.stdout, /^kubelet: running \(pid \d+\)$/m);
        assert.match(result.stdout, /^containerd: running \(pid \d+\)$/m);
        assert.match(result.stdout, /^node: mirador-node-0 Ready$/m);
        assert.ok(fs.existsSync(cluster.kubeconfig));
        const printed = await cluster.script("kubeconfig");
        assert.equal(printed.stdout.trim(), cluster.kubeconfig);
    });

    it("a second up while running starts nothing", async function () {
        const before = cluster.recordedProcesses();
        const result = await cluster.script("up");
        assert.equal(result.code, 0, result.stderr);
        assert.match(result.stderr, /already running/);
        assert.deepEqual(cluster.recordedProcesses(), before);
        assert.ok(before.every(isRunning));
    });

    it("the node is a real kubelet on containerd 2, Ready, untainted, at 127.0.0.1", async function () {
        const nodes = JSON.parse(await cluster.kubectl(["get", "nodes", "-o", "json"])) as NodeList;
        assert.equal(nodes.items.length, 1);
        const node = nodes.items[0];
        assert.equal(node.metadata.name, "mirador-node-0");
        assert.equal(node.status.conditions.find((c) => c.type === "Ready")?.status, "True");
        assert.deepEqual(node.spec.taints ?? [], []);
        assert.deepEqual(
            node.status.addresses.filter((a) => a.type === "InternalIP").map((a) => a.address),
            ["127.0.0.1"],
        );
        assert.equal(node.status.daemonEndpoints.kubeletEndpoint.Port, Number(cluster.state().KUBELET_PORT));
        assert.equal(node.status.nodeInfo.kubeletVersion, "v1.37.2");
        assert.match(node.status.nodeInfo.containerRuntimeVersion, /^containerd:\/\/v?2\.4\.2/);
        const version = JSON.parse(await cluster.kubectl(["version", "-o", "json"])) as {
            clientVersion: { gitVersion: string };
            serverVersion: { gitVersion: string };
        };
        assert.equal(version.serverVersion.gitVersion, "v1.37.2");
        assert.equal(version.clientVersion.gitVersion, version.serverVersion.gitVersion);
    });

    it("the API server refuses a request without credentials", async function () {
        const ca = path.join(cluster.runDir, "cluster", "pki", "ca.crt");
        assert.equal(await anonymousGet(cluster.server, ca, "/api/v1/namespaces"), 401);
        assert.equal(await anonymousGet(cluster.server, ca, "/version"), 401);
    });

    it("helm install: containerd pulls the digest from the registry, the pod serves it on 127.0.0.1", async function () {
        await cluster.helm(
            [
                "install",
                release,
                chart,
                "-n",
                namespace,
                "--create-namespace",
                // The chart as the local stacks install it: the digest in the tag, the local node's post-renderer
                // (host network), the chart's own values for where the service listens.
                ...["--post-renderer", path.join(repoRoot, "scripts", "local-node-postrender")],
                ...[
                    `image.repository=${repo}`,
                    `image.tag=v0.4.0@${digestA}`,
                    "podLabels.track=canary",
                    "replicaCount=1",
                    "autoscaling.enabled=false",
                    "alerts.enabled=false",
                    `fullnameOverride=${release}`,
                    `service.port=${grpcPort}`,
                    `metrics.port=${metricsPort}`,
                    `config.server.address=127.0.0.1:${grpcPort}`,
                    `config.server.metricsAddress=127.0.0.1:${metricsPort}`,
                ].flatMap((v) => ["--set", v]),
                "--wait",
                "--timeout",
                "120s",
            ],
            { timeoutMs: 180_000 },
        );
        const status = await helmStatus();
        assert.equal(status.info.status, "deployed");
        assert.equal(status.version, 1);
        await assertRolledOut(release, namespace, 1, `${repo}:v0.4.0@${digestA}`);
        const pods = await releasePods();
        assert.equal(pods.items.length, 1);
        const pod = pods.items[0];
        assert.equal(pod.status.phase, "Running");
        assert.equal(pod.spec.nodeName, "mirador-node-0");
        assert.equal(pod.spec.hostNetwork, true);
        assert.equal(pod.status.podIP, "127.0.0.1");
        assert.ok(pod.status.containerStatuses?.[0].imageID.endsWith(digestA), "containerd ran the digest");
        assert.equal(await servedDigest(), digestA);
        // The API server reaches the kubelet on loopback for the pod's log.
        const logs = await cluster.kubectl(["-n", namespace, "logs", pod.metadata.name]);
        assert.match(logs, /"msg":"listening".*"grpc":"127\.0\.0\.1:\d+"/);
    });

    it("helm upgrade to a new digest replaces the pod with one of that digest", async function () {
        await cluster.helm(
            [
                "upgrade",
                release,
                chart,
                "-n",
                namespace,
                "--reuse-values",
                // A flag, not a value: --reuse-values does not keep it.
                ...["--post-renderer", path.join(repoRoot, "scripts", "local-node-postrender")],
                "--set",
                `image.tag=v0.4.0@${digestB}`,
                "--wait",
                "--timeout",
                "120s",
            ],
            { timeoutMs: 180_000 },
        );
        const status = await helmStatus();
        assert.equal(status.info.status, "deployed");
        assert.equal(status.version, 2);
        await assertRolledOut(release, namespace, 1, `${repo}:v0.4.0@${digestB}`);
        assert.equal(await servedDigest(), digestB);
    });

    it("helm rollback returns to the first digest", async function () {
        await cluster.helm(["rollback", release, "1", "-n", namespace, "--wait", "--timeout", "120s"], {
            timeoutMs: 180_000,
        });
        const status = await helmStatus();
        assert.equal(status.info.status, "deployed");
        assert.equal(status.version, 3);
        await assertRolledOut(release, namespace, 1, `${repo}:v0.4.0@${digestA}`);
        assert.equal(await servedDigest(), digestA);
        const history = JSON.parse(await cluster.helm(["-n", namespace, "history", release, "-o", "json"])) as {
            revision: number;
            status: string;
        }[];
        assert.deepEqual(
            history.map((h) => [h.revision, h.status]),
            [
                [1, "superseded"],
                [2, "superseded"],
                [3, "deployed"],
            ],
        );
    });

    it("every process listens on 127.0.0.1 only and talks to loopback only", function () {
        const processes = cluster.recordedProcesses();
        assert.equal(processes.length, clusterComponents.length);
        const ports = cluster.state();
        for (const p of processes) {
            assert.ok(isRunning(p), `${p.name} is not running`);
            const sockets = tcpSockets(p.pid);
            for (const s of sockets.filter((x) => x.listening)) {
                assert.ok(isLoopback(s.local), `${p.name} listens on ${s.local}:${s.localPort}`);
            }
            for (const s of sockets.filter((x) => !x.listening)) {
                assert.ok(isLoopback(s.remote), `${p.name} has a connection to ${s.remote}:${s.remotePort}`);
            }
        }
        const listening = (name: string) =>
            tcpSockets(processes.find((p) => p.name === name)!.pid)
                .filter((s) => s.listening)
                .map((s) => s.localPort)
                .sort();
        assert.deepEqual(listening("kube-apiserver"), [Number(ports.API_PORT)]);
        assert.deepEqual(listening("kubelet"), [Number(ports.KUBELET_PORT), Number(ports.KUBELET_HEALTHZ_PORT)].sort());
    });

    it("a second cluster runs beside it, and its down leaves this one's node and pod alone", async function () {
        const before = await cluster.containers();
        assert.ok(before.some((c) => c.status === "RUNNING"));
        const second = new LocalCluster();
        try {
            await second.start();
            const nodes = JSON.parse(await second.kubectl(["get", "nodes", "-o", "json"])) as NodeList;
            assert.equal(nodes.items[0].status.conditions.find((c) => c.type === "Ready")?.status, "True");
            assert.notEqual(second.state().KUBELET_PORT, cluster.state().KUBELET_PORT);
            assert.notEqual(second.state().CONTAINERD_SOCKET, cluster.state().CONTAINERD_SOCKET);
        } finally {
            await second.stop();
        }
        assert.deepEqual(await cluster.containers(), before, "the first node's containers are untouched");
        assert.equal(await servedDigest(), digestA);
        const result = await cluster.script("status");
        assert.match(result.stdout, /^node: mirador-node-0 Ready$/m);
    });

    it("down stops the containers and every process, unmounts, and is safe to repeat", async function () {
        const started = cluster.recordedProcesses();
        assert.equal(started.length, clusterComponents.length);
        const containers = (await cluster.containers()).map((c) => ({ ...c, startTime: processStartTime(c.pid) }));
        assert.ok(containers.length >= 2, "a sandbox and the service's container run");
        assert.ok(mountsUnder(cluster.runDir).length > 0, "the node has root file systems mounted");
        const first = await cluster.script("down");
        assert.equal(first.code, 0, first.stderr);
        for (const p of started) {
            assert.ok(!isRunning(p), `${p.name} (pid ${p.pid}) still runs after down`);
        }
        for (const c of containers) {
            assert.notEqual(processStartTime(c.pid), c.startTime, `container ${c.id} (pid ${c.pid}) still runs`);
        }
        assert.deepEqual(processesMentioning(cluster.runDir), []);
        assert.deepEqual(mountsUnder(cluster.runDir), []);
        await assert.rejects(fetch(`http://127.0.0.1:${metricsPort}/metrics`, { signal: AbortSignal.timeout(5_000) }));
        const second = await cluster.script("down");
        assert.equal(second.code, 0, second.stderr);
        assert.match(second.stderr, /not running/);
        const status = await cluster.script("status");
        assert.equal(status.code, 3);
        assert.match(status.stdout, /^state: stopped$/m);
    });
});

describe("local cluster without its binaries", function () {
    it("up fails at once, naming the command that builds them, and starts nothing", async function () {
        const empty = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-no-tools-"));
        try {
            const result = await run("bash", [path.join(repoRoot, "scripts", "local-cluster"), "up"], {
                env: {
                    ...process.env,
                    MIRADOR_CACHE: path.join(empty, "cache"),
                    MIRADOR_RUN: path.join(empty, "run"),
                    MIRADOR_CLUSTER_NO_BUILD: "1",
                },
                timeoutMs: 60_000,
            });
            assert.equal(result.code, 1);
            assert.match(
                result.stderr,
                /missing etcd kube-apiserver .* run scripts\/bootstrap-tools cluster containerd/,
            );
            assert.ok(!fs.existsSync(path.join(empty, "run", "cluster", "pids")), "up created processes' records");
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });
});
