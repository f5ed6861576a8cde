// Drift and pending-release detection from what Helm and the API server report (their JSON, as the tools print it).
import * as assert from "assert";
import { helmTargetArgs, isPending, parseHelmStatus, recoveryKey } from "../../components/helm-live-status";
import { DeploymentSpec, driftMarker, releaseDrift } from "../../components/release-drift";

const manifest = `---
# Source: mirador-rca/templates/service.yaml
apiVersion: v1
kind: Service
metadata:
  name: mirador-rca
---
# Source: mirador-rca/templates/deployment.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: mirador-rca
spec:
  replicas: 1
  template:
    spec:
      containers:
        - name: mirador-rca
          image: "registry/mirador-rca@sha256:bbb"
          env:
            - name: MIRADOR_VERSION
              value: "0.4.1"
`;

function live(image: string, env: Record<string, string>, replicas = 1): Map<string, DeploymentSpec> {
    const containers = [
        { name: "mirador-rca", image, env: Object.entries(env).map(([name, value]) => ({ name, value })) },
    ];
    return new Map([
        ["mirador-rca", { metadata: { name: "mirador-rca" }, spec: { replicas, template: { spec: { containers } } } }],
    ]);
}

const ours = { version: 4, info: { status: "deployed", description: "mirador-release prod: stable" }, manifest };
const asDeployed = live("registry/mirador-rca@sha256:bbb", { MIRADOR_VERSION: "0.4.1" });

describe("release drift", () => {
    it("finds none when the release is the program's and the Deployment is as Helm made it", () => {
        assert.deepStrictEqual(releaseDrift(ours, asDeployed), []);
        assert.strictEqual(driftMarker({ drift: [], revision: 4 }), "none");
    });

    it("names a hand-run helm rollback or helm upgrade by Helm's own description", () => {
        const rolledBack = { ...ours, version: 5, info: { status: "deployed", description: "Rollback to 3" } };
        const drift = releaseDrift(rolledBack, asDeployed);
        assert.deepStrictEqual(drift, ['revision 5 was made outside the program (helm rollback: "Rollback to 3")']);
        assert.strictEqual(
            driftMarker({ drift, revision: 5 }),
            'at revision 5: revision 5 was made outside the program (helm rollback: "Rollback to 3")',
        );
        const upgraded = { ...ours, info: { status: "deployed", description: "Upgrade complete" } };
        assert.match(releaseDrift(upgraded, asDeployed)[0], /helm upgrade\/install: "Upgrade complete"/);
    });

    it("names what a kubectl edit changed: image, environment, replicas", () => {
        const edited = live("registry/mirador-rca@sha256:aaa", { MIRADOR_VERSION: "0.4.1", DEBUG: "1" }, 3);
        assert.deepStrictEqual(releaseDrift(ours, edited), [
            "deployment/mirador-rca: replicas 3 (Helm: 1)",
            "deployment/mirador-rca container mirador-rca: image registry/mirador-rca@sha256:aaa " +
                "(Helm: registry/mirador-rca@sha256:bbb)",
            "deployment/mirador-rca container mirador-rca: env DEBUG=1 MIRADOR_VERSION=0.4.1 (Helm: MIRADOR_VERSION=0.4.1)",
        ]);
    });

    it("leaves the replicas of a Deployment whose manifest sets none to its HPA: not drift", () => {
        const scaledByHpa = { ...ours, manifest: manifest.replace("  replicas: 1\n", "") };
        assert.deepStrictEqual(
            releaseDrift(scaledByHpa, live("registry/mirador-rca@sha256:bbb", { MIRADOR_VERSION: "0.4.1" }, 4)),
            [],
        );
        // an image edit is still drift
        assert.strictEqual(
            releaseDrift(scaledByHpa, live("registry/mirador-rca@sha256:aaa", { MIRADOR_VERSION: "0.4.1" }, 4)).length,
            1,
        );
    });

    it("says nothing of a release that is pending or failed: the guard or the upgrade deals with it", () => {
        const pending = { ...ours, info: { status: "pending-upgrade", description: "Preparing upgrade" } };
        assert.deepStrictEqual(releaseDrift(pending, live("other", {})), []);
    });
});

describe("Helm's live status", () => {
    it("reads status and revision, and keys a pending release's recovery by its revision", () => {
        const s = parseHelmStatus(
            JSON.stringify({ version: 7, info: { status: "pending-upgrade", description: "Preparing upgrade" } }),
        );
        assert.deepStrictEqual(s, { status: "pending-upgrade", revision: 7, description: "Preparing upgrade" });
        assert.ok(isPending(s));
        assert.strictEqual(recoveryKey(s), "pending-upgrade@7");
    });

    it("is settled when deployed, absent or unknown", () => {
        for (const text of [
            JSON.stringify({ version: 3, info: { status: "deployed" } }),
            "",
            "Error: release: not found",
        ]) {
            const s = parseHelmStatus(text);
            assert.ok(!isPending(s));
            assert.strictEqual(recoveryKey(s), "settled");
        }
    });

    it("asks the stack's cluster: its kubeconfig, and its kube context when kubernetes.context is set", () => {
        const target = { release: "mirador-rca", namespace: "mirador-prod", kubeconfig: "/k/config" };
        assert.deepStrictEqual(helmTargetArgs({ ...target, kubeContext: "prod-eu" }), {
            args: ["-n", "mirador-prod", "--kube-context", "prod-eu"],
            env: { KUBECONFIG: "/k/config" },
        });
        assert.deepStrictEqual(helmTargetArgs({ release: "r", namespace: "n" }), { args: ["-n", "n"], env: {} });
    });
});
