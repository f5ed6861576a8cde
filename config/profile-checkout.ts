// The service profile checked against the checkout it releases: the gRPC service and methods are in its .proto
// files, each value path is in the chart's values.yaml, the Sloth spec is where the profile says, each command's
// tools are on PATH and the Dockerfile builds something. Each problem names the file, the field and the fix.
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { ProfileCommand, ServiceProfile } from "./service-profile";

/** The gRPC services of a checkout's .proto files: fully qualified name → its methods. */
export function protoServices(dir: string): Map<string, Set<string>> {
    const services = new Map<string, Set<string>>();
    for (const file of protoFiles(dir, 0)) {
        const text = fs
            .readFileSync(file, "utf8")
            .replace(/\/\*[\s\S]*?\*\//g, "")
            .replace(/\/\/[^\n]*/g, "");
        const pkg = /\bpackage\s+([\w.]+)\s*;/.exec(text)?.[1];
        const serviceRe = /\bservice\s+(\w+)\s*\{/g;
        for (let m = serviceRe.exec(text); m !== null; m = serviceRe.exec(text)) {
            const body = bracedBody(text, serviceRe.lastIndex);
            const methods = new Set([...body.matchAll(/\brpc\s+(\w+)\s*\(/g)].map((r) => r[1]));
            services.set(pkg ? `${pkg}.${m[1]}` : m[1], methods);
        }
    }
    return services;
}

/** The text up to the brace that closes the one opened just before `start`. */
function bracedBody(text: string, start: number): string {
    let depth = 1;
    for (let i = start; i < text.length; i++) {
        if (text[i] === "{") depth++;
        if (text[i] === "}" && --depth === 0) return text.slice(start, i);
    }
    return text.slice(start);
}

const SKIP_DIRS = new Set([".git", "vendor", "node_modules", "third_party", ".gocache", "bin", "dist"]);

function protoFiles(dir: string, depth: number): string[] {
    if (depth > 8) return [];
    let entries: fs.Dirent[];
    try {
        entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
        return [];
    }
    return entries.flatMap((e) => {
        const full = path.join(dir, e.name);
        if (e.isDirectory()) return SKIP_DIRS.has(e.name) ? [] : protoFiles(full, depth + 1);
        return e.isFile() && e.name.endsWith(".proto") ? [full] : [];
    });
}

/** Whether a dotted path names a key of the values (every segment but the last an object). */
export function hasValuePath(values: unknown, dotted: string): boolean {
    let node: unknown = values;
    for (const segment of dotted.split(".")) {
        if (typeof node !== "object" || node === null || Array.isArray(node) || !(segment in node)) {
            return false;
        }
        node = (node as Record<string, unknown>)[segment];
    }
    return true;
}

/** Where a tool is on PATH, or undefined. */
export function onPath(tool: string, searchPath = process.env.PATH ?? ""): string | undefined {
    for (const dir of searchPath.split(path.delimiter).filter((d) => d !== "")) {
        const candidate = path.join(dir, tool);
        try {
            fs.accessSync(candidate, fs.constants.X_OK);
            if (fs.statSync(candidate).isFile()) return candidate;
        } catch {
            // not here
        }
    }
    return undefined;
}

/** The problems of the commands' tools: each missing one, with the command that needs it and where it comes from. */
export function missingTools(commands: ProfileCommand[], file: string, searchPath?: string): string[] {
    return commands.flatMap((c) =>
        c.tools
            .filter((t) => onPath(t.name, searchPath) === undefined)
            .map((t) => `'${c.run}' needs ${t.name}, which is not on PATH (${file}; get it with: ${t.from})`),
    );
}

/** A Dockerfile that exists and has a FROM instruction, else why not. */
export function dockerfileProblem(file: string): string | undefined {
    if (!fs.existsSync(file)) {
        return `${file} does not exist (mirador-release:image.dockerfile names the Dockerfile relative to the checkout)`;
    }
    const instructions = fs
        .readFileSync(file, "utf8")
        .split(/\r?\n/)
        .map((l) => l.trim())
        .filter((l) => l !== "" && !l.startsWith("#"));
    if (instructions.length === 0) {
        return `${file} is empty: the image cannot be built (the service's maintainers must write it: FROM a base image, COPY the binary that the prebuild command makes, an ENTRYPOINT)`;
    }
    if (!instructions.some((l) => /^FROM\s/i.test(l))) {
        return `${file} has no FROM instruction: the image cannot be built`;
    }
    return undefined;
}

/**
 * Why a text is not a Sloth spec in one of the two formats Sloth reads (`version: prometheus/v1` with `slos`, or the
 * `sloth.slok.dev/v1` PrometheusServiceLevel with `spec.slos`), or undefined. The gate reads the SLOs themselves.
 */
export function slothSpecProblem(text: string): string | undefined {
    let doc: unknown;
    try {
        doc = YAML.parse(text);
    } catch (e) {
        return `is not valid YAML: ${(e as Error).message.split("\n")[0]}`;
    }
    const obj = (typeof doc === "object" && doc !== null && !Array.isArray(doc) ? doc : {}) as Record<string, unknown>;
    const crd = obj.apiVersion === "sloth.slok.dev/v1" && obj.kind === "PrometheusServiceLevel";
    const slos = crd ? (obj.spec as Record<string, unknown> | undefined)?.slos : obj.slos;
    if (!crd && obj.version !== "prometheus/v1") {
        return "is not a Sloth spec (expected version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 with kind: PrometheusServiceLevel)";
    }
    if (!Array.isArray(slos) || slos.length === 0) {
        return `has no SLOs (expected a list at ${crd ? "spec.slos" : "slos"})`;
    }
    return undefined;
}

/** Every problem of the profile against the checkout (empty when it fits). */
export function profileCheckoutProblems(profile: ServiceProfile, sourceDir: string, chartDir: string): string[] {
    const problems: string[] = [];
    const at = (field: string, message: string) => problems.push(`${profile.file}: ${field} ${message}`);
    const services = protoServices(sourceDir);
    const methods = services.get(profile.grpc.service);
    if (methods === undefined) {
        const found = [...services.keys()].join(", ") || "none";
        at(
            "grpc.service",
            `'${profile.grpc.service}' is not a service of ${sourceDir}'s .proto files (found: ${found})`,
        );
    } else {
        for (const call of profile.grpc.smoke.filter((c) => !methods.has(c.method))) {
            at(
                `grpc.smoke (${call.name})`,
                `method '${call.method}' is not an rpc of ${profile.grpc.service} (it has: ${[...methods].join(", ")})`,
            );
        }
    }
    const valuesFile = path.join(chartDir, "values.yaml");
    let values: unknown;
    try {
        values = YAML.parse(fs.readFileSync(valuesFile, "utf8"));
    } catch (e) {
        at("chart.path", `: cannot read ${valuesFile}: ${(e as Error).message}`);
    }
    if (values !== undefined) {
        const paths = [
            ...Object.entries(profile.chart.values).map(([k, v]) => [`chart.values.${k}`, v as string]),
            ...Object.entries(profile.chart.optionalKinds).map(([k, v]) => [`chart.optionalKinds.${k}`, v]),
        ];
        for (const [field, dotted] of paths.filter(([, v]) => !hasValuePath(values, v))) {
            at(field, `'${dotted}' is not a value of ${valuesFile} (the chart would ignore it)`);
        }
    }
    const spec = path.join(sourceDir, profile.slo.spec);
    if (!fs.existsSync(spec)) {
        at("slo.spec", `'${profile.slo.spec}' is not in the checkout (${spec} does not exist)`);
    } else {
        const problem = slothSpecProblem(fs.readFileSync(spec, "utf8"));
        if (problem !== undefined) at("slo.spec", `'${profile.slo.spec}' (${spec}) ${problem}`);
    }
    return problems;
}
