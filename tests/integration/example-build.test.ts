// The example service's own checks, as RELEASE-PROCESS.md step 1 runs them: make verify (gofmt, goimports,
// golangci-lint, go vet, go test), generated code that matches its proto, a build that works in a fresh copy,
// versions that agree, a Sloth spec that sloth accepts, and a govulncheck target that never claims a scan it could
// not do.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { execFile, execFileSync } from "child_process";
import { promisify } from "util";
import { exampleBinary, exampleDir, makeExample } from "../support/service";
import { requireTool, toolPath } from "../support/tools";

const execFileAsync = promisify(execFile);

/** Every file under dir, as relative paths, sorted. */
function filesUnder(dir: string): string[] {
    const out: string[] = [];
    const walk = (d: string): void => {
        for (const entry of fs.readdirSync(d, { withFileTypes: true })) {
            const full = path.join(d, entry.name);
            if (entry.isDirectory()) {
                walk(full);
            } else {
                out.push(path.relative(dir, full));
            }
        }
    };
    walk(dir);
    return out.sort();
}

interface MakeResult {
    ok: boolean;
    output: string;
}

async function tryMake(targets: string[]): Promise<MakeResult> {
    try {
        return { ok: true, output: await makeExample(targets, { timeoutMs: 300_000 }) };
    } catch (err) {
        return { ok: false, output: (err as Error).message };
    }
}

/** Runs make in another folder (a copy of the example), with the tool cache on PATH. */
async function tryMakeIn(dir: string, targets: string[]): Promise<MakeResult> {
    try {
        const { stdout, stderr } = await execFileAsync("make", ["--no-print-directory", ...targets], {
            cwd: dir,
            env: { ...process.env, PATH: toolPath() },
            encoding: "utf8",
            timeout: 600_000,
            maxBuffer: 64 * 1024 * 1024,
        });
        return { ok: true, output: stdout + stderr };
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        return { ok: false, output: `${e.stdout ?? ""}${e.stderr ?? e.message}` };
    }
}

/** Copies the example's tracked files (as a fresh clone has them: no bin/) into dir and returns dir. */
function copyExample(dir: string): string {
    const tracked = execFileSync("git", ["ls-files", "-z", "--cached", "--others", "--exclude-standard", "."], {
        cwd: exampleDir,
        encoding: "utf8",
    })
        .split("\0")
        .filter((f) => f !== "" && fs.existsSync(path.join(exampleDir, f)));
    for (const f of tracked) {
        fs.mkdirSync(path.dirname(path.join(dir, f)), { recursive: true });
        fs.copyFileSync(path.join(exampleDir, f), path.join(dir, f));
    }
    return dir;
}

/** A vulnerability database in govulncheck's v1 layout with one made-up entry, for one module and symbol. */
function writeVulnDb(dir: string, module: string, pkg: string, symbol: string): void {
    const modified = "2026-01-01T00:00:00Z";
    const id = "GO-2099-0001";
    fs.mkdirSync(path.join(dir, "index"), { recursive: true });
    fs.mkdirSync(path.join(dir, "ID"), { recursive: true });
    fs.writeFileSync(path.join(dir, "index", "db.json"), JSON.stringify({ modified }));
    fs.writeFileSync(
        path.join(dir, "index", "modules.json"),
        JSON.stringify([{ path: module, vulns: [{ id, modified }] }]),
    );
    fs.writeFileSync(path.join(dir, "index", "vulns.json"), JSON.stringify([{ id, modified, aliases: [] }]));
    fs.writeFileSync(
        path.join(dir, "ID", `${id}.json`),
        JSON.stringify({
            schema_version: "1.3.1",
            id,
            modified,
            published: modified,
            summary: "made up by mirador-release's tests",
            details: "A test entry, not a real vulnerability.",
            affected: [
                {
                    package: { name: module, ecosystem: "Go" },
                    ranges: [{ type: "SEMVER", events: [{ introduced: "0" }, { fixed: "99.0.0" }] }],
                    ecosystem_specific: { imports: [{ path: pkg, symbols: [symbol] }] },
                },
            ],
            // govulncheck v1.9.0 panics printing an entry without it.
            database_specific: { url: `https://pkg.go.dev/vuln/${id}` },
        }),
    );
}

describe("example service build checks (make verify, generate, govulncheck)", function () {
    let tmp = "";

    before(function () {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-example-build-"));
    });

    after(function () {
        fs.rmSync(tmp, { recursive: true, force: true });
    });

    it("passes make verify (gofmt, goimports, golangci-lint, go vet, go test)", async function () {
        this.timeout(900_000);
        requireTool("goimports");
        requireTool("golangci-lint");
        requireTool("redis-server");
        const output = await makeExample(["verify"]);
        assert.match(output, /gofmt, goimports: ok/);
        assert.match(output, /golangci-lint run/);
        assert.match(output, /0 issues/);
        assert.match(output, /ok\s+github\.com\/miradorstack\/mirador-rca\/internal\/cache/);
        assert.match(output, /ok\s+github\.com\/miradorstack\/mirador-rca\/cmd\/rca-engine/);
    });

    it("fails make verify on a file goimports would regroup, naming it", async function () {
        this.timeout(300_000);
        const copy = copyExample(path.join(tmp, "imports"));
        const file = path.join(copy, "internal", "faults", "faults.go");
        const text = fs.readFileSync(file, "utf8");
        // The module's own import moved into the third-party group.
        fs.writeFileSync(
            file,
            text
                .replace(
                    '\t"google.golang.org/grpc"\n',
                    '\t"github.com/miradorstack/mirador-rca/internal/config"\n\t"google.golang.org/grpc"\n',
                )
                .replace("func (s Settings) String()", "var _ = config.ConfigEnv\n\nfunc (s Settings) String()"),
        );
        const r = await tryMakeIn(copy, ["fmt-check"]);
        assert.strictEqual(r.ok, false, r.output);
        assert.match(r.output, /goimports: imports not grouped .*internal\/faults\/faults\.go/);
    });

    it("builds bin/mirador-rca with make build in a fresh copy (no bin/, no caches of its own)", async function () {
        this.timeout(600_000);
        const copy = copyExample(path.join(tmp, "fresh"));
        assert.ok(!fs.existsSync(path.join(copy, "bin")));
        const before = new Set(fs.readdirSync(copy));
        const r = await tryMakeIn(copy, ["build"]);
        assert.strictEqual(r.ok, true, r.output);
        assert.ok(fs.statSync(path.join(copy, "bin", "mirador-rca")).isFile());
        const left = fs.readdirSync(copy).filter((f) => !before.has(f));
        assert.deepStrictEqual(left, ["bin"], "make build leaves nothing but bin/ (no .gotmp, no .gocache)");
    });

    it("has a Sloth spec that sloth generates rules from", async function () {
        this.timeout(120_000);
        const out = path.join(tmp, "sloth-rules.yaml");
        await execFileAsync(
            requireTool("sloth"),
            ["generate", "-i", path.join(exampleDir, "deployment/infra/slo/mirador-rca-sloth.yaml"), "-o", out],
            { env: { ...process.env, PATH: toolPath() }, encoding: "utf8" },
        );
        const rules = fs.readFileSync(out, "utf8");
        assert.match(rules, /kind: PrometheusRule/);
        assert.match(rules, /sloth_slo: investigation-latency/);
        assert.match(rules, /sloth_objective: "99\.5"/);
    });

    it("has committed generated code identical to what make generate gives", async function () {
        this.timeout(120_000);
        requireTool("protoc");
        requireTool("protoc-gen-go");
        requireTool("protoc-gen-go-grpc");
        await makeExample(["generate", `GEN_OUT=${tmp}/out`]);
        const generated = path.join("internal", "grpc", "generated");
        const committed = path.join(exampleDir, generated);
        const fresh = path.join(tmp, "out", generated);
        const files = filesUnder(committed);
        assert.deepStrictEqual(filesUnder(fresh), files, `make generate gives other files than ${generated} holds`);
        assert.deepStrictEqual(files, ["rca.pb.go", "rca_grpc.pb.go"], "the messages and the gRPC stubs");
        for (const f of files) {
            assert.ok(
                fs.readFileSync(path.join(committed, f)).equals(fs.readFileSync(path.join(fresh, f))),
                `${generated}/${f} differs from what make generate gives: run make generate in examples/mirador-rca and commit`,
            );
        }
    });

    it("builds a static binary whose version is the chart's appVersion and the changelog's latest release", async function () {
        this.timeout(600_000);
        await makeExample(["build"]);
        const chart = fs.readFileSync(path.join(exampleDir, "charts", "mirador-rca", "Chart.yaml"), "utf8");
        const appVersion = /^appVersion:\s*"?([^"\s]+)"?\s*$/m.exec(chart)?.[1];
        assert.strictEqual(appVersion, "0.4.0");
        const changelog = fs.readFileSync(path.join(exampleDir, "CHANGELOG.md"), "utf8");
        const headings = [...changelog.matchAll(/^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$/gm)].map((m) => m[1]);
        assert.deepStrictEqual(headings.slice(0, 2), ["Unreleased", `v${appVersion}`]);
        const { stdout } = await execFileAsync(exampleBinary, ["--version"], { encoding: "utf8", env: {} });
        assert.strictEqual(stdout.trim(), `mirador-rca ${appVersion}`);
        const elf = fs.readFileSync(exampleBinary).subarray(0, 4096).toString("latin1");
        assert.ok(!elf.includes("/lib64/ld-linux"), "the binary must be static (CGO_ENABLED=0): no ELF interpreter");
    });

    describe("make govulncheck", function () {
        this.timeout(300_000);

        before(function () {
            requireTool("govulncheck");
        });

        it("fails and says nothing was verified when the database cannot be reached", async function () {
            // A closed loopback port stands for the unreachable vuln.go.dev, without leaving the machine.
            const r = await tryMake(["govulncheck", "GOVULNDB=https://127.0.0.1:9"]);
            assert.strictEqual(r.ok, false, "an unreachable database must fail the target");
            assert.match(r.output, /COULD NOT CHECK .*NOTHING WAS VERIFIED/);
        });

        it("refuses a local folder that holds no database (govulncheck alone would report no vulnerabilities)", async function () {
            const empty = path.join(tmp, "empty-db");
            fs.mkdirSync(empty, { recursive: true });
            const { stdout } = await execFileAsync(requireTool("govulncheck"), ["-db", `file://${empty}`, "./..."], {
                cwd: exampleDir,
                env: { ...process.env, PATH: toolPath() },
                encoding: "utf8",
            });
            assert.match(stdout, /No vulnerabilities found/, "the behaviour the target guards against");
            const r = await tryMake(["govulncheck", `GOVULNDB=file://${empty}`]);
            assert.strictEqual(r.ok, false);
            assert.match(r.output, /NOT RUN: .* is not a vulnerability database/);
        });

        it("reports a vulnerability of a local database in a symbol the service calls, and fails", async function () {
            const db = path.join(tmp, "vulndb-affected");
            writeVulnDb(db, "google.golang.org/grpc", "google.golang.org/grpc", "NewServer");
            const r = await tryMake(["govulncheck", `GOVULNDB=file://${db}`]);
            assert.strictEqual(r.ok, false, r.output);
            assert.match(r.output, /GO-2099-0001/);
            assert.match(r.output, /calls grpc\.NewServer/);
            assert.match(r.output, /vulnerabilities found/);
        });

        it("passes with a local database whose only entry does not touch the service", async function () {
            const db = path.join(tmp, "vulndb-clean");
            writeVulnDb(db, "example.com/not/used", "example.com/not/used", "Nothing");
            const r = await tryMake(["govulncheck", `GOVULNDB=file://${db}`]);
            assert.strictEqual(r.ok, true, r.output);
            assert.match(r.output, /local database .*"modified":"2026-01-01T00:00:00Z"/);
            assert.match(r.output, /No vulnerabilities found/);
        });
    });
});
