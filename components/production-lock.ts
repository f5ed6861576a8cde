// Makes `pulumi destroy -s prod` refuse before it touches anything. A destroy deletes dependents first and stops at
// the first failure; this protected step depends on every other step of production, so it is the first delete and
// fails it: nothing is uninstalled, and no record of a one-shot step (tag, announcement, gate verdict) is forgotten,
// which would make the next `pulumi up` run it again. Retiring production on purpose: README.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { waitFor } from "./naming";

export class ProductionLock extends pulumi.ComponentResource {
    constructor(name: string, args: { stack: string }, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:ProductionLock", name, {}, opts);
        // Constant inputs: never updated or replaced, so the protection never stands in the way of an update.
        new command.local.Command(
            `${name}-protect`,
            { create: `echo "production of ${args.stack} is protected: retire it as README says"` },
            { parent: this, dependsOn: waitFor(opts), protect: true },
        );
        this.registerOutputs({});
    }
}
