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
import { getDatabase } from "~/services/platform/db.server";
import { getEnv, listenHost } from "~/services/platform/env.server";
import { seedLocalMode } from "~/services/identity/local-seed.server";
import { registerPublicUrl } from "~/services/platform/public-url.server";
import { localTenantConfig } from "../server/local-tenant-config";
import { registerLocalTenant } from "~/services/platform/tenant-config.server";

const env = getEnv();
const vite = await createViteServer({ server: { middlewareMode: true } });
const publicUrl = env.publicUrl;
if (env.localMode) {
  const tenant = await startLocalTenant({
    port: env.LOCAL_TENANT_PORT,
    dataDir: tenantDataDir(env.DATA_DIR),
    portalUrl: publicUrl,
    demoPassword: env.LOCAL_DEMO_PASSWORD,
  });
  registerLocalTenant(localTenantConfig(tenant));
  console.log(`Local tenant: ${tenant.url}`);
}
registerPublicUrl(publicUrl);
await getDatabase();
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
