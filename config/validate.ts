// Pure checks on single config values. Internal: exported for the config loader and for tests.
import * as pulumi from "@pulumi/pulumi";
import * as semver from "semver";

/** Collects every problem found in the config, so that one run reports all of them at once. */
export class Problems {
    private readonly items: string[] = [];

    constructor(private readonly stackFile: string) {}

    /** Records a problem with a key: what was found, what was expected, and how to fix it. */
    add(key: string, message: string): void {
        this.items.push(`${this.stackFile}: mirador-release:${key} ${message}`);
    }

    /** Records a problem that is not about one key (the source tree, the git history). */
    addGeneral(message: string): void {
        this.items.push(message);
    }

    get list(): readonly string[] {
        return this.items;
    }

    /** Throws one error listing every problem, if there are any. */
    throwIfAny(): void {
        if (this.items.length > 0) {
            throw new ConfigError(this.items);
        }
    }
}

/**
 * The release config is wrong. A RunError, so that Pulumi prints just the problems, without a stack trace.
 */
export class ConfigError extends pulumi.RunError {
    constructor(readonly problems: readonly string[]) {
        super(
            problems.length === 1
                ? problems[0]
                : `${problems.length} problems in the release config:\n  - ${problems.join("\n  - ")}`,
        );
        this.name = "ConfigError";
    }
}

/** Normalises a release version: strict semver, a leading "v" tolerated. Returns undefined when it is not semver. */
export function normaliseVersion(raw: string): string | undefined {
    const trimmed = raw.trim().replace(/^v/, "");
    const parsed = semver.valid(trimmed);
    return parsed !== null && parsed === trimmed ? parsed : undefined;
}

const dnsLabel = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;

/** A Kubernetes namespace: an RFC 1123 label of at most 63 characters. */
export function namespaceProblem(value: string): string | undefined {
    if (value.length > 63 || !dnsLabel.test(value)) {
        return `'${value}' is not a valid namespace (expected lowercase letters, digits and '-', at most 63 characters, e.g. mirador-staging)`;
    }
    return undefined;
}

/** A Helm release name: an RFC 1123 label of at most 53 characters (Helm's own limit). */
export function releaseNameProblem(value: string): string | undefined {
    if (value.length > 53 || !dnsLabel.test(value)) {
        return `'${value}' is not a valid Helm release name (expected lowercase letters, digits and '-', at most 53 characters, e.g. mirador-rca-canary)`;
    }
    return undefined;
}

const repoComponent = "[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*";
const repoHost =
    "(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*(?::[0-9]+)?/)?";
const repository = new RegExp(`^${repoHost}${repoComponent}(?:/${repoComponent})*$`);

/** An image repository without tag or digest: the program adds the version tag and deploys by digest. */
export function imageRepositoryProblem(value: string): string | undefined {
    if (value.includes("@")) {
        return `'${value}' must not carry a digest: the program pins the digest it builds (expected e.g. ghcr.io/miradorstack/mirador-rca)`;
    }
    const lastSegment = value.split("/").pop() ?? "";
    if (lastSegment.includes(":")) {
        return `'${value}' must not carry a tag: the version tag comes from mirador-release:version (expected e.g. ghcr.io/miradorstack/mirador-rca)`;
    }
    if (!repository.test(value)) {
        return `'${value}' is not an image repository (expected e.g. ghcr.io/miradorstack/mirador-rca or 127.0.0.1:5000/mirador-rca)`;
    }
    return undefined;
}

/** An http(s) URL, for Prometheus and webhooks. */
export function httpUrlProblem(value: string, example: string): string | undefined {
    const port = /^[a-z]+:\/\/[^/?#]*:(\d+)(?:[/?#]|$)/i.exec(value)?.[1];
    const badPort = port === undefined ? undefined : portProblem(port);
    if (badPort !== undefined) {
        return `'${value}': ${badPort} (expected e.g. ${example})`;
    }
    let url: URL;
    try {
        url = new URL(value);
    } catch {
        return `'${value}' is not a URL (expected e.g. ${example})`;
    }
    if (url.protocol !== "http:" && url.protocol !== "https:") {
        return `'${value}' must be an http or https URL (expected e.g. ${example})`;
    }
    return undefined;
}

/** A fully qualified stack name as StackReference takes it: organization/project/stack. */
export function stackNameProblem(value: string): string | undefined {
    if (!/^[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+\/[A-Za-z0-9_.-]+$/.test(value)) {
        return `'${value}' is not a fully qualified stack name (expected organization/project/stack, e.g. organization/mirador-release/staging)`;
    }
    return undefined;
}

/** A TCP port: a whole number from 1 to 65535. */
function portProblem(port: string): string | undefined {
    const n = Number(port);
    return Number.isInteger(n) && n >= 1 && n <= 65535 ? undefined : `port ${port} is out of range (1 to 65535)`;
}

/** host:port (`required`: the port must be there), e.g. a gRPC endpoint or a registry host. */
export function hostPortProblem(value: string, required: boolean): string | undefined {
    const match = /^([A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::(\d+))?$/.exec(value);
    if (match === null || (required && match[2] === undefined)) {
        return `'${value}' is not host:port (e.g. 127.0.0.1:50051)`;
    }
    const problem = match[2] === undefined ? undefined : portProblem(match[2]);
    return problem === undefined ? undefined : `'${value}': ${problem}`;
}

/** The port of a registry host in an image repository or registry URL (127.0.0.1:5000/mirador-rca). */
export function registryPortProblem(repository: string): string | undefined {
    const host = repository.split("/")[0];
    const port = /:(\d+)$/.exec(host)?.[1];
    if (port === undefined || !repository.includes("/")) {
        return undefined;
    }
    const problem = portProblem(port);
    return problem === undefined ? undefined : `'${repository}': the registry's ${problem}`;
}
