// The local Prometheus's config writer (scripts/lib/prometheus-config.js): the target labels of the SLO gate's
// contract from the pod's discovery labels, the track label named by the service profile, the le relabelling, and
// each bad input refused naming the setting. tests/integration/prometheus-discovery.test.ts runs it for real.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { repoRoot } from "../support/tools";

const writer = path.join(repoRoot, "scripts", "lib", "prometheus-config.js");
const profile = path.join(repoRoot, "profiles", "mirador-rca.yaml");
const rules = path.join(repoRoot, "slos", "mirador-rca.rules.yml");

interface Relabel {
    source_labels?: string[];
    target_label?: string;
    regex?: string;
    action?: string;
    replacement?: string;
}

interface ScrapeConfig {
    job_name: string;
    kubernetes_sd_configs: { role: string; kubeconfig_file: string }[];
    relabel_configs: Relabel[];
    metric_relabel_configs: Relabel[];
}

interface Config {
    global: { scrape_interval: string };
    rule_files: string[];
    scrape_configs: ScrapeConfig[];
}

describe("local Prometheus config (scripts/lib/prometheus-config.js)", () => {
    let tmp: string;
    let kubeconfig: string;
    beforeEach(() => {
        tmp = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-prometheus-config-"));
        kubeconfig = path.join(tmp, "kubeconfig");
        fs.writeFileSync(
            kubeconfig,
            "apiVersion: v1\nclusters:\n  - cluster:\n      server: https://127.0.0.1:16443\n",
        );
    });
    afterEach(() => fs.rmSync(tmp, { recursive: true, force: true }));

    function write(args: string[]): { status: number | null; stdout: string; stderr: string } {
        const r = spawnSync("node", [writer, ...args], { encoding: "utf8" });
        return { status: r.status, stdout: r.stdout, stderr: r.stderr };
    }

    function config(args: string[]): ScrapeConfig & { whole: Config } {
        const r = write(["--kubeconfig", kubeconfig, ...args]);
        assert.strictEqual(r.status, 0, r.stderr);
        const whole = parse(r.stdout) as Config;
        assert.strictEqual(whole.scrape_configs.length, 1);
        return { ...whole.scrape_configs[0], whole };
    }

    /** target label -> the discovery label it copies. */
    function copies(c: ScrapeConfig): Record<string, string> {
        return Object.fromEntries(
            c.relabel_configs
                .filter((r) => r.target_label !== undefined)
                .map((r) => [r.target_label ?? "", (r.source_labels ?? []).join(";")]),
        );
    }

    it("discovers pods through the given kubeconfig and attaches the contract's target labels", () => {
        const c = config(["--rules", rules, "--profile", profile]);
        assert.deepStrictEqual(c.whole.global.scrape_interval, "5s");
        assert.deepStrictEqual(c.whole.rule_files, [rules]);
        assert.deepStrictEqual(c.kubernetes_sd_configs, [{ role: "pod", kubeconfig_file: kubeconfig }]);
        assert.deepStrictEqual(copies(c), {
            track: "__meta_kubernetes_pod_label_track",
            namespace: "__meta_kubernetes_namespace",
            pod: "__meta_kubernetes_pod_name",
            pod_template_hash: "__meta_kubernetes_pod_label_pod_template_hash",
            container: "__meta_kubernetes_pod_container_name",
            image: "__meta_kubernetes_pod_container_image",
        });
        const keep = c.relabel_configs.filter((r) => r.action === "keep");
        assert.deepStrictEqual(
            keep.map((r) => [r.source_labels, r.regex]),
            [
                [["__meta_kubernetes_pod_container_port_name"], "metrics"],
                [["__address__"], "127\\.0\\.0\\.1:[0-9]+"],
            ],
        );
    });

    it("turns whole-number le bounds of *_bucket series back into integers", () => {
        const c = config([]);
        assert.deepStrictEqual(c.metric_relabel_configs, [
            {
                source_labels: ["le", "__name__"],
                regex: "([0-9]+)\\.0+;.*_bucket",
                target_label: "le",
                replacement: "$1",
            },
        ]);
        // Prometheus anchors relabel regexes: check the rule on the joined values as Prometheus would.
        const re = new RegExp(`^(?:${c.metric_relabel_configs[0].regex})$`);
        assert.strictEqual("4.0;x_seconds_bucket".replace(re, "$1"), "4");
        assert.strictEqual("10.0;x_seconds_bucket".replace(re, "$1"), "10");
        for (const untouched of ["0.25;x_seconds_bucket", "+Inf;x_seconds_bucket", "4.0;x_seconds", "4.5;x_bucket"]) {
            assert.ok(!re.test(untouched), untouched);
        }
    });

    it("names the track label and metrics port as another service's profile does", () => {
        const other = path.join(tmp, "profile.yaml");
        fs.writeFileSync(other, "track: { label: release_track }\nchart: { ports: { metrics: prom } }\n");
        const c = config(["--profile", other]);
        assert.strictEqual(copies(c).release_track, "__meta_kubernetes_pod_label_release_track");
        assert.strictEqual(copies(c).track, undefined);
        assert.strictEqual(c.relabel_configs[0].regex, "prom");
        const flags = config(["--profile", other, "--track-label", "lane", "--metrics-port", "http-metrics"]);
        assert.strictEqual(copies(flags).lane, "__meta_kubernetes_pod_label_lane");
        assert.strictEqual(flags.relabel_configs[0].regex, "http-metrics");
    });

    it("refuses bad input, naming the setting, the value and the fix", () => {
        const other = path.join(tmp, "profile.yaml");
        fs.writeFileSync(other, "chart: { ports: { metrics: metrics } }\n");
        const cases: [string[], RegExp][] = [
            [
                ["--track-label", "release-track"],
                /--track-label: track label 'release-track' is not a Prometheus label name/,
            ],
            [["--track-label", "pod"], /--track-label: track label 'pod' is one of the target labels/],
            [
                ["--metrics-port", "Metrics_Port"],
                /--metrics-port: metrics port name 'Metrics_Port' is not a Kubernetes port/,
            ],
            [["--profile", other], /profile\.yaml: track\.label is undefined; set it to the pod label/],
            [["--profile", path.join(tmp, "none.yaml")], /cannot read the service profile .*none\.yaml/],
            [["--rules", path.join(tmp, "none.yml")], /rule file .*none\.yml does not exist/],
            [["--bogus"], /unknown argument '--bogus'/],
        ];
        for (const [args, message] of cases) {
            const r = write(["--kubeconfig", kubeconfig, ...args]);
            assert.strictEqual(r.status, 1, args.join(" "));
            assert.match(r.stderr, message);
            assert.strictEqual(r.stdout, "");
        }
    });

    it("refuses a kubeconfig that is missing or names an API server off loopback", () => {
        const missing = write(["--kubeconfig", path.join(tmp, "absent")]);
        assert.strictEqual(missing.status, 1);
        assert.match(missing.stderr, /kubeconfig .*absent does not exist: start the cluster first/);
        fs.writeFileSync(kubeconfig, "clusters:\n  - cluster:\n      server: https://10.0.0.1:6443\n");
        const remote = write(["--kubeconfig", kubeconfig]);
        assert.strictEqual(remote.status, 1);
        assert.match(
            remote.stderr,
            /names the API server\(s\) \["https:\/\/10\.0\.0\.1:6443"\]; .*loopback cluster only/,
        );
    });
});
