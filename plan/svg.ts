// A small line chart as standalone SVG: one panel a measure (the canary's error ratio, its burn rate), time along
// the soak, a log scale (a healthy burn of 0.2 and a page factor of 14.4 must both be readable), every threshold
// drawn as a labelled dashed line. No script, no external reference: GitHub shows it as an image.

export interface Series {
    name: string;
    color: string;
    /** [unix seconds, value]; NaN or non-positive values leave a gap. */
    points: [number, number][];
}

export interface Threshold {
    label: string;
    value: number;
    color: string;
}

export interface Panel {
    title: string;
    series: Series[];
    thresholds: Threshold[];
}

export interface ChartSpec {
    title: string;
    /** The time range, unix seconds: the canary's soak. */
    from: number;
    to: number;
    panels: Panel[];
    /** What the time axis counts from (default: the canary's start). */
    axis?: string;
}

const WIDTH = 920;
const PANEL_HEIGHT = 230;
const MARGIN = { left: 64, right: 230, top: 56, gap: 54, bottom: 10 };

function esc(text: string): string {
    return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

function num(n: number): string {
    return String(Math.round(n * 10) / 10);
}

/** 10^e, exactly (10 ** -4 is not 0.0001 in floating point). */
function decade(e: number): number {
    return Number(`1e${e}`);
}

/** The decades a panel spans: its data and thresholds, at least two decades. */
export function logDomain(values: number[]): [number, number] {
    const positive = values.filter((v) => Number.isFinite(v) && v > 0);
    if (positive.length === 0) {
        return [0.01, 1];
    }
    let lo = Math.floor(Math.log10(Math.min(...positive)));
    let hi = Math.ceil(Math.log10(Math.max(...positive) * 1.5));
    if (hi - lo < 2) {
        lo = hi - 2;
    }
    lo = Math.max(lo, hi - 8);
    hi = Math.max(hi, lo + 1);
    return [decade(lo), decade(hi)];
}

function tickLabel(v: number): string {
    return v >= 1 ? String(v) : v.toExponential(0).replace("e-", "e−");
}

function panelSvg(p: Panel, spec: ChartSpec, top: number): string {
    const plotW = WIDTH - MARGIN.left - MARGIN.right;
    const plotH = PANEL_HEIGHT - 30;
    const values = [...p.series.flatMap((s) => s.points.map(([, v]) => v)), ...p.thresholds.map((t) => t.value)];
    const [lo, hi] = logDomain(values);
    const x = (t: number) => MARGIN.left + ((t - spec.from) / Math.max(1, spec.to - spec.from)) * plotW;
    const y = (v: number) =>
        top + plotH - ((Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))) * plotH;
    const out: string[] = [
        `<g class="panel" data-title="${esc(p.title)}">`,
        `<text x="${MARGIN.left}" y="${num(top - 10)}" font-size="14" font-weight="bold">${esc(p.title)}</text>`,
        `<rect x="${MARGIN.left}" y="${num(top)}" width="${plotW}" height="${plotH}" fill="#fafafa" stroke="#999"/>`,
    ];
    for (let e = Math.log10(lo); e <= Math.log10(hi) + 1e-9; e++) {
        const v = decade(Math.round(e));
        out.push(
            `<line class="grid" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${num(y(v))}" y2="${num(y(v))}" stroke="#e0e0e0"/>`,
            `<text x="${MARGIN.left - 6}" y="${num(y(v) + 4)}" font-size="11" text-anchor="end">${tickLabel(v)}</text>`,
        );
    }
    const minutes = (spec.to - spec.from) / 60;
    const step = minutes > 120 ? 30 : minutes > 50 ? 10 : minutes > 12 ? 5 : 1;
    for (let m = 0; m <= minutes + 1e-9; m += step) {
        const px = num(x(spec.from + m * 60));
        out.push(
            `<line class="grid" x1="${px}" x2="${px}" y1="${num(top)}" y2="${num(top + plotH)}" stroke="#eee"/>`,
            `<text x="${px}" y="${num(top + plotH + 16)}" font-size="11" text-anchor="middle">${m} min</text>`,
        );
    }
    for (const t of p.thresholds) {
        const py = num(y(t.value));
        out.push(
            `<line class="threshold" data-value="${t.value}" x1="${MARGIN.left}" x2="${MARGIN.left + plotW}" y1="${py}" y2="${py}" stroke="${t.color}" stroke-width="1.5" stroke-dasharray="7 4"/>`,
            `<text class="threshold-label" x="${MARGIN.left + plotW + 6}" y="${num(Number(py) + 4)}" font-size="11" fill="${t.color}">${esc(t.label)}</text>`,
        );
    }
    for (const s of p.series) {
        let d = "";
        let pen = "M";
        for (const [t, v] of s.points) {
            if (!Number.isFinite(v) || v <= 0) {
                pen = "M";
                continue;
            }
            d += `${pen}${num(x(t))},${num(y(Math.min(Math.max(v, lo), hi)))} `;
            pen = "L";
        }
        out.push(
            `<path class="series" data-series="${esc(s.name)}" d="${d.trim()}" fill="none" stroke="${s.color}" stroke-width="2"/>`,
        );
    }
    out.push("</g>");
    return out.join("\n");
}

function legend(spec: ChartSpec, top: number): string {
    const names = new Map<string, string>();
    for (const s of spec.panels.flatMap((p) => p.series)) {
        names.set(s.name, s.color);
    }
    return [...names]
        .map(([name, color], i) => {
            const x = MARGIN.left + i * 230;
            return (
                `<line x1="${x}" x2="${x + 24}" y1="${top}" y2="${top}" stroke="${color}" stroke-width="2"/>` +
                `<text x="${x + 30}" y="${top + 4}" font-size="12">${esc(name)}</text>`
            );
        })
        .join("\n");
}

/** The chart as an SVG document. */
export function renderChart(spec: ChartSpec): string {
    const height = MARGIN.top + spec.panels.length * (PANEL_HEIGHT + MARGIN.gap) + MARGIN.bottom;
    const panels = spec.panels.map((p, i) => panelSvg(p, spec, MARGIN.top + 24 + i * (PANEL_HEIGHT + MARGIN.gap)));
    return [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="DejaVu Sans, Arial, sans-serif">`,
        `<title>${esc(spec.title)}</title>`,
        `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
        `<text x="${MARGIN.left}" y="22" font-size="16" font-weight="bold">${esc(spec.title)}</text>`,
        legend(spec, 40),
        ...panels,
        `<text x="${MARGIN.left}" y="${height - 10}" font-size="11" fill="#555">${esc(spec.axis ?? "minutes since the canary started")}; log scale (a zero is not drawn); dashed: the gate's thresholds</text>`,
        "</svg>",
        "",
    ].join("\n");
}
