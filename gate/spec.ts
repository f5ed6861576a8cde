// A Sloth spec as the gate reads it, in both formats Sloth reads: `prometheus/v1` (snake_case) and the Kubernetes
// `sloth.slok.dev/v1` PrometheusServiceLevel (camelCase, under spec). For each SLO: its objective, its events SLI
// and what Sloth needs to generate its rules again (description, labels, alerting). Fields Sloth does not read
// (e.g. a spec-level `alerting` of a PrometheusServiceLevel) are not read here either.
import * as fs from "fs";
import { parse } from "yaml";
import { ConfigError } from "./config";
import { WINDOW_PLACEHOLDER } from "./promql/tree";

/** One alert of an SLO (page or ticket), as Sloth reads it. */
export interface SloAlert {
    disable?: boolean;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
}

/** An SLO's alerting, as Sloth reads it. */
export interface SloAlerting {
    name?: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    pageAlert?: SloAlert;
    ticketAlert?: SloAlert;
}

/** One SLO of the spec, with the SLI queries still holding Sloth's {{.window}} placeholder. */
export interface Slo {
    name: string;
    /** Where the SLO is, for messages: `<file>: slos[1] (name)`. */
    where: string;
    objective: number;
    /** Allowed error ratio: 1 - objective/100. */
    budget: number;
    errorQuery: string;
    totalQuery: string;
    description?: string;
    labels?: Record<string, string>;
    alerting?: SloAlerting;
}

export type SpecFormat = "prometheus/v1" | "sloth.slok.dev/v1";

/** The SLOs of one service. */
export interface SloSpec {
    file: string;
    format: SpecFormat;
    service: string;
    labels?: Record<string, string>;
    slos: Slo[];
}

type Obj = Record<string, unknown>;

/** The field names of one format. */
interface Keys {
    errorQuery: string;
    totalQuery: string;
    pageAlert: string;
    ticketAlert: string;
    rawSli: string;
    /** The spec-level SLO plugin chain. */
    specPlugins: string;
}

const SNAKE: Keys = {
    errorQuery: "error_query",
    totalQuery: "total_query",
    pageAlert: "page_alert",
    ticketAlert: "ticket_alert",
    rawSli: "error_ratio_query",
    specPlugins: "slo_plugins",
};
const CAMEL: Keys = {
    errorQuery: "errorQuery",
    totalQuery: "totalQuery",
    pageAlert: "pageAlert",
    ticketAlert: "ticketAlert",
    rawSli: "errorRatioQuery",
    specPlugins: "sloPlugins",
};

function isObject(value: unknown): value is Obj {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** An optional mapping of strings (labels, annotations). */
function stringMap(where: string, value: unknown): Record<string, string> | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!isObject(value)) {
        throw new ConfigError(`${where}: ${JSON.stringify(value)} is not a mapping of strings`);
    }
    for (const [key, v] of Object.entries(value)) {
        if (typeof v !== "string") {
            throw new ConfigError(`${where}.${key}: ${JSON.stringify(v)} is not a string (quote it)`);
        }
    }
    return value as Record<string, string>;
}

function optionalObject(where: string, value: unknown): Obj | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (!isObject(value)) {
        throw new ConfigError(`${where}: ${JSON.stringify(value)} is not a mapping`);
    }
    return value;
}

function optionalString(where: string, value: unknown): string | undefined {
    if (value === undefined || value === null) {
        return undefined;
    }
    if (typeof value !== "string") {
        throw new ConfigError(`${where}: ${JSON.stringify(value)} is not a string`);
    }
    return value;
}

function sliQuery(where: string, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") {
        throw new ConfigError(`${where}: missing (the gate reads events SLIs: an error and a total query)`);
    }
    if (value.match(WINDOW_PLACEHOLDER) === null) {
        throw new ConfigError(`${where}: has no {{.window}} placeholder: ${value.trim()}`);
    }
    return value.trim();
}

function readAlert(where: string, raw: unknown): SloAlert | undefined {
    const alert = optionalObject(where, raw);
    if (alert === undefined) {
        return undefined;
    }
    if (alert.disable !== undefined && typeof alert.disable !== "boolean") {
        throw new ConfigError(`${where}.disable: ${JSON.stringify(alert.disable)} is not true or false`);
    }
    return {
        disable: alert.disable,
        labels: stringMap(`${where}.labels`, alert.labels),
        annotations: stringMap(`${where}.annotations`, alert.annotations),
    };
}

function readAlerting(where: string, raw: unknown, keys: Keys): SloAlerting | undefined {
    const alerting = optionalObject(where, raw);
    if (alerting === undefined) {
        return undefined;
    }
    return {
        name: optionalString(`${where}.name`, alerting.name),
        labels: stringMap(`${where}.labels`, alerting.labels),
        annotations: stringMap(`${where}.annotations`, alerting.annotations),
        pageAlert: readAlert(`${where}.${keys.pageAlert}`, alerting[keys.pageAlert]),
        ticketAlert: readAlert(`${where}.${keys.ticketAlert}`, alerting[keys.ticketAlert]),
    };
}

/** Reads an SLO from the parsed YAML, checking what the gate relies on; `at` is e.g. `f.yaml: spec.slos[0]`. */
function readSlo(at: string, raw: unknown, keys: Keys): Slo {
    if (!isObject(raw)) {
        throw new ConfigError(`${at}: ${JSON.stringify(raw)} is not an SLO (a mapping with name, objective, sli)`);
    }
    if (typeof raw.name !== "string" || raw.name === "") {
        throw new ConfigError(`${at}: name is missing`);
    }
    const where = `${at} (${raw.name})`;
    if (raw.plugins !== undefined && raw.plugins !== null) {
        throw new ConfigError(`${where}: plugins: ${NO_PLUGINS}`);
    }
    const objective = raw.objective;
    if (typeof objective !== "number" || !(objective > 0 && objective < 100)) {
        throw new ConfigError(`${where}: objective ${JSON.stringify(objective)} is not a percentage in (0, 100)`);
    }
    const sli = optionalObject(`${where}: sli`, raw.sli) ?? {};
    const events = optionalObject(`${where}: sli.events`, sli.events);
    if (events === undefined) {
        const kind = isObject(sli.raw)
            ? `a raw SLI (sli.raw.${keys.rawSli})`
            : isObject(sli.plugin)
              ? "a plugin SLI"
              : "no SLI";
        throw new ConfigError(
            `${where}: sli.events is missing: the SLO has ${kind}, and the gate reads events SLIs (sli.events.${keys.errorQuery} and sli.events.${keys.totalQuery}) to scope them to a track`,
        );
    }
    return {
        name: raw.name,
        where,
        objective,
        budget: Number(((100 - objective) / 100).toPrecision(12)),
        errorQuery: sliQuery(`${where}: sli.events.${keys.errorQuery}`, events[keys.errorQuery]),
        totalQuery: sliQuery(`${where}: sli.events.${keys.totalQuery}`, events[keys.totalQuery]),
        description: optionalString(`${where}: description`, raw.description),
        labels: stringMap(`${where}: labels`, raw.labels),
        alerting: readAlerting(`${where}: alerting`, raw.alerting, keys),
    };
}

/** Why a spec with SLO plugins is refused: they would change the rules, and the derived spec does not carry them. */
const NO_PLUGINS =
    "SLO plugins are not read (the derived, track-scoped spec would drop them and its rules differ from the service's); remove them";

/** The body of a spec: `service`, `labels` and `slos` at `prefix` ("" or "spec."). */
function readBody(file: string, format: SpecFormat, body: Obj, prefix: string, keys: Keys): SloSpec {
    if (body[keys.specPlugins] !== undefined && body[keys.specPlugins] !== null) {
        throw new ConfigError(`${file}: ${prefix}${keys.specPlugins}: ${NO_PLUGINS}`);
    }
    if (typeof body.service !== "string" || body.service === "") {
        throw new ConfigError(`${file}: ${prefix}service is missing`);
    }
    if (!Array.isArray(body.slos) || body.slos.length === 0) {
        throw new ConfigError(`${file}: ${prefix}slos is empty`);
    }
    const slos = (body.slos as unknown[]).map((raw, i) => readSlo(`${file}: ${prefix}slos[${i}]`, raw, keys));
    const names = slos.map((s) => s.name);
    const twice = names.find((n, i) => names.indexOf(n) !== i);
    if (twice !== undefined) {
        throw new ConfigError(`${file}: ${prefix}slos names ${twice} twice (Sloth's rules would collide)`);
    }
    return {
        file,
        format,
        service: body.service,
        labels: stringMap(`${file}: ${prefix}labels`, body.labels),
        slos,
    };
}

/** Parses Sloth spec text; throws a ConfigError naming the file, the SLO and the field the gate cannot use. */
export function parseSloSpec(text: string, file: string): SloSpec {
    let doc: unknown;
    try {
        doc = parse(text) ?? {};
    } catch (err) {
        throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    if (!isObject(doc)) {
        throw new ConfigError(`${file}: not a Sloth spec (expected a mapping)`);
    }
    if (doc.version === "prometheus/v1") {
        return readBody(file, "prometheus/v1", doc, "", SNAKE);
    }
    if (doc.apiVersion === "sloth.slok.dev/v1") {
        if (doc.kind !== "PrometheusServiceLevel") {
            throw new ConfigError(`${file}: kind ${JSON.stringify(doc.kind)} is not "PrometheusServiceLevel"`);
        }
        const body = optionalObject(`${file}: spec`, doc.spec);
        if (body === undefined) {
            throw new ConfigError(`${file}: spec is missing`);
        }
        return readBody(file, "sloth.slok.dev/v1", body, "spec.", CAMEL);
    }
    const found =
        doc.version !== undefined
            ? `version ${JSON.stringify(doc.version)}`
            : `apiVersion ${JSON.stringify(doc.apiVersion)}`;
    throw new ConfigError(
        `${file}: ${found} is not a Sloth spec the gate reads (version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 with kind: PrometheusServiceLevel)`,
    );
}

/** Reads and parses the Sloth spec file. */
export function loadSloSpec(file: string): SloSpec {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new ConfigError(`cannot read the Sloth spec ${file}: ${(err as Error).message}`);
    }
    return parseSloSpec(text, file);
}
