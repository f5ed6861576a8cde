// An assertion for the gate's configuration errors: the right class, the source first, and the expected text.
import * as assert from "assert/strict";
import { ConfigError } from "../../gate/config";

export function assertConfigError(fn: () => unknown, source: string, message: RegExp): void {
    assert.throws(fn, (err: unknown) => {
        assert.ok(err instanceof ConfigError, `not a ConfigError: ${String(err)}`);
        assert.ok(err.message.startsWith(`${source}: `), err.message);
        assert.match(err.message, message);
        return true;
    });
}
