// Drift of a Helm release: what changed behind the program's back since its last deploy, found while the program
// runs (read-only: `helm status`, `kubectl get`) in the stack's kubeconfig and kube context.
//  - a hand-run `helm rollback` or `helm upgrade`: the release's latest revision carries one of Helm's own
//    descriptions ("Rollback to 3", "Upgrade complete", "Install complete"); the program always sets its own;
//  - a `kubectl edit` (or `set image`, `set env`, `scale`) of a Deployment: the live object's replicas (when the
//    manifest sets them: an HPA owns them otherwise), container images or environment differ from Helm's manifest.
// ChartRelease writes what it finds into the release's values (releaseDrift): the preview shows the Release as
// changing, naming the drift, and the up upgrades the release back to what the program declares, then replaces its
// Deployments with Helm's manifest (components/steps/restore-deployments.sh). No drift keeps the stored value, so
// nothing changes.
import { execFileSync } from "child_process";
import * as YAML from "yaml";
import { HelmTarget, helmTargetArgs } from "./helm-live-status";

/** Helm's descriptions of revisions made without the program's own description. */
const HELM_DEFAULT_DESCRIPTION = /^(Rollback to \d+|Upgrade complete|Install complete)$/;

export interface LiveRelease {
    version: number;
    info: { status: string; description?: string };
    manifest?: string;
}

interface Container {
    name: string;
    image?: string;
    env?: { name: string; value?: string; valueFrom?: unknown }[];
}

export interface DeploymentSpec {
    metadata: { name: string };
    spec: { replicas?: number; template: { spec: { containers: Container[] } } };
}

/** The Deployments of a Helm manifest. */
export function manifestDeployments(manifest: string): DeploymentSpec[] {
    return YAML.parseAllDocuments(manifest)
        .map((d) => d.toJSON() as { kind?: string } | null)
        .filter((d): d is DeploymentSpec & { kind: string } => d?.kind === "Deployment");
}

function envText(c: Container): string {
    return (
        (c.env ?? [])
            // valueFrom is compared by presence only: the API server adds defaults to it.
            .map((e) => `${e.name}=${e.valueFrom ? "(a reference)" : (e.value ?? "")}`)
            .sort()
            .join(" ")
    );
}

/** How a live Deployment differs from Helm's: replicas, each container's image and environment. */
export function deploymentDrift(helm: DeploymentSpec, live: DeploymentSpec): string[] {
    const name = `deployment/${helm.metadata.name}`;
    const found: string[] = [];
    // A manifest without replicas leaves them to whoever scales the Deployment (the chart's HPA): not drift.
    const want = helm.spec.replicas;
    if (want !== undefined && live.spec.replicas !== undefined && live.spec.replicas !== want) {
        found.push(`${name}: replicas ${live.spec.replicas} (Helm: ${want})`);
    }
    for (const c of helm.spec.template.spec.containers) {
        const l = live.spec.template.spec.containers.find((x) => x.name === c.name);
        if (!l) {
            found.push(`${name}: container ${c.name} is gone`);
            continue;
        }
        if (l.image !== c.image) {
            found.push(`${name} container ${c.name}: image ${l.image} (Helm: ${c.image})`);
        }
        if (envText(l) !== envText(c)) {
            found.push(`${name} container ${c.name}: env ${envText(l) || "(none)"} (Helm: ${envText(c) || "(none)"})`);
        }
    }
    return found;
}

/** The drift of a deployed release, or [] when it is as the program left it (or not deployed). */
export function releaseDrift(release: LiveRelease, liveDeployments: Map<string, DeploymentSpec>): string[] {
    if (release.info.status !== "deployed") {
        return [];
    }
    const found: string[] = [];
    const description = release.info.description ?? "";
    if (HELM_DEFAULT_DESCRIPTION.test(description)) {
        const how = description.startsWith("Rollback") ? "helm rollback" : "helm upgrade/install";
        found.push(`revision ${release.version} was made outside the program (${how}: "${description}")`);
    }
    for (const d of manifestDeployments(release.manifest ?? "")) {
        const live = liveDeployments.get(d.metadata.name);
        if (live) {
            found.push(...deploymentDrift(d, live));
        }
    }
    return found;
}

/** Asks helm and kubectl (bounded: 30 s each) for the release's drift and revision; none when they cannot say. */
export function liveReleaseDrift(t: HelmTarget): { drift: string[]; revision: number } {
    const { args, env } = helmTargetArgs(t);
    const run = (file: string, a: string[]) =>
        execFileSync(file, a, {
            encoding: "utf8",
            env: { ...process.env, ...env },
            stdio: ["ignore", "pipe", "ignore"],
            timeout: 30_000,
        });
    let release: LiveRelease;
    try {
        release = JSON.parse(run("helm", ["status", t.release, ...args, "-o", "json"])) as LiveRelease;
    } catch {
        return { drift: [], revision: 0 };
    }
    const live = new Map<string, DeploymentSpec>();
    const kubeArgs = ["-n", t.namespace, ...(t.kubeContext ? ["--context", t.kubeContext] : [])];
    for (const d of manifestDeployments(release.manifest ?? "")) {
        try {
            const out = run("kubectl", ["get", "deployment", d.metadata.name, ...kubeArgs, "-o", "json"]);
            live.set(d.metadata.name, JSON.parse(out) as DeploymentSpec);
        } catch {
            // a Deployment Helm made and someone deleted: the upgrade recreates it
        }
    }
    return { drift: releaseDrift(release, live), revision: release.version };
}

/** The value ChartRelease writes into the release (values.releaseDrift): the drift, at Helm's revision. */
export function driftMarker(live: { drift: string[]; revision: number }): string {
    return live.drift.length === 0 ? "none" : `at revision ${live.revision}: ${live.drift.join("; ")}`;
}
