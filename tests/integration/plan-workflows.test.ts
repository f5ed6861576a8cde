// The GitHub workflows, checked here without GitHub: actionlint (built from its pinned module, tools/go/actionlint)
// must find nothing in them, and must find what is broken in a broken copy; and each does what the release needs.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { runBounded } from "../support/run-cli";
import { repoRoot, requireTool } from "../support/tools";

const WORKFLOWS = path.join(repoRoot, ".github", "workflows");

/** actionlint on files; shellcheck and pyflakes off, so that the verdict does not depend on what else is installed. */
function actionlint(files: string[]) {
    return runBounded(requireTool("actionlint"), ["-no-color", "-shellcheck=", "-pyflakes=", ...files], {
        cwd: repoRoot,
        limitMs: 60_000,
    });
}

interface Step {
    uses?: string;
    run?: string;
    with?: Record<string, unknown>;
}
interface Job {
    needs?: string | string[];
    environment?: string;
    strategy?: { matrix?: { stack?: string[] } };
    defaults?: { run?: { "working-directory"?: string } };
    steps: Step[];
}

function workflow(name: string): { on: Record<string, unknown>; jobs: Record<string, Job> } {
    return parse(fs.readFileSync(path.join(WORKFLOWS, name), "utf8")) as {
        on: Record<string, unknown>;
        jobs: Record<string, Job>;
    };
}

describe("the GitHub workflows", () => {
    it("pass actionlint v1.7.12", async () => {
        const version = await runBounded(requireTool("actionlint"), ["-version"], { cwd: repoRoot, limitMs: 10_000 });
        assert.match(version.stdout, /^v1\.7\.12\n/);
        const files = fs.readdirSync(WORKFLOWS).map((f) => path.join(WORKFLOWS, f));
        assert.deepEqual(files.map((f) => path.basename(f)).sort(), ["preview.yml", "release.yml"]);
        const result = await actionlint(files);
        assert.equal(result.stdout + result.stderr, "");
        assert.equal(result.code, 0);
    });

    it("where actionlint does report a broken workflow (so that the check above can fail)", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "plan-actionlint-"));
        try {
            const broken = path.join(dir, "broken.yml");
            const text = fs
                .readFileSync(path.join(WORKFLOWS, "preview.yml"), "utf8")
                .replace("STACK: ${{ matrix.stack }}", "STACK: ${{ matrix.stak }}")
                .replace("actions/checkout@v4", "actions/checkout@v4\n        with: { fetch-dept: 1 }");
            fs.writeFileSync(broken, text);
            const result = await actionlint([broken]);
            assert.equal(result.code, 1);
            assert.match(result.stdout, /property "stak" is not defined in object type/);
            assert.match(result.stdout, /input "fetch-dept" is not defined in action "actions\/checkout@v4"/);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("preview: on pull requests, plans both stacks with the policy pack and edits one comment per stack", () => {
        const wf = workflow("preview.yml");
        assert.ok("pull_request" in wf.on);
        const job = wf.jobs.plan;
        assert.deepEqual(job.strategy?.matrix?.stack, ["staging", "prod"]);
        const runs = job.steps.map((s) => s.run ?? "").join("\n");
        assert.match(runs, /\(cd policy && npm ci/);
        assert.match(runs, /npm run -s plan -- --stack "\$STACK" --out "\$PLAN_DIR\/\$STACK\.md"/);
        const script = String(job.steps.find((s) => s.uses === "actions/github-script@v7")?.with?.script);
        assert.match(script, /<!-- mirador-release-plan:\$\{stack\} -->/, "the marker the renderer writes");
        assert.match(script, /updateComment/);
        assert.match(script, /createComment/);
        assert.match(script, /\.comment\.md/, "the comment-sized plan");
    });

    it("release: staging up, then prod up behind the production environment, both with the policy pack", () => {
        const wf = workflow("release.yml");
        const { staging, prod } = wf.jobs;
        const run = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
        assert.match(run(staging), /pulumi up -s staging --yes --non-interactive --policy-pack policy\n/);
        assert.equal(prod.needs, "staging");
        assert.equal(prod.environment, "production");
        assert.match(
            run(prod),
            /pulumi up -s prod --yes --non-interactive --policy-pack policy --policy-pack-config policy\/prod\.json\n/,
        );
        assert.ok(prod.steps.some((s) => s.uses === "actions/download-artifact@v4" && s.with?.name === "canary-chart"));
    });

    describe("release the real service with the official Pulumi CLI", () => {
        const jobs = Object.entries({ ...workflow("preview.yml").jobs, ...workflow("release.yml").jobs });
        const pinnedPulumi = /^VERSION=v(\S+)$/m.exec(
            fs.readFileSync(path.join(repoRoot, "tools", "go", "pulumi", "tool.env"), "utf8"),
        )?.[1];
        const stackSourceDir = (stack: string): string =>
            (
                parse(fs.readFileSync(path.join(repoRoot, `Pulumi.${stack}.yaml`), "utf8")) as {
                    config: Record<string, string>;
                }
            ).config["mirador-release:sourceDir"];

        for (const [name, job] of jobs) {
            it(`${name}: checks out the service with its tags where sourceDir points, and builds no local toolchain`, () => {
                const runs = job.steps.map((s) => s.run ?? "").join("\n");
                assert.doesNotMatch(runs, /bootstrap-tools|scripts\/lib\/common\.sh/);
                assert.ok(!job.steps.some((s) => JSON.stringify(s.with ?? {}).includes(".cache/mirador-release")));
                const pulumi = job.steps.find((s) => s.uses === "pulumi/actions@v6");
                assert.ok(pulumi, "the official Pulumi CLI (pulumi/actions)");
                assert.ok(pinnedPulumi !== undefined);
                assert.ok(
                    [pinnedPulumi, "${{ env.PULUMI_VERSION }}"].includes(String(pulumi.with?.["pulumi-version"])),
                );

                const project = job.defaults?.run?.["working-directory"];
                assert.equal(project, "mirador-release");
                const own = job.steps.find((s) => s.uses === "actions/checkout@v4" && s.with?.repository === undefined);
                assert.equal(own?.with?.path, project);
                const service = job.steps.find(
                    (s) => s.uses === "actions/checkout@v4" && s.with?.repository === "miradorstack/mirador-rca",
                );
                assert.ok(service, "the service's repository is checked out");
                assert.equal(service.with?.["fetch-depth"], 0, "with its whole history and tags");
                for (const stack of ["staging", "prod"]) {
                    const where = path.posix.normalize(path.posix.join(project, stackSourceDir(stack)));
                    assert.equal(where, service.with?.path, `Pulumi.${stack}.yaml's sourceDir is that checkout`);
                }
            });
        }

        it("installs exactly the tools a release runs: helm, cosign and grpcurl for staging, helm and cosign for prod", () => {
            const { staging, prod } = workflow("release.yml").jobs;
            const tools = (job: Job) =>
                [
                    job.steps.some((s) => s.uses === "azure/setup-helm@v4") && "helm",
                    job.steps.some((s) => s.uses === "sigstore/cosign-installer@v3") && "cosign",
                    job.steps.some((s) => /go install "github.com\/fullstorydev\/grpcurl/.test(s.run ?? "")) &&
                        "grpcurl",
                ].filter(Boolean);
            assert.deepEqual(tools(staging), ["helm", "cosign", "grpcurl"]);
            assert.deepEqual(tools(prod), ["helm", "cosign"]);
            const service = prod.steps.find((s) => s.with?.repository === "miradorstack/mirador-rca");
            assert.equal(
                service?.with?.ref,
                "${{ needs.staging.outputs.service-commit }}",
                "prod tags the canary's commit",
            );
        });
    });
});
