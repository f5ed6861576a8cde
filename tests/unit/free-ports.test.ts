// The port picker's claims across processes (scripts/lib/free-ports.js): mocha's parallel workers each start
// sandboxes, and two of them must never be handed the same port while both may still use it.
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../support/tools";

const picker = path.join(repoRoot, "scripts", "lib", "free-ports.js");

describe("free loopback ports across processes", () => {
    let tmp: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-ports-test-"));
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    /** Runs `claim(port)` of the picker in another process with its claim folder under tmp. */
    function claimElsewhere(port: number): boolean {
        const script = `process.stdout.write(String(require(${JSON.stringify(picker)}).claim(${port})))`;
        return (
            execFileSync("node", ["-e", script], { env: { ...process.env, TMPDIR: tmp }, encoding: "utf8" }) === "true"
        );
    }

    it("lets one process claim a port, and refuses it to another until the claim is hours old", () => {
        assert.strictEqual(claimElsewhere(20001), true);
        const file = path.join(tmp, "mirador-release-ports", "20001");
        assert.ok(fs.existsSync(file));
        assert.strictEqual(claimElsewhere(20001), false, "a fresh claim of another process holds");
        assert.strictEqual(claimElsewhere(20002), true, "other ports stay free");
        const old = new Date(Date.now() - 5 * 3600 * 1000);
        fs.utimesSync(file, old, old);
        assert.strictEqual(claimElsewhere(20001), true, "a claim older than its lifetime is taken over");
    });

    it("hands out only ports it claimed, below the ephemeral range", () => {
        const out = execFileSync("node", [picker, "8"], { env: { ...process.env, TMPDIR: tmp }, encoding: "utf8" });
        const ports = out.trim().split(" ").map(Number);
        assert.strictEqual(new Set(ports).size, 8);
        const claimed = fs.readdirSync(path.join(tmp, "mirador-release-ports")).map(Number);
        assert.deepStrictEqual([...claimed].sort(), [...ports].sort());
        assert.ok(
            ports.every((p) => p >= 15000 && p < 32768),
            ports.join(" "),
        );
    });
});
