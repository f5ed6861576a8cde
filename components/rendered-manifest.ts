// The release as Helm would install it: `helm template` of the same chart, values files, values and post-renderer
// as the Helm release, read into the objects the checks of components/rendered-check.ts look at.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";

export interface RenderInput {
    /** Helm release name and namespace: the names the chart derives from them are the installed ones. */
    release: string;
    namespace: string;
    /** A chart directory or archive. */
    chart: string;
    valuesFiles: string[];
    /** The values overlay, plain (no Outputs): what the Helm release gets on top of the files. */
    values: Record<string, unknown>;
    /** helm.postRenderer: the executable the install runs too. */
    postRenderer?: string;
    /** Extra environment for helm (KUBECONFIG is never needed: `helm template` reads no cluster). */
    env?: NodeJS.ProcessEnv;
}

export interface RenderedObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; labels?: Record<string, string> };
    spec?: Record<string, unknown>;
}

/** A relative path as Helm must get it to run the file itself, not look its name up on PATH (`./x`, not `x`). */
export function executablePath(file: string): string {
    return file.includes("/") ? file : `./${file}`;
}

/** Runs `helm template` (bounded: 60 s); the error carries helm's own words. */
export function renderChart(input: RenderInput): RenderedObject[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-render-"));
    try {
        const valuesFile = path.join(dir, "values.json");
        fs.writeFileSync(valuesFile, JSON.stringify(input.values));
        const args = [
            "template",
            input.release,
            input.chart,
            "--namespace",
            input.namespace,
            ...input.valuesFiles.flatMap((f) => ["--values", f]),
            "--values",
            valuesFile,
            ...(input.postRenderer ? ["--post-renderer", executablePath(input.postRenderer)] : []),
        ];
        let out: string;
        try {
            out = execFileSync("helm", args, {
                encoding: "utf8",
                env: { ...process.env, ...input.env },
                stdio: ["ignore", "pipe", "pipe"],
                timeout: 60_000,
                maxBuffer: 64 * 1024 * 1024,
            });
        } catch (err) {
            const e = err as { stderr?: string; message: string; code?: string };
            if (e.code === "ENOENT") {
                throw new Error(
                    "helm is not on PATH: the release is checked as rendered (scripts/bootstrap-tools helm)",
                );
            }
            throw new Error(`helm template of ${input.chart} failed: ${(e.stderr || e.message).trim()}`);
        }
        return parseManifest(out);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The objects of a multi-document manifest (Lists flattened; empty documents dropped). */
export function parseManifest(manifest: string): RenderedObject[] {
    const docs = YAML.parseAllDocuments(manifest);
    const bad = docs.find((d) => d.errors.length > 0);
    if (bad) {
        throw new Error(`the rendered manifest does not parse: ${bad.errors[0].message}`);
    }
    const objects: RenderedObject[] = [];
    for (const doc of docs.map((d) => d.toJS() as unknown)) {
        if (doc === null || typeof doc !== "object") {
            continue;
        }
        const o = doc as RenderedObject & { items?: RenderedObject[] };
        objects.push(...(o.kind === "List" && Array.isArray(o.items) ? o.items : [o]));
    }
    return objects;
}

export interface RenderedContainer {
    name: string;
    image: string;
    init: boolean;
    ports: { name?: string; containerPort: number }[];
}

/** One pod template of a workload (a Deployment's, a hook Job's, a bare Pod's). */
export interface PodTemplate {
    /** "Deployment/mirador-rca", "Job/mirador-rca-migrate". */
    owner: string;
    hostNetwork: boolean;
    containers: RenderedContainer[];
}

type PodSpec = {
    hostNetwork?: boolean;
    containers?: { name: string; image?: string; ports?: { name?: string; containerPort: number }[] }[];
    initContainers?: { name: string; image?: string; ports?: { name?: string; containerPort: number }[] }[];
};

type Nested = { spec?: Nested; template?: Nested; jobTemplate?: Nested } & PodSpec;

function podSpecOf(o: RenderedObject): PodSpec | undefined {
    const spec = o.spec as Nested | undefined;
    switch (o.kind) {
        case "Pod":
            return spec;
        case "CronJob":
            return spec?.jobTemplate?.spec?.template?.spec;
        case "Deployment":
        case "StatefulSet":
        case "DaemonSet":
        case "ReplicaSet":
        case "ReplicationController":
        case "Job":
            return spec?.template?.spec;
        default:
            return undefined;
    }
}

/** Every pod template of the manifest, with its containers and init containers. */
export function podTemplates(objects: RenderedObject[]): PodTemplate[] {
    const templates: PodTemplate[] = [];
    for (const o of objects) {
        const spec = podSpecOf(o);
        if (!spec) {
            continue;
        }
        const containers = [
            ...(spec.initContainers ?? []).map((c) => ({ c, init: true })),
            ...(spec.containers ?? []).map((c) => ({ c, init: false })),
        ].map(({ c, init }) => ({ name: c.name, image: c.image ?? "", init, ports: c.ports ?? [] }));
        templates.push({ owner: `${o.kind}/${o.metadata.name}`, hostNetwork: spec.hostNetwork === true, containers });
    }
    return templates;
}

/** An image reference split into repository, tag and digest ("repo:tag@sha256:…", "repo@sha256:…", "repo:tag"). */
export function parseImageRef(ref: string): { repository: string; tag?: string; digest?: string } {
    const [name, digest] = ref.split("@", 2);
    // A tag follows the last colon after the last slash (a registry's port has a slash after it).
    const colon = name.lastIndexOf(":");
    const tagged = colon > name.lastIndexOf("/");
    return {
        repository: tagged ? name.slice(0, colon) : name,
        ...(tagged ? { tag: name.slice(colon + 1) } : {}),
        ...(digest ? { digest } : {}),
    };
}
