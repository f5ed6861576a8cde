// What the release would run, checked on the rendered manifest (components/rendered-manifest.ts), not on the values
// the program passed: a chart that ignores a value, hard-codes an image or adds an HPA shows here.
//  - every container and init container of every pod template (hooks and Jobs included) runs the signed digest of
//    the release's repository;
//  - the canary runs the replicas it asked for: its Deployments set them, and no HorizontalPodAutoscaler owns them;
//  - every kind is one the cluster serves (when the cluster's kinds are known), else the value that turns it off;
//  - the smoke endpoint is the rendered one: `<service>.<namespace>.svc:<port>`, or `127.0.0.1:<port>` for pods on
//    the node's network (the local node).
// Each problem names what renders wrong and the value path (the service profile's chart.values) that fixes it.
import { parseImageRef, podTemplates, RenderedObject } from "./rendered-manifest";

export interface RenderedContract {
    namespace: string;
    /** The signed image: every container must run repository@digest (a tag beside the digest is fine). */
    image: { repository: string; digest: string };
    /** The value path the program pins the digest through (profile chart.values.imageTag or imageDigest). */
    imageValuePath: string;
    /** The canary's replica count, with the value paths of the replicas and of the chart's HPA switch. */
    replicas?: { count: number; valuePath: string; autoscalingPath?: string };
    /** Kind → the value path that turns it off (profile chart.optionalKinds). */
    optionalKinds: Record<string, string>;
    /** "apiVersion/Kind" the cluster serves, when known (the check before the build asks the cluster). */
    servedKinds?: string[];
    /** The name of the Service port (and container port) of the gRPC service (profile chart.ports.grpc). */
    grpcPort: string;
}

export interface RenderedVerdict {
    problems: string[];
    /** Where the release's gRPC service answers, as rendered (undefined: no Service port named grpcPort). */
    endpoint?: string;
    /** Every image the pod templates run ("owner container: image"). */
    images: string[];
}

export function checkRendered(all: RenderedObject[], c: RenderedContract): RenderedVerdict {
    const problems: string[] = [];
    const named = (o: RenderedObject) => typeof o.kind === "string" && typeof o.metadata?.name === "string";
    for (const o of all.filter((x) => !named(x))) {
        problems.push(`the chart renders an object without kind or metadata.name: ${JSON.stringify(o).slice(0, 120)}`);
    }
    const objects = all.filter(named);
    const templates = podTemplates(objects);
    if (templates.length === 0) {
        problems.push("the chart renders no workload (no Deployment, StatefulSet, DaemonSet, Job or Pod)");
    }
    const images: string[] = [];
    const signed = `${c.image.repository}@${c.image.digest}`;
    for (const t of templates) {
        for (const ct of t.containers) {
            const what = `${t.owner} ${ct.init ? "init container" : "container"} ${ct.name}`;
            images.push(`${what}: ${ct.image}`);
            const ref = parseImageRef(ct.image);
            if (ref.repository !== c.image.repository || ref.digest !== c.image.digest) {
                problems.push(
                    `${what} would run ${ct.image || "(no image)"}, not the signed ${signed}: the chart must take ` +
                        `the digest through ${c.imageValuePath} (the service profile's chart.values), in every container`,
                );
            }
        }
    }
    if (c.replicas) {
        problems.push(...replicaProblems(objects, c.replicas));
    }
    if (c.servedKinds) {
        const served = new Set(c.servedKinds);
        for (const o of objects) {
            if (!served.has(`${o.apiVersion}/${o.kind}`)) {
                const off = c.optionalKinds[o.kind];
                problems.push(
                    `the chart renders ${o.kind} ${o.metadata.name} (${o.apiVersion}), a kind the cluster does not ` +
                        `serve: ${off ? `set ${off}: false in helm.values` : "install its CRD first, or leave it out of the chart"}`,
                );
            }
        }
    }
    return { problems, endpoint: renderedEndpoint(objects, c), images };
}

function replicaProblems(objects: RenderedObject[], r: NonNullable<RenderedContract["replicas"]>): string[] {
    const problems: string[] = [];
    for (const hpa of objects.filter((o) => o.kind === "HorizontalPodAutoscaler")) {
        problems.push(
            `the canary renders HorizontalPodAutoscaler ${hpa.metadata.name}, which would own its replicas: ` +
                (r.autoscalingPath
                    ? `the program sets ${r.autoscalingPath}: false for the canary, and the chart still renders it`
                    : "name the chart's autoscaling switch in the service profile's chart.values.autoscaling"),
        );
    }
    for (const d of objects.filter((o) => o.kind === "Deployment")) {
        const replicas = (d.spec as { replicas?: number } | undefined)?.replicas;
        if (replicas !== r.count) {
            problems.push(
                `the canary's Deployment ${d.metadata.name} renders replicas ${replicas ?? "(none)"}, not ` +
                    `canary.replicaCount ${r.count}: the chart must take it from ${r.valuePath} (the service ` +
                    "profile's chart.values.replicas)",
            );
        }
    }
    return problems;
}

function renderedEndpoint(objects: RenderedObject[], c: RenderedContract): string | undefined {
    for (const svc of objects.filter((o) => o.kind === "Service")) {
        const ports = ((svc.spec as { ports?: { name?: string; port: number }[] } | undefined)?.ports ?? []).filter(
            (p) => p.name === c.grpcPort,
        );
        if (ports.length === 0) {
            continue;
        }
        // Pods on the node's own network (the local node's post-renderer) answer on its loopback, at the container
        // port: the Service has no endpoints there (Kubernetes refuses loopback addresses in them).
        const hostPort = podTemplates(objects)
            .filter((t) => t.hostNetwork)
            .flatMap((t) => t.containers.flatMap((ct) => ct.ports))
            .find((p) => p.name === c.grpcPort);
        if (hostPort) {
            return `127.0.0.1:${hostPort.containerPort}`;
        }
        return `${svc.metadata.name}.${svc.metadata.namespace ?? c.namespace}.svc:${ports[0].port}`;
    }
    return undefined;
}
