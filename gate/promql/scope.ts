// Scopes a PromQL query to one label (the track that tells canary from stable): a matcher on every vector selector,
// and the label kept by every aggregation and every one-to-one match, so the result has one series per track.
import { SyntaxNode } from "@lezer/common";
import { ConfigError } from "../config";
import {
    applySplices,
    childNamed,
    childrenNamed,
    descendants,
    labelNameOf,
    parsePromql,
    Splice,
    withSentinel,
} from "./tree";

const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

/** Functions whose result has no labels of the series they read (or none at all): a scoped SLI cannot use them. */
const REFUSED_FUNCTIONS: Record<string, string> = {
    Absent: "absent",
    AbsentOverTime: "absent_over_time",
    Vector: "vector",
    Scalar: "scalar",
};

const MATCHER_NODES = ["UnquotedLabelMatcher", "QuotedLabelMatcher"];
const LABEL_NODES = ["LabelName", "QuotedLabelName"];

/** Checks that `matcher` is one PromQL label matcher on `label` (e.g. track="canary", track!="", track=~"c.*"). */
export function checkMatcher(label: string, matcher: string): void {
    if (!LABEL_NAME.test(label)) {
        throw new ConfigError(
            `track label ${JSON.stringify(label)} is not a Prometheus label name ([a-zA-Z_][a-zA-Z0-9_]*)`,
        );
    }
    const top = parsePromql(`x{${matcher}}`, `matcher ${JSON.stringify(matcher)}`);
    const matchers = top.name === "VectorSelector" ? matchersOf(top) : [];
    if (matchers.length !== 1 || matcherLabel(`x{${matcher}}`, matchers[0]) !== label) {
        throw new ConfigError(
            `matcher ${JSON.stringify(matcher)} is not one matcher on the label ${label} (e.g. ${label}="canary" or ${label}!="")`,
        );
    }
}

function matchersOf(selector: SyntaxNode): SyntaxNode[] {
    const list = childNamed(selector, "LabelMatchers");
    return list === undefined ? [] : childrenNamed(list, ...MATCHER_NODES);
}

function matcherLabel(text: string, matcher: SyntaxNode): string | undefined {
    const name = childNamed(matcher, ...LABEL_NODES);
    return name === undefined ? undefined : labelNameOf(text.slice(name.from, name.to));
}

function groupingLabels(text: string, grouping: SyntaxNode): string[] {
    return childrenNamed(grouping, ...LABEL_NODES).map((n) => labelNameOf(text.slice(n.from, n.to)));
}

/** Adds the label to a grouping list such as `(le)` or `()`, unless it is there. */
function addToGrouping(text: string, grouping: SyntaxNode, label: string): Splice[] {
    const names = childrenNamed(grouping, ...LABEL_NODES);
    if (groupingLabels(text, grouping).includes(label)) {
        return [];
    }
    const last = names[names.length - 1];
    return last === undefined
        ? [{ from: grouping.from + 1, to: grouping.from + 1, text: label }]
        : [{ from: last.to, to: last.to, text: `, ${label}` }];
}

/** The edits of one vector selector: its matchers on the label replaced by `matcher`, or `matcher` added. */
function scopeSelector(text: string, selector: SyntaxNode, label: string, matcher: string): Splice[] {
    const matchers = matchersOf(selector);
    const onLabel = matchers.filter((m) => matcherLabel(text, m) === label);
    if (onLabel.length > 0) {
        // The first is replaced; any further one on the label is removed with the comma before it.
        return onLabel.map((m, i) => {
            if (i === 0) {
                return { from: m.from, to: m.to, text: matcher };
            }
            const before = matchers[matchers.indexOf(m) - 1];
            return { from: before.to, to: m.to, text: "" };
        });
    }
    const list = childNamed(selector, "LabelMatchers");
    if (list === undefined) {
        return [{ from: selector.to, to: selector.to, text: `{${matcher}}` }];
    }
    const items = childrenNamed(list, ...MATCHER_NODES, "QuotedLabelName");
    const last = items[items.length - 1];
    return last === undefined
        ? [{ from: list.from + 1, to: list.from + 1, text: matcher }]
        : [{ from: last.to, to: last.to, text: `,${matcher}` }];
}

function scopeAggregation(text: string, node: SyntaxNode, label: string, fail: (why: string) => never): Splice[] {
    const modifier = childNamed(node, "AggregateModifier");
    if (modifier === undefined) {
        const op = childNamed(node, "AggregateOp");
        const body = childNamed(node, "FunctionCallBody");
        if (op === undefined || body === undefined) {
            fail(`cannot read the aggregation ${text.slice(node.from, node.to)}`);
        }
        return [{ from: op.to, to: body.from, text: ` by (${label}) ` }];
    }
    const grouping = childNamed(modifier, "GroupingLabels");
    if (grouping === undefined) {
        fail(`cannot read the grouping of ${text.slice(node.from, node.to)}`);
    }
    if (childNamed(modifier, "Without") !== undefined) {
        if (groupingLabels(text, grouping).includes(label)) {
            fail(
                `${text.slice(modifier.from, modifier.to)} drops the label ${label}, so the result is not per ${label}`,
            );
        }
        return [];
    }
    return addToGrouping(text, grouping, label);
}

function scopeMatching(text: string, clause: SyntaxNode, label: string, fail: (why: string) => never): Splice[] {
    const [matching, group] = childrenNamed(clause, "GroupingLabels");
    const written = text.slice(clause.from, clause.to);
    if (group !== undefined && groupingLabels(text, group).includes(label)) {
        fail(`${written} copies the label ${label} from the other side, while the match must keep it`);
    }
    if (matching === undefined) {
        return [];
    }
    if (childNamed(clause, "Ignoring") !== undefined) {
        if (groupingLabels(text, matching).includes(label)) {
            fail(`${written} ignores the label ${label}, so the two sides would mix ${label}s`);
        }
        return [];
    }
    return addToGrouping(text, matching, label);
}

/**
 * The query scoped to `label`: `matcher` (e.g. track="canary", track!="") on every vector selector (replacing a
 * matcher the selector has on the label), every aggregation grouped by the label (`sum(x)` → `sum by (track) (x)`,
 * `by (le)` → `by (le, track)`; a `without` that lists it is refused), and every `on (...)` match extended by it
 * (an `ignoring` that lists it is refused). Sloth's {{.window}} placeholder may be in the query and stays as
 * written; everything else (offsets, @, subqueries, regex matchers, strings) is left as it is. Scoping a scoped
 * query again gives the same text.
 * @param where names the SLO and the query in errors, e.g. "spec.yaml: slos[0] (latency): errorQuery"
 */
export function scopeQuery(query: string, label: string, matcher: string, where = "query"): string {
    checkMatcher(label, matcher);
    const windowed = withSentinel(query, where);
    const text = windowed.text;
    const fail = (why: string): never => {
        throw new ConfigError(`${where}: ${why}: ${query.trim()}`);
    };
    const splices: Splice[] = [];
    let selectors = 0;
    for (const node of descendants(parsePromql(text, where))) {
        switch (node.name) {
            case "VectorSelector":
                selectors++;
                splices.push(...scopeSelector(text, node, label, matcher));
                break;
            case "AggregateExpr":
                splices.push(...scopeAggregation(text, node, label, fail));
                break;
            case "MatchingModifierClause":
                splices.push(...scopeMatching(text, node, label, fail));
                break;
            case "FunctionIdentifier": {
                const fn = node.firstChild?.name ?? "";
                if (fn in REFUSED_FUNCTIONS) {
                    fail(
                        `${REFUSED_FUNCTIONS[fn]}() has no ${label} label to keep (the gate reads SLIs whose every series comes from a selector)`,
                    );
                }
                break;
            }
        }
    }
    if (selectors === 0) {
        fail(`has no vector selector, so there is nothing to scope to a ${label}`);
    }
    return windowed.restore(applySplices(text, splices));
}
