// The step that checks the release as rendered (components/rendered-release.ts runs it): `helm template` with the
// values the Helm release gets, the kinds the cluster serves, and the checks of components/rendered-check.ts.
// Env: CHART, RELEASE, NAMESPACE, VALUES (JSON), VALUES_FILES (JSON list), POST_RENDERER (optional), CONTRACT (JSON
// RenderedContract without servedKinds), KUBECONFIG / KUBE_CONTEXT. Prints what would run; exits 1 naming each
// problem.
import { checkRendered, RenderedContract } from "../rendered-check";
import { renderChart } from "../rendered-manifest";
import { servedKinds } from "../served-kinds";

function main(): void {
    const env = process.env;
    const contract = JSON.parse(env.CONTRACT ?? "{}") as RenderedContract;
    const objects = renderChart({
        release: env.RELEASE ?? "",
        namespace: env.NAMESPACE ?? "",
        chart: env.CHART ?? "",
        valuesFiles: JSON.parse(env.VALUES_FILES ?? "[]") as string[],
        values: JSON.parse(env.VALUES ?? "{}") as Record<string, unknown>,
        postRenderer: env.POST_RENDERER || undefined,
    });
    const verdict = checkRendered(objects, {
        ...contract,
        servedKinds: servedKinds({ kubeconfig: env.KUBECONFIG, kubeContext: env.KUBE_CONTEXT }),
    });
    for (const image of verdict.images) {
        console.log(`runs ${image}`);
    }
    console.log(`gRPC endpoint ${verdict.endpoint ?? "(none rendered)"}`);
    if (verdict.problems.length > 0) {
        console.error(`the release as rendered would not be the release checked:\n- ${verdict.problems.join("\n- ")}`);
        process.exit(1);
    }
}

try {
    main();
} catch (err) {
    console.error((err as Error).message);
    process.exit(1);
}
