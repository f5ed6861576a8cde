// The service's checkout that a stack releases: where it is (only local stacks may use the vendored example),
// and what it must agree with: the chart's version, the CHANGELOG, and the release tags, local and on the remote
// that receives the tag.
import * as fs from "fs";
import * as path from "path";
import * as semver from "semver";
import { Reader } from "./reader";
import { Role, SourceSettings } from "./settings";
import { changelogSections, highestOtherTag, readChart, readGit, readRemote, RemoteFacts } from "./source-tree";

export const defaultSourceDir = "examples/mirador-rca";
export const defaultChartPath = "charts/mirador-rca";

/** Stacks that run on this machine's local infrastructure (npm run demo, the tests): local-staging, local-prod. */
export function isLocalStack(stack: string): boolean {
    return stack.startsWith("local-");
}

/**
 * The checkout's directory ("" when there is none to check). A real stack (staging, prod) must name the service's own checkout: falling back to the
 * vendored example would build, tag and release this repository's copy instead of the service.
 */
function sourceDirOf(r: Reader, projectDir: string, stack: string, resolve: (p: string) => string): string {
    const raw = r.string("sourceDir");
    if (isLocalStack(stack)) {
        return resolve(raw ?? defaultSourceDir);
    }
    const example = "the service's own checkout, e.g. ../mirador-rca (only local-* stacks may use examples/)";
    if (raw === undefined) {
        r.problems.add(
            "sourceDir",
            `is not set: ${stack} releases ${example} (set it with: pulumi config set sourceDir ../mirador-rca)`,
        );
        return "";
    }
    const dir = resolve(raw);
    const inside = (parent: string) => dir === parent || dir.startsWith(parent + path.sep);
    if (inside(path.join(projectDir, "examples"))) {
        r.problems.add("sourceDir", `'${raw}' is the vendored example service: ${stack} releases ${example}`);
        return "";
    }
    if (inside(projectDir)) {
        r.problems.add("sourceDir", `'${raw}' is inside mirador-release itself: ${stack} releases ${example}`);
        return "";
    }
    return dir;
}

export interface SourceContext {
    projectDir: string;
    stack: string;
    role: Role;
    version: string;
    /** Production: the remote that receives the tag, whose release tags the version is compared with. */
    gitRemote?: string;
    resolve: (p: string) => string;
    /** The chart's path in the checkout when chartPath is unset: the service profile's chart.path. */
    defaultChartPath?: string;
}

/** The checkout's facts, every mismatch recorded as a problem. */
export function readSource(r: Reader, ctx: SourceContext): { source: SourceSettings; remote?: RemoteFacts } {
    const dir = sourceDirOf(r, ctx.projectDir, ctx.stack, ctx.resolve);
    const chartDir = path.resolve(dir, r.string("chartPath", ctx.defaultChartPath ?? defaultChartPath));
    const source: SourceSettings = { dir, commit: "", chartDir, changelog: "", releaseDate: "" };
    if (dir === "") {
        return { source };
    }
    if (!fs.existsSync(dir)) {
        r.problems.add("sourceDir", `'${dir}' does not exist (expected the service's checkout)`);
        return { source };
    }
    checkChart(r, chartDir, ctx.version);
    checkChangelog(r, source, ctx.version);
    const remote = checkGit(r, source, ctx);
    return { source, remote };
}

function checkChart(r: Reader, chartDir: string, version: string): void {
    try {
        const chart = readChart(chartDir);
        for (const field of ["version", "appVersion"] as const) {
            if (version !== "" && chart[field].replace(/^v/, "") !== version) {
                r.problems.addGeneral(
                    `${path.join(chartDir, "Chart.yaml")}: ${field} is '${chart[field]}' but mirador-release:version is '${version}' (set both version and appVersion to ${version})`,
                );
            }
        }
    } catch (e) {
        r.problems.addGeneral((e as Error).message);
    }
}

function checkChangelog(r: Reader, source: SourceSettings, version: string): void {
    const p = r.problems;
    const changelogFile = path.join(source.dir, "CHANGELOG.md");
    if (!fs.existsSync(changelogFile)) {
        p.addGeneral(`${changelogFile} does not exist (the release notes come from its section for the version)`);
        return;
    }
    if (version === "") {
        return;
    }
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

/** The remote's facts, or undefined (with the problem recorded) when it is missing or cannot be read. */
function remoteOf(r: Reader, dir: string, remote: string): RemoteFacts | undefined {
    try {
        return readRemote(dir, remote);
    } catch (e) {
        r.problems.add(
            "gitRemote",
            `'${remote}' ${(e as Error).message} (expected the remote that receives the release tag; the version is compared with its tags)`,
        );
        return undefined;
    }
}

/**
 * The version against the release tags, local and the remote's (the remote wins where they differ): above every
 * other one, and its own (if any) on the released commit. `where` says where a tag is, for the message.
 */
function checkTags(
    r: Reader,
    version: string,
    commit: string,
    tags: Map<string, string>,
    where: (tag: string) => string,
): void {
    const highest = highestOtherTag(tags, version);
    if (highest !== undefined && semver.lte(version, highest.replace(/^v/, ""))) {
        r.problems.add(
            "version",
            `'${version}' is not above the highest release tag ${highest}${where(highest)} (bump it, e.g. to ${semver.inc(highest.replace(/^v/, ""), "patch")})`,
        );
        return;
    }
    const tag = `v${version}`;
    const own = tags.get(tag);
    if (own !== undefined && own !== commit) {
        r.problems.add(
            "version",
            `'${version}' is already tagged ${tag}${where(tag)} on commit ${own.slice(0, 12)}, not on the checkout's HEAD ${commit.slice(0, 12)} (a release tag never moves: bump the version)`,
        );
    }
}

function checkGit(r: Reader, source: SourceSettings, ctx: SourceContext): RemoteFacts | undefined {
    let remote: RemoteFacts | undefined;
    try {
        const git = readGit(source.dir);
        source.commit = git.commit;
        remote = ctx.gitRemote === undefined ? undefined : remoteOf(r, source.dir, ctx.gitRemote);
        if (ctx.version !== "") {
            const remoteTags = remote?.releaseTags ?? new Map<string, string>();
            const tags = new Map([...git.releaseTags, ...remoteTags]);
            const where = (tag: string) =>
                remoteTags.has(tag) && remoteTags.get(tag) !== git.releaseTags.get(tag)
                    ? ` on remote ${ctx.gitRemote}`
                    : "";
            checkTags(r, ctx.version, git.commit, tags, where);
        }
        if (git.dirtyPaths.length > 0 && !r.flag(r.object("source"), "source", "allowDirty", false)) {
            r.problems.addGeneral(
                `${source.dir} has uncommitted changes (${git.dirtyPaths.slice(0, 3).join(", ")}${git.dirtyPaths.length > 3 ? ", …" : ""}): commit them, so that the tag names what was built`,
            );
        }
    } catch (e) {
        r.problems.addGeneral((e as Error).message);
    }
    return remote;
}
