// RELEASE-PROCESS.md step 5.4 with the real grpcurl: the smoke calls that the SmokeTests component declares,
// against the example service built from source and started on loopback.
import * as assert from "assert";
import { smokeRequests } from "../../components/steps/smoke-requests";
import { declaredCommand, runDeclared } from "../support/declared-commands";
import { makeExample, RunningService, startService } from "../support/service";
import { requireTool } from "../support/tools";
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

    it("passes every call in order against a healthy canary, the second investigation from the cache", async () => {
        service = await startService();
        for (const call of smokeRequests) {
            const result = await smoke(call.name);
            assert.strictEqual(result.status, 0, `${call.name}: ${result.stderr}`);
            assert.ok(result.stdout.includes(call.expect), `${call.name} answered ${result.stdout}`);
        }
    });

    it("fails the investigation-from-cache step when the canary does not cache", async () => {
        service = await startService();
        assert.strictEqual((await smoke("investigate")).status, 0);
        const cached = await smoke("investigate-cached");
        assert.notStrictEqual(cached.status, 0);
        assert.match(cached.stderr, /answer lacks "cached": true/);
    });

    it("fails with grpcurl's reason when the canary answers with errors", async () => {
        service = await startService({ faultErrorRatio: 1 });
        const result = await smoke("investigate");
        assert.notStrictEqual(result.status, 0);
        assert.match(result.stderr, /Unavailable/);
    });

    it("fails when nothing listens at the endpoint", async () => {
        const result = await runDeclared(declaredCommand(run, "smoke-get-patterns"), { ENDPOINT: "127.0.0.1:1" });
        assert.notStrictEqual(result.status, 0);
        assert.match(result.stderr, /connection refused|Failed to dial/i);
    });
});
