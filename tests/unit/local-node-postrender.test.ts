// The local node's Helm post-renderer (scripts/local-node-postrender): every pod template on the node's network,
// Deployments recreated, and nothing else changed, as Helm and the API server read YAML (1.1).
import * as assert from "assert";
import { execFileSync } from "child_process";
import * as path from "path";
import * as YAML from "yaml";
import { repoRoot } from "../support/tools";

const script = path.join(repoRoot, "scripts", "local-node-postrender");

function postRender(manifest: string): string {
    return execFileSync(script, { input: manifest, encoding: "utf8" });
}

const manifest = `---
apiVersion: v1
kind: Service
metadata:
  name: svc
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  strategy:
    type: RollingUpdate
    rollingUpdate: { maxSurge: 1 }
  template:
    metadata:
      annotations:
        handmade: "yes"
        mode: "0755"
    spec:
      containers: [{ name: app, image: "repo:v1@sha256:${"a".repeat(64)}" }]
---
apiVersion: batch/v1
kind: CronJob
metadata:
  name: job
spec:
  jobTemplate:
    spec:
      template:
        spec:
          containers: [{ name: job, image: busybox }]
`;

/** The value at a path of keys in a parsed document. */
function at(doc: unknown, ...keys: string[]): unknown {
    return keys.reduce<unknown>((v, k) => (v as Record<string, unknown> | undefined)?.[k], doc);
}

function docs(text: string): unknown[] {
    return YAML.parseAllDocuments(text, { version: "1.1" }).map((d) => d.toJS() as unknown);
}

describe("the local node's post-renderer", () => {
    it("puts every pod template on the node's network and recreates Deployments", () => {
        const [service, deployment, cronJob] = docs(postRender(manifest));
        assert.deepStrictEqual(
            [service, deployment, cronJob].map((d) => at(d, "kind")),
            ["Service", "Deployment", "CronJob"],
        );
        assert.deepStrictEqual(at(deployment, "spec", "strategy"), { type: "Recreate" });
        assert.strictEqual(at(deployment, "spec", "template", "spec", "hostNetwork"), true);
        assert.strictEqual(at(deployment, "spec", "template", "spec", "dnsPolicy"), "ClusterFirstWithHostNet");
        assert.strictEqual(at(cronJob, "spec", "jobTemplate", "spec", "template", "spec", "hostNetwork"), true);
        assert.strictEqual(at(service, "spec"), undefined, "a Service is left as it is");
    });

    it("keeps strings that YAML 1.1 would read as booleans or numbers quoted", () => {
        const out = postRender(manifest);
        assert.match(out, /handmade: "yes"/);
        assert.match(out, /mode: "0755"/);
        assert.deepStrictEqual(at(docs(out)[1], "spec", "template", "metadata", "annotations"), {
            handmade: "yes",
            mode: "0755",
        });
    });
});
