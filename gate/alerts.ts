// The Sloth alerts of the service that are firing now: any of them denies the promotion.
import { Check } from "./checks";
import { matchers, promString } from "./metrics";
import { QueryClient, Sample } from "./prometheus";

/** Firing alerts of the service whose sloth_severity is one of the given ones. */
export function firingAlertsQuery(service: string, severities: string[]): string {
    const severity = `sloth_severity=~${promString(severities.join("|"))}`;
    return `ALERTS{${matchers({ alertstate: "firing", sloth_service: service })},${severity}}`;
}

function describeAlert(sample: Sample, trackLabel: string): string {
    const l = sample.labels;
    const track = l[trackLabel];
    const where = [l.sloth_slo, l.sloth_severity, track ? `${trackLabel}=${track}` : undefined].filter(Boolean);
    return `${l.alertname ?? "?"} (${where.join(", ")})`;
}

/** Passes when no such alert fires; the reason names every firing one. */
export async function runAlertCheck(
    client: QueryClient,
    service: string,
    severities: string[],
    trackLabel: string,
): Promise<Check> {
    const query = firingAlertsQuery(service, severities);
    const row = { name: "sloth-alerts", query, threshold: "<= 0" };
    try {
        const firing = await client.query(query);
        if (firing.length === 0) {
            return {
                ...row,
                value: 0,
                result: "pass",
                reason: `no ${severities.join("/")} alert of ${service} firing`,
            };
        }
        const names = firing
            .map((alert) => describeAlert(alert, trackLabel))
            .sort()
            .join("; ");
        return { ...row, value: firing.length, result: "fail", reason: `${firing.length} firing: ${names}` };
    } catch (err) {
        return { ...row, value: null, result: "error", reason: err instanceof Error ? err.message : String(err) };
    }
}
