// The canary chart's SVG: well-formed, one panel a measure, every threshold drawn where its value is, the series
// as paths with gaps where Prometheus had no value.
import * as assert from "assert/strict";
import { parseGateConfig } from "../../gate/config";
import { loadGateSpec } from "../../gate/evaluate";
import { canaryChart, RangeSeries } from "../../plan/canary-chart";
import { logDomain, renderChart } from "../../plan/svg";
import { allElements, parseXml, XmlElement } from "./plan-xml";

const config = parseGateConfig({}, "config", "/");
const spec = loadGateSpec(config);
const END = 1795478000;
const START = END - 45 * 60;

/** A range answer: one series per SLO, `value(t)` at each step, as Prometheus gives them. */
function answer(value: (slo: string, t: number) => number): (expr: string) => RangeSeries[] {
    return () =>
        spec.slos.map((slo) => ({
            labels: { sloth_service: "mirador-rca", sloth_slo: slo.name, track: "canary" },
            points: Array.from({ length: 91 }, (_, i) => START + i * 30).map(
                (t) => [t, value(slo.name, t)] as [number, number],
            ),
        }));
}

async function chartOf(value: (slo: string, t: number) => number): Promise<{ svg: string; asked: string[] }> {
    const asked: string[] = [];
    const reply = answer(value);
    const chart = await canaryChart(
        (expr) => {
            asked.push(expr);
            return Promise.resolve(reply(expr));
        },
        config,
        spec,
        START,
        END,
    );
    return { svg: renderChart(chart), asked };
}

function byClass(root: XmlElement, cls: string): XmlElement[] {
    return allElements(root).filter((e) => e.attrs.class === cls);
}

describe("plan: the canary chart (SVG)", () => {
    it("is a well-formed SVG document with a title, two panels and a series per SLO in each", async () => {
        const { svg, asked } = await chartOf(() => 0.0004);
        const root = parseXml(svg);
        assert.equal(root.name, "svg");
        assert.equal(root.attrs.xmlns, "http://www.w3.org/2000/svg");
        assert.match(
            root.children.find((c) => c.name === "title")?.text ?? "",
            /mirador-rca canary over its soak \(45 min\)/,
        );
        const panels = byClass(root, "panel");
        assert.deepEqual(
            panels.map((p) => p.attrs["data-title"]),
            ['Canary error ratio (5m), track="canary"', "Canary burn rate (5m): error ratio / error budget"],
        );
        for (const panel of panels) {
            const series = allElements(panel).filter((e) => e.attrs.class === "series");
            assert.deepEqual(
                series.map((s) => s.attrs["data-series"]),
                spec.slos.map((s) => s.name),
            );
            for (const s of series) {
                assert.equal((s.attrs.d.match(/[ML]/g) ?? []).length, 91, "one point per step");
            }
        }
        assert.equal(asked.length, 2);
        assert.match(asked[0], /^slo:sli_error:ratio_rate5m\{sloth_service="mirador-rca",track="canary"\}$/);
        assert.match(asked[1], /group_left \(\) slo:error_budget:ratio\{sloth_service="mirador-rca"\}$/);
    });

    it("draws every threshold of the gate as a labelled dashed line at its value, higher values higher up", async () => {
        const { svg } = await chartOf(() => 0.0004);
        const root = parseXml(svg);
        const [errorPanel, burnPanel] = byClass(root, "panel");
        const lines = (panel: XmlElement) =>
            allElements(panel)
                .filter((e) => e.attrs.class === "threshold")
                .map((e) => ({
                    value: Number(e.attrs["data-value"]),
                    y: Number(e.attrs.y1),
                    dash: e.attrs["stroke-dasharray"],
                }));
        const labels = (panel: XmlElement) =>
            allElements(panel)
                .filter((e) => e.attrs.class === "threshold-label")
                .map((e) => e.text);
        // Burn: Sloth's page factors (5m/1h 14.4, 30m/6h 6) and the soak ceiling (1).
        const burn = lines(burnPanel);
        assert.deepEqual(
            burn.map((l) => l.value),
            [14.4, 6, 1],
        );
        assert.deepEqual(labels(burnPanel), ["page 5m/1h: 14.4", "page 30m/6h: 6", "soak ceiling: 1"]);
        assert.ok(burn[0].y < burn[1].y && burn[1].y < burn[2].y, `y of 14.4 < 6 < 1: ${JSON.stringify(burn)}`);
        assert.ok(burn.every((l) => l.dash === "7 4"));
        // Error ratio: each SLO's error budget (1 - objective).
        assert.deepEqual(
            lines(errorPanel).map((l) => l.value),
            spec.slos.map((s) => s.budget),
        );
        assert.deepEqual(labels(errorPanel), [
            "investigation-latency budget 4%",
            "investigation-success-rate budget 0.5%",
        ]);
    });

    it("leaves a gap where a value is NaN or zero, and escapes text", async () => {
        const { svg } = await chartOf((slo, t) =>
            t > START + 600 && t < START + 1200 ? NaN : slo.endsWith("latency") ? 0 : 0.02,
        );
        const root = parseXml(svg);
        const [latency, success] = byClass(root, "series").slice(2);
        assert.equal((success.attrs.d.match(/M/g) ?? []).length, 2, "two runs around the NaN stretch");
        assert.equal(latency.attrs.d, "", "no positive value: nothing drawn");
        const escaped = renderChart({ title: 'a < b & "c"', from: 0, to: 60, panels: [] });
        assert.equal(parseXml(escaped).children.find((c) => c.name === "title")?.text, 'a < b & "c"');
    });

    it("spans whole decades around the data and the thresholds", () => {
        assert.deepEqual(logDomain([0.2, 14.4, 1]), [0.1, 100]);
        assert.deepEqual(logDomain([0.0002, 0.001, 0.01]), [0.0001, 0.1]);
        assert.deepEqual(logDomain([NaN, 0, -1]), [0.01, 1]);
        assert.deepEqual(logDomain([5]), [0.1, 10]);
    });
});
