// The example's chart (examples/mirador-rca/charts/mirador-rca) as Helm renders it: the real chart's values shape
// (image repository:tag, an HPA that drops replicas, config.* in a ConfigMap named by MIRADOR_RCA_CONFIG, alerts as
// a PrometheusRule, <release>-mirador-rca names), with the fault hooks as environment variables.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import * as YAML from "yaml";
import { exampleDir, makeExample, scrapeMetrics, startService } from "../support/service";
import { requireTool, toolPath } from "../support/tools";

const execFileAsync = promisify(execFile);
const chart = path.join(exampleDir, "charts", "mirador-rca");

interface K8sObject {
    kind: string;
    metadata: { name: string; labels?: Record<string, string> };
    spec?: Record<string, unknown>;
    data?: Record<string, string>;
}

interface Container {
    name: string;
    image: string;
    env: { name: string; value?: string; valueFrom?: unknown }[];
    ports: { name: string; containerPort: number }[];
    readinessProbe: { tcpSocket: { port: string } };
    volumeMounts: { name: string; mountPath: string }[];
}

interface PodTemplate {
    metadata: { labels: Record<string, string>; annotations: Record<string, string> };
    spec: { containers: Container[]; volumes: { name: string; configMap: { name: string } }[] };
}

/** helm template RELEASE chart --set … as objects. */
async function render(release: string, sets: string[] = []): Promise<K8sObject[]> {
    const args = ["template", release, chart, "--namespace", "ns", ...sets.flatMap((s) => ["--set", s])];
    const { stdout } = await execFileAsync(requireTool("helm"), args, {
        env: { ...process.env, PATH: toolPath() },
        encoding: "utf8",
    });
    return YAML.parseAllDocuments(stdout)
        .map((d) => d.toJSON() as K8sObject | null)
        .filter((o): o is K8sObject => o !== null);
}

function one(objects: K8sObject[], kind: string): K8sObject {
    const found = objects.filter((o) => o.kind === kind);
    assert.strictEqual(found.length, 1, `one ${kind}, found ${found.length}`);
    return found[0];
}

function template(objects: K8sObject[]): PodTemplate {
    return one(objects, "Deployment").spec!.template as PodTemplate;
}

describe("example chart (helm lint, helm template)", function () {
    this.timeout(120_000);

    it("passes make helm-lint", async function () {
        const out = await makeExample(["helm-lint"]);
        assert.match(out, /1 chart\(s\) linted, 0 chart\(s\) failed/);
    });

    it("renders the real chart's defaults: HPA, ConfigMap, PrometheusRule, <release>-mirador-rca", async function () {
        const objects = await render("canary");
        assert.deepStrictEqual(objects.map((o) => o.kind).sort(), [
            "ConfigMap",
            "Deployment",
            "HorizontalPodAutoscaler",
            "PrometheusRule",
            "Service",
            "ServiceAccount",
        ]);
        for (const o of objects.filter((x) => x.kind !== "ConfigMap" && x.kind !== "PrometheusRule")) {
            assert.strictEqual(o.metadata.name, "canary-mirador-rca", o.kind);
        }
        const deployment = one(objects, "Deployment");
        assert.ok(!("replicas" in deployment.spec!), "the HPA owns the replicas");
        const hpa = one(objects, "HorizontalPodAutoscaler").spec as {
            minReplicas: number;
            scaleTargetRef: { name: string };
        };
        assert.deepStrictEqual([hpa.minReplicas, hpa.scaleTargetRef.name], [2, "canary-mirador-rca"]);

        const pod = template(objects);
        const c = pod.spec.containers[0];
        assert.strictEqual(c.image, "127.0.0.1:5000/mirador-rca:0.4.0", "repository:appVersion");
        assert.deepStrictEqual(
            c.ports.map((p) => [p.name, p.containerPort]),
            [
                ["grpc", 50051],
                ["metrics", 2112],
            ],
        );
        assert.strictEqual(c.readinessProbe.tcpSocket.port, "grpc");
        assert.deepStrictEqual(
            c.env.map((e) => [e.name, e.value]),
            [["MIRADOR_RCA_CONFIG", "/etc/mirador/config.yaml"]],
        );
        assert.deepStrictEqual(c.volumeMounts[0], { name: "config", mountPath: "/etc/mirador", readOnly: true });
        const configMap = one(objects, "ConfigMap");
        assert.strictEqual(configMap.metadata.name, "canary-mirador-rca-config");
        assert.strictEqual(pod.spec.volumes[0].configMap.name, "canary-mirador-rca-config");
        const config = YAML.parse(configMap.data!["config.yaml"]) as {
            server: Record<string, string>;
            clients: { core: Record<string, string> };
        };
        assert.deepStrictEqual([config.server.address, config.server.metricsAddress], [":50051", ":2112"]);
        assert.strictEqual(config.clients.core.metricsPath, "/api/v1/rca/metrics");
        assert.match(pod.metadata.annotations["checksum/config"], /^[0-9a-f]{64}$/);

        const service = one(objects, "Service").spec as { ports: { name: string; port: number }[] };
        assert.deepStrictEqual(
            service.ports.map((p) => [p.name, p.port]),
            [
                ["grpc", 50051],
                ["metrics", 2112],
            ],
        );
        const rule = JSON.stringify(one(objects, "PrometheusRule").spec);
        assert.match(
            rule,
            /grpc_service=\\"rca\.v1\.RCAEngine\\", namespace=\\"ns\\", service=\\"canary-mirador-rca\\"/,
        );
    });

    it("renders replicaCount without the HPA, pod labels, a pinned tag, the cache, secrets and the fault hooks", async function () {
        const objects = await render("r", [
            "autoscaling.enabled=false",
            "replicaCount=1",
            "alerts.enabled=false",
            "podLabels.track=canary",
            "podAnnotations.rollout=abc",
            "image.tag=v0.4.0@sha256:" + "ab".repeat(32),
            "config.cache.addr=valkey:6379",
            "config.cache.db=2",
            "config.cache.tls=true",
            "runtimeSecrets.cachePassword.name=valkey",
            "faultInjection.errorRatio=0.2",
            "faultInjection.latency=300ms",
            "faultInjection.startup=crash",
            "fullnameOverride=mirador-rca-canary",
        ]);
        assert.deepStrictEqual(objects.map((o) => o.kind).sort(), [
            "ConfigMap",
            "Deployment",
            "Service",
            "ServiceAccount",
        ]);
        const deployment = one(objects, "Deployment");
        assert.strictEqual(deployment.metadata.name, "mirador-rca-canary");
        assert.strictEqual(deployment.spec!.replicas, 1);
        const pod = template(objects);
        assert.strictEqual(pod.metadata.labels.track, "canary");
        assert.strictEqual(pod.metadata.annotations.rollout, "abc");
        const c = pod.spec.containers[0];
        assert.strictEqual(c.image, `127.0.0.1:5000/mirador-rca:v0.4.0@sha256:${"ab".repeat(32)}`);
        const env = Object.fromEntries(c.env.map((e) => [e.name, e.value ?? e.valueFrom]));
        assert.deepStrictEqual(env, {
            MIRADOR_RCA_CONFIG: "/etc/mirador/config.yaml",
            MIRADOR_RCA_CACHE_ADDR: "valkey:6379",
            MIRADOR_RCA_CACHE_DB: "2",
            MIRADOR_RCA_CACHE_TLS: "true",
            MIRADOR_RCA_CACHE_PASSWORD: { secretKeyRef: { name: "valkey", key: "password" } },
            MIRADOR_FAULT_ERROR_RATIO: "0.2",
            MIRADOR_FAULT_LATENCY: "300ms",
            MIRADOR_FAULT_STARTUP: "crash",
        });
    });

    it("renders a ConfigMap whose config.yaml the service starts with", async function () {
        this.timeout(600_000);
        await makeExample(["build"]);
        const objects = await render("r", ["config.logging.level=debug", "config.rules.path=/etc/mirador/rules.yaml"]);
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-chart-config-"));
        const file = path.join(dir, "config.yaml");
        fs.writeFileSync(file, one(objects, "ConfigMap").data!["config.yaml"]);
        const service = await startService({ configFile: file });
        try {
            assert.match(service.logs(), /"level":"DEBUG","msg":"rules.path is ignored/);
            assert.match(service.logs(), /clients\.core\.baseURL is empty/);
            const samples = await scrapeMetrics(service.metricsAddr);
            assert.ok(samples.some((s) => s.name === "grpc_server_handled_total"));
        } finally {
            await service.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("has no host-network value: the chart never renders hostNetwork", async function () {
        const objects = await render("r", ["hostNetwork=true"]);
        assert.ok(!JSON.stringify(objects).includes("hostNetwork"));
    });
});
