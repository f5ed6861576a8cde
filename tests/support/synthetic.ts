// Synthetic series of mirador-rca as Prometheus holds them for the gate (docs/gate.md): the service's own metrics
// (go-grpc-prometheus's calls of the profile's gRPC service, the investigation counter and histogram) and the `up`
// series of each pod's target, every series with the labels Prometheus attaches from the pod (the track label,
// namespace, pod, pod_template_hash, container, image). Written as OpenMetrics text for
// `promtool tsdb create-blocks-from openmetrics`.
import * as path from "path";
import { loadServiceProfile } from "../../config/service-profile";

const PROFILE = loadServiceProfile(path.resolve(__dirname, "..", "..", "profiles", "mirador-rca.yaml"));

/** A stretch of time during which one track's pod serves traffic of one kind. */
export interface Segment {
    track: string;
    /** Minutes before the end of the data when the segment starts, and when it stops (0: up to the end). */
    fromMinutesAgo: number;
    toMinutesAgo: number;
    /** Calls a second to the profile's gRPC service, spread evenly over its smoke methods. */
    rps: number;
    /** Share of investigations (the first method's calls) that fail: outcome="error", gRPC code Internal. */
    errorRatio?: number;
    /** Share of investigations slower than 4 s (the latency objective's bucket). */
    slowRatio?: number;
    /** The image digest the track's pod runs. */
    digest: string;
    /** The pod's image as Prometheus attaches it (default: 127.0.0.1:5000/mirador-rca:v0.4.0@<digest>). */
    image?: string;
    /** The value of the target's `up` (default 1); at 0 its scrapes fail and the pod's series get no samples. */
    up?: 0 | 1;
}

export interface Scenario {
    /** How much history the data holds, minutes. */
    historyMinutes: number;
    /** Scrape interval of the synthetic samples, seconds. */
    stepSeconds: number;
    segments: Segment[];
}

/** The profile's gRPC service, its smoke methods (the first is the investigation) and its request metric. */
export const GRPC_SERVICE = PROFILE.grpc.service;
export const RCA_METHODS = PROFILE.grpc.smoke.map((s) => s.method);
const REQUESTS = PROFILE.metrics.requests;
const TRACK_LABEL = PROFILE.track.label;

const INVESTIGATIONS = "mirador_rca_investigations_total";
const DURATION = "mirador_rca_investigation_seconds";
/** The service's investigation histogram buckets. */
const BUCKETS = ["0.25", "0.5", "1", "2", "3", "4", "5", "6", "8", "10", "+Inf"];
/** Share of the fast investigations at or under each bucket up to 4 s; the slow ones take 5 to 6 s. */
const FAST_SHARE: Record<string, number> = { "0.25": 0.3, "0.5": 0.5, "1": 0.8 };

/** A digest made from a word, for readable fixtures. */
export function fakeDigest(word: string): string {
    const hex = Buffer.from(word).toString("hex");
    return `sha256:${hex.padEnd(64, "0").slice(0, 64)}`;
}

type Labels = Record<string, string>;

/** The labels Prometheus attaches to every series of the segment's pod (its target's labels). */
export function podLabels(seg: Segment): Labels {
    const hash = seg.digest.slice(7, 17);
    const pod = `mirador-rca-${hash}-${seg.track.slice(0, 5)}`;
    return {
        job: "kubernetes-pods",
        instance: `${pod}:metrics`,
        namespace: seg.track === "canary" ? "mirador-staging" : "mirador-prod",
        pod,
        pod_template_hash: hash,
        container: "mirador-rca",
        image: seg.image ?? `127.0.0.1:5000/mirador-rca:v0.4.0@${seg.digest}`,
        [TRACK_LABEL]: seg.track,
    };
}

/** A segment covers (to, from] minutes ago, and the last sample too when it runs up to the end. */
function active(seg: Segment, minutesAgo: number): boolean {
    return minutesAgo <= seg.fromMinutesAgo && (minutesAgo > seg.toMinutesAgo || seg.toMinutesAgo === 0);
}

/** One series of a pod: its name, its own labels, and whether it exists from the start (pre-initialised at 0). */
interface Increment {
    name: string;
    labels: Labels;
    inc: number;
    /** False for a series the service creates at its first event (an outcome of the investigation counter). */
    initialised: boolean;
}

/** Increments of every counter of one pod during one step. */
function stepIncrements(seg: Segment, seconds: number): Increment[] {
    const perMethod = (seg.rps * seconds) / RCA_METHODS.length;
    const errors = perMethod * (seg.errorRatio ?? 0);
    const slow = perMethod * (seg.slowRatio ?? 0);
    const fast = perMethod - slow;
    const out: Increment[] = [];
    RCA_METHODS.forEach((method, i) => {
        const grpc = { [REQUESTS.serviceLabel]: GRPC_SERVICE, grpc_method: method, grpc_type: "unary" };
        const failed = i === 0 ? errors : 0;
        out.push(
            { name: REQUESTS.name, labels: { ...grpc, grpc_code: "OK" }, inc: perMethod - failed, initialised: true },
            { name: REQUESTS.name, labels: { ...grpc, grpc_code: "Internal" }, inc: failed, initialised: true },
        );
    });
    out.push(
        { name: INVESTIGATIONS, labels: { outcome: "success" }, inc: perMethod - errors, initialised: false },
        { name: INVESTIGATIONS, labels: { outcome: "error" }, inc: errors, initialised: false },
        { name: `${DURATION}_sum`, labels: {}, inc: fast * 0.6 + slow * 5.5, initialised: true },
        { name: `${DURATION}_count`, labels: {}, inc: perMethod, initialised: true },
        ...BUCKETS.map((le) => ({
            name: `${DURATION}_bucket`,
            labels: { le },
            inc: Number(le) >= 6 || le === "+Inf" ? perMethod : fast * (FAST_SHARE[le] ?? 1),
            initialised: true,
        })),
    );
    return out;
}

const FAMILIES: [string, string][] = [
    [REQUESTS.name.replace(/_total$/, ""), "counter"],
    [INVESTIGATIONS.replace(/_total$/, ""), "counter"],
    [DURATION, "histogram"],
    ["up", "gauge"],
];

function familyOf(name: string): string | undefined {
    return FAMILIES.map(([f]) => f).find((f) => name === f || /^_(total|bucket|sum|count)$/.test(name.slice(f.length)));
}

function renderLabels(labels: Labels): string {
    return Object.entries(labels)
        .map(([k, v]) => `${k}="${v}"`)
        .join(",");
}

/**
 * The scenario's samples up to `end` as OpenMetrics text: counters accumulate from the first step a pod is active
 * (pre-initialised at zero, but for the investigation outcomes, which appear at their first event as the service
 * creates them), a pod with no active segment exports nothing, and its target's `up` is 1 (or the segment's value,
 * 0 meaning no other sample of the pod).
 */
export function renderOpenMetrics(scenario: Scenario, end: Date): string {
    const endSec = Math.floor(end.getTime() / 1000);
    const steps = Math.floor((scenario.historyMinutes * 60) / scenario.stepSeconds);
    const totals = new Map<string, number>();
    const samples = new Map<string, { name: string; labels: Labels; values: string[] }>();
    const add = (name: string, labels: Labels, value: number, ts: number): void => {
        const key = `${name}{${renderLabels(labels)}}`;
        const series = samples.get(key) ?? { name, labels, values: [] };
        series.values.push(`${Math.floor(value)} ${ts}`);
        samples.set(key, series);
    };
    for (let i = steps; i >= 0; i--) {
        const ts = endSec - i * scenario.stepSeconds;
        const minutesAgo = (endSec - ts) / 60;
        for (const seg of scenario.segments) {
            if (!active(seg, minutesAgo)) {
                continue;
            }
            const pod = podLabels(seg);
            add("up", pod, seg.up ?? 1, ts);
            if (seg.up === 0) {
                continue;
            }
            for (const { name, labels, inc, initialised } of stepIncrements(seg, scenario.stepSeconds)) {
                const all = { ...labels, ...pod };
                const key = `${name}{${renderLabels(all)}}`;
                const previous = totals.get(key);
                // A pre-initialised series starts at 0; one created at its first event counts from the first step.
                const total = previous === undefined ? (initialised ? 0 : inc) : previous + inc;
                totals.set(key, total);
                if (initialised || Math.floor(total) >= 1) {
                    add(name, all, total, ts);
                }
            }
        }
    }
    const lines: string[] = [];
    for (const [family, type] of FAMILIES) {
        lines.push(`# TYPE ${family} ${type}`);
        for (const { name, labels, values } of samples.values()) {
            if (familyOf(name) !== family) {
                continue;
            }
            for (const value of values) {
                lines.push(`${name}{${renderLabels(labels)}} ${value}`);
            }
        }
    }
    lines.push("# EOF", "");
    return lines.join("\n");
}
