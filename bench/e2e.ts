// `npm run bench:e2e`: what the program costs on the real engine, against the local infrastructure.
//   - pulumi preview of each stack (no change pending), median of N
//   - a no-op pulumi up of local-staging, median of N
//   - a staging release (a new version: every step runs) through the program, and the same steps typed as plain
//     shell commands from RELEASE-PROCESS.md (bench/manual-staging.sh), interleaved, medians and their ratio: the
//     program's orchestration overhead. Both attest the signed digest (SBOM, provenance);
//   - what attesting adds to the staging release: the two attest steps alone, on the program's digest.
// Prints figures; asserts nothing. BENCH_RUNS (default 3) sets N.
import * as path from "path";
import { ReleaseSandbox } from "../tests/support/release-sandbox";
import { repoRoot } from "../tests/support/tools";

const runs = Number(process.env.BENCH_RUNS ?? 3);

function median(xs: number[]): number {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timed(fn: () => Promise<unknown>): Promise<number> {
    const start = process.hrtime.bigint();
    await fn();
    return Number(process.hrtime.bigint() - start) / 1e9;
}

/** staging's two attest steps (components/steps/attest-image.sh) once more on the digest it just released. */
async function attestAgain(sandbox: ReleaseSandbox, version: string): Promise<void> {
    const outputs = await sandbox.staging.outputs();
    const i = sandbox.infra;
    const env = {
        IMAGE: String(outputs.imageDigestRef.value),
        COSIGN_KEY: i.MIRADOR_COSIGN_KEY,
        COSIGN_PASSWORD: sandbox.cosignPassword,
        COSIGN_TLOG_UPLOAD: "false",
        SOURCE_DIR: i.MIRADOR_SOURCE_DIR,
        COMMIT: String(outputs.commit.value),
        DOCKERFILE: "Dockerfile",
        CONTEXT: ".",
        PREBUILD: "make build",
        STARTED_ON: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        BUILDER_ID: "https://github.com/miradorstack/mirador-release/bench",
        BUILD_TYPE: "https://github.com/miradorstack/mirador-release/blob/main/docs/attestations.md#build-v1",
        INVOCATION_ID: `bench/v${version}`,
    };
    const step = path.join(repoRoot, "components", "steps", "attest-image.sh");
    await sandbox.run("bash", [step], { ...env, KIND: "sbom" });
    await sandbox.run("bash", [step], { ...env, KIND: "provenance" });
}

async function main() {
    const sandbox = new ReleaseSandbox();
    const say = (s: string) => process.stderr.write(`[bench:e2e] ${s}\n`);
    try {
        say("starting the local infrastructure and the stacks");
        await sandbox.start();
        say("first staging up (builds caches, not measured)");
        await sandbox.staging.up();
        // The gate promotes only a canary that served enough requests over its soak (policy config minRequests).
        say("traffic for the canary's soak (not measured)");
        await sandbox.load(75, 10);
        say("first prod up (not measured)");
        await sandbox.prod.up();

        const figures: Record<string, number[]> = {
            "preview local-staging": [],
            "preview local-prod": [],
            "no-op up local-staging": [],
            "staging release, program": [],
            "staging release, shell": [],
            "attesting (SBOM+provenance)": [],
        };
        // Previews and the no-op up first, while the source, the config and both stacks agree: a release bumps
        // the source, after which the prod stack (still at the promoted version) no longer validates.
        for (let i = 0; i < runs; i++) {
            say(`no-change round ${i + 1}/${runs}`);
            figures["preview local-staging"].push(await timed(() => sandbox.staging.preview()));
            figures["preview local-prod"].push(await timed(() => sandbox.prod.preview()));
            figures["no-op up local-staging"].push(await timed(() => sandbox.staging.up()));
        }
        for (let i = 0; i < runs; i++) {
            say(`release round ${i + 1}/${runs}: the program, then the same steps as shell commands`);
            const programVersion = `0.5.${2 * i}`;
            sandbox.bumpSource(programVersion);
            await sandbox.configure(sandbox.staging, { version: programVersion });
            const up = await timed(() => sandbox.staging.up());
            figures["staging release, program"].push(up);
            figures["attesting (SBOM+provenance)"].push(await timed(() => attestAgain(sandbox, programVersion)));

            const shellVersion = `0.5.${2 * i + 1}`;
            sandbox.bumpSource(shellVersion);
            // Both canaries run on the node's loopback at the ports Prometheus scrapes: one at a time (not timed).
            const kubectl = (...args: string[]) => sandbox.run("kubectl", args);
            await kubectl("-n", "mirador-staging", "scale", "deployment/mirador-rca-canary", "--replicas=0");
            await kubectl(
                "-n",
                "mirador-staging",
                "wait",
                "--for=delete",
                "pod",
                "-l",
                "track=canary",
                "--timeout=60s",
            );
            const i2 = sandbox.infra;
            figures["staging release, shell"].push(
                await timed(() =>
                    sandbox.run("bash", [path.join(repoRoot, "bench", "manual-staging.sh")], {
                        SOURCE_DIR: i2.MIRADOR_SOURCE_DIR,
                        REGISTRY: i2.MIRADOR_REGISTRY,
                        TAG: `v${shellVersion}`,
                        COSIGN_KEY: i2.MIRADOR_COSIGN_KEY,
                        COSIGN_PUBLIC_KEY: i2.MIRADOR_COSIGN_PUBLIC_KEY,
                        COSIGN_PASSWORD: sandbox.cosignPassword,
                        TRUSTED_ROOT: i2.MIRADOR_COSIGN_TRUSTED_ROOT,
                        NAMESPACE: "mirador-bench-shell",
                        RELEASE: "mirador-rca-shell",
                        DIST: path.join(sandbox.root, `dist-${i}`),
                        GRPC_PORT: String(sandbox.ports.canaryGrpc),
                        METRICS_PORT: String(sandbox.ports.canaryMetrics),
                        PROMETHEUS_URL: i2.MIRADOR_PROMETHEUS_URL,
                        PROJECT_DIR: sandbox.projectDir,
                    }),
                ),
            );
            await sandbox.run("helm", ["uninstall", "mirador-rca-shell", "-n", "mirador-bench-shell", "--wait"]);
        }

        console.log(`bench:e2e — medians of ${runs} runs, seconds (each run's figures in brackets)`);
        for (const [name, xs] of Object.entries(figures)) {
            console.log(
                `  ${name.padEnd(28)} ${median(xs).toFixed(1).padStart(7)}   [${xs.map((x) => x.toFixed(1)).join(", ")}]`,
            );
        }
        const ratio = median(figures["staging release, program"]) / median(figures["staging release, shell"]);
        console.log(`  orchestration overhead       ${ratio.toFixed(2).padStart(7)}   (program / shell; aim <= 1.3)`);
    } finally {
        say("stopping the local infrastructure");
        await sandbox.stop();
    }
}

main().catch((e: Error) => {
    console.error(e.message);
    process.exit(1);
});
