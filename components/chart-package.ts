// RELEASE-PROCESS.md step 4: helm dependency update, helm lint, helm package into dist/, and the package digest.
import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import { chartRefOf, fetchChart, isLoopbackRegistry } from "./chart-fetch";
import { waitFor } from "./naming";
import { treeDigest } from "./tree-digest";

export interface ChartPackageArgs {
    /** The chart directory, relative to the project directory. */
    chartDir: string;
    /** The chart's name (Chart.yaml `name`): helm package names the archive after it. */
    chartName: string;
    version: string;
    /** Where the archive goes, relative to the project directory. */
    distDir: string;
    /**
     * The built image as the releases pin it (components/pinned-values.ts): the chart is linted and rendered with
     * this value at this path (e.g. image.tag=v0.4.0@sha256:…), so a chart that cannot render it fails here.
     */
    imageValue: { path: string; value: pulumi.Input<string> };
    /** An OCI registry to push the packaged chart to (oci://host/path); none when undefined. */
    ociRegistry?: string;
}

/** The output of the package step: "<archive path> <sha256 hex>". Internal. Exported for testing. */
export function parsePackageOutput(stdout: string): { archive: string; digest: string } {
    const match = /^(\S+\.tgz) ([a-f0-9]{64})$/m.exec(stdout.trim());
    if (!match) {
        throw new Error(
            `helm package printed no '<archive> <sha256>' line; it printed: ${stdout.trim() || "(nothing)"}`,
        );
    }
    return { archive: match[1], digest: `sha256:${match[2]}` };
}

export class ChartPackage extends pulumi.ComponentResource {
    /** The packaged chart, relative to the project directory (dist/<name>-<version>.tgz). */
    readonly archive: pulumi.Output<string>;
    /** sha256 of the packaged chart: what production must find again before it deploys. */
    readonly digest: pulumi.Output<string>;
    /** Where the chart was published (oci://host/path/name), once it was; undefined without an OCI registry. */
    readonly ref: pulumi.Output<string | undefined>;
    /**
     * The verified archive the Helm release loads: the cache path named for the digest (components/chart-fetch.ts),
     * filled from dist/ after packaging or, in a fresh clone without dist/, fetched by digest from the registry.
     */
    readonly localChart: pulumi.Output<string>;

    constructor(name: string, args: ChartPackageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("mirador:release:ChartPackage", name, {}, opts);
        // Every step re-runs when the chart's files or the version change, and only then. charts/ holds what
        // `helm dependency update` downloads, so it is an output of the first step, not an input.
        const triggers = [treeDigest(args.chartDir, ["charts"]), args.version];
        const env = { CHART: args.chartDir, VERSION: args.version, DIST: args.distDir, NAME: args.chartName };

        const deps = new command.local.Command(
            `${name}-dependency-update`,
            { create: 'helm dependency update "$CHART"', environment: env, triggers },
            { parent: this, dependsOn: waitFor(opts) },
        );
        const lint = new command.local.Command(
            `${name}-lint`,
            {
                // helm lint reports a template's `fail` only as INFO, so the chart is also rendered with the digest.
                create: [
                    'helm lint --strict "$CHART" --set-string "$IMAGE_VALUE_PATH=$IMAGE_VALUE"',
                    'helm template lint "$CHART" --set-string "$IMAGE_VALUE_PATH=$IMAGE_VALUE" >/dev/null',
                ].join(" && "),
                environment: { ...env, IMAGE_VALUE_PATH: args.imageValue.path, IMAGE_VALUE: args.imageValue.value },
                triggers,
            },
            { parent: this, dependsOn: [deps] },
        );
        const pkg = new command.local.Command(
            `${name}-package`,
            {
                create: [
                    'mkdir -p "$DIST"',
                    'helm package "$CHART" --destination "$DIST" --version "$VERSION" --app-version "$VERSION" >&2',
                    'f="$DIST/$NAME-$VERSION.tgz"',
                    'echo "$f $(sha256sum "$f" | cut -d" " -f1)"',
                ].join(" && "),
                environment: env,
                triggers,
            },
            { parent: this, dependsOn: [lint] },
        );
        const parsed = pkg.stdout.apply(parsePackageOutput);
        this.archive = parsed.archive;
        this.digest = parsed.digest;

        const chartRef = args.ociRegistry === undefined ? undefined : chartRefOf(args.ociRegistry, args.chartName);
        if (args.ociRegistry !== undefined) {
            const push = new command.local.Command(
                `${name}-push`,
                {
                    // A registry on the loopback serves plain HTTP (the local stacks' registry).
                    create: `helm push "$ARCHIVE" "$OCI_REGISTRY"${isLoopbackRegistry(args.ociRegistry) ? " --plain-http" : ""}`,
                    environment: { ARCHIVE: this.archive, OCI_REGISTRY: args.ociRegistry },
                    triggers: [this.digest],
                },
                { parent: this },
            );
            this.ref = push.stdout.apply(() => chartRef);
        } else {
            this.ref = pulumi.output(undefined);
        }
        // Not a step: a file the program needs before the release's check, named for the digest so that the
        // release's chart input reads the same in every clone and changes with every new chart.
        this.localChart = pulumi
            .all([this.archive, this.digest])
            .apply(([archive, digest]) => fetchChart(chartRef, digest, { localArchive: archive }));
        this.registerOutputs({ archive: this.archive, digest: this.digest, ref: this.ref });
    }
}
