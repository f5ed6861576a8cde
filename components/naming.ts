// Small naming helpers shared by the components.
import * as pulumi from "@pulumi/pulumi";

/** A resource-name-safe slug of a command or label: "make govulncheck" → "make-govulncheck". */
export function slug(text: string): string {
    return (
        text
            .toLowerCase()
            .replace(/[^a-z0-9]+/g, "-")
            .replace(/^-+|-+$/g, "")
            .slice(0, 40) || "step"
    );
}

/**
 * What a component's first steps must wait for: the component's own dependsOn (Pulumi does not pass it on to
 * children) plus any extra resources. index.ts passes plain resources, never Outputs of them.
 */
export function waitFor(
    opts: pulumi.ComponentResourceOptions | undefined,
    ...extra: pulumi.Resource[]
): pulumi.Resource[] {
    const given = opts?.dependsOn;
    const list = given === undefined ? [] : Array.isArray(given) ? given : [given];
    return [...(list as pulumi.Resource[]), ...extra];
}
