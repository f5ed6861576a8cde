// A rollback is announced in #mirador-release once, like a release: what production left and what it runs again.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

export interface RollbackAnnouncementArgs {
    /** Slack incoming-webhook URL (secret). */
    webhookUrl: pulumi.Input<string>;
    /** The service's name (the profile's `name`). */
    service: string;
    from: string;
    to: string;
    digestRef: string;
    chartDigest: string;
}

/** The Slack message. Internal. Exported for testing. */
export function rollbackPayload(a: Omit<RollbackAnnouncementArgs, "webhookUrl">) {
    const lines = [
        `:rewind: *${a.service} rolled back ${a.from} → ${a.to}* in production`,
        `• image \`${a.digestRef}\` (cosign-verified again; it passed the SLO gate when it was promoted)`,
        `• chart \`${a.chartDigest}\``,
        `• tags v${a.from} and v${a.to} stay where they are`,
    ];
    return { text: lines.join("\n") };
}

/** Posts once per rollback (its triggers); a re-run of the same rollback posts nothing. */
export class RollbackAnnouncement extends pulumi.ComponentResource {
    constructor(name: string, args: RollbackAnnouncementArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:RollbackAnnouncement", name, {}, opts);
        const { webhookUrl, ...facts } = args;
        new command.local.Command(
            `${name}-post`,
            {
                create: 'curl -fsS --max-time 20 -X POST -H "Content-Type: application/json" --data-binary @- "$SLACK_WEBHOOK_URL"',
                update: 'printf "%s" "$PULUMI_COMMAND_STDOUT"',
                stdin: JSON.stringify(rollbackPayload(facts)),
                environment: { SLACK_WEBHOOK_URL: pulumi.secret(webhookUrl) },
                triggers: [args.from, args.to, args.digestRef, args.chartDigest],
            },
            { parent: this, dependsOn: waitFor(opts), additionalSecretOutputs: ["stdout", "stderr"] },
        );
        this.registerOutputs({});
    }
}
