// The attestations part of a production plan (docs/attestations.md): which attestations prod will require of the
// digest it promotes (its verify-attestation steps in the preview), and which the digest carries now, signed by the
// release's key (`cosign verify-attestation` without a policy, the same trust flags as the steps).
import { execFile } from "child_process";
import { ATTESTATION_KINDS, AttestationKind } from "../components/attestation-check";
import { cell, code, table } from "./format";
import { PreviewFacts } from "./events";

export interface AttestationRow {
    kind: AttestationKind;
    /** Prod verifies this kind before it deploys. */
    required: boolean;
    /** Whether the digest carries one signed by the release's key, or why that is unknown. */
    present: boolean | string;
}

export interface AttestationsView {
    imageRef?: string;
    rows: AttestationRow[];
}

/** Runs `cosign verify-attestation` and resolves to true (one verifies), false, or a reason it could not run. */
export type AttestationProbe = (args: string[]) => Promise<boolean | string>;

export const cosignProbe: AttestationProbe = (args) =>
    new Promise((resolve) => {
        execFile("cosign", ["verify-attestation", ...args], { timeout: 60_000 }, (err, _out, stderr) => {
            if (err === null) {
                resolve(true);
            } else if (typeof err.code === "number") {
                resolve(
                    /no matching attestations|none of the attestations matched/.test(stderr) ? false : stderr.trim(),
                );
            } else {
                resolve(`cosign did not run: ${err.message}`);
            }
        });
    });

const KINDS: AttestationKind[] = ["sbom", "provenance", "gate"];

/** The verify-attestation steps of the preview, by kind, with their environment. */
function verifySteps(facts: PreviewFacts): Map<AttestationKind, Record<string, string>> {
    const found = new Map<AttestationKind, Record<string, string>>();
    for (const step of facts.steps) {
        const create = step.newInputs?.create;
        const env = step.newInputs?.environment;
        if (create !== "bash components/steps/verify-attestation.sh" || typeof env !== "object" || env === null) {
            continue;
        }
        const vars = Object.fromEntries(
            Object.entries(env as Record<string, unknown>).filter(
                (e): e is [string, string] => typeof e[1] === "string",
            ),
        );
        if (KINDS.includes(vars.KIND as AttestationKind)) {
            found.set(vars.KIND as AttestationKind, vars);
        }
    }
    return found;
}

/** What the plan shows: never rejects; an unknown digest or key leaves "present" as the reason. */
export async function attestationsForPlan(facts: PreviewFacts, probe: AttestationProbe): Promise<AttestationsView> {
    const steps = verifySteps(facts);
    const any = [...steps.values()][0];
    const imageRef = any?.IMAGE;
    const rows: AttestationRow[] = [];
    for (const kind of KINDS) {
        let present: boolean | string = "no verification step in the preview to take the digest and key from";
        if (any !== undefined && imageRef !== undefined && /@sha256:[0-9a-f]{64}$/.test(imageRef)) {
            const flags = (any.COSIGN_FLAGS ?? "").split(" ").filter((f) => f !== "");
            present = await probe([
                "--key",
                any.COSIGN_PUBLIC_KEY,
                ...flags,
                "--type",
                ATTESTATION_KINDS[kind].type,
                imageRef,
            ]);
        } else if (any !== undefined) {
            present = "the digest is not known before the update";
        }
        rows.push({ kind, required: steps.has(kind), present });
    }
    return { imageRef, rows };
}

export function renderAttestations(view: AttestationsView | undefined): string {
    const out = ["### Attestations", ""];
    if (view === undefined) {
        out.push("Not checked.");
        return out.join("\n");
    }
    const where = view.imageRef === undefined ? "" : ` of ${code(view.imageRef, Infinity, false)}`;
    out.push(
        `Signed by the release's key${where} (docs/attestations.md):`,
        "",
        table(
            ["attestation", "type", "on the digest now", "prod requires"],
            view.rows.map((r) => [
                ATTESTATION_KINDS[r.kind].what,
                code(ATTESTATION_KINDS[r.kind].type),
                r.present === true ? "yes" : r.present === false ? "**missing**" : `unknown: ${cell(r.present)}`,
                r.required ? "yes" : "no",
            ]),
        ),
    );
    return out.join("\n");
}
