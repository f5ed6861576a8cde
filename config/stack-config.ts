// Reads, validates and normalises the stack's config once, before any resource is declared. Every problem is
// collected and reported together, each naming the key, the value found and the fix.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { checkCanaryLabels, checkGitHubRemote, checkTrafficWeight } from "./cross-checks";
import { readAttestations } from "./attestation-settings";
import { readObjectChanges } from "./object-changes-setting";
import { loadGateConfig } from "./gate-setting";
import { checkKnownKeys } from "./known-keys";
import { checkBuildInputs, checkProfileCheckout, profilePathOf, readProfile, selectPreflight } from "./profile-setting";
import { ConfigSource, Reader } from "./reader";
import {
    CanaryReleaseSettings,
    CanarySettings,
    CosignSettings,
    GitHubSettings,
    HelmReleaseSettings,
    ImageSettings,
    ProductionReleaseSettings,
    ReleaseSettings,
    Role,
    SmokeSettings,
    TrafficSettings,
} from "./settings";
import { readSource } from "./source-settings";
import {
    hostPortProblem,
    httpUrlProblem,
    imageRepositoryProblem,
    namespaceProblem,
    normaliseVersion,
    Problems,
    registryPortProblem,
    releaseNameProblem,
    stackNameProblem,
} from "./validate";

export interface LoadContext {
    /** The directory of Pulumi.yaml: relative paths in the config are resolved from here. */
    projectDir: string;
    stack: string;
}

/** Defaults that differ by role, next to nothing else: everything else is the same for both stacks. */
export const roleDefaults: Record<Role, { namespace: string; releaseName: string }> = {
    canary: { namespace: "mirador-staging", releaseName: "mirador-rca-canary" },
    production: { namespace: "mirador-prod", releaseName: "mirador-rca" },
};

function resolvePath(projectDir: string, p: string): string {
    const expanded = p.startsWith("~/") ? path.join(os.homedir(), p.slice(2)) : p;
    return path.resolve(projectDir, expanded);
}

/** A cosign key reference: KMS-style URIs pass as they are; paths are resolved and must exist. */
function keyRef(
    r: Reader,
    ctx: LoadContext,
    key: string,
    value: string,
    expected = "a cosign key file, e.g. ~/.cosign/mirador-rca.key",
): string {
    if (/^[a-z0-9]+:\/\//.test(value) && !value.startsWith("file://")) {
        return value;
    }
    const file = resolvePath(ctx.projectDir, value.replace(/^file:\/\//, ""));
    if (!fs.existsSync(file)) {
        r.problems.add(key, `'${value}' does not exist (expected ${expected})`);
    }
    return file;
}

/** The role, or undefined (recorded as a problem) when it is not one. */
function readRole(r: Reader): Role | undefined {
    const roleRaw = r.requireString("role", "canary");
    if (roleRaw === "canary" || roleRaw === "production") {
        return roleRaw;
    }
    if (roleRaw !== "") {
        r.problems.add("role", `'${roleRaw}' is not a role (expected canary for staging or production for prod)`);
    }
    return undefined;
}

function readVersion(r: Reader): string {
    const versionRaw = r.requireString("version", "0.4.0");
    const version = normaliseVersion(versionRaw) ?? "";
    if (versionRaw !== "" && version === "") {
        r.problems.add("version", `'${versionRaw}' is not semver (expected e.g. 0.4.0 or v0.4.0)`);
    }
    return version;
}

function readImage(r: Reader): ImageSettings {
    const p = r.problems;
    const image = r.object("image");
    const repository = r.field(image, "image", "repository") ?? "";
    if (repository === "") {
        p.add(
            "image.repository",
            "is not set (set it with: pulumi config set --path image.repository ghcr.io/miradorstack/mirador-rca)",
        );
    } else {
        const problem = imageRepositoryProblem(repository) ?? registryPortProblem(repository);
        if (problem) p.add("image.repository", problem);
    }
    const registry = r.object("registry");
    const registryUser = r.field(registry, "registry", "username");
    const registryPassword = r.secret(
        "registryPassword",
        registryUser !== undefined,
        "registry.username is set, so the registry password is needed",
    );
    const server = r.field(registry, "registry", "server", repository.split("/")[0]);
    const serverProblem = server === repository.split("/")[0] ? undefined : hostPortProblem(server, false);
    if (serverProblem) p.add("registry.server", serverProblem);
    return {
        repository,
        dockerfile: r.field(image, "image", "dockerfile", "Dockerfile"),
        context: r.field(image, "image", "context", "."),
        platform: r.field(image, "image", "platform"),
        network: r.field(image, "image", "network"),
        registry:
            registryUser !== undefined && registryPassword !== undefined
                ? { server, username: registryUser, password: registryPassword }
                : undefined,
    };
}

function readRelease(r: Reader, ctx: LoadContext, role: Role): HelmReleaseSettings {
    const p = r.problems;
    const namespace = r.string("namespace", roleDefaults[role].namespace);
    const releaseName = r.string("releaseName", roleDefaults[role].releaseName);
    const nsProblem = namespaceProblem(namespace);
    if (nsProblem) p.add("namespace", nsProblem);
    const nameProblem = releaseNameProblem(releaseName);
    if (nameProblem) p.add("releaseName", nameProblem);

    const helm = r.object("helm");
    const valuesFiles = r.stringList(helm, "helm", "valuesFiles", []).map((f) => resolvePath(ctx.projectDir, f));
    for (const f of valuesFiles.filter((f) => !fs.existsSync(f))) {
        p.add("helm.valuesFiles", `names '${f}', which does not exist`);
    }
    const values = helm.values === undefined ? {} : (helm.values as Record<string, unknown>);
    const valuesOk = typeof values === "object" && values !== null && !Array.isArray(values);
    if (!valuesOk) {
        p.add("helm.values", `must be an object of Helm values, found ${JSON.stringify(values)}`);
    }
    return {
        namespace,
        name: releaseName,
        postRenderer: readPostRenderer(r, ctx, helm),
        timeoutSeconds: r.number(helm, "helm", "timeoutSeconds", 300, { min: 30, max: 3600, whole: true }),
        atomic: r.flag(helm, "helm", "atomic", true),
        cleanupOnFail: r.flag(helm, "helm", "cleanupOnFail", true),
        values: valuesOk ? values : {},
        valuesFiles,
        encrypted: r.isSecret("helm"),
    };
}

/** helm.postRenderer: an executable file, relative to the project, that Helm runs as post-renderer. */
function readPostRenderer(r: Reader, ctx: LoadContext, helm: Record<string, unknown>): string | undefined {
    const raw = r.field(helm, "helm", "postRenderer");
    if (raw === undefined) {
        return undefined;
    }
    const file = resolvePath(ctx.projectDir, raw);
    const expected = "an executable file, relative to this project, that Helm pipes the rendered manifest through";
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        r.problems.add("helm.postRenderer", `'${raw}' does not exist or is no file (expected ${expected})`);
        return file;
    }
    try {
        fs.accessSync(file, fs.constants.X_OK);
    } catch {
        r.problems.add("helm.postRenderer", `'${raw}' is not executable (make it so: chmod +x ${raw})`);
    }
    return file;
}

function readKubernetes(r: Reader, ctx: LoadContext): ReleaseSettings["kubernetes"] {
    const kube = r.object("kubernetes");
    const kubeconfigRaw = r.field(kube, "kubernetes", "kubeconfig");
    const kubeconfig = kubeconfigRaw === undefined ? undefined : resolvePath(ctx.projectDir, kubeconfigRaw);
    if (kubeconfig !== undefined && !fs.existsSync(kubeconfig)) {
        r.problems.add(
            "kubernetes.kubeconfig",
            `'${kubeconfigRaw}' does not exist (start the cluster, or unset it to use the ambient kubeconfig)`,
        );
    }
    return { kubeconfig, context: r.field(kube, "kubernetes", "context") };
}

function readCosign(r: Reader, ctx: LoadContext, role: Role): CosignSettings {
    const p = r.problems;
    const cosign = r.object("cosign");
    const cosignKey = r.field(cosign, "cosign", "key");
    const cosignPub = r.field(cosign, "cosign", "publicKey");
    const trustedRoot = r.field(cosign, "cosign", "trustedRoot");
    if (cosignKey === undefined) {
        const why = role === "canary" ? "" : "production attests the gate's verdict with the release's key; ";
        p.add(
            "cosign.key",
            `is not set (${why}set it with: pulumi config set --path cosign.key ~/.cosign/mirador-rca.key)`,
        );
    }
    if (cosignPub === undefined) {
        p.add(
            "cosign.publicKey",
            "is not set (set it with: pulumi config set --path cosign.publicKey ~/.cosign/mirador-rca.pub)",
        );
    }
    return {
        key: cosignKey === undefined ? "" : keyRef(r, ctx, "cosign.key", cosignKey),
        publicKey: cosignPub === undefined ? "" : keyRef(r, ctx, "cosign.publicKey", cosignPub),
        password: r.secret("cosignPassword", true, "the password of the cosign signing key"),
        tlogUpload: r.flag(cosign, "cosign", "tlogUpload", true),
        trustedRoot:
            trustedRoot === undefined
                ? undefined
                : keyRef(r, ctx, "cosign.trustedRoot", trustedRoot, "a Sigstore trusted-root JSON file"),
    };
}

function readPrometheusUrl(r: Reader): string {
    const prometheusUrl = r.requireString("prometheusUrl", "http://prometheus.monitoring:9090");
    const promProblem =
        prometheusUrl === "" ? undefined : httpUrlProblem(prometheusUrl, "http://prometheus.monitoring:9090");
    if (promProblem) r.problems.add("prometheusUrl", promProblem);
    return prometheusUrl;
}

function readTraffic(r: Reader, namespace: string): TrafficSettings {
    const traffic = r.object("trafficSwitch");
    // Defaults to the release's namespace, which is checked already.
    const trafficNamespace = r.field(traffic, "trafficSwitch", "namespace", namespace);
    const trafficNsProblem = trafficNamespace === namespace ? undefined : namespaceProblem(trafficNamespace);
    if (trafficNsProblem) r.problems.add("trafficSwitch.namespace", trafficNsProblem);
    return {
        namespace: trafficNamespace,
        configMapName: r.field(traffic, "trafficSwitch", "configMapName", "mirador-core-routing"),
    };
}

function readChartRegistry(r: Reader): string | undefined {
    const chartRegistry = r.string("chartRegistry");
    if (chartRegistry === undefined) {
        return undefined;
    }
    const match = /^oci:\/\/([^\s/]+)(\/\S*)?$/.exec(chartRegistry);
    const problem =
        match === null
            ? `'${chartRegistry}' is not an OCI registry URL (expected e.g. oci://ghcr.io/miradorstack/charts)`
            : hostPortProblem(match[1], false);
    if (problem) r.problems.add("chartRegistry", problem);
    return chartRegistry;
}

/** After throwIfAny: a value whose absence the reader records as a problem, so it is there. */
function recorded<T>(value: T | undefined, what: string): T {
    if (value === undefined) {
        throw new Error(`internal: no ${what}, and no problem recorded`);
    }
    return value;
}

export function loadSettings(config: ConfigSource, ctx: LoadContext): ReleaseSettings {
    const r = new Reader(config, new Problems(`Pulumi.${ctx.stack}.yaml`));
    const checkedRole = readRole(r);
    checkKnownKeys(config, checkedRole, r.problems, profilePathOf(r, ctx.projectDir).value);
    const role: Role = checkedRole ?? "canary";
    const version = readVersion(r);
    const profile = readProfile(r, ctx.projectDir);
    const gitRemote = role === "production" ? r.string("gitRemote", "origin") : undefined;
    const resolve = (p: string) => resolvePath(ctx.projectDir, p);
    const { source, remote } = readSource(r, {
        ...ctx,
        role,
        version,
        gitRemote,
        resolve,
        defaultChartPath: profile?.chart.path,
    });
    if (profile !== undefined) {
        checkProfileCheckout(r, profile, source);
    }
    const release = readRelease(r, ctx, role);
    const image = readImage(r);
    const common = {
        stack: ctx.stack,
        version,
        tag: `v${version}`,
        source,
        image,
        release,
        kubernetes: readKubernetes(r, ctx),
        cosign: readCosign(r, ctx, role),
        prometheusUrl: readPrometheusUrl(r),
        traffic: readTraffic(r, release.namespace),
    };
    if (role === "canary") {
        const preflightCommands = profile === undefined ? [] : selectPreflight(r, profile);
        const prebuild = profile?.commands.prebuild;
        if (profile !== undefined) {
            const commands = prebuild === undefined ? preflightCommands : [...preflightCommands, prebuild];
            checkBuildInputs(r, profile, source, commands, image.dockerfile);
        }
        const canary = readCanary(r, profile?.track.label);
        const smoke = readSmoke(r);
        const chartRegistry = readChartRegistry(r);
        r.problems.throwIfAny();
        const settings: CanaryReleaseSettings = {
            ...common,
            role,
            profile: recorded(profile, "service profile"),
            preflightCommands,
            prebuild,
            chartRegistry,
            canary,
            smoke,
        };
        return settings;
    }
    const production = readProduction(r);
    checkGitHubRemote(r, production.github, gitRemote ?? "origin", remote?.url);
    const gateConfig = loadGateConfig(r, ctx.projectDir);
    const attestations = readAttestations(r);
    const objectChanges = readObjectChanges(r);
    r.problems.throwIfAny();
    const settings: ProductionReleaseSettings = {
        ...common,
        ...production,
        role,
        profile: recorded(profile, "service profile"),
        gateConfig,
        attestations,
        objectChanges,
    };
    return settings;
}

function readCanary(r: Reader, trackLabel: string | undefined): CanarySettings {
    const canary = r.object("canary");
    return {
        replicaCount: r.number(canary, "canary", "replicaCount", 1, { min: 1, max: 100, whole: true }),
        prometheusLabels: checkCanaryLabels(r, r.stringMap(canary, "canary", "prometheusLabels"), trackLabel),
        trafficWeight: checkTrafficWeight(r, canary),
        abort: r.flag(canary, "canary", "abort", false),
    };
}

function readSmoke(r: Reader): SmokeSettings {
    const smoke = r.object("smoke");
    // Unset: the endpoint the canary's chart renders (index.ts).
    const endpoint = r.field(smoke, "smoke", "endpoint");
    const endpointProblem = endpoint === undefined ? undefined : hostPortProblem(endpoint, true);
    if (endpointProblem) r.problems.add("smoke.endpoint", endpointProblem);
    return {
        ...(endpoint === undefined ? {} : { endpoint }),
        plaintext: r.flag(smoke, "smoke", "plaintext", false),
    };
}

/** mirador-release:rollback: the version production returns to (checked against its history when it runs). */
function readRollback(r: Reader): string | undefined {
    const raw = r.string("rollback");
    if (raw === undefined) {
        return undefined;
    }
    const version = normaliseVersion(raw);
    if (version === undefined) {
        r.problems.add(
            "rollback",
            `'${raw}' is not a version (expected the version production ran before, e.g. 0.4.0: pulumi stack output releases -s prod lists them; unset it with pulumi config rm rollback)`,
        );
    }
    return version;
}

type ProductionOnly = Pick<
    ProductionReleaseSettings,
    "stagingStack" | "gitRemote" | "rollback" | "github" | "slackWebhookUrl"
>;

function readProduction(r: Reader): ProductionOnly {
    const stagingStack = r.requireString("stagingStack", "organization/mirador-release/staging");
    const stackProblem = stagingStack === "" ? undefined : stackNameProblem(stagingStack);
    if (stackProblem) r.problems.add("stagingStack", stackProblem);
    const out: ProductionOnly = {
        stagingStack,
        gitRemote: r.string("gitRemote", "origin"),
        rollback: readRollback(r),
    };
    const github = r.object("github");
    if (r.flag(github, "github", "enabled", true)) {
        out.github = readGitHub(r, github);
    }
    const announce = r.object("announce");
    if (r.flag(announce, "announce", "enabled", true)) {
        out.slackWebhookUrl = r.secret("slackWebhookUrl", true, "the Slack incoming-webhook URL of #mirador-release");
    }
    return out;
}

function readGitHub(r: Reader, github: Record<string, unknown>): GitHubSettings {
    const owner = r.field(github, "github", "owner") ?? "";
    const repo = r.field(github, "github", "repo") ?? "";
    if (owner === "" || repo === "") {
        r.problems.add(
            "github",
            "needs owner and repo when github.enabled is true (e.g. pulumi config set --path github.owner miradorstack)",
        );
    }
    const token = r.secret("githubToken", true, "the GitHub token that creates the release and closes the milestone");
    // A missing token is already a recorded problem: loadSettings throws before the placeholder is used.
    return {
        owner,
        repo,
        token: token ?? pulumi.secret(""),
        closeMilestone: r.flag(github, "github", "closeMilestone", true),
    };
}
