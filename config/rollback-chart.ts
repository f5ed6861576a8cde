// The one place a rollback gets its chart: the chart production deployed before, fetched by the digest it recorded
// then from where staging published it (components/chart-fetch.ts verifies the sha256). Never a re-package of the
// checkout (that would be another chart).
import { fetchChart } from "../components/chart-fetch";
import { PromotedRelease } from "./production-history";

/** The verified local chart archive of a release production ran before. */
export async function rollbackChartArchive(release: PromotedRelease): Promise<string> {
    return fetchChart(release.chartRef, release.chartDigest);
}
