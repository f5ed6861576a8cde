// Helm values as a key-by-key diff: dotted paths, lists of maps indexed, odd keys quoted, maps that appear or go
// away shown by their leaves.
import * as assert from "assert/strict";
import { Marker } from "../../plan/events";
import { diffValues, flatten } from "../../plan/values-diff";

describe("plan: values diff", () => {
    it("flattens maps into paths, indexes lists of maps and keeps lists of scalars whole", () => {
        assert.deepEqual(
            [
                ...flatten({
                    b: { c: 1, "app.kubernetes.io/name": "x" },
                    a: [1, 2],
                    env: [{ name: "A", value: "1" }],
                    e: {},
                }),
            ],
            [
                ["a", [1, 2]],
                ['b["app.kubernetes.io/name"]', "x"],
                ["b.c", 1],
                ["e", {}],
                ["env[0].name", "A"],
                ["env[0].value", "1"],
            ],
        );
    });

    it("tells added, removed and changed values apart, sorted by path", () => {
        assert.deepEqual(
            diffValues(
                { replicaCount: 1, image: { digest: "sha256:a", tag: "v1" }, keep: true },
                { replicaCount: 2, image: { digest: "sha256:a" }, keep: true, track: "canary" },
            ),
            [
                { path: "image.tag", kind: "removed", from: "v1" },
                { path: "replicaCount", kind: "changed", from: 1, to: 2 },
                { path: "track", kind: "added", to: "canary" },
            ],
        );
    });

    it("shows a map that appears or empties as its leaves, and everything as added on a first install", () => {
        assert.deepEqual(diffValues({ labels: {} }, { labels: { team: "rca" } }), [
            { path: "labels.team", kind: "added", to: "rca" },
        ]);
        assert.deepEqual(diffValues({ labels: { team: "rca" } }, { labels: {} }), [
            { path: "labels.team", kind: "removed", from: "rca" },
        ]);
        assert.deepEqual(diffValues(undefined, { a: Marker.unknown }), [
            { path: "a", kind: "added", to: Marker.unknown },
        ]);
        assert.deepEqual(diffValues({ a: [1, 2] }, { a: [1, 2] }), []);
    });
});
