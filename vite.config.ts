import { vitePlugin as remix } from "@remix-run/dev";
import { readFileSync } from "node:fs";
import { defineConfig, type Plugin } from "vite";
import tsconfigPaths from "vite-tsconfig-paths";

// Remix's options live here with the Vite plugin; there is no remix.config.js (ADR 001).
declare module "@remix-run/node" {
  interface Future {
    v3_singleFetch: true;
  }
}

export default defineConfig({
  server: { port: 3000 },
  build: { target: "es2022" },
  plugins: [
    remix({
      ignoredRouteFiles: ["**/*.test.ts", "**/*.test.tsx", "**/*.server.test.ts"],
      future: {
        v3_fetcherPersist: true,
        v3_relativeSplatPath: true,
        v3_throwAbortReason: true,
        v3_singleFetch: true,
        v3_lazyRouteDiscovery: false,
      },
    }),
    tsconfigPaths(),
    pgliteWorkerEntry(),
  ],
});

/**
 * PGlite runs in a worker thread whose entry is a plain .mjs file beside pglite-thread.ts, found
 * by a URL relative to that module. The server build bundles the module into build/server/index.js,
 * so the entry is copied next to it, where the same relative URL points (ADR 020).
 */
function pgliteWorkerEntry(): Plugin {
  const entry = new URL("./app/services/platform/db/pglite-worker.mjs", import.meta.url);
  return {
    name: "pglite-worker-entry",
    generateBundle() {
      if (this.environment.config.consumer !== "server") return;
      this.emitFile({ type: "asset", fileName: "pglite-worker.mjs", source: readFileSync(entry) });
    },
  };
}
