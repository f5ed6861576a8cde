// mirador-core's routing ConfigMap belongs to mirador-core: through the real engine and the official kubernetes
// provider, the staging and prod stacks (both pointed at ONE ConfigMap, as in a real cluster) patch only their
// own keys by server-side apply, each as its own field manager. Keys that mirador-core wrote before, between and
// after the runs keep their values; no run plans a replace or a delete of the ConfigMap; removing a stack's
// routing relinquishes its keys and leaves the ConfigMap. The scenarios build on each other.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { EngineEvent, Stack, UpResult } from "@pulumi/pulumi/automation";
import { ReleaseSandbox } from "../support/release-sandbox";
import { requireTool, toolPath } from "../support/tools";

const NAMESPACE = "mirador-core";
const CONFIGMAP = "mirador-core-routing";
const CORE_MANAGER = "mirador-core";

interface ManagedField {
    manager: string;
    operation: string;
    fieldsV1?: { "f:data"?: Record<string, unknown> };
}

interface LiveConfigMap {
    metadata: { uid: string; managedFields?: ManagedField[] };
    data?: Record<string, string>;
}

/** Every step the engine took for the routing patch during one operation ("create", "update", "same", …). */
class RoutingOps {
    readonly ops: string[] = [];
    readonly onEvent = (e: EngineEvent) => {
        const m = e.resourcePreEvent?.metadata;
        if (m && m.urn.endsWith("::traffic-routing")) {
            this.ops.push(m.op);
        }
    };
}

describe("the routing ConfigMap under the official provider: each stack owns only its keys", function () {
    this.timeout(3_600_000);
    const sandbox = new ReleaseSandbox();
    const log = (text: string) => process.stdout.write(text);
    /** The keys mirador-core writes itself; a test changes them between runs. */
    const coreKeys: Record<string, string> = {
        "core.defaultBackend": "rca-stable",
        "core.timeoutSeconds": "5",
        "search.weight": "30",
    };
    let uid = "";

    const kubectl = (args: string[], input?: string) =>
        execFileSync(requireTool("kubectl"), args, {
            encoding: "utf8",
            input,
            env: { ...process.env, ...sandbox.infra, PATH: toolPath() },
        }).trim();
    /** mirador-core writes its keys (and only those), as its own field manager, like its deployment would. */
    const coreApplies = () =>
        kubectl(
            ["apply", "--server-side", `--field-manager=${CORE_MANAGER}`, "-f", "-"],
            JSON.stringify({
                apiVersion: "v1",
                kind: "ConfigMap",
                metadata: { name: CONFIGMAP, namespace: NAMESPACE },
                data: coreKeys,
            }),
        );
    const live = () =>
        JSON.parse(
            kubectl(["get", "configmap", CONFIGMAP, "-n", NAMESPACE, "-o", "json", "--show-managed-fields"]),
        ) as LiveConfigMap;
    /** The data keys that `manager` owns by apply, sorted. */
    const ownedBy = (cm: LiveConfigMap, manager: string) =>
        (cm.metadata.managedFields ?? [])
            .filter((f) => f.manager === manager && f.operation === "Apply")
            .flatMap((f) => Object.keys(f.fieldsV1?.["f:data"] ?? {}))
            .map((k) => k.replace(/^f:/, ""))
            .sort();
    /** mirador-core's keys are all there with its values, still owned by mirador-core, and the object is the same. */
    const assertCoreKeysIntact = (cm: LiveConfigMap, when: string) => {
        for (const [key, value] of Object.entries(coreKeys)) {
            assert.strictEqual(cm.data?.[key], value, `${when}: mirador-core's ${key}`);
        }
        assert.deepStrictEqual(ownedBy(cm, CORE_MANAGER), Object.keys(coreKeys).sort(), `${when}: owners`);
        assert.strictEqual(cm.metadata.uid, uid, `${when}: the ConfigMap was deleted and created again`);
    };
    const assertNoReplaceOrDelete = (ops: string[], when: string) => {
        for (const op of ops) {
            assert.ok(!/replace|delete|discard/.test(op), `${when}: the routing was planned as ${op}`);
        }
    };
    const up = async (stack: Stack): Promise<{ result: UpResult; ops: string[] }> => {
        const routing = new RoutingOps();
        const result = await stack.up({ onOutput: log, onEvent: routing.onEvent });
        return { result, ops: routing.ops };
    };

    before(async () => {
        await sandbox.start();
        kubectl(["create", "namespace", NAMESPACE]);
        coreApplies();
        uid = live().metadata.uid;
        // Both stacks route through mirador-core's one ConfigMap. Staging names the kubeconfig's context too: the
        // official provider takes a kubeconfig path (read each run, no credentials in the state) and a context.
        const context = kubectl(["config", "current-context"]);
        await sandbox.configure(sandbox.staging, {
            trafficSwitch: { namespace: NAMESPACE },
            kubernetes: { kubeconfig: sandbox.infra.KUBECONFIG, context },
        });
        await sandbox.configure(sandbox.prod, { trafficSwitch: { namespace: NAMESPACE } });
    });
    after(async () => {
        await sandbox.stop();
    });

    it("1. staging adds the canary's keys and the split to mirador-core's ConfigMap, and touches nothing else", async () => {
        const preview = new RoutingOps();
        await sandbox.staging.preview({ onEvent: preview.onEvent });
        assertNoReplaceOrDelete(preview.ops, "staging preview");
        const { ops } = await up(sandbox.staging);
        assert.deepStrictEqual(ops, ["create"], "the patch is created: the ConfigMap itself is not");
        const cm = live();
        assertCoreKeysIntact(cm, "after staging");
        const provider = (await sandbox.staging.exportStack()).deployment.resources.find(
            (r: { type: string }) => r.type === "pulumi:providers:kubernetes",
        ) as { inputs: Record<string, unknown> };
        assert.strictEqual(provider.inputs.kubeconfig, sandbox.infra.KUBECONFIG, "a path, not the credentials");
        assert.deepStrictEqual(
            [cm.data?.["rca.canary.weight"], cm.data?.["rca.stable.weight"], cm.data?.["rca.canary.version"]],
            ["10", "90", "0.4.0"],
        );
        assert.deepStrictEqual(ownedBy(cm, "mirador-release-local-staging"), [
            "rca.canary.image",
            "rca.canary.release",
            "rca.canary.version",
            "rca.canary.weight",
            "rca.stable.weight",
        ]);
    });

    it("2. prod promotes: the stable keys and the split are its own, staging's and mirador-core's keys stay", async () => {
        // The prod program judges the canary itself before anything changes: it needs a healthy soak to promote.
        const load = await sandbox.load(75, 10);
        assert.ok(load.calls >= 600 && Object.keys(load.errors).length === 0, JSON.stringify(load));
        const { ops } = await up(sandbox.prod);
        assertNoReplaceOrDelete(ops, "prod up");
        const cm = live();
        assertCoreKeysIntact(cm, "after prod");
        assert.deepStrictEqual(
            [cm.data?.["rca.stable.weight"], cm.data?.["rca.canary.weight"], cm.data?.["rca.stable.version"]],
            ["100", "0", "0.4.0"],
        );
        assert.strictEqual(cm.data?.["rca.canary.release"], "mirador-rca-canary", "staging's keys stay");
        assert.strictEqual(cm.data?.["rca.canary.image"], cm.data?.["rca.stable.image"], "prod ships the canary");
        // The split moved to prod (patchForce); the canary's own keys stay staging's.
        assert.deepStrictEqual(ownedBy(cm, "mirador-release-local-staging"), [
            "rca.canary.image",
            "rca.canary.release",
            "rca.canary.version",
        ]);
        assert.deepStrictEqual(ownedBy(cm, "mirador-release-local-prod"), [
            "rca.canary.weight",
            "rca.stable.image",
            "rca.stable.release",
            "rca.stable.version",
            "rca.stable.weight",
        ]);
    });

    it("3. mirador-core changes its keys; a second up of each stack changes nothing and keeps them", async () => {
        coreKeys["core.timeoutSeconds"] = "7";
        coreKeys["core.shadowTraffic"] = "off";
        coreApplies();
        for (const stack of [sandbox.staging, sandbox.prod]) {
            const { result, ops } = await up(stack);
            const changes = result.summary.resourceChanges ?? {};
            assert.deepStrictEqual(Object.keys(changes), ["same"], `${stack.name}: ${JSON.stringify(changes)}`);
            assert.deepStrictEqual(ops, ["same"], `${stack.name}: the routing`);
            assertCoreKeysIntact(live(), `after the second up of ${stack.name}`);
        }
        assert.deepStrictEqual(live().data?.["rca.stable.weight"], "100", "the promotion stands");
    });

    it("3b. a refresh reads the live Helm releases and routing: prod plans nothing; staging only the split", async () => {
        // The official provider reads the live release (its user-supplied values, chart version) and the live
        // ConfigMap on refresh. Prod owns the split now, so its refresh finds nothing to do. Staging's recorded
        // split (10/90) differs from the live one since the promotion: a refresh of staging plans to take it back,
        // in place, and nothing else (components/traffic-switch.ts says why).
        const planned = async (stack: Stack) => {
            const changes: string[] = [];
            await stack.preview({
                refresh: true,
                onEvent: (e: EngineEvent) => {
                    const m = e.resourcePreEvent?.metadata;
                    if (m && !["same", "refresh", "read"].includes(m.op)) {
                        changes.push(`${m.op} ${m.urn.split("::").pop()}`);
                    }
                },
            });
            return changes;
        };
        assert.deepStrictEqual(await planned(sandbox.prod), []);
        assert.deepStrictEqual(await planned(sandbox.staging), ["update traffic-routing"]);
    });

    it("4. a new canary patches the ConfigMap in place and takes the split back; the stable keys stay", async () => {
        sandbox.bumpSource("0.4.1");
        await sandbox.configure(sandbox.staging, { version: "0.4.1" });
        const { ops } = await up(sandbox.staging);
        assert.deepStrictEqual(ops, ["update"], "an in-place apply, never delete-then-create");
        const cm = live();
        assertCoreKeysIntact(cm, "after the new canary");
        assert.deepStrictEqual(
            [cm.data?.["rca.canary.version"], cm.data?.["rca.canary.weight"], cm.data?.["rca.stable.weight"]],
            ["0.4.1", "10", "90"],
        );
        assert.strictEqual(cm.data?.["rca.stable.version"], "0.4.0", "prod's keys stay until prod promotes");
    });

    it("5. retiring prod (unprotect, destroy) relinquishes prod's keys only: the ConfigMap and all other keys stay", async () => {
        // Production is protected (README, "Retiring production"): it is retired deliberately, as here.
        await sandbox.run("pulumi", ["state", "unprotect", "--all", "--yes", "--stack", "local-prod"], {
            PULUMI_CONFIG_PASSPHRASE: sandbox.passphrase,
        });
        const routing = new RoutingOps();
        const result = await sandbox.prod.destroy({ onOutput: log, onEvent: routing.onEvent });
        assert.deepStrictEqual(routing.ops, ["delete"], "the patch is deleted, which relinquishes its fields");
        assert.ok((result.summary.resourceChanges?.delete ?? 0) > 1, JSON.stringify(result.summary.resourceChanges));
        const cm = live();
        assertCoreKeysIntact(cm, "after prod's routing was removed");
        assert.deepStrictEqual(ownedBy(cm, "mirador-release-local-prod"), []);
        for (const key of ["rca.stable.image", "rca.stable.release", "rca.stable.version"]) {
            assert.strictEqual(cm.data?.[key], undefined, `${key} was prod's only`);
        }
        assert.deepStrictEqual(
            [cm.data?.["rca.canary.version"], cm.data?.["rca.canary.weight"], cm.data?.["rca.stable.weight"]],
            ["0.4.1", "10", "90"],
            "staging's keys stay",
        );
    });
});
