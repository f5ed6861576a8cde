// A stack state as `pulumi up` would have left it, made without running the steps (no cluster, no Docker engine):
// the program's resources as a preview declares them, with every value the update would compute filled in
// (digests, command output, Helm status), imported into the stack. Previews are repeated until every resource is
// unchanged, so that the inputs derived from filled outputs (the digest in the Helm values, say) agree too.
// The engine, the program and the stand-in plugins are the real ones; only the update's side effects are skipped.
import * as crypto from "crypto";
import { EngineEvent, Stack } from "@pulumi/pulumi/automation";
import { runPreview, PreviewRequest } from "../../plan/preview";

const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const MAX_ROUNDS = 8;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

interface StateResource {
    urn: string;
    custom: boolean;
    type: string;
    id?: string;
    parent?: string;
    provider?: string;
    inputs: Record<string, Json>;
    outputs: Record<string, Json>;
}

export interface FillContext {
    /** The plaintext of each secret input, by its key (e.g. COSIGN_PASSWORD). */
    secrets: Record<string, string>;
    /** The time the canary was deployed at, as `date -u` prints it. */
    deployedAt: string;
    /** The digest the image build yields (default: one made from the image name). */
    imageDigest?: string;
    /** Makes the packaged chart (a path relative to the project) and returns its sha256 (default: a made-up one). */
    chartDigest?: (archive: string) => string;
}

function hex(seed: string): string {
    return crypto.createHash("sha256").update(seed).digest("hex");
}

/** A string input as text ("" for anything else). */
function str(value: Json | undefined): string {
    return typeof value === "string" ? value : "";
}

function resourceName(urn: string): string {
    return urn.split("::").pop() ?? urn;
}

/** What a command would have printed, told by the step it performs. */
function commandStdout(urn: string, inputs: Record<string, Json>, ctx: FillContext): string {
    const name = resourceName(urn);
    const env = (inputs.environment ?? {}) as Record<string, Json>;
    if (name.endsWith("-package")) {
        const archive = `${str(env.DIST)}/${str(env.NAME)}-${str(env.VERSION)}.tgz`;
        return `${archive} ${ctx.chartDigest ? ctx.chartDigest(archive) : hex(urn + archive)}`;
    }
    if (name.endsWith("-deployed-at")) {
        return ctx.deployedAt;
    }
    if (name.endsWith("-verify") && typeof env.IMAGE === "string") {
        return JSON.stringify([{ critical: { image: { "docker-manifest-digest": env.IMAGE.split("@")[1] } } }]);
    }
    return "";
}

/** The value the update would have computed for `key` of a resource. */
function computed(res: StateResource, key: string, ctx: FillContext): Json {
    const inputs = res.inputs;
    switch (key) {
        case "stdout":
            return commandStdout(res.urn, inputs, ctx);
        case "stderr":
            return "";
        case "repoDigest": {
            const name = str(inputs.imageName);
            return `${name.slice(0, name.lastIndexOf(":"))}@${ctx.imageDigest ?? `sha256:${hex(name)}`}`;
        }
        case "baseImageName":
            return str(inputs.imageName);
        case "registryServer":
            return str(inputs.imageName).split("/")[0];
        case "status":
            return { name: str(inputs.name), namespace: str(inputs.namespace), revision: 1, status: "deployed" };
        default:
            return "";
    }
}

/** Replaces unknowns by `fill(key)` and secret markers by their plaintext, recursively. */
function settle(value: Json, key: string, fill: (key: string) => Json, ctx: FillContext): Json {
    if (value === UNKNOWN) {
        return fill(key);
    }
    if (Array.isArray(value)) {
        return value.map((v) => settle(v, key, fill, ctx));
    }
    if (value !== null && typeof value === "object") {
        if (SECRET_SIG in value) {
            return {
                [SECRET_SIG]: "1b47061264138c4ac30d75fd1eb44270",
                plaintext: JSON.stringify(ctx.secrets[key] ?? ""),
            };
        }
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, settle(v, k, fill, ctx)]));
    }
    return value;
}

/** The last declared state of every resource of a preview, in the order the program registered them. */
function declared(events: EngineEvent[]): StateResource[] {
    const byUrn = new Map<string, StateResource>();
    for (const e of [...events].sort((a, b) => a.sequence - b.sequence)) {
        const state = (e.resOutputsEvent ?? e.resourcePreEvent)?.metadata.new;
        if (state === undefined || state === null) {
            continue;
        }
        const res: StateResource = {
            urn: state.urn,
            custom: state.custom === true,
            type: state.type,
            inputs: state.inputs as Record<string, Json>,
            outputs: state.outputs as Record<string, Json>,
        };
        if (state.parent) {
            res.parent = state.parent;
        }
        if (state.provider) {
            res.provider = state.provider;
        }
        byUrn.set(state.urn, byUrn.get(state.urn) ? { ...res } : res);
    }
    return [...byUrn.values()];
}

/** Settles one declared resource: ids, provider references, computed outputs. */
function deployedResource(res: StateResource, ctx: FillContext): StateResource {
    const out: StateResource = { ...res };
    if (res.custom) {
        out.id = res.type.startsWith("pulumi:providers:") ? hex(res.urn).slice(0, 32) : resourceName(res.urn);
    }
    if (res.provider) {
        const providerUrn = res.provider.slice(0, res.provider.lastIndexOf("::"));
        out.provider = `${providerUrn}::${hex(providerUrn).slice(0, 32)}`;
    }
    out.inputs = settle(res.inputs, "", () => "", ctx) as Record<string, Json>;
    const withInputs = { ...res.outputs };
    out.outputs = settle(withInputs, "", (key) => computed(out, key, ctx), ctx) as Record<string, Json>;
    return out;
}

function changedUrns(events: EngineEvent[]): string[] {
    return events
        .map((e) => e.resourcePreEvent?.metadata)
        .filter((m) => m !== undefined && m.op !== "same" && m.type !== "pulumi:pulumi:Stack")
        .map((m) => `${m!.op} ${m!.urn}`);
}

/**
 * Makes `stack` look deployed from the program as `request` previews it: imports a settled state, previews again,
 * and re-settles the resources that still change, until none does (at most MAX_ROUNDS previews).
 */
export async function importDeployedState(stack: Stack, request: PreviewRequest, ctx: FillContext): Promise<void> {
    const exported = await stack.exportStack();
    const base = exported.deployment as { secrets_providers?: unknown; manifest?: unknown };
    let pending: string[] = [];
    let resources = new Map<string, StateResource>();
    for (let round = 0; round < MAX_ROUNDS; round++) {
        const run = await runPreview({ ...request, policyPacks: [], policyPackConfigs: [] });
        if (run.error !== undefined) {
            throw new Error(`preview for the synthetic state failed: ${run.error}`);
        }
        pending = changedUrns(run.events);
        const next = new Map(resources);
        for (const res of declared(run.events)) {
            next.set(res.urn, deployedResource(res, ctx));
        }
        // Done when nothing changes, the stack's outputs (derived from the others) included.
        if (round > 0 && pending.length === 0 && JSON.stringify([...next]) === JSON.stringify([...resources])) {
            return;
        }
        resources = next;
        await stack.importStack({
            version: 3,
            deployment: {
                manifest: base.manifest ?? { time: new Date().toISOString(), magic: "", version: "" },
                secrets_providers: base.secrets_providers,
                resources: [...resources.values()],
            },
        });
    }
    throw new Error(
        `the synthetic state did not settle in ${MAX_ROUNDS} previews; still changing:\n${pending.join("\n")}`,
    );
}
