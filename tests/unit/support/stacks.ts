// Complete, valid config of each role for unit tests; a test changes one key to break it.
import * as path from "path";
import { SourceFixture } from "./source-fixture";

export function stagingConfig(src: SourceFixture): Record<string, unknown> {
    return {
        role: "canary",
        version: "0.4.0",
        sourceDir: src.dir,
        image: { repository: "127.0.0.1:5000/mirador-rca" },
        cosign: {
            key: path.join(src.dir, "cosign.key"),
            publicKey: path.join(src.dir, "cosign.pub"),
            tlogUpload: false,
        },
        cosignPassword: "correct horse battery staple",
        canary: { replicaCount: 1, trafficWeight: 10, prometheusLabels: { release_track: "canary" } },
        smoke: { endpoint: "127.0.0.1:50051", plaintext: true },
        prometheusUrl: "http://127.0.0.1:9090",
    };
}

export const stagingSecrets = ["cosignPassword"];

export function prodConfig(src: SourceFixture): Record<string, unknown> {
    return {
        role: "production",
        version: "0.4.0",
        sourceDir: src.dir,
        stagingStack: "organization/mirador-release/staging",
        image: { repository: "127.0.0.1:5000/mirador-rca" },
        cosign: {
            key: path.join(src.dir, "cosign.key"),
            publicKey: path.join(src.dir, "cosign.pub"),
            tlogUpload: false,
        },
        cosignPassword: "correct horse battery staple",
        prometheusUrl: "http://127.0.0.1:9090",
        gate: "policy/local.json",
        github: { owner: "miradorstack", repo: "mirador-rca" },
        githubToken: "ghp_fixture_token",
        slackWebhookUrl: "https://hooks.slack.com/services/T000/B000/fixture",
    };
}

export const prodSecrets = ["githubToken", "slackWebhookUrl", "cosignPassword"];
