// The example service (examples/mirador-rca) speaks the contract of profiles/mirador-rca.yaml, the real service's:
// the profile checked against the example's checkout finds nothing missing, and the example's own files hold the
// rest of the contract the program relies on (Sloth CRD, Dockerfile, chart names and ports).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as YAML from "yaml";
import { dockerfileProblem, profileCheckoutProblems, protoServices } from "../../config/profile-checkout";
import { loadServiceProfile } from "../../config/service-profile";

const root = path.join(__dirname, "..", "..");
const example = path.join(root, "examples", "mirador-rca");
const profile = loadServiceProfile(path.join(root, "profiles", "mirador-rca.yaml"));

describe("examples/mirador-rca against profiles/mirador-rca.yaml", () => {
    it("passes the profile's checkout check (service, methods, value paths, Sloth spec)", () => {
        assert.deepStrictEqual(profileCheckoutProblems(profile, example, path.join(example, profile.chart.path)), []);
    });

    it("defines rca.v1.RCAEngine with the real service's five methods", () => {
        const methods = protoServices(example).get(profile.grpc.service);
        assert.deepStrictEqual([...(methods ?? [])].sort(), [
            "GetPatterns",
            "HealthCheck",
            "InvestigateIncident",
            "ListCorrelations",
            "SubmitFeedback",
        ]);
    });

    it("has a Dockerfile that builds and copies what make build makes", () => {
        const dockerfile = path.join(example, "Dockerfile");
        assert.strictEqual(dockerfileProblem(dockerfile), undefined);
        assert.match(fs.readFileSync(dockerfile, "utf8"), /^COPY bin\/mirador-rca \/mirador-rca$/m);
        assert.match(fs.readFileSync(path.join(example, "Makefile"), "utf8"), /-o \$\(BIN\) \.\/cmd\/rca-engine/);
    });

    it("has the real Sloth CRD's SLOs and queries", () => {
        const spec = YAML.parse(fs.readFileSync(path.join(example, profile.slo.spec), "utf8")) as {
            apiVersion: string;
            kind: string;
            spec: {
                service: string;
                slos: { name: string; objective: number; sli: { events: Record<string, string> } }[];
            };
        };
        assert.strictEqual(spec.apiVersion, "sloth.slok.dev/v1");
        assert.strictEqual(spec.kind, "PrometheusServiceLevel");
        const slos = Object.fromEntries(spec.spec.slos.map((s) => [s.name, s]));
        assert.deepStrictEqual(Object.keys(slos).sort(), ["investigation-latency", "investigation-success-rate"]);
        assert.strictEqual(slos["investigation-latency"].objective, 96);
        assert.strictEqual(slos["investigation-success-rate"].objective, 99.5);
        const q = (s: string, k: string) => slos[s].sli.events[k].replace(/\s+/g, " ").trim();
        assert.strictEqual(
            q("investigation-latency", "errorQuery"),
            'sum(rate(mirador_rca_investigation_seconds_bucket{le="+Inf"}[{{ .window }}])) - sum(rate(mirador_rca_investigation_seconds_bucket{le="4"}[{{ .window }}]))',
        );
        assert.strictEqual(
            q("investigation-latency", "totalQuery"),
            'sum(rate(mirador_rca_investigation_seconds_bucket{le="+Inf"}[{{ .window }}]))',
        );
        assert.strictEqual(
            q("investigation-success-rate", "errorQuery"),
            'sum(rate(mirador_rca_investigations_total{outcome="error"}[{{ .window }}]))',
        );
        assert.strictEqual(
            q("investigation-success-rate", "totalQuery"),
            "sum(rate(mirador_rca_investigations_total[{{ .window }}]))",
        );
    });

    it("has the chart values the profile writes, with the real defaults", () => {
        const values = YAML.parse(
            fs.readFileSync(path.join(example, profile.chart.path, "values.yaml"), "utf8"),
        ) as Record<string, Record<string, unknown>>;
        assert.strictEqual(values.service.port, 50051);
        assert.strictEqual(values.metrics.port, 2112);
        assert.strictEqual(values.autoscaling.enabled, true);
        assert.strictEqual(values.autoscaling.minReplicas, 2);
        assert.strictEqual(values.alerts.enabled, true);
        assert.strictEqual(values.image.tag, "");
        assert.ok(
            !("hostNetwork" in values) && !("track" in values),
            "no host-network or track value of the chart's own",
        );
        const server = (values.config as { server: Record<string, string> }).server;
        assert.deepStrictEqual([server.address, server.metricsAddress], [":50051", ":2112"]);
        for (const [port, name] of Object.entries(profile.chart.ports)) {
            const template = fs.readFileSync(
                path.join(example, profile.chart.path, "templates", "deployment.yaml"),
                "utf8",
            );
            assert.match(template, new RegExp(`- name: ${name}\\n\\s+containerPort:`), `container port ${port}`);
        }
    });
});
