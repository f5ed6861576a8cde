// The service profile (profiles/<service>.yaml): everything the program knows of the service it releases, as data.
// Read and checked once, before anything is declared; every problem names the profile file, the field, the value
// found and the fix. A field the profile schema does not know is an error too.
import * as fs from "fs";
import * as YAML from "yaml";

/** One smoke call of RELEASE-PROCESS.md step 5.4: a method of the profile's gRPC service. */
export interface SmokeCall {
    /** Resource-name suffix of the step. */
    name: string;
    /** The method's name within grpc.service. */
    method: string;
    request: Record<string, unknown>;
    /** Fragments grpcurl's JSON answer must hold (none: the call must only answer). */
    expect: string[];
}

/** A command run in the checkout, and the tools it needs on PATH. */
export interface ProfileCommand {
    run: string;
    tools: { name: string; from: string }[];
}

export interface ChartValuePaths {
    imageRepository: string;
    /** Set when the chart renders `repository:tag` (the tag gets `<tag>@sha256:…`). */
    imageTag?: string;
    /** Set when the chart has a value for the digest alone. */
    imageDigest?: string;
    replicas: string;
    /** The chart's switch of its HorizontalPodAutoscaler, switched off for the canary. */
    autoscaling?: string;
    podLabels: string;
    servicePort: string;
    metricsPort: string;
}

export interface ServiceProfile {
    /** The profile file, absolute. */
    file: string;
    name: string;
    grpc: { service: string; health?: string; smoke: SmokeCall[] };
    metrics: { requests: { name: string; serviceLabel: string } };
    track: { label: string; canary: string; stable: string };
    chart: {
        path: string;
        values: ChartValuePaths;
        ports: { grpc: string; metrics: string };
        /** Kind → the value that turns it off. */
        optionalKinds: Record<string, string>;
    };
    /** The Sloth spec's path in the checkout. */
    slo: { spec: string };
    commands: { preflight: ProfileCommand[]; prebuild?: ProfileCommand };
}

type Obj = Record<string, unknown>;

/** Collects problems with one profile file, each naming the field. */
class ProfileReader {
    readonly problems: string[] = [];
    constructor(readonly file: string) {}

    add(field: string, message: string): void {
        this.problems.push(`${this.file}: ${field} ${message}`);
    }

    object(parent: Obj, field: string, at: string, known: string[]): Obj {
        const v = parent[field];
        if (v === undefined || v === null) {
            this.add(at, "is missing (expected an object)");
            return {};
        }
        if (typeof v !== "object" || Array.isArray(v)) {
            this.add(at, `must be an object, found ${JSON.stringify(v)}`);
            return {};
        }
        this.unknownFields(v as Obj, at, known);
        return v as Obj;
    }

    unknownFields(obj: Obj, at: string, known: string[]): void {
        for (const key of Object.keys(obj).filter((k) => !known.includes(k))) {
            this.add(`${at}.${key}`, `is not a profile field (known here: ${known.join(", ")})`);
        }
    }

    string(obj: Obj, field: string, at: string, pattern?: { re: RegExp; expected: string }): string;
    string(
        obj: Obj,
        field: string,
        at: string,
        pattern: { re: RegExp; expected: string } | undefined,
        optional: true,
    ): string | undefined;
    string(obj: Obj, field: string, at: string, pattern?: { re: RegExp; expected: string }, optional = false) {
        const v = obj[field];
        if (v === undefined || v === null || v === "") {
            if (!optional) this.add(`${at}.${field}`, "is missing");
            return optional ? undefined : "";
        }
        if (typeof v !== "string") {
            this.add(`${at}.${field}`, `must be a string, found ${JSON.stringify(v)}`);
            return optional ? undefined : "";
        }
        if (pattern && !pattern.re.test(v)) {
            this.add(`${at}.${field}`, `'${v}' is not ${pattern.expected}`);
        }
        return v;
    }

    list(obj: Obj, field: string, at: string): unknown[] {
        const v = obj[field];
        if (v === undefined || v === null) return [];
        if (!Array.isArray(v)) {
            this.add(`${at}.${field}`, `must be a list, found ${JSON.stringify(v)}`);
            return [];
        }
        return v;
    }
}

const IDENT = { re: /^[A-Za-z_][A-Za-z0-9_]*$/, expected: "an identifier (letters, digits, _)" };
const QUALIFIED = {
    re: /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/,
    expected: "a package-qualified name, e.g. shop.v1.OrderService",
};
const METRIC = { re: /^[a-zA-Z_:][a-zA-Z0-9_:]*$/, expected: "a Prometheus metric name" };
const LABEL = { re: /^[a-zA-Z_][a-zA-Z0-9_]*$/, expected: "a Prometheus label name" };
const VALUE_PATH = {
    re: /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/,
    expected: "a dotted path into the chart's values, e.g. image.tag",
};
const STEP_NAME = { re: /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/, expected: "a lowercase name with '-', e.g. get-patterns" };

function readCommand(r: ProfileReader, raw: unknown, at: string): ProfileCommand | undefined {
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
        r.add(at, `must be an object with run and tools, found ${JSON.stringify(raw)}`);
        return undefined;
    }
    const obj = raw as Obj;
    r.unknownFields(obj, at, ["run", "tools"]);
    const tools = r.list(obj, "tools", at).map((t, i) => {
        const tool = (typeof t === "object" && t !== null ? t : {}) as Obj;
        r.unknownFields(tool, `${at}.tools[${i}]`, ["name", "from"]);
        return { name: r.string(tool, "name", `${at}.tools[${i}]`), from: r.string(tool, "from", `${at}.tools[${i}]`) };
    });
    return { run: r.string(obj, "run", at), tools };
}

function readSmoke(r: ProfileReader, raw: unknown, at: string): SmokeCall {
    const obj = (typeof raw === "object" && raw !== null && !Array.isArray(raw) ? raw : {}) as Obj;
    r.unknownFields(obj, at, ["name", "method", "request", "expect"]);
    const request = obj.request ?? {};
    if (typeof request !== "object" || request === null || Array.isArray(request)) {
        r.add(`${at}.request`, `must be an object (the request message as JSON), found ${JSON.stringify(request)}`);
    }
    const expect = r.list(obj, "expect", at).map((e, i) => {
        if (typeof e !== "string" || e === "")
            r.add(`${at}.expect[${i}]`, `must be a non-empty string, found ${JSON.stringify(e)}`);
        return String(e);
    });
    return {
        name: r.string(obj, "name", at, STEP_NAME),
        method: r.string(obj, "method", at, IDENT),
        request: request as Obj,
        expect,
    };
}

/** Parses a profile's text; throws one Error listing every problem. Internal: exported for tests. */
export function parseServiceProfile(text: string, file: string): ServiceProfile {
    const r = new ProfileReader(file);
    let doc: Obj;
    try {
        doc = (YAML.parse(text) ?? {}) as Obj;
    } catch (e) {
        throw new Error(`${file}: not valid YAML: ${(e as Error).message}`);
    }
    r.unknownFields(doc, "profile", ["name", "grpc", "metrics", "track", "chart", "slo", "commands"]);
    const grpc = r.object(doc, "grpc", "grpc", ["service", "health", "smoke"]);
    const smoke = r.list(grpc, "smoke", "grpc").map((s, i) => readSmoke(r, s, `grpc.smoke[${i}]`));
    if (smoke.length === 0) r.add("grpc.smoke", "is empty (the canary's smoke tests need at least one call)");
    const names = smoke.map((s) => s.name);
    for (const dup of names.filter((n, i) => names.indexOf(n) !== i)) r.add("grpc.smoke", `names '${dup}' twice`);
    const metrics = r.object(doc, "metrics", "metrics", ["requests"]);
    const requests = r.object(metrics, "requests", "metrics.requests", ["name", "serviceLabel"]);
    const track = r.object(doc, "track", "track", ["label", "canary", "stable"]);
    const chart = r.object(doc, "chart", "chart", ["path", "values", "ports", "optionalKinds"]);
    const valueFields = [
        "imageRepository",
        "imageTag",
        "imageDigest",
        "replicas",
        "autoscaling",
        "podLabels",
        "servicePort",
        "metricsPort",
    ];
    const values = r.object(chart, "values", "chart.values", valueFields);
    const optional = new Set(["imageTag", "imageDigest", "autoscaling"]);
    const paths = Object.fromEntries(
        valueFields
            .map((f) => [f, r.string(values, f, "chart.values", VALUE_PATH, true)])
            .filter(([f, v]) => {
                if (v === undefined && !optional.has(f as string)) r.add(`chart.values.${f}`, "is missing");
                return v !== undefined;
            }),
    ) as unknown as ChartValuePaths;
    if ((paths.imageTag === undefined) === (paths.imageDigest === undefined)) {
        r.add(
            "chart.values",
            "needs exactly one of imageTag (the chart renders repository:tag) and imageDigest (it has a digest value)",
        );
    }
    const ports = r.object(chart, "ports", "chart.ports", ["grpc", "metrics"]);
    const kindsRaw = chart.optionalKinds ?? {};
    const optionalKinds: Record<string, string> = {};
    for (const [kind, value] of Object.entries(typeof kindsRaw === "object" && kindsRaw !== null ? kindsRaw : {})) {
        if (typeof value !== "string" || !VALUE_PATH.re.test(value)) {
            r.add(
                `chart.optionalKinds.${kind}`,
                `must be the value path that turns ${kind} off, found ${JSON.stringify(value)}`,
            );
        } else {
            optionalKinds[kind] = value;
        }
    }
    const slo = r.object(doc, "slo", "slo", ["spec"]);
    const commands = r.object(doc, "commands", "commands", ["preflight", "prebuild"]);
    const preflight = r
        .list(commands, "preflight", "commands")
        .map((c, i) => readCommand(r, c, `commands.preflight[${i}]`));
    const prebuild =
        commands.prebuild === undefined ? undefined : readCommand(r, commands.prebuild, "commands.prebuild");
    const profile: ServiceProfile = {
        file,
        name: r.string(doc, "name", "profile", STEP_NAME),
        grpc: {
            service: r.string(grpc, "service", "grpc", QUALIFIED),
            health: r.string(grpc, "health", "grpc", QUALIFIED, true),
            smoke,
        },
        metrics: {
            requests: {
                name: r.string(requests, "name", "metrics.requests", METRIC),
                serviceLabel: r.string(requests, "serviceLabel", "metrics.requests", LABEL),
            },
        },
        track: {
            label: r.string(track, "label", "track", LABEL),
            canary: r.string(track, "canary", "track"),
            stable: r.string(track, "stable", "track"),
        },
        chart: {
            path: r.string(chart, "path", "chart"),
            values: paths,
            ports: { grpc: r.string(ports, "grpc", "chart.ports"), metrics: r.string(ports, "metrics", "chart.ports") },
            optionalKinds,
        },
        slo: { spec: r.string(slo, "spec", "slo") },
        commands: { preflight: preflight.filter((c) => c !== undefined), prebuild },
    };
    if (profile.track.canary !== "" && profile.track.canary === profile.track.stable) {
        r.add("track", `canary and stable are both '${profile.track.canary}' (the gate could not tell them apart)`);
    }
    if (r.problems.length > 0) {
        throw new Error(
            r.problems.length === 1
                ? r.problems[0]
                : `${r.problems.length} problems in the service profile:\n  - ${r.problems.join("\n  - ")}`,
        );
    }
    return profile;
}

/** Reads a profile file. */
export function loadServiceProfile(file: string): ServiceProfile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (e) {
        throw new Error(`cannot read the service profile ${file}: ${(e as Error).message}`);
    }
    return parseServiceProfile(text, file);
}
