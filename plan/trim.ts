// Fitting a plan into one pull-request comment (GitHub caps a comment at 65,536 characters): the plan is rendered
// again with tighter bounds, least useful parts first, until it fits; a note at the end says what was cut and
// where the full plan is.
import { FULL, RenderOptions, Rendered } from "./markdown";

export const COMMENT_LIMIT = 65536;

/** Bounds tried in turn before rows are cut; each tightens the one before. */
const LEVELS: Partial<RenderOptions>[] = [
    { gateQueries: false },
    { listUnchanged: false },
    { maxCellChars: 200, maxMessageChars: 1500 },
];
/** The tightest cells, when even a few rows of the bounds above do not fit. */
const TIGHT: Partial<RenderOptions> = { maxCellChars: 72, maxMessageChars: 300 };
/** Rows are cut by halving search between 1 and this many (more rows than that never fit anyway). */
const MAX_ROWS = 4096;

function note(cuts: string[], fullPlan: string, limit: number): string {
    const what = cuts.length > 0 ? cuts.join("; ") : "nothing";
    return `\n---\n\n_Cut to fit a pull-request comment (${limit.toLocaleString("en-US")} characters): ${what}. The full plan: ${fullPlan}._\n`;
}

type Attempt = { text: string; fits: boolean; rendered: Rendered };

/** The largest row bound (values and steps alike) with which the plan fits, by halving; undefined if none. */
function mostRows(attempt: (rows: number) => Attempt): Attempt | undefined {
    let best: Attempt | undefined;
    let lo = 1;
    let hi = MAX_ROWS;
    while (lo <= hi) {
        const mid = Math.floor((lo + hi) / 2);
        const a = attempt(mid);
        if (a.fits) {
            best = a;
            lo = mid + 1;
        } else {
            hi = mid - 1;
        }
    }
    return best;
}

/** The plan as one comment of at most `limit` characters, and whether anything was cut. */
export function fitComment(
    render: (options: RenderOptions) => Rendered,
    fullPlan: string,
    limit = COMMENT_LIMIT,
): { text: string; trimmed: boolean } {
    const attempt = (options: RenderOptions): Attempt => {
        const rendered = render(options);
        const text =
            rendered.cuts.length === 0 ? rendered.markdown : rendered.markdown + note(rendered.cuts, fullPlan, limit);
        return { text, fits: text.length <= limit, rendered };
    };
    let options = FULL;
    let last = attempt(options);
    if (last.fits) {
        return { text: last.text, trimmed: last.rendered.cuts.length > 0 };
    }
    for (const level of LEVELS) {
        options = { ...options, ...level };
        last = attempt(options);
        if (last.fits) {
            return { text: last.text, trimmed: true };
        }
    }
    for (const cells of [options, { ...options, ...TIGHT }]) {
        const best = mostRows((rows) => attempt({ ...cells, maxValueRows: rows, maxStepRows: rows }));
        if (best !== undefined) {
            return { text: best.text, trimmed: true };
        }
        last = attempt({ ...cells, maxValueRows: 1, maxStepRows: 1 });
    }
    // Still too long (thousands of violations, say): cut at a line, close what is open, say so.
    const tail = note([...last.rendered.cuts, "everything after this point"], fullPlan, limit);
    let head = last.rendered.markdown.slice(0, limit - tail.length - 32);
    head = head.slice(0, Math.max(0, head.lastIndexOf("\n")));
    if ((head.match(/^```/gm) ?? []).length % 2 === 1) {
        head += "\n```";
    }
    if ((head.match(/<details>/g) ?? []).length > (head.match(/<\/details>/g) ?? []).length) {
        head += "\n\n</details>";
    }
    return { text: `${head}\n${tail}`, trimmed: true };
}
