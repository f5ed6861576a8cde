// PromQL syntax trees from the Prometheus project's own lezer grammar, with Sloth's {{.window}} placeholder swapped
// for a duration the grammar accepts: the grammar has no printer, so callers edit the text at node offsets.
import { SyntaxNode } from "@lezer/common";
import { parser } from "@prometheus-io/lezer-promql";
import { ConfigError } from "../config";

/** Sloth's window placeholder, with or without spaces inside the braces. */
export const WINDOW_PLACEHOLDER = /\{\{\s*\.window\s*\}\}/g;

/** A duration that stands for the placeholder while the query is parsed (no real SLI uses it). */
const SENTINEL = "987654321987s";

/** A query ready to parse: the placeholders replaced by the sentinel, and how to put them back. */
export interface WindowedQuery {
    /** The query with every placeholder replaced by the sentinel. */
    text: string;
    /** Puts the placeholders back, in the order they came, into text derived from `text` by splicing. */
    restore(text: string): string;
}

/** Replaces Sloth's placeholders by the sentinel; `where` names the SLO and query in errors. */
export function withSentinel(query: string, where: string): WindowedQuery {
    if (query.includes(SENTINEL)) {
        throw new ConfigError(`${where}: holds ${SENTINEL}, the duration that stands for {{.window}} while parsing`);
    }
    const placeholders = query.match(WINDOW_PLACEHOLDER) ?? [];
    return {
        text: query.replace(WINDOW_PLACEHOLDER, SENTINEL),
        restore(text: string): string {
            const parts = text.split(SENTINEL);
            if (parts.length - 1 !== placeholders.length) {
                throw new Error(`${where}: ${placeholders.length} {{.window}} placeholders became ${parts.length - 1}`);
            }
            return parts.reduce((out, part, i) => out + placeholders[i - 1] + part);
        },
    };
}

/** The top expression of a query, or a ConfigError naming `where` and the offset the grammar stopped at. */
export function parsePromql(text: string, where: string): SyntaxNode {
    const tree = parser.parse(text);
    let bad: number | undefined;
    tree.iterate({
        enter: (node) => {
            if (bad === undefined && node.type.isError) {
                bad = node.from;
            }
            return bad === undefined;
        },
    });
    const top = tree.topNode.firstChild;
    if (bad !== undefined || top === null) {
        const at = bad ?? 0;
        throw new ConfigError(
            `${where}: not valid PromQL at offset ${at} (near ${JSON.stringify(text.slice(at, at + 20))}): ${text.trim()}`,
        );
    }
    return top;
}

/** The children of a node with one of the given names. */
export function childrenNamed(node: SyntaxNode, ...names: string[]): SyntaxNode[] {
    const out: SyntaxNode[] = [];
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
        if (names.includes(child.name)) {
            out.push(child);
        }
    }
    return out;
}

/** The first child with one of the given names. */
export function childNamed(node: SyntaxNode, ...names: string[]): SyntaxNode | undefined {
    return childrenNamed(node, ...names)[0];
}

/** Every node of a subtree, the node itself first. */
export function descendants(node: SyntaxNode): SyntaxNode[] {
    const out: SyntaxNode[] = [node];
    for (let child = node.firstChild; child !== null; child = child.nextSibling) {
        out.push(...descendants(child));
    }
    return out;
}

/** A label name as written: bare, or quoted ("track"). */
export function labelNameOf(text: string): string {
    return text.startsWith('"') || text.startsWith("'") || text.startsWith("`") ? text.slice(1, -1) : text;
}

/** One text edit: replace [from, to) by text. */
export interface Splice {
    from: number;
    to: number;
    text: string;
}

/** Applies non-overlapping splices, later offsets first so that earlier offsets stay valid. */
export function applySplices(text: string, splices: Splice[]): string {
    const sorted = [...splices].sort((a, b) => b.from - a.from || b.to - a.to);
    let out = text;
    let limit = Infinity;
    for (const s of sorted) {
        if (s.to > limit) {
            throw new Error(`overlapping PromQL edits at offset ${s.from}`);
        }
        out = out.slice(0, s.from) + s.text + out.slice(s.to);
        limit = s.from;
    }
    return out;
}
