import js from "@eslint/js";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

/** Pages link with ~/components/link: the same Link, cheaper to render on the server. */
const REMIX_LINK = {
  name: "@remix-run/react",
  importNames: ["Link"],
  message: "Import Link from ~/components/link (Remix's Link, rendered without path resolution on the server).",
};

export default tseslint.config(
  { ignores: ["build/", "node_modules/", ".data/", "test-results/", "bench/results/"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "warn",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_", caughtErrorsIgnorePattern: "^_" },
      ],
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "no-console": "off",
    },
  },
  {
    files: ["app/**"],
    rules: { "no-restricted-imports": ["error", { paths: [REMIX_LINK] }] },
  },
  {
    // Components and validators run in the browser too: they must never import server modules.
    files: ["app/components/**", "app/validators/**", "app/forms/**"],
    ignores: ["app/forms/**/*.server.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          paths: [REMIX_LINK],
          patterns: [
            {
              group: ["*.server", "*.server.*", "**/*.server"],
              message: "Server-only module: import it from a loader/action or another *.server.ts file.",
            },
          ],
        },
      ],
    },
  },
);
