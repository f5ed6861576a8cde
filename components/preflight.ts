// RELEASE-PROCESS.md step 1: "Ensure main is green (make verify + make govulncheck)".
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { slug, waitFor } from "./naming";

export interface PreflightArgs {
    /** The service checkout, relative to the project directory. */
    sourceDir: string;
    /** Shell commands that must all pass, run in the checkout in order (e.g. `make verify`). */
    commands: string[];
    /** The commit being released: the checks run again only when it changes. */
    commit: string;
    version: string;
}

/**
 * Runs the service's own verification in its checkout before anything is built. A failing command fails the
 * update with the command's output; nothing after it runs.
 */
export class Preflight extends pulumi.ComponentResource {
    /** The check commands, in order; later steps depend on all of them. */
    readonly checks: command.local.Command[];

    constructor(name: string, args: PreflightArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:Preflight", name, {}, opts);
        let previous: command.local.Command | undefined;
        this.checks = args.commands.map((cmd) => {
            previous = new command.local.Command(
                `${name}-${slug(cmd)}`,
                {
                    create: `cd "$SOURCE_DIR" && ${cmd}`,
                    environment: { SOURCE_DIR: args.sourceDir },
                    triggers: [args.commit, args.version],
                },
                { parent: this, dependsOn: previous ? [previous] : waitFor(opts) },
            );
            return previous;
        });
        this.registerOutputs({});
    }
}
