// An events SLI (errors over total) scoped to one track, and made safe for Sloth's recordings: no error series is
// zero errors wherever the total exists, and a window without traffic is no sample instead of 0/0 = NaN.
import { SyntaxNode } from "@lezer/common";
import { scopeQuery } from "./scope";
import { parsePromql, withSentinel } from "./tree";

/** The two queries of an events SLI, Sloth's {{.window}} placeholder still in them. */
export interface EventQueries {
    errorQuery: string;
    totalQuery: string;
}

function operands(node: SyntaxNode): [SyntaxNode, SyntaxNode] | undefined {
    const left = node.firstChild;
    const right = node.lastChild;
    return node.name === "BinaryExpr" && left !== null && right !== null ? [left, right] : undefined;
}

function unparen(node: SyntaxNode): SyntaxNode {
    let at = node;
    while (at.name === "ParenExpr" && at.firstChild !== null) {
        at = at.firstChild;
    }
    return at;
}

function isZero(text: string, node: SyntaxNode): boolean {
    return node.name === "NumberDurationLiteral" && Number(text.slice(node.from, node.to)) === 0;
}

/** The top expression of a query (placeholders allowed), with its text. */
function top(query: string, where: string): { text: string; node: SyntaxNode } {
    const text = withSentinel(query, where).text;
    return { text, node: parsePromql(text, where) };
}

/** The query without a top-level `> 0` guard (a guarded query's left side), or the query itself. */
export function unguarded(query: string, where: string): string {
    const { text, node } = top(query, where);
    const sides = operands(node);
    const guarded =
        sides !== undefined &&
        node.getChild("Gtr") !== null &&
        node.getChild("BoolModifier") === null &&
        isZero(text, sides[1]);
    // Offsets of the sentinel text differ from the query's: cut the query itself at the operator.
    return guarded ? query.slice(0, query.length - (text.length - sides[0].to)).trim() : query.trim();
}

/** Whether the query already is `(E) or ... (0 * (T))`. */
function isErrorsOrZero(query: string, where: string): boolean {
    const { text, node } = top(query, where);
    const sides = operands(node);
    if (sides === undefined || node.getChild("Or") === null) {
        return false;
    }
    const zero = unparen(sides[1]);
    const factors = operands(zero);
    return zero.getChild("Mul") !== null && factors !== undefined && isZero(text, unparen(factors[0]));
}

function wrapped(query: string, where: string): string {
    const node = top(query, where).node;
    return node.name === "BinaryExpr" ? `(${query})` : query;
}

/**
 * The SLI's queries scoped to `label` with `matcher` (scopeQuery), then:
 * - errors `(E) or on (label) (0 * (T))`: the service's error series often exists only after the first error, so
 *   wherever the total exists and no error series does, the errors are 0, not no data (a missing total stays no
 *   data);
 * - total `T > 0`: a window without traffic gives no SLI sample instead of 0/0 = NaN, which would make Sloth's
 *   30-day period recordings (averages of the 5m ones) NaN for 30 days.
 * Queries already in this form stay as they are, so deriving a derived SLI again changes nothing.
 */
export function scopeEvents(sli: EventQueries, label: string, matcher: string, where: string): EventQueries {
    const errorWhere = `${where}: error query`;
    const totalWhere = `${where}: total query`;
    const errors = scopeQuery(sli.errorQuery.trim(), label, matcher, errorWhere);
    const total = unguarded(scopeQuery(sli.totalQuery.trim(), label, matcher, totalWhere), totalWhere);
    return {
        errorQuery: isErrorsOrZero(errors, errorWhere) ? errors : `(${errors}) or on (${label}) (0 * (${total}))`,
        totalQuery: `${wrapped(total, totalWhere)} > 0`,
    };
}
