// RELEASE-PROCESS.md step 5.4 with the real grpcurl: the smoke calls that the SmokeTests component declares from
// the service profile (its health check, then each grpc.smoke call), against the example service built from source
// and started on loopback.
import * as assert from "assert";
import * as path from "path";
import { loadServiceProfile } from "../../config/service-profile";
import { declaredCommand, runDeclared } from "../support/declared-commands";
import { makeExample, RunningService, startService } from "../support/service";
import { repoRoot, requireTool } from "../support/tools";
import { ProgramRun, runProgram } from "../unit/support/program";
import { createSourceFixture, SourceFixture } from "../unit/support/source-fixture";
import { stagingConfig, stagingSecrets } from "../unit/support/stacks";

describe("smoke steps with the real grpcurl against the example service", function () {
    this.timeout(300000);
    let src: SourceFixture;
    let run: ProgramRun;
    let service: RunningService | undefined;

    before(async () => {
        requireTool("grpcurl");
        await makeExample(["build"]);
        src = createSourceFixture();
        run = await runProgram({ stack: "staging", config: stagingConfig(src), secretKeys: stagingSecrets });
    });
    afterEach(async () => {
        await service?.stop();
        service = undefined;
    });
    after(() => src.remove());

    const smoke = (name: string) => runDeclared(declaredCommand(run, `smoke-${name}`), { ENDPOINT: service!.grpcAddr });

    const profile = loadServiceProfile(path.join(repoRoot, "profiles", "mirador-rca.yaml"));

    it("passes the health check and every call of the profile in order against a healthy canary", async () => {
        service = await startService();
        const health = await smoke("health");
        assert.strictEqual(health.status, 0, `health: ${health.stderr}`);
        assert.match(health.stdout, /"status": "SERVING"/);
        for (const call of profile.grpc.smoke) {
            const result = await smoke(call.name);
            assert.strictEqual(result.status, 0, `${call.name}: ${result.stderr}`);
            for (const fragment of call.expect) {
                assert.ok(result.stdout.includes(fragment), `${call.name} answered ${result.stdout}`);
            }
        }
    });

    it("fails with grpcurl's reason when the canary answers with errors, naming the call and the endpoint", async () => {
        service = await startService({ faultErrorRatio: 1 });
        const [first] = profile.grpc.smoke;
        const result = await smoke(first.name);
        assert.notStrictEqual(result.status, 0);
        assert.match(
            result.stderr,
            new RegExp(`^smoke ${first.name}: \\S+/${first.method} at 127\\.0\\.0\\.1:\\d+ failed:`),
        );
        assert.match(result.stderr, /Unavailable/);
    });

    it("fails when nothing listens at the endpoint", async () => {
        const result = await runDeclared(declaredCommand(run, "smoke-health"), { ENDPOINT: "127.0.0.1:1" });
        assert.notStrictEqual(result.status, 0);
        assert.match(result.stderr, /connection refused|Failed to dial/i);
    });
});
