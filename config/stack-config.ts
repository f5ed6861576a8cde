// Reads, validates and normalises the stack's config once, before any resource is declared. Every problem is
// collected and reported together, each naming the key, the value found and the fix.
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as semver from "semver";
import { loadGateConfig } from "./gate-setting";
import { ConfigSource, Reader } from "./reader";
import { ReleaseSettings, Role, SourceSettings } from "./settings";
import { changelogSections, highestOtherTag, readChart, readGit } from "./source-tree";
import {
    httpUrlProblem,
    imageRepositoryProblem,
    namespaceProblem,
    normaliseVersion,
    Problems,
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

export const defaultSourceDir = "examples/mirador-rca";
export const defaultChartPath = "charts/mirador-rca";

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

export function loadSettings(config: ConfigSource, ctx: LoadContext): ReleaseSettings {
    const r = new Reader(config, new Problems(`Pulumi.${ctx.stack}.yaml`));
    const p = r.problems;

    const roleRaw = r.requireString("role", "canary");
    const role: Role = roleRaw === "production" ? "production" : "canary";
    if (roleRaw !== "" && roleRaw !== "canary" && roleRaw !== "production") {
        p.add("role", `'${roleRaw}' is not a role (expected canary for staging or production for prod)`);
    }

    const versionRaw = r.requireString("version", "0.4.0");
    const version = normaliseVersion(versionRaw) ?? "";
    if (versionRaw !== "" && version === "") {
        p.add("version", `'${versionRaw}' is not semver (expected e.g. 0.4.0 or v0.4.0)`);
    }

    const sourceDir = resolvePath(ctx.projectDir, r.string("sourceDir", defaultSourceDir));
    const chartDir = path.resolve(sourceDir, r.string("chartPath", defaultChartPath));
    const source = checkSource(r, sourceDir, chartDir, version);

    const image = r.object("image");
    const repository = r.field(image, "image", "repository") ?? "";
    if (repository === "") {
        p.add(
            "image.repository",
            "is not set (set it with: pulumi config set --path image.repository ghcr.io/miradorstack/mirador-rca)",
        );
    } else {
        const problem = imageRepositoryProblem(repository);
        if (problem) p.add("image.repository", problem);
    }
    const registry = r.object("registry");
    const registryUser = r.field(registry, "registry", "username");
    const registryPassword = r.secret(
        "registryPassword",
        registryUser !== undefined,
        "registry.username is set, so the registry password is needed",
    );

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
    if (typeof values !== "object" || values === null || Array.isArray(values)) {
        p.add("helm.values", `must be an object of Helm values, found ${JSON.stringify(values)}`);
    }

    const kube = r.object("kubernetes");
    const kubeconfigRaw = r.field(kube, "kubernetes", "kubeconfig");
    const kubeconfig = kubeconfigRaw === undefined ? undefined : resolvePath(ctx.projectDir, kubeconfigRaw);
    if (kubeconfig !== undefined && !fs.existsSync(kubeconfig)) {
        p.add(
            "kubernetes.kubeconfig",
            `'${kubeconfigRaw}' does not exist (start the cluster, or unset it to use the ambient kubeconfig)`,
        );
    }

    const cosign = r.object("cosign");
    const cosignKey = r.field(cosign, "cosign", "key");
    const cosignPub = r.field(cosign, "cosign", "publicKey");
    const trustedRoot = r.field(cosign, "cosign", "trustedRoot");
    if (role === "canary" && cosignKey === undefined) {
        p.add("cosign.key", "is not set (set it with: pulumi config set --path cosign.key ~/.cosign/mirador-rca.key)");
    }
    if (cosignPub === undefined) {
        p.add(
            "cosign.publicKey",
            "is not set (set it with: pulumi config set --path cosign.publicKey ~/.cosign/mirador-rca.pub)",
        );
    }

    const prometheusUrl = r.requireString("prometheusUrl", "http://prometheus.monitoring:9090");
    const promProblem =
        prometheusUrl === "" ? undefined : httpUrlProblem(prometheusUrl, "http://prometheus.monitoring:9090");
    if (promProblem) p.add("prometheusUrl", promProblem);

    const traffic = r.object("trafficSwitch");
    // Defaults to the release's namespace, which is checked above already.
    const trafficNamespace = r.field(traffic, "trafficSwitch", "namespace", namespace);
    const trafficNsProblem = trafficNamespace === namespace ? undefined : namespaceProblem(trafficNamespace);
    if (trafficNsProblem) p.add("trafficSwitch.namespace", trafficNsProblem);

    const chartRegistry = r.string("chartRegistry");
    if (chartRegistry !== undefined && !/^oci:\/\/[^\s/]+(\/\S*)?$/.test(chartRegistry)) {
        p.add(
            "chartRegistry",
            `'${chartRegistry}' is not an OCI registry URL (expected e.g. oci://ghcr.io/miradorstack/charts)`,
        );
    }
    const preflight = r.object("preflight");
    const settings: ReleaseSettings = {
        role,
        stack: ctx.stack,
        version,
        tag: `v${version}`,
        source,
        image: {
            repository,
            dockerfile: r.field(image, "image", "dockerfile", "Dockerfile"),
            context: r.field(image, "image", "context", "."),
            prebuild: r.field(image, "image", "prebuild", ""),
            platform: r.field(image, "image", "platform"),
            network: r.field(image, "image", "network"),
            registry:
                registryUser !== undefined && registryPassword !== undefined
                    ? {
                          server: r.field(registry, "registry", "server", repository.split("/")[0]),
                          username: registryUser,
                          password: registryPassword,
                      }
                    : undefined,
        },
        release: {
            namespace,
            name: releaseName,
            timeoutSeconds: r.number(helm, "helm", "timeoutSeconds", 300, { min: 30, max: 3600, whole: true }),
            atomic: r.flag(helm, "helm", "atomic", true),
            cleanupOnFail: r.flag(helm, "helm", "cleanupOnFail", true),
            values: typeof values === "object" && values !== null && !Array.isArray(values) ? values : {},
            valuesFiles,
        },
        kubernetes: { kubeconfig, context: r.field(kube, "kubernetes", "context") },
        cosign: {
            key: cosignKey === undefined ? "" : keyRef(r, ctx, "cosign.key", cosignKey),
            publicKey: cosignPub === undefined ? "" : keyRef(r, ctx, "cosign.publicKey", cosignPub),
            password: r.secret("cosignPassword", role === "canary", "the password of the cosign signing key"),
            tlogUpload: r.flag(cosign, "cosign", "tlogUpload", true),
            trustedRoot:
                trustedRoot === undefined
                    ? undefined
                    : keyRef(r, ctx, "cosign.trustedRoot", trustedRoot, "a Sigstore trusted-root JSON file"),
        },
        preflightCommands: r.stringList(preflight, "preflight", "commands", ["make verify", "make govulncheck"]),
        chartRegistry,
        prometheusUrl,
        traffic: {
            namespace: trafficNamespace,
            configMapName: r.field(traffic, "trafficSwitch", "configMapName", "mirador-core-routing"),
        },
    };
    if (role === "canary") {
        loadCanary(r, settings);
    } else {
        loadProduction(r, settings);
        settings.gateConfig = loadGateConfig(r, ctx.projectDir);
    }
    p.throwIfAny();
    return settings;
}

function loadCanary(r: Reader, s: ReleaseSettings): void {
    const canary = r.object("canary");
    s.canary = {
        replicaCount: r.number(canary, "canary", "replicaCount", 1, { min: 1, max: 100, whole: true }),
        prometheusLabels: r.stringMap(canary, "canary", "prometheusLabels"),
        trafficWeight: r.number(canary, "canary", "trafficWeight", 10, { min: 0, max: 100, whole: true }),
    };
    const smoke = r.object("smoke");
    const endpoint = r.field(smoke, "smoke", "endpoint") ?? "";
    if (!/^[A-Za-z0-9.-]+:\d{1,5}$/.test(endpoint)) {
        r.problems.add(
            "smoke.endpoint",
            endpoint === ""
                ? "is not set (expected host:port of the canary's gRPC endpoint, e.g. 127.0.0.1:50051)"
                : `'${endpoint}' is not host:port (e.g. 127.0.0.1:50051)`,
        );
    }
    s.smoke = {
        endpoint,
        plaintext: r.flag(smoke, "smoke", "plaintext", false),
        cacheHitRateFloor: r.number(smoke, "smoke", "cacheHitRateFloor", 0.2, { min: 0, max: 1 }),
    };
    const local = r.object("localCanary");
    if (r.flag(local, "localCanary", "enabled", false)) {
        s.localCanary = {
            grpcPort: r.number(local, "localCanary", "grpcPort", 50051, { min: 1024, max: 65535, whole: true }),
            metricsPort: r.number(local, "localCanary", "metricsPort", 9464, { min: 1024, max: 65535, whole: true }),
        };
    }
}

function loadProduction(r: Reader, s: ReleaseSettings): void {
    s.stagingStack = r.requireString("stagingStack", "organization/mirador-release/staging");
    const stackProblem = s.stagingStack === "" ? undefined : stackNameProblem(s.stagingStack);
    if (stackProblem) r.problems.add("stagingStack", stackProblem);
    s.gitRemote = r.string("gitRemote", "origin");

    const github = r.object("github");
    if (r.flag(github, "github", "enabled", true)) {
        const owner = r.field(github, "github", "owner") ?? "";
        const repo = r.field(github, "github", "repo") ?? "";
        if (owner === "" || repo === "") {
            r.problems.add(
                "github",
                "needs owner and repo when github.enabled is true (e.g. pulumi config set --path github.owner miradorstack)",
            );
        }
        const token = r.secret(
            "githubToken",
            true,
            "the GitHub token that creates the release and closes the milestone",
        );
        // A missing token is already a recorded problem: loadSettings throws before the placeholder is used.
        s.github = {
            owner,
            repo,
            token: token ?? pulumi.secret(""),
            closeMilestone: r.flag(github, "github", "closeMilestone", true),
        };
    }
    const announce = r.object("announce");
    if (r.flag(announce, "announce", "enabled", true)) {
        s.slackWebhookUrl = r.secret("slackWebhookUrl", true, "the Slack incoming-webhook URL of #mirador-release");
    }
}

/** The source checkout's facts, each mismatch recorded as a problem. */
function checkSource(r: Reader, dir: string, chartDir: string, version: string): SourceSettings {
    const p = r.problems;
    const source: SourceSettings = { dir, commit: "", chartDir, changelog: "", releaseDate: "" };
    if (!fs.existsSync(dir)) {
        p.add("sourceDir", `'${dir}' does not exist (expected the service's checkout)`);
        return source;
    }
    try {
        const chart = readChart(chartDir);
        for (const field of ["version", "appVersion"] as const) {
            if (version !== "" && chart[field].replace(/^v/, "") !== version) {
                p.addGeneral(
                    `${path.join(chartDir, "Chart.yaml")}: ${field} is '${chart[field]}' but mirador-release:version is '${version}' (set both version and appVersion to ${version})`,
                );
            }
        }
    } catch (e) {
        p.addGeneral((e as Error).message);
    }
    const changelogFile = path.join(dir, "CHANGELOG.md");
    if (!fs.existsSync(changelogFile)) {
        p.addGeneral(`${changelogFile} does not exist (the release notes come from its section for the version)`);
    } else if (version !== "") {
        const sections = changelogSections(fs.readFileSync(changelogFile, "utf8"), version);
        if (sections.release === undefined) {
            const found = sections.malformedHeading ? ` (found '${sections.malformedHeading}')` : "";
            p.addGeneral(
                `${changelogFile}: no section '## [v${version}] - YYYY-MM-DD'${found}: move the Unreleased items into it`,
            );
        } else {
            source.changelog = sections.release;
            source.releaseDate = sections.date ?? "";
        }
        if (!sections.hasUnreleased) {
            p.addGeneral(`${changelogFile}: no '## [Unreleased]' section (keep one open for ongoing work)`);
        }
    }
    try {
        const git = readGit(dir);
        source.commit = git.commit;
        if (version !== "") {
            const highest = highestOtherTag(git.releaseTags, version);
            if (highest !== undefined && semver.lte(version, highest.replace(/^v/, ""))) {
                p.add(
                    "version",
                    `'${version}' is not above the highest release tag ${highest} (bump it, e.g. to ${semver.inc(highest.replace(/^v/, ""), "patch")})`,
                );
            }
            const own = git.releaseTags.get(`v${version}`);
            if (own !== undefined && own !== git.commit) {
                p.add(
                    "version",
                    `'${version}' is already tagged v${version} on commit ${own.slice(0, 12)}, not on the checkout's HEAD ${git.commit.slice(0, 12)} (a release tag never moves: bump the version)`,
                );
            }
        }
        if (git.dirtyPaths.length > 0 && !r.flag(r.object("source"), "source", "allowDirty", false)) {
            p.addGeneral(
                `${dir} has uncommitted changes (${git.dirtyPaths.slice(0, 3).join(", ")}${git.dirtyPaths.length > 3 ? ", …" : ""}): commit them, so that the tag names what was built`,
            );
        }
    } catch (e) {
        p.addGeneral((e as Error).message);
    }
    return source;
}
