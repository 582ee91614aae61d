/**
 * `npm start`: local mode with everything embedded (PGlite, the local tenant, demo IdPs), or —
 * with AUTH0_DOMAIN set — the portal against a real tenant. Builds first when the build is stale.
 */
import { describeManagementSecret, writeManagementCredentials } from "../local-tenant/management-credentials";
import { DEFAULT_DEMO_PASSWORD, DEMO_USERS } from "../local-tenant/seed";
import { ensureBuilt } from "../server/build";
import { startPortal, tenantDataDir } from "../server/portal";
import { EnvError, listenHost } from "~/services/platform/env.server";
import { envOrExit } from "./env";

async function main(): Promise<void> {
  const env = envOrExit();
  let host: string;
  try {
    host = listenHost(env);
  } catch (err) {
    if (!(err instanceof EnvError)) throw err;
    console.error(err.message);
    process.exit(1);
  }

  const started = Date.now();
  if (ensureBuilt((line) => console.log(line)))
    console.log(`Built in ${((Date.now() - started) / 1000).toFixed(1)} s.`);

  const portal = await startPortal({
    port: env.PORT,
    host,
    publicUrl: env.PUBLIC_URL,
    database: env.DATABASE_URL
      ? { engine: "postgres", url: env.DATABASE_URL }
      : { engine: "pglite", dataDir: env.DATA_DIR },
    localTenant: env.localMode
      ? {
          port: env.LOCAL_TENANT_PORT,
          dataDir: tenantDataDir(env.DATA_DIR),
          demoPassword: env.LOCAL_DEMO_PASSWORD,
          mgmtClientId: env.LOCAL_TENANT_MGMT_CLIENT_ID,
          mgmtClientSecret: env.LOCAL_TENANT_MGMT_CLIENT_SECRET,
          demoIdps: { samlPort: env.LOCAL_SAML_IDP_PORT, oidcPort: env.LOCAL_OIDC_IDP_PORT },
        }
      : undefined,
    secure: !env.localMode && env.publicUrl.startsWith("https://"),
  });

  const lines = [
    "",
    `SSO Portal is running: open ${portal.url}`,
    `  listening on ${portal.listening}${env.localMode && !env.HOST ? " (this machine only; set HOST=0.0.0.0 to open it to the network)" : ""}`,
    `  health: ${portal.url}/healthz   readiness: ${portal.url}/readyz`,
    `  database: ${env.DATABASE_URL ? "PostgreSQL (DATABASE_URL)" : `PGlite under ${env.DATA_DIR}/`}`,
  ];
  if (portal.tenant) {
    // The secret goes to a file only the user can read, beside the tenant's state: never printed.
    const credentialsFile = writeManagementCredentials(portal.tenant, tenantDataDir(env.DATA_DIR));
    const secret = describeManagementSecret(portal.tenant, credentialsFile, env.LOCAL_TENANT_MGMT_CLIENT_SECRET);
    lines.push(
      `  local Auth0 tenant: ${portal.tenant.url}  (Management API client id ${portal.tenant.mgmtClient.clientId}, secret ${secret})`,
      `    tenant sign-in: ${DEMO_USERS.map((u) => u.email).join(", ")} with ${env.LOCAL_DEMO_PASSWORD ? "the password in LOCAL_DEMO_PASSWORD" : `password ${DEFAULT_DEMO_PASSWORD}`}`,
    );
  }
  if (portal.demoIdps) lines.push(...portal.demoIdps.describe());
  lines.push("Press Ctrl-C to stop.", "");

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal} received: stopping…`);
    await portal.close();
    console.log("Stopped.");
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // Printed once Ctrl-C is handled: whoever waits for "Press Ctrl-C" may stop the portal at once.
  console.log(lines.join("\n"));
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
