// What a production run deploys: the canary that staging holds (a promotion), or a release from production's own
// history (mirador-release:rollback). Decided, and every problem reported, before any resource is declared.
import { CanaryFacts, readCanary } from "./promotion";
import {
    planRollback,
    PromotedRelease,
    readProductionHistory,
    RollbackOutput,
    withPromotion,
} from "./production-history";
import { HelmRecords } from "./helm-revisions";
import { ReleaseRender, renderRecordOf, settingsRender } from "./release-render";
import { rollbackChartArchive } from "./rollback-chart";
import { rollbackRender } from "./rollback-render";
import { ProductionReleaseSettings } from "./settings";
import { engineReadStack, ReadStack } from "./staging-stack";
import { rollbackDescription } from "../gate/rollback-record";
import { ConfigError } from "./validate";

export interface ProductionTarget {
    /** What production runs after this run, and its chart as a verified local archive. */
    deployed: PromotedRelease & { chartArchive: string };
    /** The last release promoted through the gate: whose tag, GitHub release and announcement are declared. */
    promoted: PromotedRelease;
    /** When the canary of a promotion started (undefined for a rollback). */
    canaryDeployedAt?: string;
    /** What the release is rendered with: today's settings, or for a rollback what its release ran with. */
    render: ReleaseRender;
    /** What the run must say of the render (a rollback's fallback to Helm's record). */
    warnings: string[];
    /** The history this run exports. */
    releases: PromotedRelease[];
    /** Set for a rollback; its reason is the Helm description of the release. */
    rollback?: RollbackOutput;
}

function release(f: CanaryFacts): PromotedRelease {
    const { version, commit, imageDigestRef, imageDigest, chartRef, chartDigest } = f;
    return { version, commit, imageDigestRef, imageDigest, chartRef, chartDigest };
}

/** Why staging's canary cannot be promoted because it was aborted; undefined otherwise (or when unreadable). */
export async function abortedCanaryProblem(stagingStack: string, read: ReadStack): Promise<string | undefined> {
    let outputs: Record<string, unknown>;
    try {
        outputs = (await read(stagingStack)).outputs ?? {};
    } catch {
        return undefined; // readCanary names the setting and the reason
    }
    if (outputs.canaryAborted !== true) {
        return undefined;
    }
    return `the canary ${String(outputs.version)} in ${stagingStack} was aborted (canary.abort): it is not promoted; ship a fixed version to staging (with canary.abort unset) and promote that`;
}

export interface TargetContext {
    /** The project directory: recorded paths are relative to it. */
    projectDir: string;
    read?: ReadStack;
    /** Helm's records of the production release (default: asked of helm, only when a rollback needs them). */
    helm?: HelmRecords;
}

export async function productionTarget(s: ProductionReleaseSettings, ctx: TargetContext): Promise<ProductionTarget> {
    const read = ctx.read ?? engineReadStack;
    const history = await readProductionHistory(read);
    if (s.rollback === undefined) {
        const aborted = await abortedCanaryProblem(s.stagingStack, read);
        if (aborted !== undefined) {
            throw new ConfigError([aborted]);
        }
        const canary = await readCanary(s.stagingStack, { version: s.version, commit: s.source.commit });
        const current = { ...release(canary), render: renderRecordOf(s, ctx.projectDir) };
        return {
            deployed: { ...current, chartArchive: canary.chartArchive },
            promoted: current,
            canaryDeployedAt: canary.canaryDeployedAt,
            render: settingsRender(s),
            warnings: [],
            releases: withPromotion(history.releases, current),
        };
    }
    const plan = planRollback(history, s.rollback, { version: s.version, commit: s.source.commit });
    if (Array.isArray(plan)) {
        throw new ConfigError(plan);
    }
    // Before the chart is fetched: a release that cannot be rendered as it ran stops here.
    const { render, warnings } = rollbackRender(plan.to, s, ctx.projectDir, ctx.helm);
    const deployed = { ...plan.to, chartArchive: await rollbackChartArchive(plan.to) };
    const reason = rollbackDescription({ from: plan.from, to: plan.to.version, digest: plan.to.imageDigest });
    return {
        deployed,
        promoted: plan.promoted,
        render,
        warnings,
        releases: history.releases,
        rollback: { from: plan.from, to: plan.to.version, reason, renderedWith: render.source },
    };
}
