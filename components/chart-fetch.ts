// The canary's chart as a verified local archive, by digest: what the Helm releases load. Staging packages it and
// publishes it to chartRegistry; prod (and a fresh clone of staging, which has no dist/) fetches that blob by its
// sha256, since a chart pushed with `helm push` is an OCI artifact whose chart layer is the .tgz itself.
import { execFile } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/** A chart that cannot be had by digest: what is missing, where it was looked for, and the fix. */
export class ChartFetchError extends pulumi.RunError {
    constructor(message: string) {
        super(message);
        this.name = "ChartFetchError";
    }
}

const digestPattern = /^sha256:[a-f0-9]{64}$/;
const refPattern = /^oci:\/\/[^\s/]+\/\S+[^/\s]$/;

/**
 * Where verified charts are kept: MIRADOR_CHART_CACHE, else .chart-cache in the project directory (the program's
 * working directory). The default is a relative path on purpose: the Helm release's `chart` input is this path, so it
 * must read the same in every clone of the project and on every machine.
 */
export function chartCacheDir(): string {
    return process.env.MIRADOR_CHART_CACHE || ".chart-cache";
}

/** The cache path of a chart: named for its digest, so that a new chart at the same version is a new input. */
export function cachedChartPath(chartDigest: string): string {
    return path.join(chartCacheDir(), `${chartDigest.replace(":", "-")}.tgz`);
}

/** The OCI repository of a chart pushed to `registry` (oci://host/path): helm push appends the chart's name. */
export function chartRefOf(registry: string, chartName: string): string {
    return `${registry.replace(/\/+$/, "")}/${chartName}`;
}

/** True for a registry on this machine's loopback, which serves plain HTTP (helm push needs --plain-http). */
export function isLoopbackRegistry(ref: string): boolean {
    return /^oci:\/\/(localhost|127(\.\d{1,3}){3}|\[::1\])(:\d+)?(\/|$)/.test(ref);
}

function sha256Of(bytes: Buffer): string {
    return `sha256:${crypto.createHash("sha256").update(bytes).digest("hex")}`;
}

/** The file's bytes when it exists and has exactly `digest`, else undefined. */
function verified(file: string, digest: string): Buffer | undefined {
    if (!fs.existsSync(file)) {
        return undefined;
    }
    const bytes = fs.readFileSync(file);
    return sha256Of(bytes) === digest ? bytes : undefined;
}

/** Writes the archive into the cache atomically: a reader never sees half a chart. */
function store(target: string, bytes: Buffer): string {
    fs.mkdirSync(path.dirname(target), { recursive: true });
    const tmp = `${target}.${process.pid}.${crypto.randomBytes(4).toString("hex")}.tmp`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, target);
    return target;
}

/** The blob `digest` of the OCI repository (crane blob; registry credentials from the docker config). */
function craneBlob(repository: string, digest: string, timeoutMs: number): Promise<Buffer> {
    return new Promise((resolve, reject) => {
        execFile(
            "crane",
            ["blob", `${repository}@${digest}`],
            { encoding: "buffer", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err) {
                    const reason =
                        (err as NodeJS.ErrnoException).code === "ENOENT"
                            ? "crane is not installed (scripts/bootstrap-tools crane)"
                            : stderr.toString().trim().split("\n").pop() || err.message;
                    reject(new Error(reason));
                } else {
                    resolve(stdout);
                }
            },
        );
    });
}

export interface FetchChartOptions {
    /** A local archive to take first when it has the digest (staging's freshly packaged dist/ archive). */
    localArchive?: string;
    /** Bound of the registry fetch. */
    timeoutMs?: number;
}

/**
 * A local archive of the chart `chartDigest`, verified: from the cache, else from `localArchive`, else fetched by
 * digest from `chartRef` (oci://host/path/name, as staging exports it). Returns its path (relative to the project
 * unless MIRADOR_CHART_CACHE is absolute); throws a ChartFetchError that names the setting and the fix otherwise.
 */
export async function fetchChart(
    chartRef: string | undefined,
    chartDigest: string,
    opts: FetchChartOptions = {},
): Promise<string> {
    if (!digestPattern.test(chartDigest)) {
        throw new ChartFetchError(
            `the chart digest '${chartDigest}' is not sha256:<64 hex>: nothing is deployed by it`,
        );
    }
    const target = cachedChartPath(chartDigest);
    if (verified(target, chartDigest) !== undefined) {
        return target;
    }
    const local = opts.localArchive === undefined ? undefined : verified(opts.localArchive, chartDigest);
    if (local !== undefined) {
        return store(target, local);
    }
    const here = `the chart ${chartDigest} is not in ${chartCacheDir()}${opts.localArchive ? ` nor at ${opts.localArchive}` : ""}`;
    if (chartRef === undefined || chartRef === "") {
        throw new ChartFetchError(
            `${here}, and the staging stack publishes it nowhere: set mirador-release:chartRegistry in the staging stack (e.g. oci://ghcr.io/miradorstack/charts) and run pulumi up -s staging, so that the chart can be fetched by digest`,
        );
    }
    if (!refPattern.test(chartRef)) {
        throw new ChartFetchError(
            `${here}, and the staging stack's chartRef '${chartRef}' is not oci://host/path/name: check mirador-release:chartRegistry of the staging stack`,
        );
    }
    let bytes: Buffer;
    try {
        bytes = await craneBlob(chartRef.slice("oci://".length), chartDigest, opts.timeoutMs ?? 120_000);
    } catch (e) {
        throw new ChartFetchError(
            `${here}, and it cannot be fetched from ${chartRef} (${(e as Error).message}): the registry that the staging stack's mirador-release:chartRegistry names must be reachable and hold the canary's chart (run pulumi up -s staging to publish it)`,
        );
    }
    const got = sha256Of(bytes);
    if (got !== chartDigest) {
        throw new ChartFetchError(
            `${chartRef}@${chartDigest} answered a blob with digest ${got}: refusing a chart that is not the canary's`,
        );
    }
    return store(target, bytes);
}
