// The Sloth spec (prometheus/v1) as the gate reads it: the service, and for each SLO its objective and SLI queries.
import * as fs from "fs";
import { parse } from "yaml";
import { ConfigError } from "./config";

/** One SLO of the spec, with the SLI queries still holding Sloth's {{.window}} placeholder. */
export interface Slo {
    name: string;
    objective: number;
    /** Allowed error ratio: 1 - objective/100. */
    budget: number;
    errorQuery: string;
    totalQuery: string;
}

/** The SLOs of one service. */
export interface SloSpec {
    service: string;
    slos: Slo[];
}

/** Sloth's window placeholder in SLI queries. */
const WINDOW = /\{\{\s*\.window\s*\}\}/;
/** The matcher every SLI selector carries so that the gate can narrow it to one track. */
export const ANY_TRACK = 'track!=""';

function sliQuery(where: string, value: unknown): string {
    if (typeof value !== "string" || value.trim() === "") {
        throw new ConfigError(`${where}: missing (the gate reads events SLIs: error_query and total_query)`);
    }
    if (!WINDOW.test(value)) {
        throw new ConfigError(`${where}: has no {{.window}} placeholder`);
    }
    if (!value.includes(ANY_TRACK)) {
        throw new ConfigError(`${where}: no selector carries ${ANY_TRACK}, so the gate cannot narrow it to the canary`);
    }
    if (!/by\s*\(\s*track\s*\)/.test(value)) {
        throw new ConfigError(`${where}: does not aggregate by (track), so Sloth would not record the canary apart`);
    }
    return value.trim();
}

/** Reads an SLO from the parsed YAML, checking what the gate relies on. */
function readSlo(where: string, raw: Record<string, unknown>): Slo {
    if (typeof raw.name !== "string" || raw.name === "") {
        throw new ConfigError(`${where}: name is missing`);
    }
    const at = `${where} (${raw.name})`;
    const objective = raw.objective;
    if (typeof objective !== "number" || !(objective > 0 && objective < 100)) {
        throw new ConfigError(`${at}: objective ${JSON.stringify(objective)} is not a percentage in (0, 100)`);
    }
    const events = ((raw.sli ?? {}) as Record<string, unknown>).events as Record<string, unknown> | undefined;
    return {
        name: raw.name,
        objective,
        budget: Number(((100 - objective) / 100).toPrecision(12)),
        errorQuery: sliQuery(`${at}: sli.events.error_query`, events?.error_query),
        totalQuery: sliQuery(`${at}: sli.events.total_query`, events?.total_query),
    };
}

/** Parses Sloth spec text; throws a ConfigError naming the file and the SLO that is not usable by the gate. */
export function parseSloSpec(text: string, file: string): SloSpec {
    let doc: Record<string, unknown>;
    try {
        doc = (parse(text) ?? {}) as Record<string, unknown>;
    } catch (err) {
        throw new ConfigError(`${file}: not valid YAML: ${(err as Error).message}`);
    }
    if (doc.version !== "prometheus/v1") {
        throw new ConfigError(`${file}: version ${JSON.stringify(doc.version)} is not "prometheus/v1"`);
    }
    if (typeof doc.service !== "string" || doc.service === "") {
        throw new ConfigError(`${file}: service is missing`);
    }
    if (!Array.isArray(doc.slos) || doc.slos.length === 0) {
        throw new ConfigError(`${file}: slos is empty`);
    }
    const slos = (doc.slos as Record<string, unknown>[]).map((raw, i) => readSlo(`${file}: slos[${i}]`, raw ?? {}));
    return { service: doc.service, slos };
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

/** An SLI query for one track over one window: Sloth's placeholder filled in, track!="" narrowed. */
export function narrowQuery(query: string, track: string, range: string): string {
    return query.replace(new RegExp(WINDOW.source, "g"), range).split(ANY_TRACK).join(`track="${track}"`);
}
