// RELEASE-PROCESS.md steps 7 and 8: the GitHub release referencing the changelog and the artifact digests, and
// the milestone of the version closed.
import * as command from "@pulumi/command";
import * as github from "@pulumi/github";
import * as pulumi from "@pulumi/pulumi";
import { attestationLines } from "./attestation-notes";
import { waitFor } from "./naming";

export interface GitHubReleaseArgs {
    /** The service's name (the profile's `name`): the release's title and the public key's file name. */
    service: string;
    owner: string;
    repo: string;
    token: pulumi.Input<string>;
    tag: string;
    commit: string;
    /** The CHANGELOG section of the version. */
    changelog: string;
    digestRef: pulumi.Input<string>;
    chartDigest: pulumi.Input<string>;
    prerelease: boolean;
    closeMilestone: boolean;
    /** GitHub's REST API, for GitHub Enterprise (default https://api.github.com). */
    apiUrl?: string;
}

/**
 * The release notes: the CHANGELOG section, then the artifacts by digest, then (given the commit) the digest's
 * attestations and how to verify them. Internal. Exported for testing.
 */
export function releaseBody(
    service: string,
    changelog: string,
    digestRef: string,
    chartDigest: string,
    commit?: string,
): string {
    const attestations =
        commit === undefined
            ? []
            : ["", "## Attestations (cosign, same key)", "", ...attestationLines(digestRef, commit)];
    return [
        changelog.trim(),
        "",
        "## Artifacts",
        "",
        `- Image: \`${digestRef}\` (signed with cosign; verify with \`cosign verify --key ${service}.pub ${digestRef}\`)`,
        `- Helm chart: \`${chartDigest}\``,
        ...attestations,
    ].join("\n");
}

export class GitHubRelease extends pulumi.ComponentResource {
    /** The release page. */
    readonly url: pulumi.Output<string>;

    constructor(name: string, args: GitHubReleaseArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:GitHubRelease", name, {}, opts);
        const provider = new github.Provider(
            `${name}-github`,
            { owner: args.owner, token: args.token, ...(args.apiUrl ? { baseUrl: args.apiUrl } : {}) },
            { parent: this },
        );
        // One resource per version, kept on delete: the next version declares its own release, and dropping this
        // one from the program only forgets it (GitHub keeps every version's release page).
        const release = new github.Release(
            `${name}-release-${args.tag}`,
            {
                repository: args.repo,
                tagName: args.tag,
                targetCommitish: args.commit,
                name: `${args.service} ${args.tag}`,
                body: pulumi
                    .all([args.digestRef, args.chartDigest])
                    .apply(([ref, chart]) => releaseBody(args.service, args.changelog, ref, chart, args.commit)),
                prerelease: args.prerelease,
                draft: false,
            },
            { parent: this, provider, dependsOn: waitFor(opts), retainOnDelete: true },
        );
        this.url = release.htmlUrl;

        if (args.closeMilestone) {
            new command.local.Command(
                `${name}-close-milestone`,
                {
                    create: "bash components/steps/close-milestone.sh",
                    environment: {
                        GITHUB_TOKEN: pulumi.secret(args.token),
                        GITHUB_API_URL: args.apiUrl ?? "https://api.github.com",
                        OWNER: args.owner,
                        REPO: args.repo,
                        MILESTONE: args.tag,
                    },
                    triggers: [args.tag],
                },
                { parent: this, dependsOn: [release], additionalSecretOutputs: ["stdout", "stderr"] },
            );
        }
        this.registerOutputs({ url: this.url });
    }
}
