// A throw-away service checkout for unit tests that fits the service profile profiles/mirador-rca.yaml: the tree of
// tests/fixtures/service-checkout (a chart in the real chart's values shape, the .proto of the profile's gRPC
// service, the Sloth spec, a Dockerfile), a CHANGELOG, cosign key files and a git history. Importing it puts
// stand-ins for the profile commands' tools on PATH (./tools-on-path).
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { repoRoot } from "../../support/tools";
import "./tools-on-path";

/** The checkout's tree, copied into every fixture. */
export const checkoutTree = path.join(repoRoot, "tests", "fixtures", "service-checkout");

export interface SourceFixture {
    dir: string;
    commit: string;
    /** The bare repository behind the checkout's origin (https://github.com/miradorstack/mirador-rca.git). */
    remote: string;
    /** Runs git in the checkout. */
    git(...args: string[]): string;
    remove(): void;
}

export interface FixtureOptions {
    version?: string;
    /** Existing release tags, created on the first commit. */
    tags?: string[];
    changelog?: string;
    /** Files to write (content) or remove (null) before the commit, relative to the checkout. */
    files?: Record<string, string | null>;
}

/** The origin URL of the fixture: GitHub's, rewritten by url.<bare>.insteadOf to a local bare repository. */
export const FIXTURE_ORIGIN = "https://github.com/miradorstack/mirador-rca.git";

export function changelogFor(version: string): string {
    return [
        "# Changelog",
        "",
        "## [Unreleased]",
        "",
        `## [v${version}] - 2025-09-22`,
        "### Added",
        "- Correlation ranking by blast radius.",
        "",
        "## [v0.3.0] - 2025-08-01",
        "- Initial public release.",
        "",
    ].join("\n");
}

export function createSourceFixture(opts: FixtureOptions = {}): SourceFixture {
    const version = opts.version ?? "0.4.0";
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-source-"));
    fs.cpSync(checkoutTree, dir, { recursive: true, filter: (f) => f !== path.join(checkoutTree, "README.md") });
    const chartFile = path.join(dir, "charts", "mirador-rca", "Chart.yaml");
    fs.writeFileSync(
        chartFile,
        fs
            .readFileSync(chartFile, "utf8")
            .replace(/^version: .*$/m, `version: ${version}`)
            .replace(/^appVersion: .*$/m, `appVersion: "${version}"`),
    );
    fs.writeFileSync(path.join(dir, "CHANGELOG.md"), opts.changelog ?? changelogFor(version));
    fs.writeFileSync(path.join(dir, "cosign.key"), "encrypted private key (fixture)\n");
    fs.writeFileSync(path.join(dir, "cosign.pub"), "public key (fixture)\n");
    for (const [file, content] of Object.entries(opts.files ?? {})) {
        const full = path.join(dir, file);
        if (content === null) {
            fs.rmSync(full, { recursive: true, force: true });
        } else {
            fs.mkdirSync(path.dirname(full), { recursive: true });
            fs.writeFileSync(full, content);
        }
    }
    const git = (...args: string[]) =>
        execFileSync("git", ["-C", dir, ...args], {
            encoding: "utf8",
            env: {
                ...process.env,
                GIT_AUTHOR_NAME: "test",
                GIT_AUTHOR_EMAIL: "test@localhost",
                GIT_COMMITTER_NAME: "test",
                GIT_COMMITTER_EMAIL: "test@localhost",
            },
        }).trim();
    git("init", "-q", "-b", "main");
    git("add", "-A");
    git("commit", "-q", "-m", "service at the release commit");
    for (const tag of opts.tags ?? []) {
        git("tag", "-a", tag, "-m", `mirador-rca ${tag}`);
    }
    // origin is GitHub's URL, as in a real checkout, served by a local bare repository: git rewrites the URL for
    // fetch and push (ls-remote, the tag push), while the configured URL stays GitHub's.
    const remote = `${dir}-origin.git`;
    execFileSync("git", ["init", "-q", "--bare", remote]);
    git("remote", "add", "origin", FIXTURE_ORIGIN);
    git("config", `url.${remote}.insteadOf`, FIXTURE_ORIGIN);
    git("push", "-q", "origin", "main", "--tags");
    return {
        dir,
        commit: git("rev-parse", "HEAD"),
        remote,
        git,
        remove: () => {
            fs.rmSync(dir, { recursive: true, force: true });
            fs.rmSync(remote, { recursive: true, force: true });
        },
    };
}

/** A real `helm package` of the fixture's chart at a version, at `archive` (prod renders it while it loads). */
export function writePackagedChart(archive: string, version = "0.4.0"): void {
    const scratch = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-package-"));
    try {
        execFileSync(
            "helm",
            ["package", path.join(checkoutTree, "charts", "mirador-rca"), "-d", scratch, "--version", version],
            {
                stdio: "ignore",
            },
        );
        fs.copyFileSync(path.join(scratch, `mirador-rca-${version}.tgz`), archive);
    } finally {
        fs.rmSync(scratch, { recursive: true, force: true });
    }
}
