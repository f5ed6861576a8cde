// The stack's `profile` setting: the service profile (profiles/<service>.yaml) read and validated, then checked
// against the stack's checkout before anything is declared: the gRPC service and methods in its .proto files, the
// chart's value paths, the Sloth spec, and, on a canary stack (the one that builds), every tool the preflight and
// prebuild commands need and a Dockerfile that builds something. `preflight.commands` narrows the profile's
// preflight commands; a command the profile does not list is an error naming it.
import * as fs from "fs";
import * as path from "path";
import { dockerfileProblem, missingTools, profileCheckoutProblems } from "./profile-checkout";
import { Reader } from "./reader";
import { loadServiceProfile, ProfileCommand, ServiceProfile } from "./service-profile";
import { SourceSettings } from "./settings";

/** The profile a stack releases with when it names none, relative to the project. */
export const DEFAULT_PROFILE = "profiles/mirador-rca.yaml";

/** The profile as the stack names it (for messages) and its absolute path. */
export function profilePathOf(r: Reader, projectDir: string): { value: string; file: string } {
    const value = r.string("profile", DEFAULT_PROFILE);
    return { value, file: path.resolve(projectDir, value) };
}

/** The stack's service profile, or undefined with the problem recorded against `profile`. */
export function readProfile(r: Reader, projectDir: string): ServiceProfile | undefined {
    const { value, file } = profilePathOf(r, projectDir);
    if (!fs.existsSync(file)) {
        r.problems.add(
            "profile",
            `'${value}' does not exist (expected the service profile, relative to this project, e.g. ${DEFAULT_PROFILE}; set it with: pulumi config set profile <file>)`,
        );
        return undefined;
    }
    try {
        return loadServiceProfile(file);
    } catch (e) {
        r.problems.add("profile", `'${value}' is not a valid service profile: ${(e as Error).message}`);
        return undefined;
    }
}

/** The profile against the checkout: every mismatch recorded (nothing when the checkout itself is missing). */
export function checkProfileCheckout(r: Reader, profile: ServiceProfile, source: SourceSettings): void {
    if (source.dir === "" || !fs.existsSync(source.dir)) {
        return; // sourceDir's own problem is recorded already
    }
    for (const problem of profileCheckoutProblems(profile, source.dir, source.chartDir)) {
        r.problems.addGeneral(problem);
    }
}

/** preflight.commands: the profile's preflight commands it names, in its order; all of them when unset. */
export function selectPreflight(r: Reader, profile: ServiceProfile): ProfileCommand[] {
    const known = profile.commands.preflight;
    const preflight = r.object("preflight");
    if (preflight.commands === undefined || preflight.commands === null) {
        return known;
    }
    const names = r.stringList(preflight, "preflight", "commands", []);
    const has = known.map((c) => c.run).join(", ") || "none";
    return names.flatMap((name) => {
        const command = known.find((c) => c.run === name);
        if (command === undefined) {
            r.problems.add(
                "preflight.commands",
                `names '${name}', which is not a preflight command of the service profile ${profile.file} (it has: ${has}): add it there with the tools it needs, or remove it here`,
            );
            return [];
        }
        return [command];
    });
}

/**
 * What a canary stack runs in the checkout and builds from: each command's tools must be on PATH (the tool, the
 * command and where it comes from), and the Dockerfile must exist and have instructions (its path and the fix).
 */
export function checkBuildInputs(
    r: Reader,
    profile: ServiceProfile,
    source: SourceSettings,
    commands: ProfileCommand[],
    dockerfile: string,
): void {
    for (const problem of missingTools(commands, profile.file)) {
        r.problems.addGeneral(problem);
    }
    if (source.dir === "" || !fs.existsSync(source.dir)) {
        return;
    }
    const problem = dockerfileProblem(path.join(source.dir, dockerfile));
    if (problem !== undefined) {
        r.problems.addGeneral(problem);
    }
}
