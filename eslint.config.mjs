// ESLint flat config: typescript-eslint's type-aware rules plus Pulumi's rules that catch an Output used
// inside a plain template string (it would print "Calling [toString] on an [Output<T>] is not supported").
import tseslint from "typescript-eslint";
import pulumi from "@pulumi/eslint-plugin";

export default tseslint.config(
    {
        ignores: [
            "node_modules/**",
            "bin/**",
            "policy/node_modules/**",
            "policy/bin/**",
            "examples/**",
            "**/*.mjs",
            "**/*.js",
        ],
    },
    ...tseslint.configs.recommendedTypeChecked,
    {
        languageOptions: {
            parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
        },
        plugins: { "@pulumi": pulumi },
        rules: {
            "@pulumi/no-output-in-template-literal": "error",
            "@pulumi/no-output-instance-in-template-literal": "error",
            "@typescript-eslint/no-floating-promises": "error",
            "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
        },
    },
    {
        // Settings are typed by role (config/settings.ts): the program reads only what its role has, never with `!`.
        files: ["index.ts", "config/**/*.ts"],
        rules: { "@typescript-eslint/no-non-null-assertion": "error" },
    },
    {
        files: ["tests/**/*.ts"],
        rules: {
            // chai-style and mocha hooks use dynamic imports and `any` from mocked resources.
            "@typescript-eslint/no-unsafe-member-access": "off",
            "@typescript-eslint/no-unsafe-assignment": "off",
            "@typescript-eslint/no-unsafe-argument": "off",
            "@typescript-eslint/no-unsafe-call": "off",
            // Tests load the program under mocks with a fresh require cache.
            "@typescript-eslint/no-require-imports": "off",
        },
    },
);
