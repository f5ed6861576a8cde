// A minimal Prometheus HTTP API client: instant queries at one evaluation time, each bounded by a timeout.
import * as http from "http";
import * as https from "https";

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
    /** Frees what the client holds (connections); called once the evaluation is over. */
    close?(): void;
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

function describeFailure(url: string, timeoutMs: number, err: unknown): string {
    if (err instanceof Error && (err.name === "TimeoutError" || err.name === "AbortError")) {
        return `Prometheus at ${url} did not answer within ${timeoutMs} ms`;
    }
    const message = err instanceof Error ? err.message : String(err);
    return `cannot reach Prometheus at ${url}: ${message}`;
}

/** POSTs a form and resolves with the status and body; the signal bounds the whole exchange. */
function post(
    target: URL,
    agent: http.Agent,
    form: string,
    signal: AbortSignal,
): Promise<{ status: number; body: string }> {
    const request = target.protocol === "https:" ? https.request : http.request;
    return new Promise((resolve, reject) => {
        const req = request(
            target,
            {
                method: "POST",
                agent,
                signal,
                headers: {
                    "content-type": "application/x-www-form-urlencoded",
                    "content-length": Buffer.byteLength(form),
                },
            },
            (res) => {
                const chunks: Buffer[] = [];
                res.on("data", (chunk: Buffer) => chunks.push(chunk));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }));
                res.on("error", reject);
            },
        );
        req.on("error", reject);
        req.end(form);
    });
}

/**
 * Queries Prometheus over HTTP at a fixed evaluation time. Node's http module with a keep-alive agent: a query
 * costs well under a millisecond of client time, several times less than fetch. close() frees the connections.
 */
export class PrometheusClient implements QueryClient {
    readonly url: string;
    private readonly endpoint: URL;
    private readonly agent: http.Agent;

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
        this.endpoint = new URL(`${this.url}/api/v1/query`);
        const options = { keepAlive: true, maxSockets: 32 };
        this.agent = this.endpoint.protocol === "https:" ? new https.Agent(options) : new http.Agent(options);
    }

    async query(expr: string): Promise<Sample[]> {
        const form = new URLSearchParams({
            query: expr,
            time: (this.time.getTime() / 1000).toFixed(3),
            timeout: `${Math.max(1, Math.floor(this.timeoutMs / 1000))}s`,
        }).toString();
        let response: { status: number; body: string };
        try {
            response = await post(this.endpoint, this.agent, form, AbortSignal.timeout(this.timeoutMs));
        } catch (err) {
            throw new PrometheusError(describeFailure(this.url, this.timeoutMs, err));
        }
        let answer: ApiResponse;
        try {
            answer = JSON.parse(response.body) as ApiResponse;
        } catch {
            throw new PrometheusError(
                `Prometheus at ${this.url} answered HTTP ${response.status} with a body that is not JSON`,
            );
        }
        if (answer.status !== "success") {
            const detail = `${answer.errorType ?? "error"}: ${answer.error ?? "no message"}`;
            throw new PrometheusError(`Prometheus at ${this.url} answered HTTP ${response.status} ${detail}`);
        }
        return parseResult(answer.data);
    }

    /** Closes the kept-alive connections. */
    close(): void {
        this.agent.destroy();
    }
}
