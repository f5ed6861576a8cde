// The PromQL scoper on the grammar's syntax tree: each case scoped once gives the expected text, and scoping the
// result again changes nothing; queries the gate cannot scope are refused with the SLO and the query named.
import * as assert from "assert/strict";
import { ConfigError } from "../../gate/config";
import { scopeEvents } from "../../gate/promql/events";
import { scopeQuery } from "../../gate/promql/scope";

const CANARY = 'track="canary"';
const ANY = 'track!=""';

/** [what, query, matcher, expected] */
const SCOPED: [string, string, string, string][] = [
    ["a bare selector", "up", CANARY, 'up{track="canary"}'],
    ["a selector with matchers", 'x{a="b"}', CANARY, 'x{a="b",track="canary"}'],
    ["empty braces", "x{}", CANARY, 'x{track="canary"}'],
    ["a trailing comma", 'x{a="b",}', CANARY, 'x{a="b",track="canary",}'],
    ["a selector by __name__ only", '{__name__="up"}', CANARY, '{__name__="up",track="canary"}'],
    ["a quoted metric name", '{"up"}', CANARY, '{"up",track="canary"}'],
    ["a matcher on the label, replaced", 'x{track!="",a="b"}', CANARY, 'x{track="canary",a="b"}'],
    ["a regex matcher on the label, replaced", 'x{track=~"c.*"}', CANARY, 'x{track="canary"}'],
    ["two matchers on the label, one left", 'x{track="a",b="c",track!="d"}', CANARY, 'x{track="canary",b="c"}'],
    ["a quoted label name, replaced", 'x{"track"="a"}', CANARY, 'x{track="canary"}'],
    ["a regex matcher as the new matcher", "x", 'track=~"canary|stable"', 'x{track=~"canary|stable"}'],
    ["a negative matcher as the new matcher", "sum(x)", ANY, 'sum by (track) (x{track!=""})'],
    ["sum()", "sum(x)", CANARY, 'sum by (track) (x{track="canary"})'],
    ["sum with a space", "sum (x)", CANARY, 'sum by (track) (x{track="canary"})'],
    ["by (a)", "sum by (a) (x)", CANARY, 'sum by (a, track) (x{track="canary"})'],
    ["by () ", "sum by () (x)", CANARY, 'sum by (track) (x{track="canary"})'],
    ["by after the body", "sum(x) by (a)", CANARY, 'sum(x{track="canary"}) by (a, track)'],
    ["by (track) already", "sum by (track) (x)", CANARY, 'sum by (track) (x{track="canary"})'],
    ["without other labels", "sum without (a) (x)", CANARY, 'sum without (a) (x{track="canary"})'],
    ["topk with its parameter", "topk(3, x)", CANARY, 'topk by (track) (3, x{track="canary"})'],
    [
        "histogram_quantile over by (le)",
        "histogram_quantile(0.9, sum by (le) (rate(x_bucket[5m])))",
        CANARY,
        'histogram_quantile(0.9, sum by (le, track) (rate(x_bucket{track="canary"}[5m])))',
    ],
    ["on (a)", "a / on (b) b", CANARY, 'a{track="canary"} / on (b, track) b{track="canary"}'],
    ["on ()", "a / on () b", CANARY, 'a{track="canary"} / on (track) b{track="canary"}'],
    [
        "group_left kept",
        "a * on (i) group_left (v) b",
        CANARY,
        'a{track="canary"} * on (i, track) group_left (v) b{track="canary"}',
    ],
    [
        "group_right kept",
        "a * on (i) group_right () b",
        CANARY,
        'a{track="canary"} * on (i, track) group_right () b{track="canary"}',
    ],
    ["ignoring other labels", "a / ignoring (c) b", CANARY, 'a{track="canary"} / ignoring (c) b{track="canary"}'],
    ["a set operator with on", "a or on (x) b", CANARY, 'a{track="canary"} or on (x, track) b{track="canary"}'],
    ["a comparison with a number", "sum(x) > 0", CANARY, 'sum by (track) (x{track="canary"}) > 0'],
    ["offset", "rate(x[5m] offset 1h)", CANARY, 'rate(x{track="canary"}[5m] offset 1h)'],
    ["@", "rate(x[5m] @ 1700000000)", CANARY, 'rate(x{track="canary"}[5m] @ 1700000000)'],
    ["a subquery", "max_over_time(rate(x[5m])[1h:1m])", CANARY, 'max_over_time(rate(x{track="canary"}[5m])[1h:1m])'],
    [
        "regex matchers and values holding the label's name",
        'sum(rate(x{job="track-x",a=~"track.*",b!~"(track)"}[5m]))',
        CANARY,
        'sum by (track) (rate(x{job="track-x",a=~"track.*",b!~"(track)",track="canary"}[5m]))',
    ],
    [
        "string literals",
        'label_replace(x, "dst", "track $1", "src", "(.*)")',
        CANARY,
        'label_replace(x{track="canary"}, "dst", "track $1", "src", "(.*)")',
    ],
    ["{{.window}}", "rate(x[{{.window}}])", CANARY, 'rate(x{track="canary"}[{{.window}}])'],
    ["{{ .window }}", "rate(x[{{ .window }}])", CANARY, 'rate(x{track="canary"}[{{ .window }}])'],
    [
        "both placeholder spellings in one query",
        "rate(a[{{.window}}]) / rate(b[{{ .window }}])",
        CANARY,
        'rate(a{track="canary"}[{{.window}}]) / rate(b{track="canary"}[{{ .window }}])',
    ],
    [
        "the service's latency SLI",
        'sum(rate(mirador_rca_investigation_seconds_bucket{le="+Inf"}[{{ .window }}]))\n  - sum(rate(mirador_rca_investigation_seconds_bucket{le="4"}[{{ .window }}]))',
        ANY,
        'sum by (track) (rate(mirador_rca_investigation_seconds_bucket{le="+Inf",track!=""}[{{ .window }}]))\n  - sum by (track) (rate(mirador_rca_investigation_seconds_bucket{le="4",track!=""}[{{ .window }}]))',
    ],
];

/** [what, query, message] */
const REFUSED: [string, string, RegExp][] = [
    ["absent", "absent(x)", /absent\(\) has no track label/],
    ["absent_over_time", "absent_over_time(x[5m])", /absent_over_time\(\) has no track label/],
    ["vector", "sum(x) or vector(0)", /vector\(\) has no track label/],
    ["scalar", "scalar(sum(x)) * y", /scalar\(\) has no track label/],
    ["no vector selector", "1 + 2", /has no vector selector/],
    ["without (track)", "sum without (a, track) (x)", /without \(a, track\) drops the label track/],
    ["ignoring (track)", "a / ignoring (track) b", /ignoring \(track\) ignores the label track/],
    ["group_left (track)", "a * on (i) group_left (track) b", /group_left \(track\) copies the label track/],
    ["a query that does not parse", "sum(x", /not valid PromQL at offset 5/],
];

describe("promql: scoping a query to a track", () => {
    for (const [what, query, matcher, expected] of SCOPED) {
        it(`scopes ${what}, and the result again to itself`, () => {
            const once = scopeQuery(query, "track", matcher);
            assert.equal(once, expected);
            assert.equal(scopeQuery(once, "track", matcher), once);
        });
    }

    for (const [what, query, message] of REFUSED) {
        it(`refuses ${what}, naming the SLO and the query`, () => {
            const where = "spec.yaml: slos[1] (success): error query";
            assert.throws(
                () => scopeQuery(query, "track", CANARY, where),
                (err: unknown) => {
                    assert.ok(err instanceof ConfigError, String(err));
                    assert.ok(err.message.startsWith(`${where}: `), err.message);
                    assert.match(err.message, message);
                    assert.ok(err.message.includes(query), `the message does not hold the query: ${err.message}`);
                    return true;
                },
            );
        });
    }

    it("scopes to another label, leaving `track` in values alone", () => {
        assert.equal(
            scopeQuery('sum(x{track="a"})', "release", 'release="canary"'),
            'sum by (release) (x{track="a",release="canary"})',
        );
    });

    it("refuses a matcher on another label, or one that is not a matcher", () => {
        assert.throws(() => scopeQuery("x", "track", 'job="canary"'), /not one matcher on the label track/);
        assert.throws(() => scopeQuery("x", "track", "track"), /matcher "track": not valid PromQL/);
        assert.throws(() => scopeQuery("x", "track", 'track="a",b="c"'), /not one matcher on the label track/);
    });
});

describe("promql: errors-or-zero events", () => {
    const SUCCESS = {
        errorQuery: 'sum(rate(mirador_rca_investigations_total{outcome="error"}[{{ .window }}]))\n',
        totalQuery: "sum(rate(mirador_rca_investigations_total[{{ .window }}]))\n",
    };

    it("makes missing error series 0 wherever the total exists, and guards the total with > 0", () => {
        const derived = scopeEvents(SUCCESS, "track", ANY, "s");
        assert.deepEqual(derived, {
            errorQuery:
                '(sum by (track) (rate(mirador_rca_investigations_total{outcome="error",track!=""}[{{ .window }}])))' +
                ' or on (track) (0 * (sum by (track) (rate(mirador_rca_investigations_total{track!=""}[{{ .window }}]))))',
            totalQuery: 'sum by (track) (rate(mirador_rca_investigations_total{track!=""}[{{ .window }}])) > 0',
        });
        assert.deepEqual(scopeEvents(derived, "track", ANY, "s"), derived, "deriving again changed the SLI");
    });

    it("keeps a total that is already guarded, and puts a binary total in parentheses", () => {
        assert.equal(
            scopeEvents({ errorQuery: "e", totalQuery: "sum(t) > 0" }, "track", ANY, "s").totalQuery,
            'sum by (track) (t{track!=""}) > 0',
        );
        const binary = scopeEvents({ errorQuery: "e", totalQuery: "a + b" }, "track", ANY, "s");
        assert.equal(binary.totalQuery, '(a{track!=""} + b{track!=""}) > 0');
        assert.equal(binary.errorQuery, '(e{track!=""}) or on (track) (0 * (a{track!=""} + b{track!=""}))');
    });

    it("does not take `> bool 0` or `> 1` for the guard", () => {
        assert.equal(
            scopeEvents({ errorQuery: "e", totalQuery: "t > bool 0" }, "track", ANY, "s").totalQuery,
            '(t{track!=""} > bool 0) > 0',
        );
        assert.equal(
            scopeEvents({ errorQuery: "e", totalQuery: "t > 1" }, "track", ANY, "s").totalQuery,
            '(t{track!=""} > 1) > 0',
        );
    });
});
