// The stack that mirador-release:stagingStack names must exist and be a canary stack of this program: checked
// through the engine's own read of its outputs before any production resource is declared, so that a typo fails
// with a message naming the setting instead of the engine's words about a StackReference.
import * as pulumi from "@pulumi/pulumi";
import { ConfigError } from "./validate";

/** What the engine answers about another stack: its outputs (the staging program exports `role`). */
export interface StackOutputs {
    outputs: Record<string, unknown>;
}

/** Reads another stack's outputs through the engine (the invoke behind StackReference). */
export type ReadStack = (name: string) => Promise<StackOutputs>;

export const engineReadStack: ReadStack = async (name) =>
    (await pulumi.runtime.invoke("pulumi:pulumi:readStackOutputs", { name })) as StackOutputs;

/** Why `stagingStack` cannot be promoted from, or undefined when it is a canary stack. Internal. Exported for testing. */
export async function stagingStackProblem(stagingStack: string, read: ReadStack): Promise<string | undefined> {
    const named = `mirador-release:stagingStack '${stagingStack}'`;
    let outputs: Record<string, unknown>;
    try {
        outputs = (await read(stagingStack)).outputs ?? {};
    } catch (err) {
        const reason = (err as Error).message
            .replace(/\s+/g, " ")
            .replace(/^invocation of \S+ returned an error: /, "")
            .trim();
        return `${named} cannot be read (${reason}): it must name the staging stack that ran pulumi up -s staging, as organization/project/stack (pulumi stack ls lists them)`;
    }
    const role = outputs.role;
    if (role === undefined) {
        return `${named} has no role output: it never ran pulumi up, or is not a mirador-release stack (run pulumi up -s staging first, or name the staging stack)`;
    }
    if (role !== "canary") {
        return `${named} is a ${JSON.stringify(role)} stack, not a canary one: name the staging stack whose canary is promoted`;
    }
    return undefined;
}

/** Throws a ConfigError naming the stack file and the setting when `stagingStack` is not a canary stack. */
export async function checkStagingStack(
    stagingStack: string,
    stackFile: string,
    read = engineReadStack,
): Promise<void> {
    const problem = await stagingStackProblem(stagingStack, read);
    if (problem !== undefined) {
        throw new ConfigError([`${stackFile}: ${problem}`]);
    }
}
