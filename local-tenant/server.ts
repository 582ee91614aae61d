import express from "express";
import type { AddressInfo } from "node:net";
import { createServer, type Server } from "node:http";
import type { RateLimitPreset, TenantContext } from "./context.js";
import { managementRouter } from "./management/index.js";
import { setRateLimit } from "./management/rate-limit.js";
import { mountLogins } from "./login/index.js";
import { seedState, MGMT_CLIENT_ID, PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID, DEMO_APP_CLIENT_ID } from "./seed.js";
import { TenantStore } from "./store.js";

export interface LocalTenantOptions {
  /** 0 picks a free port. */
  port?: number;
  /** Host name used in URLs (default localhost); the server listens on 127.0.0.1. */
  hostname?: string;
  /** Where state persists; omit for fresh in-memory state (tests). */
  dataDir?: string;
  rateLimit?: RateLimitPreset;
  /** Every Management API request waits this long on a timer (default 0; Auth0: ~100–300 ms). */
  latencyMs?: number;
  /** … give or take up to this much, uniformly (default 0). */
  jitterMs?: number;
  /** Connections allowed (default 100, Auth0's entity limit; raised for load tests). */
  maxConnections?: number;
  /** Portal origin, for the seeded applications' callback allow-lists. */
  portalUrl?: string;
  mgmtClientId?: string;
  mgmtClientSecret?: string;
  demoPassword?: string;
  now?: () => Date;
}

export interface LocalTenant {
  url: string;
  issuer: string;
  domain: string;
  managementApiUrl: string;
  mgmtClient: { clientId: string; clientSecret: string };
  portalClient: { clientId: string; clientSecret: string };
  testLoginClient: { clientId: string; clientSecret: string };
  /** The vendor's demo application (local mode's production application): sign-in through live connections. */
  demoAppClient: { clientId: string; clientSecret: string };
  context: TenantContext;
  /** Switches the Management API rate-limit preset while running (the bucket starts full). */
  setRateLimit(preset: RateLimitPreset): void;
  /** Changes the Management API latency while running (e.g. none while a test sets up). */
  setLatency(latency: { latencyMs: number; jitterMs?: number }): void;
  close(): Promise<void>;
}

export async function startLocalTenant(options: LocalTenantOptions = {}): Promise<LocalTenant> {
  const hostname = options.hostname ?? "localhost";
  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const baseUrl = `http://${hostname}:${port}`;
  const store = new TenantStore(
    seedState({
      baseUrl,
      portalUrl: options.portalUrl ?? "http://localhost:3000",
      mgmtClientId: options.mgmtClientId,
      mgmtClientSecret: options.mgmtClientSecret,
      demoPassword: options.demoPassword,
    }),
    options.dataDir,
  );
  const context: TenantContext = {
    store,
    baseUrl,
    issuer: `${baseUrl}/`,
    audience: `${baseUrl}/api/v2/`,
    rateLimit: options.rateLimit ?? "off",
    latency: { ms: options.latencyMs ?? 0, jitterMs: options.jitterMs ?? 0 },
    maxConnections: options.maxConnections,
    now: options.now ?? (() => new Date()),
  };

  const app = express();
  app.disable("x-powered-by");
  app.set("trust proxy", "loopback");
  // Baseline headers for every response, oidc-provider's own pages (errors, logout form)
  // included; the tenant's HTML pages replace the CSP with a stricter one (login/pages.ts).
  app.use((_req, res, next) => {
    res.setHeader("Content-Security-Policy", "frame-ancestors 'none'; base-uri 'none'; object-src 'none'");
    res.setHeader("X-Frame-Options", "DENY");
    res.setHeader("X-Content-Type-Options", "nosniff");
    res.setHeader("Referrer-Policy", "no-referrer");
    next();
  });
  app.use(managementRouter(context));
  await mountLogins(app, context);
  server.on("request", app);

  const client = (id: string) => {
    const c = store.client(id);
    if (!c) throw new Error(`local tenant: seeded client ${id} is missing from the state`);
    return { clientId: c.client_id, clientSecret: c.client_secret };
  };
  return {
    url: baseUrl,
    issuer: context.issuer,
    domain: `${hostname}:${port}`,
    managementApiUrl: `${baseUrl}/api/v2`,
    mgmtClient: client(options.mgmtClientId ?? MGMT_CLIENT_ID),
    portalClient: client(PORTAL_CLIENT_ID),
    testLoginClient: client(TEST_LOGIN_CLIENT_ID),
    demoAppClient: client(DEMO_APP_CLIENT_ID),
    context,
    setRateLimit: (preset) => setRateLimit(context, preset),
    setLatency: ({ latencyMs, jitterMs = 0 }) => {
      context.latency = { ms: latencyMs, jitterMs };
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
