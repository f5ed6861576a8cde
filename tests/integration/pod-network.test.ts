// The local cluster with a real pod network (MIRADOR_CLUSTER_NETWORK=pods): the control plane, the node and its pods
// in a network namespace that `up` creates, pods on a bridge at 198.18.0.0/16, Services with real EndpointSlices, and
// the example chart as it is (no host-network patch). What crosses to the machine crosses through 127.0.0.1 on each
// side (the API server out, the registry in). And what this workplace asks of it: the namespace has no route out and
// no link to the machine's interfaces, the machine's own namespace gains no address or link, every server listens on
// 127.0.0.1 or inside the namespace, and `down` leaves nothing: no process, no mount, no namespace.
import * as assert from "assert/strict";
import * as fs from "fs";
import {
    LocalCluster,
    isLoopback,
    isRunning,
    mountsUnder,
    processesMentioning,
    runOk,
    tcpSockets,
} from "../support/cluster";
import { LocalInfra, startLocalInfra } from "../support/docker";
import { ExampleImages } from "../support/example-image";
import { clusterNetns, insideNetns, installExampleChart, releasePodIPs } from "../support/pod-network";

const namespace = "mirador-staging";
const release = "mirador-rca";

/** The machine's own addresses and links, as `ip -o` lists them (the link indexes and states left out). */
async function rootNetwork(): Promise<{ addresses: string[]; links: string[] }> {
    const addresses = (await runOk("ip", ["-o", "addr", "show"]))
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/).slice(1, 4).join(" "));
    const links = (await runOk("ip", ["-o", "link", "show"]))
        .trim()
        .split("\n")
        .map((l) => l.split(/\s+/)[1]);
    return { addresses: addresses.sort(), links: links.sort() };
}

interface Pod {
    metadata: { name: string };
    spec: { hostNetwork?: boolean };
    status: { phase: string; podIP?: string };
}

interface EndpointSlice {
    addressType: string;
    endpoints: { addresses: string[]; conditions: { ready?: boolean } }[];
    ports: { name: string; port: number }[];
}

describe("local cluster with a pod network in its own namespace (MIRADOR_CLUSTER_NETWORK=pods)", function () {
    let infra: LocalInfra;
    let images: ExampleImages;
    let cluster: LocalCluster;
    let digest: string;
    let before_: { addresses: string[]; links: string[] };
    let netns: string;

    /** A command inside the cluster's namespace. */
    const inside = (args: string[]) => insideNetns(netns, args);

    before(async function () {
        before_ = await rootNetwork();
        infra = await startLocalInfra(["registry"]);
        images = new ExampleImages(infra.registry);
        digest = await images.push("a");
        cluster = new LocalCluster(undefined, [infra.registry], "pods");
        await cluster.start();
        netns = await clusterNetns(cluster);
    });

    after(async function () {
        try {
            await cluster?.stop();
        } finally {
            images?.remove();
            await infra?.stop();
        }
    });

    it("the API server answers at 127.0.0.1 outside the namespace, through the crossing", async function () {
        assert.match(cluster.server, /^https:\/\/127\.0\.0\.1:\d+$/);
        const nodes = await cluster.kubectl(["get", "nodes", "-o", "name"]);
        assert.equal(nodes.trim(), "node/mirador-node-0");
        const names = cluster.recordedProcesses().map((p) => p.name);
        assert.ok(names.includes("api-crossing-inner") && names.includes("api-crossing-outer"), names.join(" "));
        assert.ok(names.includes(`registry-${infra.registry.split(":")[1]}-crossing-inner`), names.join(" "));
    });

    it("runs the chart as it is: two pods on the pod network, pulled through the registry's crossing", async function () {
        await installExampleChart(cluster, {
            name: release,
            namespace,
            repository: `${infra.registry}/mirador-rca`,
            tag: `a@${digest}`,
            replicas: 2,
        });
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
        ) as { items: Pod[] };
        assert.equal(pods.items.length, 2);
        for (const pod of pods.items) {
            assert.equal(pod.spec.hostNetwork ?? false, false, pod.metadata.name);
            assert.equal(pod.status.phase, "Running", pod.metadata.name);
            assert.match(pod.status.podIP ?? "", /^198\.18\.1\.\d+$/, pod.metadata.name);
        }
        assert.notEqual(pods.items[0].status.podIP, pods.items[1].status.podIP);
    });

    it("the chart's Service has real EndpointSlices: both pods' addresses, ready", async function () {
        const podIPs = (await releasePodIPs(cluster, namespace, release)).sort();
        const slices = JSON.parse(
            await cluster.kubectl([
                "-n",
                namespace,
                "get",
                "endpointslices",
                "-l",
                // The controller copies the Service's labels onto its slices.
                `app.kubernetes.io/instance=${release}`,
                "-o",
                "json",
            ]),
        ) as { items: EndpointSlice[] };
        const ready = slices.items
            .flatMap((s) => s.endpoints)
            .filter((e) => e.conditions.ready === true)
            .flatMap((e) => e.addresses)
            .sort();
        assert.deepEqual(ready, podIPs);
        assert.ok(
            slices.items.every((s) => s.addressType === "IPv4" && s.ports.some((p) => p.name === "grpc")),
            JSON.stringify(slices.items),
        );
    });

    it("each pod answers at its own address inside the namespace (metrics port)", async function () {
        const podIPs = await releasePodIPs(cluster, namespace, release);
        for (const ip of podIPs) {
            const body = await inside(["curl", "--silent", "--fail", "--max-time", "5", `http://${ip}:2112/metrics`]);
            assert.match(body, /^grpc_server_handled_total\{/m, ip);
        }
    });

    it("the namespace has no route out and no link but its own; the machine's namespace gained nothing", async function () {
        assert.equal((await runOk("ip", ["-n", netns, "route", "show", "default"])).trim(), "");
        const links = (await runOk("ip", ["-n", netns, "-o", "link", "show"]))
            .trim()
            .split("\n")
            .map((l) => l.split(/\s+/)[1].replace(/@.*$/, "").replace(/:$/, ""));
        assert.ok(
            links.every((l) => l === "lo" || l === "mbr0" || /^veth[0-9a-f]+$/.test(l)),
            `links in ${netns}: ${links.join(" ")}`,
        );
        assert.equal(links.filter((l) => l.startsWith("veth")).length, 2, links.join(" "));
        const routes = (await runOk("ip", ["-n", netns, "route", "show"])).trim().split("\n");
        assert.deepEqual(
            routes.map((r) => r.split(" ")[0]),
            ["198.18.0.0/16"],
        );
        assert.deepEqual(await rootNetwork(), before_);
    });

    it("every server of the cluster listens on 127.0.0.1, in its namespace or the machine's", function () {
        const ownNet = fs.readlinkSync("/proc/self/ns/net");
        for (const p of cluster.recordedProcesses()) {
            assert.ok(isRunning(p), p.name);
            const inMachineNet = fs.readlinkSync(`/proc/${p.pid}/ns/net`) === ownNet;
            // Only the outer ends of the crossings are in the machine's namespace.
            assert.equal(
                inMachineNet,
                p.name.endsWith("-outer"),
                `${p.name} in the machine's namespace: ${inMachineNet}`,
            );
            for (const s of tcpSockets(p.pid).filter((x) => x.listening)) {
                assert.ok(isLoopback(s.local), `${p.name} (pid ${p.pid}) listens on ${s.local}:${s.localPort}`);
            }
        }
    });

    it("down stops every process, unmounts everything and removes the namespace", async function () {
        const processes = cluster.recordedProcesses();
        await cluster.stop();
        assert.ok(processes.every((p) => !isRunning(p)));
        assert.deepEqual(processesMentioning(cluster.runDir), []);
        assert.equal(fs.existsSync(`/run/netns/${netns}`), false);
        assert.ok(!(await runOk("ip", ["netns", "list"])).includes(netns));
        assert.deepEqual(await rootNetwork(), before_);
        assert.deepEqual(fs.existsSync(cluster.runDir) ? mountsUnder(cluster.runDir) : [], []);
    });
});
