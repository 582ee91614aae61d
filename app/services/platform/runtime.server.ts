import { installDatabase, type DatabaseTarget, type OpenDatabase } from "./db.server";
import { registerPublicUrl } from "./public-url.server";
import { localKeyFileFor, setLocalKeyFile } from "./secrets.server";
import { registerLocalTenant, type TenantConfig } from "./tenant-config.server";

/**
 * What the route modules and services of this process reach: built by the start-up (server/portal.ts,
 * scripts/dev.ts) in its own order, then installed here in one call, so no part can be read
 * half-registered and no caller has to know an order between several `register*` functions.
 */
export interface PortalRuntime {
  /** The portal's public origin, as it listens (tests listen on port 0). */
  publicUrl: string;
  /** The embedded local tenant's configuration; absent: the AUTH0_* environment (a real tenant). */
  localTenant?: Omit<TenantConfig, "local">;
  /** The database, opened and migrated. */
  database: OpenDatabase | Promise<OpenDatabase>;
  /** Where the database lives: PGlite on disk keeps the secrets key beside it (without SECRETS_KEY). */
  databaseTarget?: DatabaseTarget;
}

export function installRuntime(runtime: PortalRuntime): void {
  registerPublicUrl(runtime.publicUrl);
  if (runtime.localTenant) registerLocalTenant(runtime.localTenant);
  const keyFile = localKeyFileFor(runtime.databaseTarget);
  if (keyFile) setLocalKeyFile(keyFile);
  installDatabase(runtime.database);
}
