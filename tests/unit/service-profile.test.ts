// The service profile: its schema (every field checked, unknown ones refused) and its fit to a checkout.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
    dockerfileProblem,
    hasValuePath,
    missingTools,
    profileCheckoutProblems,
    protoServices,
    slothSpecProblem,
} from "../../config/profile-checkout";
import { loadServiceProfile, parseServiceProfile } from "../../config/service-profile";
import { repoRoot } from "../support/tools";

const profileFile = path.join(repoRoot, "profiles", "mirador-rca.yaml");
const text = fs.readFileSync(profileFile, "utf8");

function tempDir(): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), "mirador-profile-"));
}

function write(dir: string, file: string, content: string): void {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
}

describe("service profile", () => {
    it("reads the committed mirador-rca profile: the real service's contract", () => {
        const p = loadServiceProfile(profileFile);
        assert.strictEqual(p.grpc.service, "rca.v1.RCAEngine");
        assert.deepStrictEqual(
            p.grpc.smoke.map((c) => c.method),
            ["InvestigateIncident", "GetPatterns", "ListCorrelations"],
        );
        assert.strictEqual(p.track.label, "track");
        assert.strictEqual(p.chart.values.imageTag, "image.tag");
        assert.strictEqual(p.chart.values.imageDigest, undefined);
        assert.strictEqual(p.chart.optionalKinds.PrometheusRule, "alerts.enabled");
        assert.strictEqual(p.slo.spec, "deployment/infra/slo/mirador-rca-sloth.yaml");
        assert.deepStrictEqual(
            p.commands.preflight.map((c) => c.run),
            ["make verify", "make govulncheck"],
        );
    });

    it("refuses a field the schema does not know, naming it and the known ones", () => {
        assert.throws(
            () => parseServiceProfile(text.replace("track:\n  label: track", "track:\n  lable: track"), "p.yaml"),
            /p\.yaml: track\.lable is not a profile field \(known here: label, canary, stable\)/,
        );
    });

    it("needs exactly one of imageTag and imageDigest", () => {
        const both = text.replace("imageTag: image.tag", "imageTag: image.tag\n    imageDigest: image.digest");
        assert.throws(() => parseServiceProfile(both, "p.yaml"), /needs exactly one of imageTag .* and imageDigest/);
    });

    it("names every problem at once: a bad metric name, a duplicate smoke step, equal tracks", () => {
        const bad = text
            .replace("name: grpc_server_handled_total", "name: grpc-server-handled")
            .replace("name: get-patterns", "name: investigate")
            .replace("stable: stable", "stable: canary");
        assert.throws(
            () => parseServiceProfile(bad, "p.yaml"),
            (e: Error) =>
                /3 problems/.test(e.message) &&
                /metrics\.requests\.name 'grpc-server-handled' is not a Prometheus metric name/.test(e.message) &&
                /grpc\.smoke names 'investigate' twice/.test(e.message) &&
                /canary and stable are both 'canary'/.test(e.message),
        );
    });
});

describe("service profile against a checkout", () => {
    let dir: string;
    beforeEach(() => {
        dir = tempDir();
        write(
            dir,
            "internal/grpc/proto/rca.proto",
            [
                'syntax = "proto3";',
                "// service Commented { rpc Nope(A) returns (B); }",
                "package rca.v1;",
                "/* rpc Hidden(A) returns (B); */",
                "service RCAEngine {",
                "  rpc InvestigateIncident(A) returns (B);",
                "  rpc ListCorrelations(A) returns (B) { option deprecated = true; }",
                "  rpc GetPatterns(A) returns (B);",
                "}",
            ].join("\n"),
        );
        write(dir, "vendor/x/other.proto", "package vendored; service Skipped { rpc X(A) returns (B); }");
        write(
            dir,
            "charts/mirador-rca/values.yaml",
            [
                "replicaCount: 2",
                "image: { repository: r, tag: '' }",
                "autoscaling: { enabled: true }",
                "podLabels: {}",
                "service: { port: 50051 }",
                "metrics: { port: 2112 }",
                "alerts: { enabled: true }",
            ].join("\n"),
        );
        write(
            dir,
            "deployment/infra/slo/mirador-rca-sloth.yaml",
            "apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nspec:\n  slos: [{ name: x }]\n",
        );
    });
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("reads services and methods from .proto files, without comments or vendored files", () => {
        const services = protoServices(dir);
        assert.deepStrictEqual([...services.keys()], ["rca.v1.RCAEngine"]);
        assert.deepStrictEqual(
            [...services.get("rca.v1.RCAEngine")!],
            ["InvestigateIncident", "ListCorrelations", "GetPatterns"],
        );
    });

    it("fits a checkout that has the service, the methods, the values and the spec", () => {
        const p = loadServiceProfile(profileFile);
        assert.deepStrictEqual(profileCheckoutProblems(p, dir, path.join(dir, "charts/mirador-rca")), []);
    });

    it("names a method, a value path and a spec the checkout lacks", () => {
        const p = loadServiceProfile(profileFile);
        write(dir, "charts/mirador-rca/values.yaml", "replicaCount: 1\nimage: { repository: r, digest: '' }\n");
        fs.rmSync(path.join(dir, "deployment"), { recursive: true });
        const renamed = {
            ...p,
            grpc: {
                ...p.grpc,
                smoke: [...p.grpc.smoke, { name: "x", method: "Investigate", request: {}, expect: [] }],
            },
        };
        const problems = profileCheckoutProblems(renamed, dir, path.join(dir, "charts/mirador-rca")).join("\n");
        assert.match(
            problems,
            /grpc\.smoke \(x\) method 'Investigate' is not an rpc of rca\.v1\.RCAEngine \(it has: InvestigateIncident, ListCorrelations, GetPatterns\)/,
        );
        assert.match(problems, /chart\.values\.imageTag 'image\.tag' is not a value of .*values\.yaml/);
        assert.match(problems, /chart\.optionalKinds\.PrometheusRule 'alerts\.enabled' is not a value/);
        assert.match(problems, /slo\.spec 'deployment\/infra\/slo\/mirador-rca-sloth\.yaml' is not in the checkout/);
    });

    it("names a gRPC service the checkout does not define, and the ones it does", () => {
        const p = loadServiceProfile(profileFile);
        const other = { ...p, grpc: { ...p.grpc, service: "mirador.rca.v1.RCAService" } };
        assert.match(
            profileCheckoutProblems(other, dir, path.join(dir, "charts/mirador-rca")).join("\n"),
            /grpc\.service 'mirador\.rca\.v1\.RCAService' is not a service of .*\(found: rca\.v1\.RCAEngine\)/,
        );
    });

    it("reads a Sloth spec in either of Sloth's formats, and names one that is neither or has no SLOs", () => {
        assert.strictEqual(slothSpecProblem("version: prometheus/v1\nslos: [{ name: x }]\n"), undefined);
        assert.strictEqual(
            slothSpecProblem("apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nspec: { slos: [{}] }\n"),
            undefined,
        );
        assert.match(slothSpecProblem("slos: [: bad")!, /^is not valid YAML: /);
        assert.strictEqual(
            slothSpecProblem("apiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\n"),
            "is not a Sloth spec (expected version: prometheus/v1, or apiVersion: sloth.slok.dev/v1 with kind: PrometheusServiceLevel)",
        );
        assert.strictEqual(
            slothSpecProblem("apiVersion: sloth.slok.dev/v1\nkind: PrometheusServiceLevel\nspec: {}\n"),
            "has no SLOs (expected a list at spec.slos)",
        );
        const p = loadServiceProfile(profileFile);
        write(dir, "deployment/infra/slo/mirador-rca-sloth.yaml", "version: prometheus/v1\nslos: []\n");
        assert.match(
            profileCheckoutProblems(p, dir, path.join(dir, "charts/mirador-rca")).join("\n"),
            /slo\.spec 'deployment\/infra\/slo\/mirador-rca-sloth\.yaml' \(.*\) has no SLOs \(expected a list at slos\)/,
        );
    });

    it("finds value paths only where every segment is there", () => {
        const values = { image: { tag: "" }, list: [1] };
        assert.ok(hasValuePath(values, "image.tag"));
        assert.ok(!hasValuePath(values, "image.digest"));
        assert.ok(!hasValuePath(values, "list.0"));
    });
});

describe("the service's own mistakes, named before anything is built", () => {
    let dir: string;
    beforeEach(() => (dir = tempDir()));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("names a missing, an empty and a FROM-less Dockerfile", () => {
        const file = path.join(dir, "Dockerfile");
        assert.match(dockerfileProblem(file)!, /Dockerfile does not exist/);
        fs.writeFileSync(file, "\n# nothing yet\n\n");
        assert.match(dockerfileProblem(file)!, /Dockerfile is empty: the image cannot be built/);
        fs.writeFileSync(file, "COPY bin/x /x\n");
        assert.match(dockerfileProblem(file)!, /has no FROM instruction/);
        fs.writeFileSync(file, "# syntax\nFROM scratch\nCOPY bin/x /x\n");
        assert.strictEqual(dockerfileProblem(file), undefined);
    });

    it("names each tool a command needs that is not on PATH, with where it comes from", () => {
        fs.writeFileSync(path.join(dir, "go"), "#!/bin/sh\n", { mode: 0o755 });
        fs.writeFileSync(path.join(dir, "goimports"), "not executable\n", { mode: 0o644 });
        const problems = missingTools(
            [
                {
                    run: "make verify",
                    tools: [
                        { name: "go", from: "go.dev" },
                        { name: "goimports", from: "go install golang.org/x/tools/cmd/goimports@v0.39.0" },
                    ],
                },
            ],
            "p.yaml",
            dir,
        );
        assert.deepStrictEqual(problems, [
            "'make verify' needs goimports, which is not on PATH (p.yaml; get it with: go install golang.org/x/tools/cmd/goimports@v0.39.0)",
        ]);
    });
});
