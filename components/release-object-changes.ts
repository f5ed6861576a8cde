// What an upgrade of a Helm release deletes and renames, named before it runs: the objects of the live release
// (`helm get manifest`) against the objects of the load-time render (components/rendered-release.ts), by API group,
// kind, namespace and name. Helm deletes every object of the old manifest that the new one lacks, in the same
// upgrade that creates the new ones: a renamed Service breaks every client of the old name at once, a renamed
// Deployment takes its pods away while the new ones start.
//  - Objects are the same when group, kind, namespace and name are: a new apiVersion of the same group (autoscaling/v1
//    to autoscaling/v2) is the same object. A namespaced object without metadata.namespace is in the release's
//    namespace; a cluster-scoped one (a ClusterRole) has none, whatever the manifest writes.
//  - Hooks (helm.sh/hook, test pods included) are left out: Helm keeps them apart from the release's manifest and
//    creates and deletes them by their own policy, so an upgrade never deletes one for being gone.
//  - A deleted object and an added one of the same kind are a likely rename ("Service a → b"); the most similar
//    names pair first. Objects only added are not named: nothing disappears.
//  - Workload and traffic kinds (Deployment, Service, Ingress, …) are an outage risk; production stops on them unless
//    objectChanges.acknowledged names them (index.ts).
import { HelmTarget, runHelmAt } from "./helm-live-status";
import { parseManifest, RenderedObject } from "./rendered-manifest";

export interface ObjectId {
    /** The API group ("" for the core group): apiVersion without its version. */
    group: string;
    kind: string;
    /** "" for a cluster-scoped object. */
    namespace: string;
    name: string;
}

export interface ObjectChange {
    action: "delete" | "rename";
    from: ObjectId;
    /** The added object of a rename. */
    to?: ObjectId;
    /** A workload or traffic kind: its delete or rename interrupts the service. */
    outageRisk: boolean;
    /** "Service mirador-rca → mirador-rca-api", "ConfigMap mirador-rca-cache deleted": also how it is acknowledged. */
    text: string;
}

/** Kinds whose delete or rename interrupts the service: its pods, or the way traffic reaches them. */
const OUTAGE_KINDS = new Set([
    "Deployment",
    "StatefulSet",
    "DaemonSet",
    "ReplicaSet",
    "ReplicationController",
    "Pod",
    "Service",
    "Ingress",
    "Gateway",
    "HTTPRoute",
    "GRPCRoute",
    "TCPRoute",
    "TLSRoute",
    "VirtualService",
]);

/** Built-in cluster-scoped kinds (a CRD's scope is not known here: its manifest namespace is taken as written). */
const CLUSTER_SCOPED = new Set([
    "Namespace",
    "Node",
    "PersistentVolume",
    "StorageClass",
    "CSIDriver",
    "CSINode",
    "ClusterRole",
    "ClusterRoleBinding",
    "CustomResourceDefinition",
    "PriorityClass",
    "RuntimeClass",
    "IngressClass",
    "MutatingWebhookConfiguration",
    "ValidatingWebhookConfiguration",
    "ValidatingAdmissionPolicy",
    "ValidatingAdmissionPolicyBinding",
    "APIService",
    "CertificateSigningRequest",
    "FlowSchema",
    "PriorityLevelConfiguration",
    "VolumeAttachment",
    "GatewayClass",
]);

/** Groups whose kinds read well without the group (kubectl's short form). */
const BUILT_IN_GROUPS = new Set([
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "apiextensions.k8s.io",
    "admissionregistration.k8s.io",
]);

type Annotated = RenderedObject & { metadata: { annotations?: Record<string, string> } };

/** A Helm hook (test pods included): not part of the release's manifest. */
export function isHook(o: RenderedObject): boolean {
    return (o as Annotated).metadata?.annotations?.["helm.sh/hook"] !== undefined;
}

export function objectId(o: RenderedObject, releaseNamespace: string): ObjectId {
    const apiVersion = typeof o.apiVersion === "string" ? o.apiVersion : "";
    const group = apiVersion.includes("/") ? apiVersion.slice(0, apiVersion.lastIndexOf("/")) : "";
    const namespace = CLUSTER_SCOPED.has(o.kind) ? "" : (o.metadata.namespace ?? releaseNamespace);
    return { group, kind: o.kind, namespace, name: o.metadata.name };
}

function key(id: ObjectId): string {
    return `${id.group}/${id.kind}/${id.namespace}/${id.name}`;
}

/** "Service", or "Certificate.cert-manager.io" for a kind of another group. */
function kindText(id: ObjectId): string {
    return BUILT_IN_GROUPS.has(id.group) ? id.kind : `${id.kind}.${id.group}`;
}

/** The name, with its namespace when that is not the release's. */
function nameText(id: ObjectId, releaseNamespace: string): string {
    return id.namespace === "" || id.namespace === releaseNamespace ? id.name : `${id.namespace}/${id.name}`;
}

/** Bigram similarity of two names (Dice's coefficient): 1 for equal names, 0 for nothing in common. */
export function similarity(a: string, b: string): number {
    const grams = (s: string) => {
        const out = new Map<string, number>();
        for (let i = 0; i < s.length - 1; i++) {
            const g = s.slice(i, i + 2);
            out.set(g, (out.get(g) ?? 0) + 1);
        }
        return out;
    };
    const ga = grams(a);
    const gb = grams(b);
    let common = 0;
    for (const [g, n] of ga) {
        common += Math.min(n, gb.get(g) ?? 0);
    }
    const total = Math.max(a.length - 1, 0) + Math.max(b.length - 1, 0);
    return total === 0 ? (a === b ? 1 : 0) : (2 * common) / total;
}

function named(o: RenderedObject): boolean {
    return typeof o?.kind === "string" && typeof o.metadata?.name === "string";
}

/**
 * What upgrading from the live objects to the rendered ones deletes and renames, sorted by kind and name; [] when
 * nothing the live release has would disappear.
 */
export function compareObjects(
    live: RenderedObject[],
    rendered: RenderedObject[],
    releaseNamespace: string,
): ObjectChange[] {
    const ids = (objects: RenderedObject[]) =>
        new Map(
            objects
                .filter((o) => named(o) && !isHook(o))
                .map((o) => objectId(o, releaseNamespace))
                .map((id) => [key(id), id] as const),
        );
    const before = ids(live);
    const after = ids(rendered);
    const deleted = [...before].filter(([k]) => !after.has(k)).map(([, id]) => id);
    const added = [...after].filter(([k]) => !before.has(k)).map(([, id]) => id);

    // Most similar pairs of the same group and kind first; ties broken by name, so the result does not depend on
    // the manifests' order.
    const candidates = deleted.flatMap((d) =>
        added
            .filter((a) => a.group === d.group && a.kind === d.kind)
            .map((a) => ({ d, a, score: similarity(`${d.namespace}/${d.name}`, `${a.namespace}/${a.name}`) })),
    );
    candidates.sort(
        (x, y) => y.score - x.score || key(x.d).localeCompare(key(y.d)) || key(x.a).localeCompare(key(y.a)),
    );
    const paired = new Map<ObjectId, ObjectId>();
    const taken = new Set<ObjectId>();
    for (const c of candidates) {
        if (!paired.has(c.d) && !taken.has(c.a)) {
            paired.set(c.d, c.a);
            taken.add(c.a);
        }
    }
    const changes = deleted.map((from): ObjectChange => {
        const to = paired.get(from);
        const what = `${kindText(from)} ${nameText(from, releaseNamespace)}`;
        return {
            action: to ? "rename" : "delete",
            from,
            ...(to ? { to } : {}),
            outageRisk: OUTAGE_KINDS.has(from.kind),
            text: to ? `${what} → ${nameText(to, releaseNamespace)}` : `${what} deleted`,
        };
    });
    return changes.sort((a, b) => kindText(a.from).localeCompare(kindText(b.from)) || a.text.localeCompare(b.text));
}

/** An acknowledgement as written in the stack's config, in the form of ObjectChange.text ("->" for "→"). */
export function normalizeAcknowledgement(text: string): string {
    return text.replace(/->/g, "→").replace(/\s+/g, " ").trim();
}

/** The outage risks that `acknowledged` (objectChanges.acknowledged) does not name. */
export function unacknowledged(changes: ObjectChange[], acknowledged: string[]): ObjectChange[] {
    const ok = new Set(acknowledged.map(normalizeAcknowledgement));
    return changes.filter((c) => c.outageRisk && !ok.has(c.text));
}

/** The first line of the warning: the release plan finds the warning by it (plan/summary.ts). */
export const OBJECT_CHANGES_HEADING = "the upgrade deletes or renames objects of the live release";

/** The warning on the release that names each change; "" when there is none. */
export function objectChangesWarning(label: string, changes: ObjectChange[], acknowledged: string[] = []): string {
    if (changes.length === 0) {
        return "";
    }
    const ok = new Set(acknowledged.map(normalizeAcknowledgement));
    const lines = changes.map((c) => {
        const note = [
            c.action === "rename" ? "a likely rename: the old one is deleted, the new one created" : "",
            c.outageRisk ? `outage risk${ok.has(c.text) ? ", acknowledged" : ""}` : "",
        ].filter((n) => n !== "");
        return `- ${c.text}${note.length > 0 ? ` (${note.join("; ")})` : ""}`;
    });
    return `${OBJECT_CHANGES_HEADING} ${label} (helm get manifest against the render):\n${lines.join("\n")}`;
}

/** The stop of a production release whose upgrade would delete or rename a workload or traffic object unasked. */
export function unacknowledgedError(label: string, risky: ObjectChange[]): string {
    return (
        `the upgrade of the production release ${label} would delete or rename what serves traffic (an outage): ` +
        `${risky.map((c) => c.text).join("; ")}. If that is intended (clients and dashboards follow the new names), ` +
        "acknowledge each in Pulumi.<stack>.yaml as mirador-release:objectChanges: { acknowledged: [" +
        `${risky.map((c) => JSON.stringify(c.text)).join(", ")}] } and run again; otherwise keep the chart's names ` +
        "(e.g. its fullnameOverride) so that the upgrade changes the objects in place"
    );
}

/** The live release's objects: `helm get manifest` (bounded: 30 s). */
export type LiveObjects = { objects: RenderedObject[] } | { absent: true } | { error: string };

export function liveReleaseObjects(t: HelmTarget): LiveObjects {
    let out: string;
    try {
        out = runHelmAt(t, ["get", "manifest", t.release], 30_000);
    } catch (err) {
        const said = (err as Error).message;
        // A release that does not exist yet has nothing an upgrade could delete.
        return /release: not found/.test(said) ? { absent: true } : { error: said };
    }
    try {
        return { objects: parseManifest(out) };
    } catch (err) {
        return { error: (err as Error).message };
    }
}
