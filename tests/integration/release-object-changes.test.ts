// What an upgrade deletes or renames, against a real release: the example chart installed with the real helm into
// the local cluster, then the real engine's preview of ChartRelease (the program's own component, in a throw-away
// project with the pinned CLI and plugins) with a chart that renames the Service. The warning on the release names
// the rename, the release plan has it in the release's section, and production stops on it unless acknowledged.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { LocalWorkspace } from "@pulumi/pulumi/automation";
import { reduceEvents } from "../../plan/events";
import { renderPlan } from "../../plan/markdown";
import { pulumiCommand, runPreview } from "../../plan/preview";
import { summarize } from "../../plan/summary";
import { LocalCluster } from "../support/cluster";
import { runBounded } from "../support/run-cli";
import { repoRoot, requireTool, toolCache, toolPath } from "../support/tools";

const NAMESPACE = "object-changes";
const RELEASE = "mirador-rca";
const CHART = path.join(repoRoot, "examples", "mirador-rca", "charts", "mirador-rca");
const DIGEST = `sha256:${"1".repeat(64)}`;

// The program: the production ChartRelease of index.ts, with the example chart and the service profile's paths.
const PROGRAM = `require("ts-node").register({ transpileOnly: true, project: ${JSON.stringify(path.join(repoRoot, "tsconfig.json"))} });
const { ChartRelease } = require(${JSON.stringify(path.join(repoRoot, "components", "chart-release"))});
const { loadServiceProfile } = require(${JSON.stringify(path.join(repoRoot, "config", "service-profile"))});
const profile = loadServiceProfile(${JSON.stringify(path.join(repoRoot, "profiles", "mirador-rca.yaml"))});
const chart = process.env.TEST_CHART;
new ChartRelease("production", {
    name: ${JSON.stringify(RELEASE)},
    namespace: ${JSON.stringify(NAMESPACE)},
    chartArchive: chart,
    chartDigest: "sha256:" + "2".repeat(64),
    imageRepository: "127.0.0.1:5000/mirador-rca",
    imageTag: "v0.4.0",
    imageDigest: ${JSON.stringify(DIGEST)},
    valuePaths: profile.chart.values,
    track: "stable",
    trackLabels: { [profile.track.label]: profile.track.stable },
    values: { alerts: { enabled: false } },
    valuesFiles: [],
    timeoutSeconds: 60,
    atomic: true,
    cleanupOnFail: true,
    kubeconfig: process.env.KUBECONFIG,
    rendered: { loadTimeChart: chart, optionalKinds: profile.chart.optionalKinds, grpcPort: profile.chart.ports.grpc },
    objectChanges: JSON.parse(process.env.TEST_OBJECT_CHANGES),
});
`;

describe("what an upgrade deletes or renames, against a real Helm release", function () {
    this.timeout(1_800_000);
    let cluster: LocalCluster;
    let dir = "";
    let renamedChart = "";
    let env: Record<string, string> = {};

    before(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "object-changes-"));
        // The chart of the next release: the same objects, but the Service renamed "<fullname>-api".
        renamedChart = path.join(dir, "chart-renamed");
        fs.cpSync(CHART, renamedChart, { recursive: true });
        const service = path.join(renamedChart, "templates", "service.yaml");
        const text = fs.readFileSync(service, "utf8");
        const renamed = text.replace(/name: \{\{ include "mirador-rca\.fullname" \. \}\}\n/, (m) =>
            m.replace(" }}\n", " }}-api\n"),
        );
        assert.notEqual(renamed, text, "the example chart's Service is named by mirador-rca.fullname");
        fs.writeFileSync(service, renamed);

        cluster = new LocalCluster();
        await cluster.start();
        // The live release, as a previous up left it (no wait: what matters is its manifest, not its pods).
        await cluster.helm([
            "install",
            RELEASE,
            CHART,
            "-n",
            NAMESPACE,
            "--create-namespace",
            "--set",
            "alerts.enabled=false",
            "--set",
            `image.tag=v0.4.0@${DIGEST}`,
        ]);

        const program = path.join(dir, "program");
        fs.mkdirSync(program);
        fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(program, "node_modules"));
        fs.writeFileSync(path.join(program, "Pulumi.yaml"), "name: object-changes\nruntime: nodejs\n");
        fs.writeFileSync(path.join(program, "package.json"), '{"name": "object-changes", "main": "index.js"}\n');
        fs.writeFileSync(path.join(program, "index.js"), PROGRAM);
        fs.mkdirSync(path.join(dir, "state"));
        const clusterEnv = cluster.env();
        env = {
            PATH: toolPath(),
            KUBECONFIG: cluster.kubeconfig,
            HELM_CACHE_HOME: String(clusterEnv.HELM_CACHE_HOME),
            HELM_CONFIG_HOME: String(clusterEnv.HELM_CONFIG_HOME),
            HELM_DATA_HOME: String(clusterEnv.HELM_DATA_HOME),
            PULUMI_HOME: path.join(dir, "home"),
            PULUMI_BACKEND_URL: `file://${path.join(dir, "state")}`,
            PULUMI_CONFIG_PASSPHRASE: "object-changes",
            PULUMI_SKIP_UPDATE_CHECK: "true",
            PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
            TEST_CHART: renamedChart,
        };
        // The plugins at the versions the SDKs pin: the official kubernetes one and the command stand-in.
        for (const [name, binary] of [
            ["kubernetes", path.join(toolCache, "plugins", "official", "pulumi-resource-kubernetes")],
            ["command", path.join(toolCache, "plugins", "pulumi-resource-command")],
        ]) {
            const version = (
                JSON.parse(
                    fs.readFileSync(path.join(repoRoot, "node_modules", "@pulumi", name, "package.json"), "utf8"),
                ) as { version: string }
            ).version;
            assert.ok(fs.existsSync(binary), `${binary} is missing: run scripts/bootstrap-tools`);
            const installed = await runBounded(
                requireTool("pulumi"),
                ["plugin", "install", "resource", name, version, "--file", binary],
                { cwd: program, env: { ...process.env, ...env }, limitMs: 120_000 },
            );
            assert.equal(installed.code, 0, installed.stdout + installed.stderr);
        }
        const workspace = await LocalWorkspace.create({
            workDir: program,
            pulumiCommand: await pulumiCommand(),
            envVars: env,
        });
        await workspace.createStack("prod");
    });

    after(async () => {
        try {
            await cluster?.stop();
        } finally {
            if (dir) {
                fs.rmSync(dir, { recursive: true, force: true });
            }
        }
    });

    /** The engine's preview of the program with these objectChanges settings: its events and the plan. */
    async function preview(objectChanges: { stop: boolean; acknowledged: string[] }) {
        const run = await runPreview({
            workDir: path.join(dir, "program"),
            stack: "prod",
            policyPacks: [],
            policyPackConfigs: [],
            envVars: { ...env, TEST_OBJECT_CHANGES: JSON.stringify(objectChanges) },
        });
        const facts = reduceEvents(run.events);
        return { run, facts, markdown: renderPlan(facts, summarize(facts), undefined).markdown };
    }

    const rename = "Service mirador-rca-mirador-rca → mirador-rca-mirador-rca-api";

    it("warns on the release naming the renamed Service, and the plan has it in the release's section", async () => {
        // The live release is what `helm get manifest` says: the Service under its old name.
        const manifest = await cluster.helm(["get", "manifest", RELEASE, "-n", NAMESPACE]);
        assert.match(manifest, /kind: Service\nmetadata:\n {2}name: mirador-rca-mirador-rca\n/);

        const { run, facts, markdown } = await preview({ stop: false, acknowledged: [] });
        assert.equal(run.error, undefined, facts.errors.join("\n"));
        const urn = Object.keys(facts.resourceWarnings ?? {}).find((u) => u.endsWith("::production-release"));
        assert.ok(urn, `a warning on the Helm release: ${JSON.stringify(facts.warnings)}`);
        const [warning] = facts.resourceWarnings![urn];
        assert.equal(
            warning,
            `the upgrade deletes or renames objects of the live release ${NAMESPACE}/${RELEASE} (helm get manifest ` +
                `against the render):\n- ${rename} (a likely rename: the old one is deleted, the new one created; ` +
                "outage risk)",
        );
        const section = markdown.slice(markdown.indexOf(`### Helm release \`${NAMESPACE}/${RELEASE}\``));
        assert.ok(section.includes(`**Objects this upgrade deletes or renames**`), markdown);
        assert.ok(section.includes(`- ${rename} (a likely rename`), markdown);
    });

    it("stops production on the rename unless acknowledged, and names it acknowledged then", async () => {
        const stopped = await preview({ stop: true, acknowledged: [] });
        assert.ok(stopped.run.error !== undefined, "the preview fails");
        const error = stopped.facts.errors.join("\n");
        assert.ok(
            error.includes(
                `the upgrade of the production release ${NAMESPACE}/${RELEASE} would delete or rename what serves ` +
                    `traffic (an outage): ${rename}.`,
            ),
            error,
        );
        assert.ok(error.includes(`mirador-release:objectChanges: { acknowledged: ["${rename}"] }`), error);

        const acknowledged = await preview({
            stop: true,
            acknowledged: ["Service mirador-rca-mirador-rca -> mirador-rca-mirador-rca-api"],
        });
        assert.equal(acknowledged.run.error, undefined, acknowledged.facts.errors.join("\n"));
        assert.ok(acknowledged.markdown.includes(`- ${rename} (a likely rename: `), acknowledged.markdown);
        assert.ok(acknowledged.markdown.includes("outage risk, acknowledged)"), acknowledged.markdown);
    });
});
