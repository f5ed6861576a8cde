// The release checked as rendered: images, replicas, kinds and the endpoint, read from a manifest as helm template
// prints it (components/rendered-check.ts), and kubectl's table of served kinds (components/served-kinds.ts).
import * as assert from "assert";
import { checkRendered, RenderedContract } from "../../components/rendered-check";
import { parseImageRef, parseManifest } from "../../components/rendered-manifest";
import { parseApiResources } from "../../components/served-kinds";

const digest = `sha256:${"a".repeat(64)}`;
const other = `sha256:${"b".repeat(64)}`;

function manifest(
    opts: {
        image?: string;
        init?: string;
        replicas?: number | null;
        hpa?: boolean;
        hostNetwork?: boolean;
        rule?: boolean;
    } = {},
): string {
    const image = opts.image ?? `127.0.0.1:5000/mirador-rca:v0.4.0@${digest}`;
    const replicas = opts.replicas === null ? "" : `  replicas: ${opts.replicas ?? 1}\n`;
    return [
        "---\n# Source: mirador-rca/templates/service.yaml\napiVersion: v1\nkind: Service\nmetadata:\n  name: canary-mirador-rca\n" +
            "spec:\n  ports:\n    - name: grpc\n      port: 50051\n      targetPort: grpc\n    - name: metrics\n      port: 2112\n",
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: canary-mirador-rca\nspec:\n" +
            replicas +
            "  template:\n    spec:\n" +
            (opts.hostNetwork ? "      hostNetwork: true\n" : "") +
            (opts.init ? `      initContainers:\n        - name: migrate\n          image: ${opts.init}\n` : "") +
            `      containers:\n        - name: mirador-rca\n          image: "${image}"\n` +
            "          ports:\n            - name: grpc\n              containerPort: 50061\n",
        opts.hpa
            ? "---\napiVersion: autoscaling/v2\nkind: HorizontalPodAutoscaler\nmetadata:\n  name: canary-mirador-rca\n"
            : "",
        opts.rule
            ? "---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata:\n  name: canary-alerts\n"
            : "",
    ].join("");
}

const contract: RenderedContract = {
    namespace: "mirador-staging",
    image: { repository: "127.0.0.1:5000/mirador-rca", digest },
    imageValuePath: "image.tag",
    replicas: { count: 1, valuePath: "replicaCount", autoscalingPath: "autoscaling.enabled" },
    optionalKinds: { PrometheusRule: "alerts.enabled" },
    grpcPort: "grpc",
};

describe("the release as rendered", () => {
    it("passes a release whose every container runs the signed digest, with the canary's replicas", () => {
        const v = checkRendered(parseManifest(manifest()), contract);
        assert.deepStrictEqual(v.problems, []);
        assert.strictEqual(v.endpoint, "canary-mirador-rca.mirador-staging.svc:50051");
        assert.deepStrictEqual(v.images, [
            `Deployment/canary-mirador-rca container mirador-rca: 127.0.0.1:5000/mirador-rca:v0.4.0@${digest}`,
        ]);
    });

    it("names a container that would run a tag, another digest or another repository, with the value path", () => {
        for (const image of [
            "127.0.0.1:5000/mirador-rca:0.4.0",
            `127.0.0.1:5000/mirador-rca@${other}`,
            `ghcr.io/x/mirador-rca@${digest}`,
        ]) {
            const [p, ...rest] = checkRendered(parseManifest(manifest({ image })), contract).problems;
            assert.strictEqual(rest.length, 0, image);
            assert.match(
                p,
                new RegExp(
                    `container mirador-rca would run ${image.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}, not the signed`,
                ),
            );
            assert.match(p, /through image\.tag \(the service profile's chart\.values\)/);
        }
    });

    it("checks init containers too", () => {
        const [p] = checkRendered(parseManifest(manifest({ init: "busybox:1.36" })), contract).problems;
        assert.match(p, /^Deployment\/canary-mirador-rca init container migrate would run busybox:1\.36/);
    });

    it("names an HPA and replicas the chart did not take, with the values that set them", () => {
        const problems = checkRendered(parseManifest(manifest({ hpa: true, replicas: null })), contract).problems;
        assert.strictEqual(problems.length, 2);
        assert.match(
            problems[0],
            /renders HorizontalPodAutoscaler canary-mirador-rca.*sets autoscaling\.enabled: false/,
        );
        assert.match(problems[1], /renders replicas \(none\), not canary\.replicaCount 1: .* from replicaCount/);
        const noSwitch = { ...contract, replicas: { count: 1, valuePath: "replicaCount" } };
        assert.match(
            checkRendered(parseManifest(manifest({ hpa: true })), noSwitch).problems[0],
            /name the chart's autoscaling switch/,
        );
    });

    it("names a kind the cluster does not serve and the value that turns it off", () => {
        const served = ["v1/Service", "apps/v1/Deployment", "autoscaling/v2/HorizontalPodAutoscaler"];
        const v = checkRendered(parseManifest(manifest({ rule: true })), { ...contract, servedKinds: served });
        assert.deepStrictEqual(v.problems, [
            "the chart renders PrometheusRule canary-alerts (monitoring.coreos.com/v1), a kind the cluster does not serve: set alerts.enabled: false in helm.values",
        ]);
        // unknown served kinds (the structure check at load time): not judged
        assert.deepStrictEqual(checkRendered(parseManifest(manifest({ rule: true })), contract).problems, []);
    });

    it("gives the node's loopback and the container port for pods on the host network", () => {
        const v = checkRendered(parseManifest(manifest({ hostNetwork: true })), contract);
        assert.strictEqual(v.endpoint, "127.0.0.1:50061");
    });

    it("says when the chart renders no workload at all", () => {
        assert.match(
            checkRendered(parseManifest("---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"), contract)
                .problems[0],
            /renders no workload/,
        );
    });

    it("splits image references with a registry port, a tag and a digest", () => {
        assert.deepStrictEqual(parseImageRef(`127.0.0.1:5000/a/b:v1@${digest}`), {
            repository: "127.0.0.1:5000/a/b",
            tag: "v1",
            digest,
        });
        assert.deepStrictEqual(parseImageRef("127.0.0.1:5000/a/b"), { repository: "127.0.0.1:5000/a/b" });
        assert.deepStrictEqual(parseImageRef(`b@${digest}`), { repository: "b", digest });
    });

    it("reads the served kinds from kubectl's wide table by its columns", () => {
        const table = [
            "NAME                              SHORTNAMES   APIVERSION                        NAMESPACED   KIND                             VERBS                                                        CATEGORIES",
            "configmaps                        cm           v1                                true         ConfigMap                        create,delete,get,list                                        ",
            "deployments                       deploy       apps/v1                           true         Deployment                       create,delete,get                                            all",
            "horizontalpodautoscalers          hpa          autoscaling/v2                    true         HorizontalPodAutoscaler          create,delete                                                all",
            "tokenreviews                                   authentication.k8s.io/v1          false        TokenReview                      create                                                       ",
        ].join("\n");
        assert.deepStrictEqual(parseApiResources(table), [
            "v1/ConfigMap",
            "apps/v1/Deployment",
            "autoscaling/v2/HorizontalPodAutoscaler",
            "authentication.k8s.io/v1/TokenReview",
        ]);
        assert.throws(() => parseApiResources("NAME KIND\n"), /no APIVERSION column/);
    });
});
