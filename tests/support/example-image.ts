// Images of the example service (examples/mirador-rca) for tests that run pods on the local node, without a Docker
// engine: the static binary built with `go build` into one layer, pushed to a loopback registry with crane. Each
// variant is its own digest (a label differs), so that a test can upgrade from one digest to another.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runOk } from "./cluster";
import { repoRoot, requireTool, toolPath } from "./tools";

export class ExampleImages {
    private readonly work = fs.mkdtempSync(path.join(os.tmpdir(), "mirador-image-"));
    private layer?: string;

    /** `registry`: 127.0.0.1:PORT of a registry that takes pushes over plain HTTP. */
    constructor(readonly registry: string) {}

    /** Pushes REGISTRY/mirador-rca:<variant> and returns its digest (sha256:…). */
    async push(variant: string): Promise<string> {
        const env = { ...process.env, PATH: toolPath() };
        const crane = requireTool("crane");
        const layer = await this.buildLayer();
        const repo = `${this.registry}/mirador-rca`;
        await runOk(crane, ["append", "--oci-empty-base", "-f", layer, "-t", `${repo}:base`], { env });
        await runOk(
            crane,
            [
                "mutate",
                `${repo}:base`,
                "--entrypoint",
                "/mirador-rca",
                "--user",
                "65534:65534",
                "-l",
                `variant=${variant}`,
                "-t",
                `${repo}:${variant}`,
            ],
            { env },
        );
        return (await runOk(crane, ["digest", `${repo}:${variant}`], { env })).trim();
    }

    /** Removes the build folder. */
    remove(): void {
        fs.rmSync(this.work, { recursive: true, force: true });
    }

    /** The service's static binary as a layer tarball (built once). */
    private async buildLayer(): Promise<string> {
        if (this.layer) {
            return this.layer;
        }
        const rootfs = path.join(this.work, "rootfs");
        fs.mkdirSync(rootfs, { recursive: true });
        await runOk("go", ["build", "-trimpath", "-o", path.join(rootfs, "mirador-rca"), "./cmd/rca-engine"], {
            env: { ...process.env, CGO_ENABLED: "0", PATH: toolPath() },
            cwd: path.join(repoRoot, "examples", "mirador-rca"),
            timeoutMs: 600_000,
        });
        const layer = path.join(this.work, "layer.tar");
        await runOk("tar", ["-C", rootfs, "--owner=0", "--group=0", "--numeric-owner", "-cf", layer, "mirador-rca"]);
        this.layer = layer;
        return layer;
    }
}
