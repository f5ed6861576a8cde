// What an upgrade deletes or renames: the live release's objects against the render (components/
// release-object-changes.ts), and the production stop with its acknowledgement.
import * as assert from "assert/strict";
import {
    compareObjects,
    isHook,
    normalizeAcknowledgement,
    OBJECT_CHANGES_HEADING,
    objectChangesWarning,
    objectId,
    similarity,
    unacknowledged,
    unacknowledgedError,
} from "../../components/release-object-changes";
import { parseManifest, RenderedObject } from "../../components/rendered-manifest";

const NS = "mirador-prod";

function obj(apiVersion: string, kind: string, name: string, extra: Record<string, unknown> = {}): RenderedObject {
    return { apiVersion, kind, metadata: { name, ...extra } };
}

const deployment = (name: string) => obj("apps/v1", "Deployment", name);
const service = (name: string) => obj("v1", "Service", name);
const configMap = (name: string) => obj("v1", "ConfigMap", name);

describe("release object changes", () => {
    it("finds nothing when the render has the live release's objects, in any order", () => {
        const live = [service("mirador-rca"), deployment("mirador-rca"), configMap("mirador-rca-config")];
        assert.deepEqual(compareObjects(live, [...live].reverse(), NS), []);
        assert.equal(objectChangesWarning(`${NS}/mirador-rca`, []), "", "nothing changed: nothing printed");
    });

    it("names objects only added as nothing: nothing disappears", () => {
        assert.deepEqual(compareObjects([service("a")], [service("a"), configMap("new-config")], NS), []);
    });

    it("names a deleted object, and a deleted Deployment as an outage risk", () => {
        const changes = compareObjects(
            [deployment("mirador-rca"), deployment("mirador-rca-worker"), configMap("mirador-rca-cache")],
            [deployment("mirador-rca")],
            NS,
        );
        assert.deepEqual(
            changes.map((c) => [c.action, c.text, c.outageRisk]),
            [
                ["delete", "ConfigMap mirador-rca-cache deleted", false],
                ["delete", "Deployment mirador-rca-worker deleted", true],
            ],
        );
    });

    it("reports a deleted and an added object of the same kind as a likely rename", () => {
        const changes = compareObjects(
            [service("mirador-rca"), deployment("mirador-rca")],
            [service("mirador-rca-api"), deployment("mirador-rca")],
            NS,
        );
        assert.equal(changes.length, 1);
        assert.equal(changes[0].action, "rename");
        assert.equal(changes[0].text, "Service mirador-rca → mirador-rca-api");
        assert.equal(changes[0].outageRisk, true);
        assert.deepEqual(changes[0].to, { group: "", kind: "Service", namespace: NS, name: "mirador-rca-api" });
    });

    it("pairs renames by kind, the most similar names first, whatever the order", () => {
        const live = [deployment("mirador-rca"), deployment("mirador-rca-worker"), service("mirador-rca")];
        const rendered = [deployment("rca-worker"), deployment("rca-server"), configMap("mirador-rca")];
        for (const [l, r] of [
            [live, rendered],
            [[...live].reverse(), [...rendered].reverse()],
        ]) {
            assert.deepEqual(
                compareObjects(l, r, NS).map((c) => c.text),
                [
                    "Deployment mirador-rca → rca-server",
                    "Deployment mirador-rca-worker → rca-worker",
                    // A ConfigMap added is not a Service renamed.
                    "Service mirador-rca deleted",
                ],
            );
        }
        assert.ok(similarity("mirador-rca-worker", "rca-worker") > similarity("mirador-rca-worker", "rca-server"));
        assert.equal(similarity("a", "a"), 1);
        assert.equal(similarity("ab", "cd"), 0);
    });

    it("takes the same object in another apiVersion of its group as the same object", () => {
        const hpa = (v: string) => obj(`autoscaling/${v}`, "HorizontalPodAutoscaler", "mirador-rca");
        assert.deepEqual(compareObjects([hpa("v1")], [hpa("v2")], NS), []);
        // Another group is another object, even of the same kind and name.
        const changes = compareObjects(
            [obj("cert-manager.io/v1", "Certificate", "tls")],
            [obj("example.com/v1", "Certificate", "tls")],
            NS,
        );
        assert.deepEqual(
            changes.map((c) => c.text),
            ["Certificate.cert-manager.io tls deleted"],
        );
    });

    it("puts namespaced objects without a namespace in the release's, and cluster-scoped ones in none", () => {
        const explicit = obj("v1", "Service", "mirador-rca", { namespace: NS });
        assert.deepEqual(compareObjects([explicit], [service("mirador-rca")], NS), []);
        const role = (ns?: string) =>
            obj("rbac.authorization.k8s.io/v1", "ClusterRole", "mirador-rca-reader", ns ? { namespace: ns } : {});
        assert.deepEqual(objectId(role(NS), NS), {
            group: "rbac.authorization.k8s.io",
            kind: "ClusterRole",
            namespace: "",
            name: "mirador-rca-reader",
        });
        assert.deepEqual(compareObjects([role(NS)], [role()], NS), [], "a namespace on a cluster-scoped object");
        assert.deepEqual(
            compareObjects([role()], [], NS).map((c) => c.text),
            ["ClusterRole mirador-rca-reader deleted"],
        );
        // An object of another namespace is named with it, and moving it is a rename.
        assert.deepEqual(
            compareObjects(
                [service("mirador-rca")],
                [obj("v1", "Service", "mirador-rca", { namespace: "edge" })],
                NS,
            ).map((c) => c.text),
            ["Service mirador-rca → edge/mirador-rca"],
        );
    });

    it("leaves hooks and test pods out: Helm keeps them apart from the release's manifest", () => {
        const hook = (kind: string, name: string, hookKind: string) =>
            obj(kind === "Job" ? "batch/v1" : "v1", kind, name, { annotations: { "helm.sh/hook": hookKind } });
        const migrate = hook("Job", "mirador-rca-migrate", "pre-upgrade");
        const testPod = hook("Pod", "mirador-rca-test-connection", "test");
        assert.ok(isHook(migrate) && isHook(testPod) && !isHook(service("x")));
        // helm template renders the hooks; helm get manifest does not list them.
        assert.deepEqual(compareObjects([service("a")], [service("a"), migrate, testPod], NS), []);
        // A hook that was in a live manifest (a chart that made it a hook later) is not named as deleted either.
        assert.deepEqual(compareObjects([service("a"), testPod], [service("a")], NS), []);
    });

    it("reads objects of a real manifest shape, skipping empty documents", () => {
        const manifest = [
            "---",
            "# Source: mirador-rca/templates/service.yaml",
            "apiVersion: v1\nkind: Service\nmetadata:\n  name: mirador-rca",
            "---",
            "# Source: mirador-rca/templates/empty.yaml",
            "---",
            "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: mirador-rca",
            "",
        ].join("\n");
        const live = parseManifest(manifest);
        assert.deepEqual(
            compareObjects(live, [deployment("mirador-rca"), service("mirador-rca-api")], NS).map((c) => c.text),
            ["Service mirador-rca → mirador-rca-api"],
        );
    });

    it("warns naming each change, its outage risk and what was acknowledged", () => {
        const changes = compareObjects(
            [service("mirador-rca"), configMap("mirador-rca-cache")],
            [service("mirador-rca-api")],
            NS,
        );
        assert.equal(
            objectChangesWarning(`${NS}/mirador-rca`, changes, ["Service mirador-rca -> mirador-rca-api"]),
            `${OBJECT_CHANGES_HEADING} ${NS}/mirador-rca (helm get manifest against the render):\n` +
                "- ConfigMap mirador-rca-cache deleted\n" +
                "- Service mirador-rca → mirador-rca-api (a likely rename: the old one is deleted, the new one " +
                "created; outage risk, acknowledged)",
        );
    });

    it("stops production on an outage risk nobody acknowledged, naming how to acknowledge it", () => {
        const changes = compareObjects(
            [service("mirador-rca"), deployment("mirador-rca"), configMap("c")],
            [service("mirador-rca-api")],
            NS,
        );
        assert.deepEqual(
            unacknowledged(changes, []).map((c) => c.text),
            ["Deployment mirador-rca deleted", "Service mirador-rca → mirador-rca-api"],
            "the ConfigMap is no outage",
        );
        assert.deepEqual(
            unacknowledged(changes, ["Service  mirador-rca ->  mirador-rca-api"]).map((c) => c.text),
            ["Deployment mirador-rca deleted"],
        );
        assert.equal(normalizeAcknowledgement(" Service a -> b "), "Service a → b");
        const message = unacknowledgedError(`${NS}/mirador-rca`, unacknowledged(changes, []));
        assert.equal(
            message,
            `the upgrade of the production release ${NS}/mirador-rca would delete or rename what serves traffic (an ` +
                "outage): Deployment mirador-rca deleted; Service mirador-rca → mirador-rca-api. If that is intended " +
                "(clients and dashboards follow the new names), acknowledge each in Pulumi.<stack>.yaml as " +
                'mirador-release:objectChanges: { acknowledged: ["Deployment mirador-rca deleted", ' +
                '"Service mirador-rca → mirador-rca-api"] } and run again; otherwise keep the chart\'s names (e.g. ' +
                "its fullnameOverride) so that the upgrade changes the objects in place",
        );
    });
});
