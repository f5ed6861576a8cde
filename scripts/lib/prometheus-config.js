// The local Prometheus's configuration (scripts/lib/infra-prometheus.sh, and the test that checks it,
// tests/integration/prometheus-discovery.test.ts): Kubernetes service discovery of the release's pods through the
// local cluster's API server on loopback, with the pods' labels attached to every target (docs/prometheus.md).
//
//   node scripts/lib/prometheus-config.js --kubeconfig FILE [--rules FILE]... [--profile FILE]
//        [--track-label NAME] [--metrics-port NAME]
//
// Prints prometheus.yml on stdout. The track label (the pod label that tells canary from stable) and the name of the
// container port to scrape come from the service profile (track.label, chart.ports.metrics); --track-label and
// --metrics-port override it, and without a profile they default to `track` and `metrics`. Every target, and so
// `up` and every scraped series, carries these target labels (the SLO gate's contract):
//   <track.label>, namespace, pod, pod_template_hash, container, image
"use strict";
const fs = require("fs");
const path = require("path");

let YAML;
try {
    YAML = require(path.join(__dirname, "..", "..", "node_modules", "yaml"));
} catch {
    process.stderr.write("error: the npm package yaml is not installed: run npm ci in the project first\n");
    process.exit(1);
}

/** The target labels besides the track label, each from the discovery meta label it copies. */
const POD_LABELS = {
    namespace: "__meta_kubernetes_namespace",
    pod: "__meta_kubernetes_pod_name",
    // The pod label pod-template-hash that a Deployment's ReplicaSet sets (meta label names turn - into _).
    pod_template_hash: "__meta_kubernetes_pod_label_pod_template_hash",
    container: "__meta_kubernetes_pod_container_name",
    // The image as the pod spec names it, e.g. 127.0.0.1:5000/mirador-rca:v0.4.0@sha256:...
    image: "__meta_kubernetes_pod_container_image",
};
// Labels Prometheus gives every target itself: a track label of that name would be overwritten or overwrite them.
const RESERVED = ["job", "instance", ...Object.keys(POD_LABELS)];
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
// A Kubernetes container port name (IANA_SVC_NAME): at most 15 lowercase letters, digits and inner '-'.
const PORT_NAME = /^[a-z0-9]([-a-z0-9]{0,13}[a-z0-9])?$/;

class ConfigError extends Error {}

function fail(message) {
    throw new ConfigError(message);
}

/** The track label and metrics port name of a service profile (profiles/<name>.yaml). */
function readProfile(file) {
    let doc;
    try {
        doc = YAML.parse(fs.readFileSync(file, "utf8"));
    } catch (err) {
        fail(`cannot read the service profile ${file}: ${err.message}`);
    }
    const label = doc?.track?.label;
    const port = doc?.chart?.ports?.metrics;
    if (typeof label !== "string") {
        fail(`${file}: track.label is ${JSON.stringify(label)}; set it to the pod label that tells canary from stable`);
    }
    if (typeof port !== "string") {
        fail(`${file}: chart.ports.metrics is ${JSON.stringify(port)}; set it to the name of the pods' metrics port`);
    }
    return { trackLabel: label, metricsPort: port };
}

function checkInputs({ kubeconfig, trackLabel, metricsPort, rules }, origin) {
    if (!LABEL_NAME.test(trackLabel) || trackLabel.startsWith("__")) {
        fail(
            `${origin.trackLabel}: track label '${trackLabel}' is not a Prometheus label name ` +
                "(letters, digits and _, not starting with a digit or __); use one such as track",
        );
    }
    if (RESERVED.includes(trackLabel)) {
        fail(
            `${origin.trackLabel}: track label '${trackLabel}' is one of the target labels Prometheus sets itself ` +
                `(${RESERVED.join(", ")}); use another name such as track`,
        );
    }
    if (!PORT_NAME.test(metricsPort)) {
        fail(
            `${origin.metricsPort}: metrics port name '${metricsPort}' is not a Kubernetes port name ` +
                "(at most 15 lowercase letters, digits and inner -); use the chart's container port name, e.g. metrics",
        );
    }
    if (!kubeconfig) {
        fail("--kubeconfig is required: the local cluster's kubeconfig ($MIRADOR_RUN/cluster/kubeconfig)");
    }
    let text;
    try {
        text = fs.readFileSync(kubeconfig, "utf8");
    } catch {
        fail(`kubeconfig ${kubeconfig} does not exist: start the cluster first (scripts/local-infra up cluster)`);
    }
    // Loopback only: the local Prometheus must never talk to another machine's API server.
    const servers = [...text.matchAll(/^\s*server:\s*(\S+)\s*$/gm)].map((m) => m[1]);
    if (servers.length === 0 || !servers.every((s) => /^https:\/\/(127\.0\.0\.1|localhost):\d+\/?$/.test(s))) {
        fail(
            `kubeconfig ${kubeconfig} names the API server(s) ${JSON.stringify(servers)}; the local Prometheus ` +
                "discovers pods on the loopback cluster only (https://127.0.0.1:<port>, scripts/local-cluster)",
        );
    }
    for (const file of rules) {
        if (!fs.existsSync(file)) {
            fail(`rule file ${file} does not exist`);
        }
    }
}

/** The configuration as a plain object (exported for tests). */
function prometheusConfig({ kubeconfig, trackLabel, metricsPort, rules }) {
    const sanitized = trackLabel.replace(/[^a-zA-Z0-9_]/g, "_");
    const copy = (target, source) => ({ source_labels: [source], target_label: target });
    return {
        global: { scrape_interval: "5s", evaluation_interval: "5s" },
        rule_files: rules.map((f) => path.resolve(f)),
        scrape_configs: [
            {
                job_name: "pods",
                // Prometheus 3 refuses a scrape whose Content-Type it does not know; a bare /metrics handler may
                // send none.
                fallback_scrape_protocol: "PrometheusText0.0.4",
                kubernetes_sd_configs: [{ role: "pod", kubeconfig_file: path.resolve(kubeconfig) }],
                relabel_configs: [
                    // One target per container port: keep the ports named for metrics, of regular containers, of
                    // pods that are not finished.
                    {
                        source_labels: ["__meta_kubernetes_pod_container_port_name"],
                        regex: metricsPort,
                        action: "keep",
                    },
                    { source_labels: ["__meta_kubernetes_pod_container_init"], regex: "true", action: "drop" },
                    { source_labels: ["__meta_kubernetes_pod_phase"], regex: "Succeeded|Failed", action: "drop" },
                    // The local node's pods run with hostNetwork on 127.0.0.1, so their pod IP is 127.0.0.1 and the
                    // address 127.0.0.1:<containerPort>. Anything else is dropped: the local Prometheus scrapes loopback
                    // only (on a real cluster, leave this rule out; docs/prometheus.md).
                    { source_labels: ["__address__"], regex: "127\\.0\\.0\\.1:[0-9]+", action: "keep" },
                    copy(trackLabel, `__meta_kubernetes_pod_label_${sanitized}`),
                    ...Object.entries(POD_LABELS).map(([target, source]) => copy(target, source)),
                ],
                metric_relabel_configs: [
                    // Prometheus 3 stores a classic histogram's le as a float ("4" is ingested as le="4.0"), so
                    // le="4" in a Sloth spec or a dashboard selects nothing. This turns whole-number bounds of
                    // *_bucket series back into "4" (the migration guide's own rule); fractional ones such as
                    // "0.25" and "+Inf" do not match and stay as they are.
                    {
                        source_labels: ["le", "__name__"],
                        regex: "([0-9]+)\\.0+;.*_bucket",
                        target_label: "le",
                        replacement: "$1",
                    },
                ],
            },
        ],
    };
}

/** Parses the command line; returns the checked inputs. */
function parseArgs(argv) {
    const rules = [];
    let kubeconfig;
    let profile;
    let trackLabel;
    let metricsPort;
    for (let i = 0; i < argv.length; i++) {
        const value = argv[i + 1];
        const need = () => value ?? fail(`${argv[i]} needs a value`);
        switch (argv[i]) {
            case "--kubeconfig":
                kubeconfig = need();
                break;
            case "--rules":
                rules.push(need());
                break;
            case "--profile":
                profile = need();
                break;
            case "--track-label":
                trackLabel = need();
                break;
            case "--metrics-port":
                metricsPort = need();
                break;
            default:
                fail(
                    `unknown argument '${argv[i]}' (known: --kubeconfig, --rules, --profile, --track-label, --metrics-port)`,
                );
        }
        i++;
    }
    const fromProfile = profile ? readProfile(profile) : { trackLabel: "track", metricsPort: "metrics" };
    const origin = {
        trackLabel: trackLabel !== undefined ? "--track-label" : profile ? `${profile}: track.label` : "default",
        metricsPort:
            metricsPort !== undefined ? "--metrics-port" : profile ? `${profile}: chart.ports.metrics` : "default",
    };
    const inputs = {
        kubeconfig,
        rules,
        trackLabel: trackLabel ?? fromProfile.trackLabel,
        metricsPort: metricsPort ?? fromProfile.metricsPort,
    };
    checkInputs(inputs, origin);
    return inputs;
}

if (require.main === module) {
    try {
        const inputs = parseArgs(process.argv.slice(2));
        process.stdout.write(
            "# Written by scripts/lib/prometheus-config.js (scripts/local-infra); docs/prometheus.md explains it.\n" +
                YAML.stringify(prometheusConfig(inputs), { lineWidth: 0 }),
        );
    } catch (err) {
        if (!(err instanceof ConfigError)) {
            throw err;
        }
        process.stderr.write(`error: ${err.message}\n`);
        process.exit(1);
    }
}

module.exports = { prometheusConfig, parseArgs, POD_LABELS };
