// The local cluster (scripts/local-cluster) as the release program will use it: a real API server with a Ready
// (kwok) node, Deployments that become Available, and the example chart installed, upgraded and rolled back by helm.
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
    processesMentioning,
    run,
    tcpSockets,
} from "../support/cluster";
import { repoRoot } from "../support/tools";

const chart = path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca");
const digestA = `sha256:${"a".repeat(64)}`;
const digestB = `sha256:${"b".repeat(64)}`;
const namespace = "mirador-staging";
const release = "mirador-rca";

interface Condition {
    type: string;
    status: string;
}

interface NodeList {
    items: { metadata: { name: string }; status: { conditions: Condition[] } }[];
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
        spec: { nodeName?: string; containers: { image: string }[] };
        status: { phase: string; conditions?: Condition[] };
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
    let cluster: LocalCluster;

    before(async function () {
        cluster = new LocalCluster();
        await cluster.start();
    });

    after(async function () {
        await cluster.stop();
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

    it("status reports a running cluster and the kubeconfig path", async function () {
        const result = await cluster.script("status");
        assert.equal(result.code, 0, result.stdout + result.stderr);
        assert.match(result.stdout, /^state: running$/m);
        assert.ok(result.stdout.includes(`kubeconfig: ${cluster.kubeconfig}\n`), result.stdout);
        assert.match(result.stdout, /^server: https:\/\/127\.0\.0\.1:\d+$/m);
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

    it("kubectl get nodes shows a Ready node, served by the pinned Kubernetes", async function () {
        const nodes = JSON.parse(await cluster.kubectl(["get", "nodes", "-o", "json"])) as NodeList;
        assert.equal(nodes.items.length, 1);
        const ready = nodes.items[0].status.conditions.find((c) => c.type === "Ready");
        assert.equal(ready?.status, "True", `node ${nodes.items[0].metadata.name} is not Ready`);
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

    it("a Deployment with 2 replicas becomes Available, its pods Running on the fake node", async function () {
        const image = `127.0.0.1:5000/probe@${digestA}`;
        await cluster.kubectl(["create", "namespace", "probe"]);
        await cluster.kubectl(["-n", "probe", "create", "deployment", "probe", `--image=${image}`, "--replicas=2"]);
        await assertRolledOut("probe", "probe", 2, image);
        const pods = JSON.parse(await cluster.kubectl(["-n", "probe", "get", "pods", "-o", "json"])) as PodList;
        assert.equal(pods.items.length, 2);
        for (const pod of pods.items) {
            assert.equal(pod.status.phase, "Running");
            assert.equal(pod.spec.nodeName, "mirador-node-0");
            assert.equal(pod.status.conditions?.find((c) => c.type === "Ready")?.status, "True");
        }
    });

    it("helm install of the example chart reports deployed and its Deployment becomes Available", async function () {
        await cluster.helm(
            [
                "install",
                release,
                chart,
                "-n",
                namespace,
                "--create-namespace",
                "--set",
                `image.digest=${digestA}`,
                "--set",
                "track=canary",
                "--set",
                "replicaCount=2",
                "--wait",
                "--timeout",
                "120s",
            ],
            { timeoutMs: 180_000 },
        );
        const status = await helmStatus();
        assert.equal(status.info.status, "deployed");
        assert.equal(status.version, 1);
        await assertRolledOut(release, namespace, 2, `127.0.0.1:5000/mirador-rca@${digestA}`);
    });

    it("helm upgrade to a new digest rolls the Deployment out", async function () {
        await cluster.helm(
            [
                "upgrade",
                release,
                chart,
                "-n",
                namespace,
                "--reuse-values",
                "--set",
                `image.digest=${digestB}`,
                "--wait",
                "--timeout",
                "120s",
            ],
            { timeoutMs: 180_000 },
        );
        const status = await helmStatus();
        assert.equal(status.info.status, "deployed");
        assert.equal(status.version, 2);
        await assertRolledOut(release, namespace, 2, `127.0.0.1:5000/mirador-rca@${digestB}`);
        const pods = JSON.parse(
            await cluster.kubectl([
                "-n",
                namespace,
                "get",
                "pods",
                "-l",
                `app.kubernetes.io/instance=${release}`,
                "-o",
                "json",
            ]),
        ) as PodList;
        const images = pods.items.filter((p) => p.status.phase === "Running").map((p) => p.spec.containers[0].image);
        assert.ok(images.includes(`127.0.0.1:5000/mirador-rca@${digestB}`), images.join(", "));
    });

    it("helm rollback returns to the first digest", async function () {
        await cluster.helm(["rollback", release, "1", "-n", namespace, "--wait", "--timeout", "120s"], {
            timeoutMs: 180_000,
        });
        const status = await helmStatus();
        assert.equal(status.info.status, "deployed");
        assert.equal(status.version, 3);
        await assertRolledOut(release, namespace, 2, `127.0.0.1:5000/mirador-rca@${digestA}`);
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
            const listening = sockets.filter((s) => s.listening);
            assert.ok(listening.length > 0, `${p.name} listens on nothing`);
            for (const s of listening) {
                assert.ok(isLoopback(s.local), `${p.name} listens on ${s.local}:${s.localPort}`);
            }
            for (const s of sockets.filter((x) => !x.listening)) {
                assert.ok(isLoopback(s.remote), `${p.name} has a connection to ${s.remote}:${s.remotePort}`);
            }
        }
        const api = processes.find((p) => p.name === "kube-apiserver");
        assert.ok(api);
        const apiPorts = tcpSockets(api.pid)
            .filter((s) => s.listening)
            .map((s) => s.localPort);
        assert.deepEqual(apiPorts, [Number(ports.API_PORT)]);
    });

    it("down stops every process it started, leaves nothing behind, and is safe to repeat", async function () {
        const started = cluster.recordedProcesses();
        assert.equal(started.length, clusterComponents.length);
        const first = await cluster.script("down");
        assert.equal(first.code, 0, first.stderr);
        for (const p of started) {
            assert.ok(!isRunning(p), `${p.name} (pid ${p.pid}) still runs after down`);
        }
        assert.deepEqual(processesMentioning(cluster.runDir), []);
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
            assert.match(result.stderr, /missing etcd kube-apiserver .* run scripts\/bootstrap-tools cluster/);
            assert.ok(!fs.existsSync(path.join(empty, "run", "cluster", "pids")), "up created processes' records");
        } finally {
            fs.rmSync(empty, { recursive: true, force: true });
        }
    });
});
