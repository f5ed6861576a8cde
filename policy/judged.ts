// A promotion is judged once: when the production release's Helm description records that the program's SLO gate
// promoted exactly the digest the release runs (gate/judged.ts), the policies that judge the canary pass, whatever
// the canary does now. During the preview of a new promotion the description is not known yet (the gate runs in
// the update), so the policies judge the canary themselves. A rollback (gate/rollback-record.ts) returns to a digest
// the gate promoted before: its record, naming exactly the digest the release runs, passes the same way.
import type { ResourceValidationArgs } from "@pulumi/policy";
import type { ServiceProfile } from "../config/service-profile";
import { judgedDigest } from "../gate/judged";
import { rollbackRecord } from "../gate/rollback-record";
import { descriptionOf, imageValues, pinnedDigest } from "./release";

/** Whether the gate already promoted the digest this release runs (now, or before a rollback to it). */
export function alreadyPromoted(args: ResourceValidationArgs, profile: ServiceProfile): boolean {
    const digest = pinnedDigest(imageValues(args, profile));
    const recorded = descriptionOf(args);
    return digest !== undefined && (judgedDigest(recorded) === digest || rollbackRecord(recorded)?.digest === digest);
}
