// `pulumi preview` of one stack through the Automation API, with the policy packs, collecting the engine events.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { EngineEvent, LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";

export interface PreviewRequest {
    /** The Pulumi project (Pulumi.yaml) folder. */
    workDir: string;
    stack: string;
    policyPacks: string[];
    policyPackConfigs: string[];
    /** Extra environment of the engine (PULUMI_HOME, PULUMI_BACKEND_URL, passphrase, ...). */
    envVars?: Record<string, string>;
}

export interface PreviewRun {
    events: EngineEvent[];
    /** The preview's own failure (a mandatory policy violation, a program error): kept, not thrown. */
    error?: string;
}

/** The CLI of scripts/bootstrap-tools when it is there (MIRADOR_CACHE or ~/.cache/mirador-release), else PATH's. */
export async function pulumiCommand(): Promise<PulumiCommand> {
    const cache = process.env.MIRADOR_CACHE ?? path.join(os.homedir(), ".cache", "mirador-release");
    if (fs.existsSync(path.join(cache, "bin", "pulumi"))) {
        return PulumiCommand.get({ root: cache, skipVersionCheck: true });
    }
    return PulumiCommand.get();
}

/** Runs the preview of an existing stack and returns its events, whether it succeeded or not. */
export async function runPreview(req: PreviewRequest, command?: PulumiCommand): Promise<PreviewRun> {
    const workspace = await LocalWorkspace.create({
        workDir: req.workDir,
        pulumiCommand: command ?? (await pulumiCommand()),
        envVars: req.envVars,
    });
    const stack = await Stack.select(req.stack, workspace);
    const events: EngineEvent[] = [];
    try {
        await stack.preview({
            policyPacks: req.policyPacks,
            policyPackConfigs: req.policyPackConfigs,
            onEvent: (e) => events.push(e),
        });
        return { events };
    } catch (err) {
        return { events, error: (err as Error).message };
    }
}
