// The one place a rollback gets its chart: the archive production deployed before, checked against the digest it
// recorded then. Never a re-package of the checkout (that would be another chart). When production fetches
// charts by digest from the registry, this function is where the rollback's archive comes from.
import * as crypto from "crypto";
import * as fs from "fs";
import { PromotedRelease } from "./production-history";
import { ConfigError } from "./validate";

/** The local chart archive of a release production ran before, verified against its recorded digest. */
export function rollbackChartArchive(release: PromotedRelease): string {
    const file = release.chartArchive;
    if (!fs.existsSync(file)) {
        throw new ConfigError([
            `the chart of ${release.version} (${file}, ${release.chartDigest}) is not here: a rollback deploys the chart production ran, never a re-package (restore dist/ from the release's build)`,
        ]);
    }
    const digest = `sha256:${crypto.createHash("sha256").update(fs.readFileSync(file)).digest("hex")}`;
    if (digest !== release.chartDigest) {
        throw new ConfigError([
            `${file} has digest ${digest}, but production ran ${release.version} with ${release.chartDigest}: the chart changed since, so it is not the release to return to`,
        ]);
    }
    return file;
}
