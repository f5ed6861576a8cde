// A minimal Prometheus HTTP API client: instant queries at one evaluation time, each bounded by a timeout.

/** One series of an instant query result. */
export interface Sample {
    labels: Record<string, string>;
    value: number;
}

/** What the gate needs from Prometheus: an instant query at the evaluation time of the whole run. */
export interface QueryClient {
    /** The Prometheus this client asks, for messages. */
    readonly url: string;
    /** Runs an instant query; rejects with a PrometheusError that says what went wrong. */
    query(expr: string): Promise<Sample[]>;
}

/** Prometheus could not be asked, did not answer in time, or refused the query. */
export class PrometheusError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PrometheusError";
    }
}

interface ApiResponse {
    status?: string;
    errorType?: string;
    error?: string;
    data?: { resultType?: string; result?: unknown };
}

/** Checks that a Prometheus URL is an absolute http(s) URL; returns it without a trailing slash. */
export function normalisePrometheusUrl(raw: string): string {
    let parsed: URL;
    try {
        parsed = new URL(raw);
    } catch {
        throw new Error(`'${raw}' is not a URL (expected e.g. http://127.0.0.1:9090)`);
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") {
        throw new Error(`'${raw}' is not an http(s) URL (expected e.g. http://127.0.0.1:9090)`);
    }
    return raw.replace(/\/+$/, "");
}

/** Reads a vector or scalar result into samples; a NaN value stays NaN. */
export function parseResult(data: ApiResponse["data"]): Sample[] {
    if (data?.resultType === "scalar" && Array.isArray(data.result)) {
        return [{ labels: {}, value: Number(data.result[1]) }];
    }
    if (data?.resultType !== "vector" || !Array.isArray(data.result)) {
        throw new PrometheusError(`Prometheus answered a ${String(data?.resultType)} result (expected a vector)`);
    }
    return (data.result as { metric: Record<string, string>; value: [number, string] }[]).map((series) => ({
        labels: series.metric,
        value: Number(series.value[1]),
    }));
}

function describeFetchError(url: string, timeoutMs: number, err: unknown): string {
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
        return `Prometheus at ${url} did not answer within ${timeoutMs} ms`;
    }
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : undefined;
    const message = err instanceof Error ? err.message : String(err);
    return `cannot reach Prometheus at ${url}: ${cause ?? message}`;
}

/** Queries Prometheus over HTTP at a fixed evaluation time. */
export class PrometheusClient implements QueryClient {
    readonly url: string;

    /**
     * @param url the Prometheus base URL (http or https)
     * @param timeoutMs the longest one query may take, answer included
     * @param time the evaluation time of every query
     */
    constructor(
        url: string,
        private readonly timeoutMs: number,
        private readonly time: Date,
    ) {
        this.url = normalisePrometheusUrl(url);
    }

    async query(expr: string): Promise<Sample[]> {
        const body = new URLSearchParams({
            query: expr,
            time: (this.time.getTime() / 1000).toFixed(3),
            timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s`,
        });
        let answer: ApiResponse;
        let status: number;
        try {
            const response = await fetch(`${this.url}/api/v1/query`, {
                method: "POST",
                headers: { "content-type": "application/x-www-form-urlencoded" },
                body,
                signal: AbortSignal.timeout(this.timeoutMs),
            });
            status = response.status;
            const text = await response.text();
            try {
                answer = JSON.parse(text) as ApiResponse;
            } catch {
                throw new PrometheusError(
                    `Prometheus at ${this.url} answered HTTP ${status} with a body that is not JSON`,
                );
            }
        } catch (err) {
            if (err instanceof PrometheusError) {
                throw err;
            }
            throw new PrometheusError(describeFetchError(this.url, this.timeoutMs, err));
        }
        if (answer.status !== "success") {
            const detail = `${answer.errorType ?? "error"}: ${answer.error ?? "no message"}`;
            throw new PrometheusError(`Prometheus at ${this.url} answered HTTP ${status} ${detail}`);
        }
        return parseResult(answer.data);
    }
}
