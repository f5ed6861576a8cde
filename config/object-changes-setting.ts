// Production's acknowledgement of an upgrade that deletes or renames a workload or traffic object (an outage:
// components/release-object-changes.ts): each change as the stop names it, e.g. "Service mirador-rca → mirador-rca-api".
import { normalizeAcknowledgement } from "../components/release-object-changes";
import { Reader } from "./reader";

export function readObjectChanges(r: Reader): { acknowledged: string[] } {
    const acknowledged = r.stringList(r.object("objectChanges"), "objectChanges", "acknowledged", []);
    return { acknowledged: acknowledged.map(normalizeAcknowledgement) };
}
