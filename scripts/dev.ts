/**
 * `npm run dev`: the portal with Vite's dev server (hot reload) in local mode, beside the local
 * tenant, on the same ports as `npm start`.
 */
import { createServer as createViteServer } from "vite";
import type { ServerBuild } from "@remix-run/node";
import { createServer } from "node:http";
import { startLocalTenant } from "../local-tenant/server";
import { createPortalApp } from "../server/http";
import { tenantDataDir } from "../server/portal";
import { databaseTargetFromEnv, openMigrated } from "~/services/platform/db.server";
import { getEnv, listenHost } from "~/services/platform/env.server";
import { seedLocalMode } from "~/services/identity/local-seed.server";
import { installRuntime } from "~/services/platform/runtime.server";
import { localTenantConfig } from "../server/local-tenant-config";

const env = getEnv();
const vite = await createViteServer({ server: { middlewareMode: true } });
const publicUrl = env.publicUrl;
const tenant = env.localMode
  ? await startLocalTenant({
      port: env.LOCAL_TENANT_PORT,
      dataDir: tenantDataDir(env.DATA_DIR),
      portalUrl: publicUrl,
      demoPassword: env.LOCAL_DEMO_PASSWORD,
    })
  : undefined;
if (tenant) console.log(`Local tenant: ${tenant.url}`);
const databaseTarget = databaseTargetFromEnv();
installRuntime({
  publicUrl,
  localTenant: tenant ? localTenantConfig(tenant) : undefined,
  database: await openMigrated(databaseTarget),
  databaseTarget,
});
if (env.localMode) await seedLocalMode();
const app = createPortalApp({
  build: () => vite.ssrLoadModule("virtual:remix/server-build") as Promise<ServerBuild>,
  viteMiddlewares: vite.middlewares,
  secure: false,
  localMode: env.localMode,
  trustProxy: env.trustProxy,
});
const host = listenHost(env);
createServer(app).listen(env.PORT, host, () =>
  console.log(`Portal (dev): open ${publicUrl} (listening on ${host}:${env.PORT})`),
);
