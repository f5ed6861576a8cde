// The service is data: no gRPC service, method or metric name of any profile (profiles/, and the second test
// service's tests/fixtures/profiles/other-labels.yaml) appears in the program's code. Such names belong in the
// profiles, examples/, tests/, slos/ and the docs; the program reads them from a profile.
import * as assert from "assert/strict";
import * as fs from "fs";
import * as path from "path";
import { loadServiceProfile, ServiceProfile } from "../../config/service-profile";
import { loadSloSpec } from "../../gate/spec";
import { descendants, parsePromql, withSentinel } from "../../gate/promql/tree";

const ROOT = path.resolve(__dirname, "..", "..");
const PROFILES = [
    ...fs
        .readdirSync(path.join(ROOT, "profiles"))
        .filter((f) => /\.ya?ml$/.test(f))
        .map((f) => path.join(ROOT, "profiles", f)),
    path.join(ROOT, "tests", "fixtures", "profiles", "other-labels.yaml"),
];
/** The second service's Sloth spec, beside its profile. */
const SPECS: Record<string, string> = {
    "ledger-api": path.join(ROOT, "tests", "fixtures", "slo", "ledger-api-sloth.yaml"),
};

/** The program's code: what the brief calls program code, every text file of it. */
const PROGRAM_DIRS = ["components", "config", "gate", "plan", "policy"];
const SKIP = new Set(["node_modules", "package-lock.json", "package.json", "bin"]);

function files(dir: string): string[] {
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
        if (SKIP.has(entry.name)) return [];
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? files(full) : [full];
    });
}

function programFiles(): string[] {
    const scripts = fs
        .readdirSync(path.join(ROOT, "scripts"))
        .filter((f) => f.endsWith(".ts"))
        .map((f) => path.join(ROOT, "scripts", f));
    return [path.join(ROOT, "index.ts"), ...PROGRAM_DIRS.flatMap((d) => files(path.join(ROOT, d))), ...scripts];
}

/** The metric names the selectors of a Sloth spec read, and their histogram families. */
function specMetrics(file: string): string[] {
    const names = new Set<string>();
    for (const slo of loadSloSpec(file).slos) {
        for (const query of [slo.errorQuery, slo.totalQuery]) {
            const text = withSentinel(query, file).text;
            for (const node of descendants(parsePromql(text, file))) {
                if (node.name === "Identifier" && node.parent?.name === "VectorSelector") {
                    const name = text.slice(node.from, node.to);
                    names.add(name);
                    names.add(name.replace(/_(bucket|count|sum)$/, ""));
                }
            }
        }
    }
    return [...names];
}

/** Every name of a profile the program must not spell: gRPC service (qualified and bare), methods, metrics. */
function namesOf(profile: ServiceProfile): string[] {
    const derived = path.join(ROOT, "slos", `${profile.name}.derived.yaml`);
    const spec = fs.existsSync(derived) ? derived : SPECS[profile.name];
    const services = [profile.grpc.service, profile.grpc.health].filter((s): s is string => s !== undefined);
    return [
        ...services,
        ...services.map((s) => s.slice(s.lastIndexOf(".") + 1)),
        ...profile.grpc.smoke.map((s) => s.method),
        profile.metrics.requests.name,
        ...(spec === undefined ? [] : specMetrics(spec)),
    ];
}

function escape(text: string): string {
    return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

describe("no service names in the program", () => {
    const profiles = PROFILES.map((f) => loadServiceProfile(f));
    const names = [...new Set(profiles.flatMap(namesOf))].sort();

    it("knows the names of every profile, the second service's included", () => {
        for (const name of [
            "rca.v1.RCAEngine",
            "InvestigateIncident",
            "grpc_server_handled_total",
            "mirador_rca_investigations_total",
            "books.v2.LedgerService",
            "PostEntry",
            "ledger_rpc_served_total",
            "ledger_entries_total",
        ]) {
            assert.ok(names.includes(name), `${name} is not among ${names.join(", ")}`);
        }
    });

    it("finds none of them in index.ts, components/, config/, gate/, plan/, policy/ or scripts/*.ts", () => {
        const pattern = new RegExp(`(?<![A-Za-z0-9_:.])(${names.map(escape).join("|")})(?![A-Za-z0-9_:])`, "g");
        const found: string[] = [];
        for (const file of programFiles()) {
            const lines = fs.readFileSync(file, "utf8").split("\n");
            lines.forEach((line, i) => {
                for (const m of line.matchAll(pattern)) {
                    found.push(`${path.relative(ROOT, file)}:${i + 1}: ${m[1]}`);
                }
            });
        }
        assert.deepEqual(found, [], `service names in program code (move them into the profile):\n${found.join("\n")}`);
    });
});
