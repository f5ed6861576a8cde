// A ConfigSource backed by a plain map, for testing the config loader without the Pulumi runtime.
import { ConfigSource } from "../../../config/reader";

export function mapConfig(values: Record<string, unknown>, secretKeys: string[] = []): ConfigSource {
    return {
        keys: () => Object.keys(values).filter((k) => values[k] !== undefined),
        get: (key) => {
            const v = values[key];
            return v === undefined ? undefined : typeof v === "string" ? v : JSON.stringify(v);
        },
        getObject: <T>(key: string) => values[key] as T | undefined,
        isSecret: (key) => secretKeys.includes(key),
    };
}
