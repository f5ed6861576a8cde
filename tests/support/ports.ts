// Free loopback ports for servers started by tests.
import * as net from "net";

/** A TCP port on 127.0.0.1 that was free a moment ago (the kernel picks it). */
export async function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const server = net.createServer();
        server.unref();
        server.on("error", reject);
        server.listen(0, "127.0.0.1", () => {
            const address = server.address();
            if (address === null || typeof address === "string") {
                server.close();
                reject(new Error("could not read the port of a listening socket"));
                return;
            }
            const port = address.port;
            server.close(() => resolve(port));
        });
    });
}
