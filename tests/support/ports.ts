// Free loopback ports for servers started by tests: the same picker as the local infrastructure's scripts, which
// keeps them out of the kernel's ephemeral range (see scripts/lib/free-ports.js).
const picker = require("../../scripts/lib/free-ports.js") as { freePort(): Promise<number> };

/** A TCP port on 127.0.0.1 that was free a moment ago, below the ephemeral range, not handed out before. */
export async function freePort(): Promise<number> {
    return picker.freePort();
}
