import { ConnectionsClient } from "auth0/connections";
import { OrganizationsClient } from "auth0/organizations";
import { EnabledConnectionsClient } from "auth0/organizations/enabledConnections";
import { UsersClient } from "auth0/users";
import { z } from "zod";
import { countManagementApiResponse } from "../monitoring/metrics.server";
import { singleton } from "../platform/singleton.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { UnavailableError } from "./errors";

/**
 * The only place that builds `auth0` SDK clients. Sub-clients get the Management API base URL
 * from the tenant config (the local tenant's http://…/api/v2 or https://<domain>/api/v2), a token
 * from a per-process cache, and a fetch that reports every exchange (for the rate budget and the
 * counters). The SDK's own retries are off: the apply engine decides when to try again, so a 429
 * is seen (and counted, and honoured) once, not hidden behind three blind attempts.
 */

export interface RequestInfo {
  method: string;
  /** Path below /api/v2, e.g. /connections/con_x/clients. */
  path: string;
}

export interface ResponseInfo extends RequestInfo {
  /** undefined when the request failed before an answer (network error). */
  status: number | undefined;
  headers: Headers | undefined;
}

export interface ClientHooks {
  /** Runs before every Management API request (the shared rate budget waits here). */
  beforeRequest?: (info: RequestInfo) => Promise<void>;
  /** Runs after every answer, errors included. */
  afterResponse?: (info: ResponseInfo) => Promise<void> | void;
}

export interface ManagementClients {
  connections: ConnectionsClient;
  organizations: OrganizationsClient;
  organizationConnections: EnabledConnectionsClient;
  users: UsersClient;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  expires_in: z.number().positive().optional(),
  token_type: z.string().optional(),
});

interface CachedToken {
  token: string;
  /** epoch ms after which it is no longer used */
  refreshAt: number;
}

const cache = singleton("auth0-token-cache", () => ({
  tokens: new Map<string, CachedToken>(),
  pending: new Map<string, Promise<string>>(),
}));

function cacheKey(tenant: TenantConfig): string {
  return `${tenant.tokenUrl}\u0000${tenant.management.clientId}\u0000${tenant.managementAudience}`;
}

/** Forgets the cached token (e.g. after a 401: the tenant restarted or the key was rotated). */
export function invalidateManagementToken(tenant: TenantConfig): void {
  cache.tokens.delete(cacheKey(tenant));
}

/** A client-credentials token for the Management API, cached until a minute before it expires. */
export async function managementToken(tenant: TenantConfig, fetchImpl: typeof fetch = fetch): Promise<string> {
  const key = cacheKey(tenant);
  const cached = cache.tokens.get(key);
  if (cached && cached.refreshAt > Date.now()) return cached.token;
  const inFlight = cache.pending.get(key);
  if (inFlight) return inFlight;
  const request = (async () => {
    let res: Response;
    try {
      res = await fetchImpl(tenant.tokenUrl, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "client_credentials",
          client_id: tenant.management.clientId,
          client_secret: tenant.management.clientSecret,
          audience: tenant.managementAudience,
        }),
        signal: AbortSignal.timeout(30_000),
      });
    } catch (err) {
      throw new UnavailableError(`Auth0's token endpoint could not be reached: ${(err as Error).message}`);
    }
    const text = await res.text();
    if (!res.ok) {
      // The body is an OAuth error; it names no secret, but keep only its code and description.
      const detail = /"error_description"\s*:\s*"([^"]{0,200})/.exec(text)?.[1] ?? `status ${res.status}`;
      throw new UnavailableError(`Auth0 refused the portal's Management API credentials: ${detail}`);
    }
    const parsed = tokenResponse.safeParse(JSON.parse(text));
    if (!parsed.success) throw new UnavailableError("Auth0's token endpoint answered without an access token");
    const lifetime = (parsed.data.expires_in ?? 3600) * 1000;
    cache.tokens.set(key, {
      token: parsed.data.access_token,
      refreshAt: Date.now() + Math.max(lifetime - 60_000, lifetime / 2),
    });
    return parsed.data.access_token;
  })();
  cache.pending.set(key, request);
  try {
    return await request;
  } finally {
    cache.pending.delete(key);
  }
}

export function createManagementClients(
  tenant: TenantConfig,
  options: {
    fetch?: typeof fetch;
    hooks?: ClientHooks;
    /** How long one exchange with Auth0 may take (default 30 s); waiting for the budget is not counted. */
    timeoutInSeconds?: number;
    /** How many times a 429 is retried in place, after the tenant's reset (default 0). */
    rateLimitRetries?: number;
  } = {},
): ManagementClients {
  const rateLimitRetries = options.rateLimitRetries ?? 0;
  const timeoutMs = (options.timeoutInSeconds ?? 30) * 1000;
  const baseFetch = options.fetch ?? fetch;
  const apiBase = tenant.managementApiUrl.replace(/\/$/, "");
  const hooks = options.hooks ?? {};
  const observedFetch: typeof fetch = async (input, init) => {
    const url = String(input instanceof Request ? input.url : input);
    const method = (init?.method ?? (input instanceof Request ? input.method : "GET")).toUpperCase();
    const path = url.startsWith(apiBase) ? url.slice(apiBase.length).split("?")[0]! : new URL(url).pathname;
    for (let attempt = 0; ; attempt++) {
      await hooks.beforeRequest?.({ method, path });
      // The timeout starts now, not when the SDK called: a wait for the shared budget (seconds
      // on the free plan with many jobs in flight) is not Auth0 being slow.
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      let response: Response;
      try {
        response = await baseFetch(input, { ...init, signal });
      } catch (err) {
        countManagementApiResponse(method, path, undefined);
        await hooks.afterResponse?.({ method, path, status: undefined, headers: undefined });
        throw err;
      }
      countManagementApiResponse(method, path, response.status);
      if (response.status === 401) invalidateManagementToken(tenant);
      await hooks.afterResponse?.({ method, path, status: response.status, headers: response.headers });
      // A 429 is retried here, after the tenant's reset, a few times; then it is the caller's.
      // (The SDK sends string bodies, so the request can be sent again as it is.)
      const replayable = init?.body === undefined || init.body === null || typeof init.body === "string";
      if (response.status !== 429 || attempt >= rateLimitRetries || !replayable) return response;
      const reset = Number(response.headers.get("x-ratelimit-reset"));
      const wait = Number.isFinite(reset) && reset > 0 ? reset * 1000 - Date.now() : 1000 * 2 ** attempt;
      await response.body?.cancel();
      await new Promise((r) => setTimeout(r, Math.min(60_000, Math.max(50, wait)) + Math.random() * 100));
    }
  };
  const clientOptions = {
    baseUrl: apiBase,
    token: () => managementToken(tenant, baseFetch),
    fetch: observedFetch,
    maxRetries: 0,
    // The SDK's own timeout would count the budget wait and the 429 waits in `observedFetch`:
    // each exchange has its own timeout there, this one only stops a request that never ends.
    timeoutInSeconds: 600,
  };
  return {
    connections: new ConnectionsClient(clientOptions),
    organizations: new OrganizationsClient(clientOptions),
    organizationConnections: new EnabledConnectionsClient(clientOptions),
    users: new UsersClient(clientOptions),
  };
}
