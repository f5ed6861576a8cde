// The data plane of the traffic split, real and measured: Traefik (tools/go/traefik) as the Gateway API controller,
// inside the local cluster's own network namespace (MIRADOR_CLUSTER_NETWORK=pods), with the Gateway API's
// standard-channel CRDs of the version Traefik is built with. A GRPCRoute's weighted backendRefs split the example
// service's calls between two releases of the example chart as it is (stable and canary, each its own digest); the
// load generator calls the gateway as mirador-core would, and each track's share is read from the pods' own
// counters. Traefik balances the backendRefs by smooth weighted round robin, which is deterministic: over N calls a
// backend of weight w out of W gets N*w/W calls, give or take one, so the tolerance is 2 calls.
import * as assert from "assert/strict";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalCluster, runOk } from "../support/cluster";
import { LocalInfra, startLocalInfra } from "../support/docker";
import { ExampleImages } from "../support/example-image";
import { clusterNetns, insideNetns, installExampleChart, releasePodIPs } from "../support/pod-network";
import { freePort } from "../support/ports";
import { recordProcess, SandboxRecord } from "../support/sandbox-registry";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const namespace = "mirador-staging";
const grpcService = "rca.v1.RCAEngine";
const tracks = { stable: "mirador-rca", canary: "mirador-rca-canary" } as const;
type Track = keyof typeof tracks;

/** The standard-channel CRDs of the Gateway API module Traefik's wrapper pins (tools/go/traefik/go.mod). */
async function gatewayApiCrds(): Promise<string> {
    const dir = (
        await runOk("go", ["list", "-mod=readonly", "-m", "-f", "{{.Dir}}", "sigs.k8s.io/gateway-api"], {
            cwd: path.join(repoRoot, "tools", "go", "traefik"),
            env: { ...process.env, PATH: toolPath() },
        })
    ).trim();
    const crds = path.join(dir, "config", "crd", "standard");
    assert.ok(fs.existsSync(crds), `no standard-channel CRDs in ${dir}: run scripts/bootstrap-tools traefik`);
    return crds;
}

function route(weights: Record<Track, number>): string {
    return JSON.stringify({
        apiVersion: "gateway.networking.k8s.io/v1",
        kind: "GRPCRoute",
        metadata: { name: "mirador-rca", namespace },
        spec: {
            parentRefs: [{ name: "mirador", sectionName: "grpc" }],
            rules: [
                {
                    matches: [{ method: { service: grpcService } }],
                    backendRefs: (Object.keys(tracks) as Track[]).map((t) => ({
                        name: tracks[t],
                        port: 50051,
                        weight: weights[t],
                    })),
                },
            ],
        },
    });
}

describe("the traffic split through a real Gateway API data plane (Traefik, GRPCRoute weights)", function () {
    let infra: LocalInfra;
    let images: ExampleImages;
    let cluster: LocalCluster;
    let netns: string;
    let traefik: ChildProcess | undefined;
    let traefikRecord: SandboxRecord | undefined;
    let work: string;
    let load: string;
    let gatewayPort: number;

    const inside = (args: string[], timeoutMs = 60_000) => insideNetns(netns, args, timeoutMs);

    /** The calls of the gRPC service each track's pod has answered, from its own /metrics (inside the namespace). */
    async function handled(): Promise<Record<Track, number>> {
        const counts = { stable: 0, canary: 0 };
        for (const t of Object.keys(tracks) as Track[]) {
            const ips = await releasePodIPs(cluster, namespace, tracks[t]);
            for (const ip of ips) {
                const text = await inside([
                    "curl",
                    "--silent",
                    "--fail",
                    "--max-time",
                    "5",
                    `http://${ip}:2112/metrics`,
                ]);
                for (const line of text.split("\n")) {
                    if (
                        line.startsWith("grpc_server_handled_total{") &&
                        line.includes(`grpc_service="${grpcService}"`)
                    ) {
                        counts[t] += Number(line.slice(line.lastIndexOf(" ") + 1));
                    }
                }
            }
        }
        return counts;
    }

    /** Sends calls through the gateway for `seconds` at `rate` a second; returns each track's share of them. */
    async function send(rate: number, seconds: number): Promise<Record<Track, number>> {
        const before = await handled();
        await inside(
            [load, "-target", `127.0.0.1:${gatewayPort}`, "-rate", String(rate), "-duration", `${seconds}s`],
            (seconds + 60) * 1000,
        );
        const after = await handled();
        return { stable: after.stable - before.stable, canary: after.canary - before.canary };
    }

    /** Applies the route and waits (bounded) until Traefik routes by it: a probe of calls shows the new split. */
    async function applyRoute(weights: Record<Track, number>): Promise<void> {
        await cluster.kubectl(["apply", "-f", "-"], { input: route(weights) });
        const deadline = Date.now() + 60_000;
        for (let i = 0; i < 30 && Date.now() < deadline; i++) {
            const probe = await send(20, 1).catch(() => ({ stable: 0, canary: 0 }));
            const total = probe.stable + probe.canary;
            if (total > 0 && Math.abs(probe.canary - (total * weights.canary) / 100) <= 2) {
                return;
            }
            await new Promise((r) => setTimeout(r, 1000));
        }
        throw new Error(`Traefik did not route by the weights ${JSON.stringify(weights)} within 60 s`);
    }

    before(async function () {
        work = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-gateway-"));
        load = path.join(work, "rca-load");
        await runOk("go", ["build", "-trimpath", "-o", load, "./cmd/rca-load"], {
            cwd: path.join(repoRoot, "examples", "mirador-rca"),
            env: { ...process.env, CGO_ENABLED: "0", PATH: toolPath() },
            timeoutMs: 600_000,
        });
        const crds = await gatewayApiCrds();
        infra = await startLocalInfra(["registry"]);
        images = new ExampleImages(infra.registry);
        const digests = { stable: await images.push("stable"), canary: await images.push("canary") };
        cluster = new LocalCluster(undefined, [infra.registry], "pods");
        await cluster.start();
        netns = await clusterNetns(cluster);
        await cluster.kubectl(["apply", "--server-side", "-f", crds]);
        for (const t of Object.keys(tracks) as Track[]) {
            await installExampleChart(cluster, {
                name: tracks[t],
                namespace,
                repository: `${infra.registry}/mirador-rca`,
                tag: `${t}@${digests[t]}`,
                replicas: 1,
            });
        }
        // Traefik inside the namespace, on 127.0.0.1 there, watching the API server with the admin kubeconfig (the
        // API server's port is the same inside and out).
        gatewayPort = await freePort();
        const log = fs.openSync(path.join(work, "traefik.log"), "w");
        traefik = spawn(
            "nsenter",
            [
                `--net=/run/netns/${netns}`,
                requireTool("traefik"),
                "--global.checkNewVersion=false",
                "--global.sendAnonymousUsage=false",
                `--entryPoints.grpc.address=127.0.0.1:${gatewayPort}`,
                "--providers.kubernetesgateway=true",
                "--log.level=INFO",
            ],
            { env: { ...process.env, KUBECONFIG: cluster.kubeconfig }, stdio: ["ignore", log, log] },
        );
        // An interrupted run stops it by PID too (tests/support/sandbox-registry.ts).
        traefikRecord = recordProcess("traefik", work, traefik.pid);
        const gateway = [
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "GatewayClass",
                metadata: { name: "traefik" },
                spec: { controllerName: "traefik.io/gateway-controller" },
            },
            {
                apiVersion: "gateway.networking.k8s.io/v1",
                kind: "Gateway",
                metadata: { name: "mirador", namespace },
                spec: {
                    gatewayClassName: "traefik",
                    listeners: [{ name: "grpc", protocol: "HTTP", port: gatewayPort }],
                },
            },
        ];
        await cluster.kubectl(["apply", "-f", "-"], {
            input: JSON.stringify({ kind: "List", apiVersion: "v1", items: gateway }),
        });
    });

    after(async function () {
        try {
            if (traefik?.pid !== undefined && traefik.exitCode === null) {
                traefik.kill("SIGTERM");
                await new Promise((r) => traefik?.once("exit", r));
            }
            traefikRecord?.forget();
            await cluster?.stop();
        } finally {
            images?.remove();
            await infra?.stop();
            if (work) {
                fs.rmSync(work, { recursive: true, force: true });
            }
        }
    });

    it("Traefik accepts the Gateway and the GRPCRoute", async function () {
        await applyRoute({ stable: 90, canary: 10 });
        const status = JSON.parse(
            await cluster.kubectl(["-n", namespace, "get", "grpcroute", "mirador-rca", "-o", "json"]),
        ) as { status?: { parents?: { conditions: { type: string; status: string }[] }[] } };
        const conditions = status.status?.parents?.[0]?.conditions ?? [];
        assert.equal(conditions.find((c) => c.type === "Accepted")?.status, "True", JSON.stringify(conditions));
        assert.equal(conditions.find((c) => c.type === "ResolvedRefs")?.status, "True", JSON.stringify(conditions));
    });

    for (const canary of [10, 50]) {
        it(`at canary weight ${canary} the canary answers ${canary} % of the calls through the gateway (±2 calls)`, async function () {
            await applyRoute({ stable: 100 - canary, canary });
            const share = await send(50, 4);
            const total = share.stable + share.canary;
            assert.ok(total >= 150, `only ${total} calls reached the pods`);
            const expected = (total * canary) / 100;
            assert.ok(
                Math.abs(share.canary - expected) <= 2,
                `canary answered ${share.canary} of ${total} calls, expected ${expected.toFixed(1)} ±2`,
            );
        });
    }

    it("at canary weight 0 the canary answers no call", async function () {
        await cluster.kubectl(["apply", "-f", "-"], { input: route({ stable: 100, canary: 0 }) });
        const deadline = Date.now() + 60_000;
        let share = { stable: 0, canary: 1 };
        for (let i = 0; i < 30 && Date.now() < deadline && share.canary > 0; i++) {
            share = await send(20, 1);
        }
        share = await send(50, 2);
        assert.equal(share.canary, 0, JSON.stringify(share));
        assert.ok(share.stable >= 50, JSON.stringify(share));
    });
});
