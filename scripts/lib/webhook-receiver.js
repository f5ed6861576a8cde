#!/usr/bin/env node
// Stands in for a Slack incoming webhook on 127.0.0.1: answers "ok" to each POST and appends it to a file as one
// JSON line ({ at, path, body }). GET /healthz answers for readiness checks. Usage: webhook-receiver.js PORT FILE
"use strict";
const fs = require("fs");
const http = require("http");

const [port, file] = process.argv.slice(2);
if (!port || !file) {
    console.error("usage: webhook-receiver.js PORT FILE");
    process.exit(2);
}

http.createServer((req, res) => {
    if (req.method === "GET" && req.url === "/healthz") {
        res.end("ok");
        return;
    }
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
        if (req.method !== "POST") {
            res.writeHead(405).end("method not allowed");
            return;
        }
        fs.appendFileSync(file, JSON.stringify({ at: new Date().toISOString(), path: req.url, body }) + "\n");
        res.writeHead(200, { "Content-Type": "text/plain" }).end("ok");
    });
}).listen(Number(port), "127.0.0.1", () => console.log(`webhook receiver on 127.0.0.1:${port}, writing ${file}`));
process.on("SIGTERM", () => process.exit(0));
