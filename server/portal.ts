import type { ServerBuild } from "@remix-run/node";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { startDemoIdps, type DemoIdps } from "../local-tenant/demo-idps/index";
import { startLocalTenant, type LocalTenant } from "../local-tenant/server";
import type { RateLimitPreset } from "../local-tenant/context";
import {
  closeDatabase,
  getDatabase,
  openMigrated,
  type DatabaseTarget,
  type OpenDatabase,
} from "~/services/platform/db.server";
import { seedLocalMode } from "~/services/identity/local-seed.server";
import { installRuntime } from "~/services/platform/runtime.server";
import { localTenantConfig } from "./local-tenant-config";
import { getTenantConfig, type TenantConfig } from "~/services/platform/tenant-config.server";
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { startApplyWorker } from "~/services/apply/worker.server";
import { startOperationsScheduler } from "~/services/monitoring/jobs.server";
import { getEnv, type TrustProxy } from "~/services/platform/env.server";
import { startChangeBackground } from "~/services/change-requests/background.server";
import { CLIENT_DIR, SERVER_BUILD } from "./build";
import { createPortalApp } from "./http";
import { answerWhileStarting } from "./starting";

export interface StartPortalOptions {
  port: number;
  host?: string;
  /** Public origin of the portal; default http://localhost:<port>. */
  publicUrl?: string;
  /** Where the data lives, or an already open (and migrated) database, e.g. a test's. */
  database: DatabaseTarget | { open: OpenDatabase };
  /** Start the embedded local tenant (local mode). */
  localTenant?: {
    port: number;
    dataDir?: string;
    demoPassword?: string;
    mgmtClientId?: string;
    mgmtClientSecret?: string;
    /** Also start the demo SAML and OIDC IdPs on these ports (npm start: 4020 and 4030). */
    demoIdps?: { samlPort: number; oidcPort: number };
  };
  /**
   * Local mode against a local tenant that runs elsewhere (another instance's or a test's),
   * instead of starting one: its tenant config and Management API rate-limit preset. Several
   * instances on one database and one tenant (tests/integration/two-instances.test.ts).
   */
  attachTenant?: { config: TenantConfig; rateLimit: RateLimitPreset };
  secure?: boolean;
  /** Which proxies' forwarded headers are believed; default TRUST_PROXY (none). */
  trustProxy?: TrustProxy;
  /** Use this build instead of importing build/server (tests, dev). */
  build?: ServerBuild | (() => Promise<ServerBuild>);
}

export interface RunningPortal {
  url: string;
  /** The address and port the portal listens on, e.g. 127.0.0.1:3000. */
  listening: string;
  tenant?: LocalTenant;
  demoIdps?: DemoIdps;
  close(): Promise<void>;
}

export async function loadServerBuild(): Promise<ServerBuild> {
  return (await import(pathToFileURL(SERVER_BUILD).href)) as ServerBuild;
}

/**
 * Starts everything local mode needs, in order: the HTTP listener (so the portal's own URL is
 * known), the local tenant (its applications' callbacks point at that URL), the database
 * (migrated), then the Remix handler.
 */
export async function startPortal(options: StartPortalOptions): Promise<RunningPortal> {
  const server: Server = createServer();
  const startup = answerWhileStarting(server);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host ?? "127.0.0.1", () => resolve());
  });
  const address = server.address() as AddressInfo;
  const port = address.port;
  const listening = `${address.family === "IPv6" ? `[${address.address}]` : address.address}:${port}`;
  const url = (options.publicUrl ?? `http://localhost:${port}`).replace(/\/$/, "");

  let tenant: LocalTenant | undefined;
  let demoIdps: DemoIdps | undefined;
  let applyWorker: { stop(): Promise<void> } | undefined;
  let changeBackground: { stop(): Promise<void> } | undefined;
  let scheduler: { stop(): Promise<void> } | undefined;
  try {
    if (options.localTenant) {
      tenant = await startLocalTenant({
        port: options.localTenant.port,
        dataDir: options.localTenant.dataDir,
        portalUrl: url,
        demoPassword: options.localTenant.demoPassword,
        mgmtClientId: options.localTenant.mgmtClientId,
        mgmtClientSecret: options.localTenant.mgmtClientSecret,
      });
      if (options.localTenant.demoIdps) {
        demoIdps = await startDemoIdps({
          tenantUrl: tenant.url,
          samlPort: options.localTenant.demoIdps.samlPort,
          oidcPort: options.localTenant.demoIdps.oidcPort,
        });
      }
    }

    // Every part built: installed for the route modules and services in one step.
    const localTenant = tenant ? localTenantConfig(tenant) : options.attachTenant?.config;
    const rateLimit = tenant ? tenant.context.rateLimit : options.attachTenant?.rateLimit;
    installRuntime({
      publicUrl: url,
      localTenant,
      database: "open" in options.database ? options.database.open : await openMigrated(options.database),
      databaseTarget: "open" in options.database ? undefined : options.database,
    });
    const { db } = await getDatabase();
    // Local mode's demo organizations and memberships (issue 5), idempotent.
    if (localTenant) await seedLocalMode();
    // Local mode: the apply worker runs in-process (production runs it wherever it likes).
    if (localTenant && rateLimit) {
      const rateBudget = AUTH0_RATE_LIMITS[rateLimit];
      applyWorker = startApplyWorker({
        db,
        tenant: getTenantConfig(),
        prefix: getEnv().AUTH0_CONNECTION_PREFIX,
        rateBudget,
        concurrency: getEnv().APPLY_WORKER_CONCURRENCY,
        lockScope: getEnv().APPLY_LOCK_SCOPE,
      });
      scheduler = startOperationsScheduler({ db, tenant: getTenantConfig(), rateBudget });
    }

    // Every instance delivers mail and follows apply jobs; row locks keep them from doing anything twice.
    changeBackground = startChangeBackground(db);

    const app = createPortalApp({
      build: options.build ?? (await loadServerBuild()),
      clientDir: CLIENT_DIR,
      secure: options.secure ?? false,
      // Local mode sends 127.0.0.1 and other names of this machine to the registered URL's host.
      localMode: localTenant !== undefined,
      trustProxy: options.trustProxy ?? getEnv().trustProxy,
    });
    startup.ready(app);
  } catch (err) {
    server.close();
    await demoIdps?.close();
    await scheduler?.stop();
    await applyWorker?.stop();
    await changeBackground?.stop();
    await tenant?.close();
    throw err;
  }

  return {
    url,
    listening,
    tenant,
    demoIdps,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await demoIdps?.close();
      await scheduler?.stop();
      await applyWorker?.stop();
      await changeBackground?.stop();
      await tenant?.close();
      // A database handed in by the caller is the caller's to close.
      if (!("open" in options.database)) await closeDatabase();
    },
  };
}

export const DEFAULT_DATA_DIR = ".data";
export const tenantDataDir = (dataDir: string) => join(dataDir, "local-tenant");
