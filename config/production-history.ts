// Production's own history: the releases it promoted, as its previous run exported them (the `releases` output),
// read back through the engine at the start of every run. A rollback returns to one of them, by its recorded
// digest and chart, never by a rebuild; nothing outside production's own record can name a rollback target.
import * as pulumi from "@pulumi/pulumi";
import { asRenderRecord, RenderRecord } from "./release-render";
import { engineReadStack, ReadStack } from "./staging-stack";
import { ConfigError } from "./validate";

/** One release production ran after the gate promoted it: what a rollback needs to run it again. */
export interface PromotedRelease {
    version: string;
    commit: string;
    imageDigestRef: string;
    imageDigest: string;
    /** Where staging published the chart (oci://host/path/name); a rollback fetches it from there by digest. */
    chartRef: string;
    chartDigest: string;
    /**
     * What the release was rendered with: the profile's chart value paths and track label, and the stack's Helm
     * overlay (config/release-render.ts). Entries recorded before it existed have none (config/rollback-render.ts).
     */
    render?: RenderRecord;
}

/** A rollback as the stack exports it: from the version that ran, to the one that runs, and why no gate ran. */
export interface RollbackOutput {
    from: string;
    to: string;
    reason: string;
    /** Where the rollback's render came from: the entry's record, or Helm's record of a revision. */
    renderedWith?: string;
}

export interface ProductionHistory {
    /** The promoted releases, oldest first; the last one is the last promotion. */
    releases: PromotedRelease[];
    /** The version production runs now (its `version` output). */
    running?: string;
    /** The rollback the previous run did, if it was one. */
    rollback?: RollbackOutput;
}

/** How many promoted releases production remembers (Helm keeps 10 revisions). */
export const HISTORY_LENGTH = 20;

const FIELDS: (keyof PromotedRelease)[] = [
    "version",
    "commit",
    "imageDigestRef",
    "imageDigest",
    "chartRef",
    "chartDigest",
];

function asRelease(value: unknown): PromotedRelease | undefined {
    if (typeof value !== "object" || value === null) {
        return undefined;
    }
    const v = value as Record<string, unknown>;
    const ok =
        FIELDS.every((k) => typeof v[k] === "string" && v[k] !== "") &&
        /^sha256:[0-9a-f]{64}$/.test(String(v.imageDigest));
    if (!ok) {
        return undefined;
    }
    const release = Object.fromEntries(FIELDS.map((k) => [k, v[k]])) as unknown as PromotedRelease;
    const render = asRenderRecord(v.render);
    return render === undefined ? release : { ...release, render };
}

function asRollback(value: unknown): RollbackOutput | undefined {
    const v = value as Record<string, unknown> | undefined;
    return typeof v === "object" && v !== null && typeof v.from === "string" && typeof v.to === "string"
        ? {
              from: v.from,
              to: v.to,
              reason: typeof v.reason === "string" ? v.reason : "",
              ...(typeof v.renderedWith === "string" ? { renderedWith: v.renderedWith } : {}),
          }
        : undefined;
}

/**
 * The history in a production stack's outputs. A stack that ran before the history existed has its one running
 * release in its outputs: that release starts the history. Anything else (no run yet) has none.
 */
export function historyOf(outputs: Record<string, unknown>): ProductionHistory {
    if (outputs.role !== "production") {
        return { releases: [] };
    }
    const listed = Array.isArray(outputs.releases) ? outputs.releases.map(asRelease) : undefined;
    const releases = listed
        ? listed.filter((r): r is PromotedRelease => r !== undefined)
        : [asRelease(outputs)].filter((r): r is PromotedRelease => r !== undefined);
    const running = typeof outputs.version === "string" ? outputs.version : undefined;
    return { releases, running, rollback: asRollback(outputs.rollback) };
}

const same = (a: PromotedRelease, b: PromotedRelease) => FIELDS.every((k) => a[k] === b[k]);

/**
 * The history after promoting `current`: appended once. A re-run of the same promotion adds nothing; it records
 * what the release is rendered with now (the run renders it so), over what the entry held.
 */
export function withPromotion(releases: PromotedRelease[], current: PromotedRelease): PromotedRelease[] {
    const last = releases[releases.length - 1];
    const next =
        last !== undefined && same(last, current) ? [...releases.slice(0, -1), current] : [...releases, current];
    return next.slice(-HISTORY_LENGTH);
}

export interface RollbackPlan {
    from: string;
    to: PromotedRelease;
    /** The last promoted release: its tag, GitHub release and announcement stay exactly as they are. */
    promoted: PromotedRelease;
}

/**
 * What `mirador-release:rollback: <target>` does with this history, or every reason it cannot: the target must
 * be a release production promoted before, other than the one it runs, and the stack's version and checkout must
 * still be the last promotion's (so that its tag and announcement are left as they are). A re-run of the same
 * rollback is the same rollback. Internal. Exported for testing.
 */
export function planRollback(
    history: ProductionHistory,
    target: string,
    configured: { version: string; commit: string },
): RollbackPlan | string[] {
    const known = history.releases.map((r) => r.version);
    const promoted = history.releases[history.releases.length - 1];
    if (promoted === undefined) {
        return [
            `mirador-release:rollback is '${target}', but production has no history of promoted releases yet: there is nothing to roll back to (unset it: pulumi config rm rollback)`,
        ];
    }
    const to = [...history.releases].reverse().find((r) => r.version === target);
    const previous = history.rollback;
    const again = previous !== undefined && previous.to === target && history.running === target;
    const problems: string[] = [];
    if (to === undefined) {
        problems.push(
            `mirador-release:rollback '${target}' is not a release production ran (its history: ${known.join(", ")}): name one of them, or unset it (pulumi config rm rollback)`,
        );
    } else if (!again && history.running === target) {
        problems.push(
            `mirador-release:rollback is '${target}', which production runs already: nothing to roll back (unset it: pulumi config rm rollback)`,
        );
    }
    if (configured.version !== promoted.version) {
        problems.push(
            `mirador-release:version is '${configured.version}', but the last promoted release is ${promoted.version}: leave version at ${promoted.version} during a rollback (its tag, GitHub release and announcement stay as they are)`,
        );
    } else if (configured.commit !== promoted.commit) {
        problems.push(
            `the checkout is at ${configured.commit.slice(0, 12)}, but ${promoted.version} was built from ${promoted.commit.slice(0, 12)}: check out ${promoted.version}'s commit for the rollback (its tag stays on it)`,
        );
    }
    if (problems.length > 0 || to === undefined) {
        return problems;
    }
    const from = again && previous !== undefined ? previous.from : (history.running ?? promoted.version);
    return { from, to, promoted };
}

/** This stack's name as the engine reads it: organization/project/stack. */
export function ownStackName(): string {
    return `${pulumi.getOrganization()}/${pulumi.getProject()}/${pulumi.getStack()}`;
}

/** Production's history, from its own outputs of the previous run (the engine's last checkpoint). */
export async function readProductionHistory(read: ReadStack = engineReadStack): Promise<ProductionHistory> {
    const name = ownStackName();
    try {
        return historyOf((await read(name)).outputs ?? {});
    } catch (err) {
        throw new ConfigError([
            `production's own history (the outputs of ${name}) cannot be read: ${(err as Error).message.replace(/\s+/g, " ")} (check the state backend and run again)`,
        ]);
    }
}
