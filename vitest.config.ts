import tsconfigPaths from "vite-tsconfig-paths";
import { defineConfig } from "vitest/config";

// Three projects, one `vitest run`: unit (pure, fast), integration (database, local tenant over
// HTTP, the real auth0 SDK), e2e (the built portal in a real Chromium through playwright-core).
export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    reporters: ["default", "./tests/support/count-reporter.ts"],
    // An unexpected console.error fails the test that caused it (tests/support/console-guard.ts).
    setupFiles: ["./tests/support/console-guard.ts"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: [
            "app/**/*.test.ts",
            "app/**/*.test.tsx",
            "local-tenant/**/*.test.ts",
            "scripts/**/*.test.ts",
            "server/**/*.test.ts",
          ],
          environment: "node",
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts", "tests/db/**/*.test.ts"],
          // The portal's build, and the migrated PGlite snapshot every test database starts from.
          globalSetup: ["./tests/support/build-portal.ts", "./tests/support/pglite-snapshot.ts"],
          environment: "node",
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          environment: "node",
          globalSetup: ["./tests/support/build-portal.ts", "./tests/support/pglite-snapshot.ts"],
          testTimeout: 60_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
