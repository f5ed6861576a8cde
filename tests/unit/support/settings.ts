// Settings of one role, for tests that read a role's own settings: an assertion that the loader gave that role.
import * as assert from "assert";
import { CanaryReleaseSettings, ProductionReleaseSettings, ReleaseSettings } from "../../../config/settings";

export function asCanary(s: ReleaseSettings): CanaryReleaseSettings {
    assert.strictEqual(s.role, "canary");
    return s;
}

export function asProduction(s: ReleaseSettings): ProductionReleaseSettings {
    assert.strictEqual(s.role, "production");
    return s;
}
