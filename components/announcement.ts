// RELEASE-PROCESS.md step 7: "Post release summary in #mirador-release Slack channel".
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { attestationLines } from "./attestation-notes";
import { waitFor } from "./naming";

export interface AnnouncementArgs {
    /** Slack incoming-webhook URL (secret). */
    webhookUrl: pulumi.Input<string>;
    /** The service's name (the profile's `name`). */
    service: string;
    version: string;
    tag: string;
    digestRef: pulumi.Input<string>;
    chartDigest: pulumi.Input<string>;
    /** Links to show (GitHub release page); may be empty. */
    links: pulumi.Input<string>[];
    /** The released commit: the message then lists the digest's attestations and how to verify them. */
    commit?: string;
}

/** The Slack message. Internal. Exported for testing. */
export function announcementPayload(a: {
    service: string;
    version: string;
    tag: string;
    digestRef: string;
    chartDigest: string;
    links: string[];
    commit?: string;
}) {
    const attestations =
        a.commit === undefined
            ? []
            : ["• attestations (verify with the release's public key):", ...attestationLines(a.digestRef, a.commit)];
    const lines = [
        `:rocket: *${a.service} ${a.tag}* is in production`,
        `• image \`${a.digestRef}\` (cosign-verified)`,
        `• chart \`${a.chartDigest}\``,
        ...attestations,
        ...a.links.filter((l) => l !== "").map((l) => `• ${l}`),
    ];
    return { text: lines.join("\n") };
}

/**
 * Posts the release summary once per release: it posts again only when the version or the digests change (the
 * triggers). A new webhook URL or a new wording of the message changes the step's inputs without posting: without
 * an update command, the command would run create (post) again on such an update.
 */
export class Announcement extends pulumi.ComponentResource {
    constructor(name: string, args: AnnouncementArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:Announcement", name, {}, opts);
        const payload = pulumi
            .all([args.digestRef, args.chartDigest, pulumi.all(args.links)])
            .apply(([digestRef, chartDigest, links]) =>
                JSON.stringify(
                    announcementPayload({
                        service: args.service,
                        version: args.version,
                        tag: args.tag,
                        digestRef,
                        chartDigest,
                        links,
                        commit: args.commit,
                    }),
                ),
            );
        new command.local.Command(
            `${name}-slack`,
            {
                create: 'curl -fsS --max-time 20 -X POST -H "Content-Type: application/json" --data-binary @- "$SLACK_WEBHOOK_URL"',
                update: 'printf "%s" "$PULUMI_COMMAND_STDOUT"',
                stdin: payload,
                environment: { SLACK_WEBHOOK_URL: pulumi.secret(args.webhookUrl) },
                triggers: [args.version, args.digestRef, args.chartDigest],
            },
            { parent: this, dependsOn: waitFor(opts), additionalSecretOutputs: ["stdout", "stderr"] },
        );
        this.registerOutputs({});
    }
}
