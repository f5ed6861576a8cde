// image-pinned-by-digest, second half: what the release would run, not the values it was given. The pack renders
// the Helm release as the provider will install it (`helm template` of the same chart, values files, values and
// post-renderer, components/rendered-manifest.ts) and checks that every container and init container of every pod
// template runs the digest the values pin. A chart that ignores the value, hard-codes an image or adds a sidecar
// is denied; a chart the pack cannot find or render is denied too (it cannot tell what would run).
import * as fs from "fs";
import * as path from "path";
import { parseImageRef, podTemplates, renderChart } from "../components/rendered-manifest";
import type { ResourceValidationArgs } from "./release";

interface ReleaseProps {
    name?: unknown;
    namespace?: unknown;
    chart?: unknown;
    values?: unknown;
    valueYamlFiles?: unknown;
    postrender?: unknown;
}

/** A path of the release's inputs, resolved where the program runs (the provider resolves it there too). */
function resolved(programDir: string, file: string): string {
    return path.resolve(programDir, file);
}

/** The values files of the release: FileAssets (their paths), in order; a kind the pack cannot read throws. */
async function valuesFiles(programDir: string, files: unknown): Promise<string[]> {
    if (files === undefined || files === null) {
        return [];
    }
    if (!Array.isArray(files)) {
        throw new Error("valueYamlFiles is not a list");
    }
    const paths: string[] = [];
    for (const f of files) {
        // A FileAsset as the pack deserializes it: its path (a promise of it).
        const file = typeof f === "object" && f !== null ? await (f as { path?: unknown }).path : undefined;
        if (typeof file !== "string") {
            throw new Error("a valueYamlFiles entry is not a file asset, so the pack cannot render it");
        }
        paths.push(resolved(programDir, file));
    }
    return paths;
}

/**
 * What is wrong with what the release would run: one message a container that does not run
 * `repository@digest`, or why the release cannot be rendered. Empty when every container runs it.
 */
export async function renderedImageProblems(
    args: ResourceValidationArgs,
    image: { repository: string; digest: string; valuePath: string },
    programDir: string,
): Promise<string[]> {
    const props = args.props as ReleaseProps;
    if (typeof props.chart !== "string" || props.chart === "") {
        return ["the release names no local chart, so the pack cannot render what it would run"];
    }
    const chart = resolved(programDir, props.chart);
    if (!fs.existsSync(chart)) {
        return [
            `chart ${props.chart} is not at ${chart}: the pack renders the release to check what it would run; ` +
                "set programDir in the image-pinned-by-digest policy config to the program's project directory",
        ];
    }
    let objects;
    try {
        // The engine gives an unset postrender as "".
        const postRenderer =
            typeof props.postrender === "string" && props.postrender !== ""
                ? resolved(programDir, props.postrender)
                : undefined;
        objects = renderChart({
            release: typeof props.name === "string" ? props.name : args.name,
            namespace: typeof props.namespace === "string" ? props.namespace : "default",
            chart,
            valuesFiles: await valuesFiles(programDir, props.valueYamlFiles),
            values: (props.values ?? {}) as Record<string, unknown>,
            ...(postRenderer ? { postRenderer } : {}),
        });
    } catch (err) {
        return [`the release cannot be rendered, so what it would run is unknown: ${(err as Error).message}`];
    }
    const signed = `${image.repository}@${image.digest}`;
    const problems: string[] = [];
    const templates = podTemplates(objects);
    if (templates.length === 0) {
        problems.push("the chart renders no workload, so nothing would run the pinned digest");
    }
    for (const t of templates) {
        for (const ct of t.containers) {
            const ref = parseImageRef(ct.image);
            if (ref.repository !== image.repository || ref.digest !== image.digest) {
                problems.push(
                    `as rendered, ${t.owner} ${ct.init ? "init container" : "container"} ${ct.name} would run ` +
                        `${ct.image || "(no image)"}, not ${signed} that values.${image.valuePath} pins`,
                );
            }
        }
    }
    return problems;
}
