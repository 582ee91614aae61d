import type { Latency } from "./management/latency.js";
import type { TenantStore } from "./store.js";

export type RateLimitPreset = "free" | "enterprise" | "off";

/** What every part of the local tenant is handed: its state and where it lives. */
export interface TenantContext {
  store: TenantStore;
  /** Origin the tenant answers on, e.g. http://localhost:4010 (no trailing slash). */
  baseUrl: string;
  /** OIDC issuer, Auth0-style with a trailing slash: `${baseUrl}/`. */
  issuer: string;
  /** Management API audience: `${baseUrl}/api/v2/`. */
  audience: string;
  rateLimit: RateLimitPreset;
  /** How long every Management API request takes (Auth0: ~100–300 ms); zero by default. */
  latency: Latency;
  /** Connections allowed in the tenant (Auth0's entity limit: 100; enterprise plans can raise it). */
  maxConnections?: number;
  /** Clock, injectable for tests of token and assertion expiry. */
  now: () => Date;
}
