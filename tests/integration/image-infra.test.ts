// scripts/local-infra's docker and registry components, which the image tests and the release program's local
// runs stand on: idempotent up, status, infra.env, and a down that stops exactly what up started, twice over.
import * as assert from "assert";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { execFile } from "child_process";
import { promisify } from "util";
import { parseEnvFile } from "../support/docker";
import { repoRoot, requireTool, toolPath } from "../support/tools";

const execFileAsync = promisify(execFile);
const localInfra = path.join(repoRoot, "scripts", "local-infra");

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

function alive(pid: number): boolean {
    try {
        // A zombie (exited, not yet reaped by its parent) is not running.
        return !/^\d+ \(.*\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, "utf8"));
    } catch {
        return false;
    }
}

function httpStatus(url: string): Promise<number> {
    return new Promise((resolve, reject) => {
        const req = http.get(url, { timeout: 5_000 }, (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${url} timed out`)));
        req.on("error", reject);
    });
}

describe("scripts/local-infra: docker and registry", function () {
    let runDir = "";

    async function infra(args: string[]): Promise<Run> {
        try {
            const { stdout, stderr } = await execFileAsync(localInfra, args, {
                env: { ...process.env, PATH: toolPath(), MIRADOR_RUN: runDir },
                encoding: "utf8",
                timeout: 240_000,
            });
            return { code: 0, stdout, stderr };
        } catch (err) {
            const e = err as { code?: number | string; stdout?: string; stderr?: string; message: string };
            if (typeof e.code !== "number") {
                throw new Error(`local-infra ${args.join(" ")} did not run: ${e.message}`);
            }
            return { code: e.code, stdout: e.stdout ?? "", stderr: e.stderr ?? "" };
        }
    }

    function pidOf(file: string): number {
        return Number(fs.readFileSync(path.join(runDir, file), "utf8").trim());
    }

    before(function () {
        for (const tool of ["dockerd", "docker", "docker-registry", "curl", "flock", "setsid"]) {
            requireTool(tool);
        }
        runDir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-infra-"));
    });

    after(async function () {
        this.timeout(180_000);
        try {
            await infra(["down"]);
        } finally {
            fs.rmSync(runDir, { recursive: true, force: true });
        }
    });

    it("lists its components", async function () {
        const r = await infra(["list"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stdout, /^docker\s+/m);
        assert.match(r.stdout, /^registry\s+/m);
        const unknown = await infra(["up", "nonsense"]);
        assert.notStrictEqual(unknown.code, 0);
        assert.match(unknown.stderr, /unknown component 'nonsense'/);
    });

    it("reports stopped components with exit 3 before up", async function () {
        const r = await infra(["status"]);
        assert.strictEqual(r.code, 3);
        assert.match(r.stdout, /^docker\s+stopped/m);
        assert.match(r.stdout, /^registry\s+stopped/m);
    });

    it("brings both up, writes infra.env, and answers on loopback", async function () {
        this.timeout(300_000);
        const r = await infra(["up", "docker", "registry"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, /docker: up in \d+\.\ds/);
        assert.match(r.stderr, /registry: up in \d+\.\ds/);
        const env = parseEnvFile(fs.readFileSync(path.join(runDir, "infra.env"), "utf8"));
        assert.strictEqual(env.DOCKER_HOST, `unix://${runDir}/docker/docker.sock`);
        assert.match(env.MIRADOR_REGISTRY, /^127\.0\.0\.1:\d+$/);
        assert.strictEqual(await httpStatus(`http://${env.MIRADOR_REGISTRY}/v2/`), 200);
        const { stdout } = await execFileAsync(requireTool("docker"), ["info", "--format", "{{.Driver}}"], {
            env: { ...process.env, DOCKER_HOST: env.DOCKER_HOST },
            encoding: "utf8",
        });
        assert.match(stdout.trim(), /^(overlay2|vfs)$/);
        const status = await infra(["status", "docker", "registry"]);
        assert.strictEqual(status.code, 0, status.stdout);
        assert.match(status.stdout, new RegExp(`^docker\\s+running\\s+pid \\d+\\s+${env.DOCKER_HOST}`, "m"));
        assert.match(status.stdout, new RegExp(`^registry\\s+running\\s+pid \\d+\\s+${env.MIRADOR_REGISTRY}`, "m"));
    });

    it("leaves running components alone on a second up", async function () {
        this.timeout(120_000);
        const before = [pidOf("docker/dockerd.pid"), pidOf("registry/registry.pid")];
        const r = await infra(["up"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.match(r.stderr, /docker: already running/);
        assert.match(r.stderr, /registry: already running/);
        assert.deepStrictEqual([pidOf("docker/dockerd.pid"), pidOf("registry/registry.pid")], before);
    });

    it("stops exactly what it started, and a second down is harmless", async function () {
        this.timeout(180_000);
        const pids = [pidOf("docker/dockerd.pid"), pidOf("registry/registry.pid")];
        const containerdPid = pidOf("docker/exec/containerd/containerd.pid");
        assert.ok([...pids, containerdPid].every(alive), "the daemons run before down");
        const r = await infra(["down"]);
        assert.strictEqual(r.code, 0, r.stderr);
        assert.ok(![...pids, containerdPid].some(alive), "dockerd, its containerd and the registry are gone");
        assert.ok(!fs.existsSync(path.join(runDir, "docker", "dockerd.pid")));
        const env = parseEnvFile(fs.readFileSync(path.join(runDir, "infra.env"), "utf8"));
        assert.deepStrictEqual(env, {}, "infra.env lists nothing that is down");
        const mounts = fs.readFileSync("/proc/self/mounts", "utf8");
        assert.ok(!mounts.includes(runDir), `nothing stays mounted under ${runDir}`);
        const again = await infra(["down"]);
        assert.strictEqual(again.code, 0, again.stderr);
        assert.strictEqual((await infra(["status"])).code, 3);
    });
});
