// The mirador-release policy pack: `pulumi up -s prod --policy-pack policy --policy-pack-config <file>`.
// Run from the repository (it imports ../gate), after `npm ci` at the root and in policy/.
import { PolicyPack } from "@pulumi/policy";
import { imagePinnedByDigest } from "./image-pinned-by-digest";
import { promoteCanariedDigestPolicy } from "./promote-canaried-digest";
import { sloGatePolicy } from "./slo-gate";

new PolicyPack("mirador-release", {
    enforcementLevel: "mandatory",
    policies: [sloGatePolicy(), imagePinnedByDigest, promoteCanariedDigestPolicy()],
});
