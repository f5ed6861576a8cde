// Runs the release program (index.ts) under pulumi.runtime.setMocks and records every registration as the engine
// would receive it: type, name, parent, raw inputs (with secret markers), and the dependency URNs.
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { repoRoot } from "../../support/tools";

/* eslint-disable @typescript-eslint/no-unsafe-return, @typescript-eslint/no-explicit-any */

const secretSig = "1b47061264138c4ac30d75fd1eb44270";
const sigKey = "4dabf18193072939515e22adb298388d";

export interface Registered {
    urn: string;
    type: string;
    name: string;
    custom: boolean;
    parent: string;
    provider: string;
    /** Inputs as the SDK serialized them: secrets appear as { [sigKey]: secretSig, value }. */
    raw: Record<string, unknown>;
    /** Inputs with secret markers unwrapped. */
    inputs: Record<string, any>;
    /** URNs this resource depends on (explicit dependsOn and through its input properties). */
    deps: Set<string>;
    /** The resource options that keep what a release produced: protect and retainOnDelete. */
    protect: boolean;
    retainOnDelete: boolean;
}

export interface ProgramRun {
    resources: Registered[];
    outputs: Record<string, unknown>;
    byName(name: string): Registered;
    /** Whether `a` depends on `b`, directly or through other resources. */
    dependsOn(a: string, b: string): boolean;
}

export interface RunOptions {
    stack: string;
    config: Record<string, unknown>;
    /** Keys (without namespace) stored as secrets. */
    secretKeys?: string[];
    preview?: boolean;
    /** Outputs of the StackReference to the staging stack. */
    stagingOutputs?: Record<string, unknown>;
    /** This stack's own outputs of its previous run (production reads its history from them); none by default. */
    ownOutputs?: Record<string, unknown>;
}

/** Whether a raw serialized value is a secret. */
export function isSecretValue(v: unknown): boolean {
    return typeof v === "object" && v !== null && (v as Record<string, unknown>)[sigKey] === secretSig;
}

function unwrap(v: unknown): any {
    if (isSecretValue(v)) {
        return unwrap((v as Record<string, unknown>).value);
    }
    if (Array.isArray(v)) {
        return v.map(unwrap);
    }
    if (typeof v === "object" && v !== null) {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, unwrap(x)]));
    }
    return v;
}

/** Resolves an Output (or plain value) to its value. */
export function promiseOf<T>(input: pulumi.Input<T>): Promise<pulumi.Unwrap<T>> {
    return new Promise((resolve) => {
        pulumi.output(input).apply((v) => {
            resolve(v);
            return v;
        });
    });
}

const fakeHex = (seed: string) => crypto.createHash("sha256").update(seed).digest("hex");

/**
 * The chart cache of these runs (components/chart-fetch.ts): the mocked package step puts its "archive" there, as
 * the program caches a packaged chart, and a prod run finds the staging archive there, as if fetched by digest.
 */
const chartCache = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-chart-cache-"));
process.env.MIRADOR_CHART_CACHE = chartCache;
process.on("exit", () => fs.rmSync(chartCache, { recursive: true, force: true }));

/**
 * While the program is built, ChartRelease asks helm and kubectl about the live release (its pending guard and the
 * drift probe, read-only). Under mocks they must reach no cluster at all, whatever the ambient kubeconfig names: a
 * kubeconfig whose only cluster is a loopback port nothing listens on (port 1) makes them fail at once, and a
 * release they cannot see is "settled, no drift".
 */
const noCluster = path.join(chartCache, "no-cluster.kubeconfig");
fs.writeFileSync(
    noCluster,
    [
        "apiVersion: v1",
        "kind: Config",
        "clusters: [{ name: none, cluster: { server: 'https://127.0.0.1:1' } }]",
        "users: [{ name: none, user: { token: none } }]",
        "contexts: [{ name: none, context: { cluster: none, user: none } }]",
        "current-context: none",
        "",
    ].join("\n"),
);
process.env.KUBECONFIG = noCluster;

/** `helm package` of the stack's chart into a scratch folder, its triggers in a file of the chart. */
function packageChart(env: Record<string, string>, triggers: unknown): Buffer {
    const scratch = fs.mkdtempSync(path.join(chartCache, "package-"));
    try {
        const chart = path.join(scratch, "chart");
        fs.cpSync(path.resolve(repoRoot, env.CHART), chart, { recursive: true });
        fs.writeFileSync(path.join(chart, "triggers.txt"), JSON.stringify(triggers));
        execFileSync("helm", ["package", chart, "--destination", scratch, "--version", env.VERSION], {
            stdio: "ignore",
        });
        return fs.readFileSync(path.join(scratch, `${env.NAME}-${env.VERSION}.tgz`));
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}

function cacheChart(bytes: Buffer): string {
    const hex = crypto.createHash("sha256").update(bytes).digest("hex");
    fs.writeFileSync(path.join(chartCache, `sha256-${hex}.tgz`), bytes);
    return hex;
}

/** Outputs of a local command, as the real step would print them. */
function commandStdout(inputs: Record<string, any>): string {
    const create = String(inputs.create ?? "");
    const env = (inputs.environment ?? {}) as Record<string, string>;
    if (create.includes("helm package")) {
        // A real archive of the chart (prod renders it while the program loads), and a new chart (its files are in
        // the triggers) is a new archive, even at the same version.
        return `${env.DIST}/${env.NAME}-${env.VERSION}.tgz ${cacheChart(packageChart(env, inputs.triggers))}`;
    }
    if (create.includes("cosign verify")) {
        const digest = String(env.IMAGE ?? "").split("@")[1];
        return JSON.stringify([{ critical: { image: { "docker-manifest-digest": digest } } }]);
    }
    if (create.startsWith("date")) {
        return "2026-11-23T10:00:00Z";
    }
    if (create.includes("release-tag.sh")) {
        return `${env.TAG} ${env.COMMIT}`;
    }
    if (create.includes("gate/cli.ts")) {
        return "CHECK  VERDICT\ncanary-soak  PASS\n\nPROMOTE: all 1 checks passed";
    }
    return "";
}

function mockState(args: pulumi.runtime.MockResourceArgs, stagingOutputs: Record<string, unknown>) {
    const inputs = args.inputs as Record<string, any>;
    switch (args.type) {
        case "command:local:Command":
            return { ...inputs, stdout: commandStdout(inputs), stderr: "" };
        case "docker:index/image:Image": {
            const name = String(inputs.imageName);
            const repo = name.slice(
                0,
                name.lastIndexOf(":") > name.lastIndexOf("/") ? name.lastIndexOf(":") : undefined,
            );
            return { ...inputs, repoDigest: `${repo}@sha256:${fakeHex(name)}` };
        }
        case "kubernetes:helm.sh/v3:Release":
            return {
                ...inputs,
                status: { name: inputs.name, namespace: inputs.namespace, revision: 1, status: "deployed" },
            };
        case "kubernetes:core/v1:ConfigMapPatch":
            return inputs;
        case "github:index/release:Release":
            return { ...inputs, htmlUrl: `https://github.com/miradorstack/mirador-rca/releases/tag/${inputs.tagName}` };
        case "pulumi:pulumi:StackReference":
            return { name: inputs.name, outputs: stagingOutputs, secretOutputNames: [] };
    }
    if (args.type.startsWith("pulumi:providers:") || args.type.startsWith("mirador:release:")) {
        return inputs;
    }
    throw new Error(
        `the unit-test mocks do not know resource type ${args.type} (add it to tests/unit/support/program.ts)`,
    );
}

/** Runs index.ts with the given stack config under mocks and returns what it registered and exported. */
export async function runProgram(opts: RunOptions): Promise<ProgramRun> {
    const stagingOutputs = opts.stagingOutputs ?? {};
    const ownName = `organization/mirador-release/${opts.stack}`;
    // The chart the staging stack published: in the cache, as prod would have fetched it.
    if (typeof stagingOutputs.chartArchive === "string" && fs.existsSync(stagingOutputs.chartArchive)) {
        cacheChart(fs.readFileSync(stagingOutputs.chartArchive));
    }
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => ({
                id: args.custom ? `${args.name}-id` : undefined,
                state: mockState(args, stagingOutputs),
            }),
            call: (args) => {
                // What the engine answers about the staging stack; a real staging stack exports role "canary".
                if (args.token === "pulumi:pulumi:readStackOutputs" && args.inputs.name === ownName) {
                    return { name: args.inputs.name, outputs: opts.ownOutputs ?? {}, secretOutputNames: [] };
                }
                if (args.token === "pulumi:pulumi:readStackOutputs") {
                    return {
                        name: args.inputs.name,
                        outputs: { role: "canary", ...stagingOutputs },
                        secretOutputNames: [],
                    };
                }
                throw new Error(`the unit-test mocks do not answer invokes (${args.token})`);
            },
        },
        "mirador-release",
        opts.stack,
        opts.preview ?? false,
        "organization",
    );
    const config = Object.fromEntries(
        Object.entries(opts.config).map(([k, v]) => [
            `mirador-release:${k}`,
            typeof v === "string" ? v : JSON.stringify(v),
        ]),
    );
    pulumi.runtime.setAllConfig(
        config,
        (opts.secretKeys ?? []).map((k) => `mirador-release:${k}`),
    );

    const settings = require("@pulumi/pulumi/runtime/settings");
    const monitor = settings.getMonitor();
    const resources: Registered[] = [];
    const record = (req: any, custom: boolean) => {
        const raw = (req.getObject?.() ?? req.getProperties()).toJavaScript() as Record<string, unknown>;
        const deps = new Set<string>(req.getDependenciesList());
        const propDeps = req.getPropertydependenciesMap?.();
        propDeps?.forEach((v: any) => v.getUrnsList().forEach((u: string) => deps.add(u)));
        resources.push({
            urn: monitor.newUrn(req.getParent(), req.getType(), req.getName()),
            type: req.getType(),
            name: req.getName(),
            custom,
            parent: req.getParent(),
            provider: req.getProvider(),
            raw,
            inputs: unwrap(raw),
            deps,
            protect: req.getProtect?.() === true,
            retainOnDelete: req.getRetainondelete?.() === true,
        });
    };
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, cb: any) => {
        record(req, req.getCustom());
        return register(req, cb);
    };
    const read = monitor.readResource.bind(monitor);
    monitor.readResource = (req: any, cb: any) => {
        record(req, true);
        return read(req, cb);
    };

    const entry = path.join(repoRoot, "index.ts");
    delete require.cache[require.resolve(entry)];
    let exported: Record<string, unknown>;
    try {
        exported = (await require(entry)) as Record<string, unknown>;
    } catch (e) {
        await settings.waitForRPCs();
        throw Object.assign(e as Error, { registered: resources });
    }
    const outputs: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(exported)) {
        outputs[k] = await promiseOf(v);
    }
    await settings.waitForRPCs();

    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    const dependsOn = (a: string, b: string): boolean => {
        const from = resources.find((r) => r.name === a);
        const to = resources.find((r) => r.name === b);
        if (!from || !to) {
            throw new Error(`no resource named ${!from ? a : b}`);
        }
        const seen = new Set<string>();
        const stack = [...from.deps];
        while (stack.length > 0) {
            const urn = stack.pop()!;
            if (urn === to.urn) {
                return true;
            }
            if (!seen.has(urn)) {
                seen.add(urn);
                stack.push(...(byUrn.get(urn)?.deps ?? []));
            }
        }
        return false;
    };
    return {
        resources,
        outputs,
        dependsOn,
        byName: (name) => {
            const r = resources.find((x) => x.name === name);
            if (!r) {
                throw new Error(`no resource named ${name}; registered: ${resources.map((x) => x.name).join(", ")}`);
            }
            return r;
        },
    };
}
