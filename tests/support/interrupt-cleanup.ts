// Loaded by mocha (tests/mocharc.all.json `require`) in its main process and in every parallel worker: on SIGINT or
// SIGTERM each stops the sandboxes it started, by PID, and exits non-zero (tests/support/sandbox-registry.ts).
import { installInterruptCleanup } from "./sandbox-registry";

installInterruptCleanup();
