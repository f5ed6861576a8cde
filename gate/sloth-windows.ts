// Sloth's alert windows for an SLO period (its default catalog: the SRE workbook's multiwindow, multi-burn-rate
// alerts). The gate's page checks read the same windows and factors as the page alerts Sloth generates: the
// windows are Sloth's, not a setting of the gate.

/** A pair of windows whose burn rates must both stay at or under a factor (one of Sloth's alerts). */
export interface BurnWindow {
    short: string;
    long: string;
    factor: number;
}

/** The period Sloth generates the rules for (`sloth generate --default-slo-period`), and the gate judges by. */
export const SLO_PERIOD = "30d";

/** One alert of Sloth's catalog: its windows and the share of the period's budget it fires at. */
interface CatalogAlert {
    short: string;
    long: string;
    /** Percent of the period's error budget spent over the long window when the alert fires. */
    budgetPercent: number;
}

/** Sloth's default catalog, the same for its 30d and 28d periods (only the factors differ). */
const PAGE: CatalogAlert[] = [
    { short: "5m", long: "1h", budgetPercent: 2 },
    { short: "30m", long: "6h", budgetPercent: 5 },
];
const TICKET: CatalogAlert[] = [
    { short: "2h", long: "1d", budgetPercent: 10 },
    { short: "6h", long: "3d", budgetPercent: 10 },
];
const PERIOD_HOURS: Record<string, number> = { "30d": 720, "28d": 672 };
const WINDOW_HOURS: Record<string, number> = { "1h": 1, "6h": 6, "1d": 24, "3d": 72 };

function factors(alerts: CatalogAlert[], period: string): BurnWindow[] {
    const hours = PERIOD_HOURS[period];
    if (hours === undefined) {
        throw new Error(
            `SLO period ${period} is not in Sloth's default catalog (${Object.keys(PERIOD_HOURS).join(", ")})`,
        );
    }
    return alerts.map((a) => ({
        short: a.short,
        long: a.long,
        factor: Number(((a.budgetPercent / 100) * (hours / WINDOW_HOURS[a.long])).toPrecision(6)),
    }));
}

/** Sloth's page alert windows and factors for the period (30d: 5m/1h 14.4, 30m/6h 6). */
export function pageWindows(period = SLO_PERIOD): BurnWindow[] {
    return factors(PAGE, period);
}

/** Sloth's ticket alert windows and factors for the period (30d: 2h/1d 3, 6h/3d 1). */
export function ticketWindows(period = SLO_PERIOD): BurnWindow[] {
    return factors(TICKET, period);
}
