// Settings that are well-formed on their own but would not do what they say: a canary without traffic, labels that
// would relabel the canary as something else, a GitHub release on another repository than the tag's.
import { GitHubSettings } from "./settings";
import { Reader } from "./reader";
import { githubRepoOf } from "./source-tree";

/**
 * Labels the chart and the program set on the canary's pods and series: a prometheusLabels entry with one of these
 * names, or with the service profile's track label, would override them (the track label tells the canary's series
 * apart for the gate and the Sloth rules).
 */
export const RESERVED_LABELS = [
    "image_digest",
    "version",
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/managed-by",
    "helm.sh/chart",
];

/** canary.prometheusLabels without the labels it must not override (each recorded as a problem). */
export function checkCanaryLabels(
    r: Reader,
    labels: Record<string, string>,
    trackLabel: string | undefined,
): Record<string, string> {
    const kept: Record<string, string> = {};
    const reserved = trackLabel === undefined ? RESERVED_LABELS : [trackLabel, ...RESERVED_LABELS];
    for (const [name, value] of Object.entries(labels)) {
        if (reserved.includes(name)) {
            const track = trackLabel ?? "the service profile's track label";
            r.problems.add(
                `canary.prometheusLabels.${name}`,
                `'${value}' would override the label ${name} that the chart and the program set (the gate and the Sloth rules tell the canary's series apart by ${track}): choose another label name`,
            );
        } else {
            kept[name] = value;
        }
    }
    return kept;
}

/** canary.trafficWeight: a canary with no traffic cannot be judged, so 0 is refused with its reason. */
export function checkTrafficWeight(r: Reader, canary: Record<string, unknown>): number {
    const raw = canary.trafficWeight;
    if (raw === 0 || raw === "0") {
        r.problems.add(
            "canary.trafficWeight",
            "is 0: a canary that gets no traffic cannot be judged by the promotion gate (expected a whole number from 1 to 100, default 10)",
        );
        return 10;
    }
    return r.number(canary, "canary", "trafficWeight", 10, { min: 1, max: 100, whole: true });
}

/**
 * github.owner/repo must be the repository of the remote that receives the tag: the GitHub release names that tag,
 * so on another repository it would point at a tag that is not there (or at someone else's).
 */
export function checkGitHubRemote(
    r: Reader,
    github: GitHubSettings | undefined,
    gitRemote: string,
    url: string | undefined,
): void {
    if (github === undefined || url === undefined || github.owner === "" || github.repo === "") {
        return;
    }
    const remote = githubRepoOf(url);
    const same =
        remote !== undefined &&
        remote.owner.toLowerCase() === github.owner.toLowerCase() &&
        remote.repo.toLowerCase() === github.repo.toLowerCase();
    if (!same) {
        r.problems.add(
            "github",
            `owner/repo ${github.owner}/${github.repo} is not the repository of gitRemote '${gitRemote}' (${url}), which receives the tag: set github.owner and github.repo to that repository, or gitRemote to the remote of ${github.owner}/${github.repo}`,
        );
    }
}
