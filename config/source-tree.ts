// Facts about the service's source checkout that the release depends on: the chart's version, the CHANGELOG
// section of the release, and the git history (commit, existing release tags).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import * as YAML from "yaml";

export interface ChartInfo {
    name: string;
    version: string;
    appVersion: string;
}

/** Reads Chart.yaml; throws a plain message when it is missing or malformed. */
export function readChart(chartDir: string): ChartInfo {
    const file = path.join(chartDir, "Chart.yaml");
    if (!fs.existsSync(file)) {
        throw new Error(`${file} does not exist (is mirador-release:chartPath right?)`);
    }
    const doc = YAML.parse(fs.readFileSync(file, "utf8")) as Record<string, unknown> | null;
    const text = (v: unknown) => (typeof v === "string" || typeof v === "number" ? String(v) : "");
    return { name: text(doc?.name), version: text(doc?.version), appVersion: text(doc?.appVersion) };
}

export interface ChangelogSections {
    /** The body of `## [vX.Y.Z] - YYYY-MM-DD`, or undefined when there is no such section. */
    release?: string;
    /** The date of that section's heading. */
    date?: string;
    /** Whether an `## [Unreleased]` section exists. */
    hasUnreleased: boolean;
    /** A heading for the version in another form than the expected one, to name in the error. */
    malformedHeading?: string;
}

/** Finds the release's section and the Unreleased section in a Keep-a-Changelog file. */
export function changelogSections(text: string, version: string): ChangelogSections {
    const lines = text.split(/\r?\n/);
    const escaped = version.replace(/\./g, "\\.");
    const heading = new RegExp(`^## \\[v${escaped}\\] - (\\d{4}-\\d{2}-\\d{2})\\s*$`);
    const loose = new RegExp(`^##\\s.*\\bv?${escaped}\\b`);
    const result: ChangelogSections = { hasUnreleased: lines.some((l) => /^## \[Unreleased\]\s*$/i.test(l)) };
    const start = lines.findIndex((l) => heading.test(l));
    const match = start < 0 ? null : heading.exec(lines[start]);
    if (match === null) {
        result.malformedHeading = lines.find((l) => loose.test(l));
        return result;
    }
    result.date = match[1];
    const end = lines.findIndex((l, i) => i > start && /^## /.test(l));
    result.release = lines
        .slice(start + 1, end < 0 ? undefined : end)
        .join("\n")
        .trim();
    return result;
}

function git(dir: string, args: string[]): string {
    return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

export interface GitFacts {
    /** The commit being released (HEAD of the checkout). */
    commit: string;
    /** Release tags (vX.Y.Z) and the commits they point at. */
    releaseTags: Map<string, string>;
    /** Paths below the source directory with uncommitted changes. */
    dirtyPaths: string[];
}

/** Reads the commit, the release tags and the uncommitted changes of a checkout; throws if it is no git checkout. */
export function readGit(dir: string): GitFacts {
    try {
        git(dir, ["rev-parse", "--git-dir"]);
    } catch {
        throw new Error(`${dir} is not a git checkout (the release tags the commit it builds)`);
    }
    const commit = git(dir, ["rev-parse", "HEAD"]);
    const releaseTags = new Map<string, string>();
    const refs = git(dir, ["for-each-ref", "--format=%(refname:strip=2) %(objectname) %(*objectname)", "refs/tags/v*"]);
    for (const line of refs.split("\n").filter(Boolean)) {
        const [name, object, peeled] = line.split(" ");
        if (semver.valid(name.replace(/^v/, "")) !== null) {
            releaseTags.set(name, peeled || object);
        }
    }
    const dirtyPaths = git(dir, ["status", "--porcelain", "--", "."])
        .split("\n")
        .filter(Boolean)
        .map((l) => l.slice(3));
    return { commit, releaseTags, dirtyPaths };
}

/** The highest release tag that is not the given version's own tag. */
export function highestOtherTag(tags: Map<string, string>, version: string): string | undefined {
    const others = [...tags.keys()].filter((t) => t.replace(/^v/, "") !== version);
    return others.sort((a, b) => semver.rcompare(a.replace(/^v/, ""), b.replace(/^v/, "")))[0];
}

export interface RemoteFacts {
    /** The remote's URL as configured (before any url.<base>.insteadOf rewriting), for messages and GitHub. */
    url: string;
    /** Release tags (vX.Y.Z) on the remote and the commits they point at. */
    releaseTags: Map<string, string>;
}

/** The configured URL of a remote, or undefined when the checkout has no such remote. */
export function remoteUrl(dir: string, remote: string): string | undefined {
    try {
        return git(dir, ["config", "--get", `remote.${remote}.url`]) || undefined;
    } catch {
        return undefined;
    }
}

/** Release tags of `git ls-remote --tags` output: annotated tags peeled to their commit. */
export function parseRemoteTags(output: string): Map<string, string> {
    const tags = new Map<string, string>();
    for (const line of output.split("\n").filter(Boolean)) {
        const [object, ref] = line.split("\t");
        const match = /^refs\/tags\/(v[^^]+)(\^\{\})?$/.exec(ref ?? "");
        if (match === null || semver.valid(match[1].replace(/^v/, "")) === null) {
            continue;
        }
        if (match[2] !== undefined || !tags.has(match[1])) {
            tags.set(match[1], object);
        }
    }
    return tags;
}

/**
 * The URL and release tags of the remote that receives the release tag (`git ls-remote`, bounded to 30 s, never
 * prompting). Throws a plain message when the remote is missing or cannot be read.
 */
export function readRemote(dir: string, remote: string): RemoteFacts {
    const url = remoteUrl(dir, remote);
    if (url === undefined) {
        throw new Error(`is not a remote of ${dir}`);
    }
    let output: string;
    try {
        output = execFileSync("git", ["-C", dir, "ls-remote", "--tags", remote, "refs/tags/v*"], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 30_000,
            env: { ...process.env, GIT_TERMINAL_PROMPT: "0" },
        });
    } catch (e) {
        const { stderr } = e as { stderr?: string | Buffer };
        const text = stderr === undefined ? "" : stderr.toString().trim();
        const reason = text.split("\n").pop() || (e as Error).message;
        throw new Error(`(${url}) cannot be read: ${reason}`);
    }
    return { url, releaseTags: parseRemoteTags(output) };
}

/** owner/repo of a GitHub remote URL (https, ssh or scp-like), or undefined for any other URL. */
export function githubRepoOf(url: string): { owner: string; repo: string } | undefined {
    const match =
        /^(?:https:\/\/(?:[^@/]+@)?github\.com\/|ssh:\/\/git@github\.com\/|git@github\.com:)([^/]+)\/([^/]+?)(?:\.git)?\/?$/.exec(
            url,
        );
    return match === null ? undefined : { owner: match[1], repo: match[2] };
}
