// RELEASE-PROCESS.md step 7: `git tag -a vX.Y.Z -m "<service> vX.Y.Z"` on the released commit, pushed.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

export interface ReleaseTagArgs {
    /** The service's name (the profile's `name`): the tag's message is "<service> <tag>". */
    service: string;
    /** The service checkout, relative to the project directory. */
    sourceDir: string;
    tag: string;
    /** The commit that was built, canaried and promoted. */
    commit: string;
    /** The git remote that receives the tag. */
    remote: string;
}

/**
 * An annotated tag, created once and pushed once. Re-running never moves or duplicates it: an existing tag on
 * the same commit is accepted as it is, on another commit it fails the update. Destroying the stack keeps the tag.
 */
export class ReleaseTag extends pulumi.ComponentResource {
    /** The tag and the commit it points at, as the step reported them. */
    readonly summary: pulumi.Output<string>;

    constructor(name: string, args: ReleaseTagArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:ReleaseTag", name, {}, opts);
        const tag = new command.local.Command(
            `${name}-git-tag`,
            {
                create: "bash components/steps/release-tag.sh",
                environment: {
                    SOURCE_DIR: args.sourceDir,
                    TAG: args.tag,
                    MESSAGE: `${args.service} ${args.tag}`,
                    COMMIT: args.commit,
                    REMOTE: args.remote,
                },
                triggers: [args.tag, args.commit, args.remote],
            },
            { parent: this, dependsOn: waitFor(opts) },
        );
        this.summary = tag.stdout.apply((s) => s.trim());
        this.registerOutputs({ summary: this.summary });
    }
}
