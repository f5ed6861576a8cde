// The previous main (fb33fe9, the last main before the service profile), for tests/e2e/previous-main.test.ts: its
// program and policy pack as that commit has them (from git history, never copied into this repository), its stack
// settings as its own e2e sandbox wrote them, and its example service as a checkout that both programs release.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { derivedText, slothArgs, slothBinary } from "../../scripts/slos";
import type { ReleaseSandbox } from "./release-sandbox";
import { Secret } from "./release-sandbox";
import { repoRoot } from "./tools";

/** The last main before issue 17's work (2026-11-29). */
export const PREVIOUS_MAIN = "fb33fe9fb923a43a3593f9449b61ed063bd5977c";

/** The profile that describes the previous main's contract with its example (the old stacks are upgraded to it). */
export const PREVIOUS_PROFILE = path.join(repoRoot, "tests", "fixtures", "profiles", "previous-main.yaml");

/** Where the checkout keeps the Sloth spec (the profile's slo.spec). */
const SPEC_IN_CHECKOUT = "slo/mirador-rca-sloth.yaml";

/** What the previous main's program needs (its sandbox's PROJECT_FILES), and its policy pack. */
const PROGRAM_FILES = [
    "Pulumi.yaml",
    "package.json",
    "tsconfig.json",
    "tsconfig.program.json",
    "index.ts",
    "components",
    "config",
    "gate",
    "slos",
    "policy",
];

/** The commit must be in the clone: a shallow clone fails here, saying how to get it (never a skip). */
export function requirePreviousMain(): void {
    try {
        execFileSync("git", ["-C", repoRoot, "cat-file", "-e", `${PREVIOUS_MAIN}^{commit}`], { stdio: "pipe" });
    } catch {
        throw new Error(
            `commit ${PREVIOUS_MAIN} (the previous main, whose stacks this test upgrades) is not in the clone at ` +
                `${repoRoot}: a shallow clone lacks it. Run \`git fetch --unshallow\` (a CI checkout: clone with ` +
                "full history, e.g. fetch-depth: 0) and run the test again.",
        );
    }
}

/** `git archive <PREVIOUS_MAIN> <paths>` unpacked into `dir`. */
function archive(dir: string, paths: string[]): void {
    fs.mkdirSync(dir, { recursive: true });
    const tar = execFileSync("git", ["-C", repoRoot, "archive", "--format=tar", PREVIOUS_MAIN, "--", ...paths], {
        maxBuffer: 256 * 1024 * 1024,
    });
    execFileSync("tar", ["-x", "-C", dir], { input: tar });
}

function edit(file: string, change: (text: string) => string): void {
    const before = fs.readFileSync(file, "utf8");
    const after = change(before);
    if (after === before) {
        throw new Error(`${file}: the previous main's checkout changed nothing here (is ${PREVIOUS_MAIN} the commit?)`);
    }
    fs.writeFileSync(file, after);
}

/**
 * The previous main's example as a checkout both programs release, with what the new program needs added before
 * the old one releases it: the SLOs as a Sloth spec of its own (the previous main kept them in its slos/), and a
 * chart that takes the track from its pod labels when they hold one. The new program writes the track into the pod
 * labels (the profile's chart.values.podLabels) and no longer sets the chart's own `track` value, whose default
 * (stable) would otherwise be a second `track` key in the labels and the flag the canary exports its series with.
 * Rendered with the previous main's values (track set, no track pod label) the chart is what it was.
 */
function prepareCheckout(checkout: string): void {
    fs.mkdirSync(path.join(checkout, path.dirname(SPEC_IN_CHECKOUT)), { recursive: true });
    fs.writeFileSync(
        path.join(checkout, SPEC_IN_CHECKOUT),
        execFileSync("git", ["-C", repoRoot, "show", `${PREVIOUS_MAIN}:slos/mirador-rca.yaml`], { encoding: "utf8" }),
    );
    const chart = path.join(checkout, "charts", "mirador-rca", "templates");
    edit(path.join(chart, "_helpers.tpl"), (t) =>
        t
            .replace(
                "track: {{ .Values.track }}\n{{- range $k, $v := .Values.prometheus.labels }}\n{{ $k }}: {{ $v | quote }}\n{{- end }}",
                'track: {{ include "mirador-rca.track" . }}\n' +
                    "{{- range $k, $v := .Values.prometheus.labels }}\n" +
                    '{{- if ne $k "track" }}\n{{ $k }}: {{ $v | quote }}\n{{- end }}\n{{- end }}',
            )
            .concat(
                "\n{{/* The track: the pod label prometheus.labels.track when set, else the track value. */}}\n" +
                    '{{- define "mirador-rca.track" -}}\n' +
                    '{{- default .Values.track (index .Values.prometheus.labels "track") -}}\n' +
                    "{{- end -}}\n",
            ),
    );
    edit(path.join(chart, "deployment.yaml"), (t) =>
        t.replace("--track={{ .Values.track }}", '--track={{ include "mirador-rca.track" . }}'),
    );
}

export interface PreviousMain {
    /** The previous main's program tree (PROGRAM_FILES), with its policy pack's node_modules linked to ours. */
    program: string;
    /** Its policy pack. */
    policyPack: string;
    /** The service checkout's seed (local-infra's MIRADOR_SERVICE_SOURCE). */
    checkout: string;
    /** The derived Sloth spec of the checkout's SLOs with the profile, and its rules (the local Prometheus's). */
    derivedSpec: string;
    rules: string;
}

/** Unpacks the previous main under `dir`: its program, its example as a checkout, the SLO rules of that checkout. */
export function extractPreviousMain(dir: string): PreviousMain {
    requirePreviousMain();
    const program = path.join(dir, "program");
    archive(program, PROGRAM_FILES);
    // Its npm dependencies are a subset, at the same versions, of ours; its policy pack imports its gate/ too.
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(program, "node_modules"));
    fs.symlinkSync(path.join(repoRoot, "policy", "node_modules"), path.join(program, "policy", "node_modules"));
    const unpacked = path.join(dir, "example");
    archive(unpacked, ["examples/mirador-rca"]);
    const checkout = path.join(dir, "mirador-rca");
    fs.renameSync(path.join(unpacked, "examples", "mirador-rca"), checkout);
    prepareCheckout(checkout);
    const derivedSpec = path.join(dir, "mirador-rca.derived.yaml");
    const rules = path.join(dir, "mirador-rca.rules.yml");
    fs.writeFileSync(derivedSpec, derivedText(path.join(checkout, SPEC_IN_CHECKOUT), PREVIOUS_PROFILE).text);
    execFileSync(slothBinary(), slothArgs(derivedSpec, rules), { stdio: "pipe" });
    return { program, policyPack: path.join(program, "policy"), checkout, derivedSpec, rules };
}

/** The pod's settings on the local node's loopback as the previous main's sandbox gave them (chart values). */
function nodeValues(grpcPort: number, metricsPort: number): Record<string, unknown> {
    return { replicaCount: 1, hostNetwork: true, listenAddress: "127.0.0.1", service: { grpcPort, metricsPort } };
}

/** local-staging's settings as the previous main's e2e sandbox wrote them (fb33fe9:tests/support/release-sandbox.ts). */
export function previousStagingConfig(sandbox: ReleaseSandbox): Record<string, unknown> {
    const i = sandbox.infra;
    return {
        role: "canary",
        version: "0.4.0",
        sourceDir: i.MIRADOR_SOURCE_DIR,
        image: { repository: sandbox.imageRepository(), prebuild: "make build", network: "host" },
        cosign: sandbox.cosignSettings(true),
        cosignPassword: new Secret(sandbox.cosignPassword),
        preflight: { commands: ["make verify"] },
        canary: { replicaCount: 1, trafficWeight: 10, prometheusLabels: { release_track: "canary" } },
        smoke: { endpoint: `127.0.0.1:${sandbox.ports.canaryGrpc}`, plaintext: true },
        helm: { values: nodeValues(sandbox.ports.canaryGrpc, sandbox.ports.canaryMetrics) },
        prometheusUrl: i.MIRADOR_PROMETHEUS_URL,
        kubernetes: { kubeconfig: i.KUBECONFIG },
        chartRegistry: `oci://${i.MIRADOR_REGISTRY}/charts`,
    };
}

/** local-prod's settings as the previous main's e2e sandbox wrote them. */
export function previousProdConfig(sandbox: ReleaseSandbox): Record<string, unknown> {
    const i = sandbox.infra;
    return {
        role: "production",
        version: "0.4.0",
        sourceDir: i.MIRADOR_SOURCE_DIR,
        stagingStack: "organization/mirador-release/local-staging",
        image: { repository: sandbox.imageRepository() },
        cosign: sandbox.cosignSettings(true),
        cosignPassword: new Secret(sandbox.cosignPassword),
        prometheusUrl: i.MIRADOR_PROMETHEUS_URL,
        kubernetes: { kubeconfig: i.KUBECONFIG },
        helm: { values: nodeValues(sandbox.ports.prodGrpc, sandbox.ports.prodMetrics) },
        gate: sandbox.gateConfig,
        gitRemote: "origin",
        github: { enabled: false },
        slackWebhookUrl: new Secret(i.MIRADOR_SLACK_WEBHOOK),
    };
}

/** The policy pack config of the previous main (its sandbox's policyConfig): no profile, no derived spec. */
export function previousPolicyConfig(sandbox: ReleaseSandbox): Record<string, unknown> {
    const prometheusUrl = sandbox.infra.MIRADOR_PROMETHEUS_URL;
    return {
        "slo-gate": { prometheusUrl, minSoakMinutes: 1, minRequests: 300, budgetTrack: "canary" },
        "promote-canaried-digest": { prometheusUrl },
        "image-pinned-by-digest": "mandatory",
    };
}
