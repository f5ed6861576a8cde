// Free loopback ports for servers that the local infrastructure and the tests start.
//
// Chosen below the kernel's ephemeral range (net.ipv4.ip_local_port_range), never inside it: a port handed out
// early and bound minutes later (a pod's hostNetwork port) must not be taken meanwhile by the local port of an
// outgoing connection (kubelet → apiserver, Prometheus scrapes), which only ever come from the ephemeral range.
// Each candidate is checked by binding it; a process never hands out the same port twice, nor a port listed in
// MIRADOR_RESERVED_PORTS (ports a test sandbox chose for pods that start later). Across processes (mocha's parallel
// workers each start sandboxes), a port is claimed by creating a file named after it in the machine's claim folder
// ($TMPDIR/mirador-release-ports) exclusively: no two processes hand out the same port within CLAIM_SECONDS, a
// sandbox's lifetime with room to spare; an older claim is taken over.
//   node scripts/lib/free-ports.js N   prints N distinct free ports, space-separated
"use strict";
const fs = require("fs");
const net = require("net");

const os = require("os");
const path = require("path");

const LOWEST = 15000;
const MAX_TRIES = 200;
const CLAIM_SECONDS = 4 * 3600;
const CLAIMS = path.join(os.tmpdir(), "mirador-release-ports");
const handedOut = new Set(
    (process.env.MIRADOR_RESERVED_PORTS ?? "")
        .split(/[\s,]+/)
        .filter((p) => p !== "")
        .map(Number),
);

/** The lowest ephemeral port of this kernel (32768 when it cannot be read). */
function ephemeralLow() {
    try {
        const low = Number(fs.readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
        return Number.isInteger(low) && low > LOWEST + 1000 ? low : 32768;
    } catch {
        return 32768;
    }
}

function bindable(port) {
    return new Promise((resolve) => {
        const server = net.createServer();
        server.unref();
        server.once("error", () => resolve(false));
        server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    });
}

/** Claims a port for this machine's processes: false when another process claimed it less than CLAIM_SECONDS ago. */
function claim(port) {
    fs.mkdirSync(CLAIMS, { recursive: true });
    const file = path.join(CLAIMS, String(port));
    try {
        fs.writeFileSync(file, `${process.pid}\n`, { flag: "wx" });
        return true;
    } catch (err) {
        if (err.code !== "EEXIST") throw err;
    }
    try {
        if (Date.now() - fs.statSync(file).mtimeMs < CLAIM_SECONDS * 1000) return false;
        fs.writeFileSync(file, `${process.pid}\n`);
        return true;
    } catch {
        return false;
    }
}

/** One free loopback port outside the ephemeral range, not handed out before by this or (lately) another process. */
async function freePort() {
    const high = ephemeralLow();
    for (let i = 0; i < MAX_TRIES; i++) {
        const port = LOWEST + Math.floor(Math.random() * (high - LOWEST));
        if (handedOut.has(port) || !(await bindable(port)) || !claim(port)) continue;
        handedOut.add(port);
        return port;
    }
    throw new Error(`no free loopback port in ${LOWEST}-${high - 1} after ${MAX_TRIES} tries`);
}

async function freePorts(count) {
    const ports = [];
    for (let i = 0; i < count; i++) ports.push(await freePort());
    return ports;
}

module.exports = { freePort, freePorts, claim, CLAIM_SECONDS };

if (require.main === module) {
    const count = Number(process.argv[2] ?? "1");
    if (!Number.isInteger(count) || count < 1 || count > 50) {
        console.error(`free-ports: the count must be a whole number from 1 to 50, not "${process.argv[2]}"`);
        process.exit(2);
    }
    freePorts(count).then(
        (ports) => console.log(ports.join(" ")),
        (err) => {
            console.error(`free-ports: ${err.message}`);
            process.exit(1);
        },
    );
}
