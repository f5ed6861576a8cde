// A tiny HTTP server on 127.0.0.1 that records requests and answers from a handler: it stands in for the Slack
// webhook and the GitHub REST API, which cannot be reached from here.
import * as http from "http";

export interface RecordedRequest {
    method: string;
    url: string;
    headers: http.IncomingHttpHeaders;
    body: string;
}

export type Handler = (req: RecordedRequest) => { status: number; body?: unknown };

export interface Recorder {
    url: string;
    requests: RecordedRequest[];
    close(): Promise<void>;
}

export async function startRecorder(handler: Handler): Promise<Recorder> {
    const requests: RecordedRequest[] = [];
    const server = http.createServer((req, res) => {
        let body = "";
        req.on("data", (chunk: Buffer) => (body += chunk.toString()));
        req.on("end", () => {
            const recorded = { method: req.method ?? "", url: req.url ?? "", headers: req.headers, body };
            requests.push(recorded);
            const answer = handler(recorded);
            res.writeHead(answer.status, { "Content-Type": "application/json" });
            res.end(answer.body === undefined ? "" : JSON.stringify(answer.body));
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const address = server.address() as { port: number };
    return {
        url: `http://127.0.0.1:${address.port}`,
        requests,
        close: () => new Promise((resolve) => server.close(() => resolve())),
    };
}
