// The local cluster with its pod network (MIRADOR_CLUSTER_NETWORK=pods): the example chart installed as it is (no
// host-network post-renderer), its pods' addresses, and commands run inside the cluster's network namespace, for the
// tests of the pod network and of the data plane on it.
import * as path from "path";
import { LocalCluster, runOk } from "./cluster";
import { repoRoot, toolPath } from "./tools";

const chart = path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca");

/** The network namespace the cluster runs in, as `scripts/local-cluster status` names it. */
export async function clusterNetns(cluster: LocalCluster): Promise<string> {
    const status = await cluster.script("status");
    const m = /^network: pods \(namespace (mirador-[0-9a-f]{12}), bridge mbr0 198\.18\.0\.1\/16\)$/m.exec(
        status.stdout,
    );
    if (!m) {
        throw new Error(`scripts/local-cluster status names no pod network namespace:\n${status.stdout}`);
    }
    return m[1];
}

/** Runs a command inside the network namespace (nsenter switches the network namespace only). */
export function insideNetns(netns: string, args: string[], timeoutMs = 60_000): Promise<string> {
    return runOk("nsenter", [`--net=/run/netns/${netns}`, ...args], {
        timeoutMs,
        env: { ...process.env, PATH: toolPath() },
    });
}

/** Installs the example chart as it is: the image by `tag@digest`, `replicas` pods, no HPA, no PrometheusRule. */
export async function installExampleChart(
    cluster: LocalCluster,
    release: { name: string; namespace: string; repository: string; tag: string; replicas: number },
): Promise<void> {
    const values = {
        fullnameOverride: release.name,
        "image.repository": release.repository,
        "image.tag": release.tag,
        replicaCount: String(release.replicas),
        "autoscaling.enabled": "false",
        "alerts.enabled": "false",
    };
    await cluster.helm(
        [
            "install",
            release.name,
            chart,
            "-n",
            release.namespace,
            "--create-namespace",
            ...Object.entries(values).flatMap(([k, v]) => ["--set", `${k}=${v}`]),
            "--wait",
            "--timeout",
            "180s",
        ],
        { timeoutMs: 240_000 },
    );
}

/** The addresses of a release's pods, as the API server lists them. */
export async function releasePodIPs(cluster: LocalCluster, namespace: string, release: string): Promise<string[]> {
    const out = await cluster.kubectl([
        "-n",
        namespace,
        "get",
        "pods",
        "-l",
        `app.kubernetes.io/instance=${release}`,
        "-o",
        "jsonpath={.items[*].status.podIP}",
    ]);
    return out.trim().split(" ").filter(Boolean);
}
