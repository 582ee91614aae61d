import { Router } from "express";
import { z } from "zod";
import type { TenantContext } from "../context.js";
import { randomAlnum, type TenantClient } from "../store.js";
import { ApiError, invalidBody, zodToApiError } from "./errors.js";
import { parseQuery, project, queryBool, queryInt, sendList } from "./pagination.js";
import { scopedRoutes, tokenOf } from "./tokens.js";

/**
 * /api/v2/clients: reading applications, and `PATCH /clients/{id}` for their URL lists. As on
 * Auth0, a list sent in a PATCH (`callbacks`, `allowed_logout_urls`, `web_origins`) replaces the
 * whole list: adding one URL is a read–merge–write, which two writers at once can lose.
 */

const READ_CLIENT_SCOPES = ["read:clients", "read:client_keys", "read:client_credentials", "read:client_summary"];

const listQuery = z
  .object({
    fields: z.string().optional(),
    include_fields: queryBool.optional(),
    page: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
    per_page: queryInt(0, 100).optional(),
    include_totals: queryBool.optional(),
    from: z.string().optional(),
    take: queryInt(1, 100).optional(),
    is_global: queryBool.optional(),
    is_first_party: queryBool.optional(),
    app_type: z.string().optional(),
    external_client_id: z.string().min(1).max(120).optional(),
    q: z.string().optional(),
  })
  .strict();

const getQuery = z.object({ fields: z.string().optional(), include_fields: queryBool.optional() }).strict();

const urlList = z.array(z.string().max(1024)).max(1000);
const updateBody = z
  .object({
    name: z.string().min(1).max(128).optional(),
    callbacks: urlList.optional(),
    allowed_logout_urls: urlList.optional(),
    web_origins: urlList.optional(),
  })
  .strict();

/** Secrets are part of a client only for tokens with read:client_keys, as on Auth0. */
export function clientToApi(ctx: TenantContext, c: TenantClient, withSecret: boolean): Record<string, unknown> {
  return {
    tenant: ctx.store.state.tenant,
    global: false,
    name: c.name,
    client_id: c.client_id,
    ...(withSecret ? { client_secret: c.client_secret } : {}),
    app_type: c.app_type,
    is_first_party: c.is_first_party,
    oidc_conformant: true,
    callbacks: c.callbacks,
    allowed_logout_urls: c.allowed_logout_urls,
    web_origins: c.web_origins,
    grant_types: c.grant_types,
    sso_disabled: false,
    cross_origin_authentication: false,
    token_endpoint_auth_method: "client_secret_post",
  };
}

export function clientsRouter(ctx: TenantContext): Router {
  const router = Router();
  const api = scopedRoutes(router, "semicolon");
  const withSecret = (res: Parameters<typeof tokenOf>[0]) => tokenOf(res).scopes.has("read:client_keys");

  api.get("/clients", READ_CLIENT_SCOPES, (req, res) => {
    const q = parseQuery(listQuery, req);
    let items = ctx.store.state.clients;
    if (q.is_global === true) items = [];
    if (q.is_first_party !== undefined) items = items.filter((c) => c.is_first_party === q.is_first_party);
    if (q.app_type) {
      const types = q.app_type.split(",");
      items = items.filter((c) => types.includes(c.app_type));
    }
    const view = (c: TenantClient) => project(clientToApi(ctx, c, withSecret(res)), q.fields, q.include_fields);
    sendList(res, "clients", items, view, q, {
      perPage: q.per_page || 50,
      idOf: (c) => c.client_id,
      wholeWhenUnpaged: true,
    });
  });

  api.get("/clients/:id", READ_CLIENT_SCOPES, (req, res) => {
    const q = parseQuery(getQuery, req);
    const client = ctx.store.client(String(req.params.id));
    if (!client) throw new ApiError(404, "Client not found.", "inexistent_client");
    res.json(project(clientToApi(ctx, client, withSecret(res)), q.fields, q.include_fields));
  });

  api.patch("/clients/:id", ["update:clients", "update:client_keys"], (req, res) => {
    const raw: unknown = req.body;
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) throw invalidBody("Expected type object");
    if (Object.keys(raw).length === 0) throw invalidBody("Too few properties defined (0), minimum 1");
    const parsed = updateBody.safeParse(raw);
    if (!parsed.success) throw zodToApiError(parsed.error, raw);
    const client = ctx.store.client(String(req.params.id));
    if (!client) throw new ApiError(404, "Client not found.", "inexistent_client");
    const body = parsed.data;
    if (body.name !== undefined) client.name = body.name;
    if (body.callbacks !== undefined) client.callbacks = body.callbacks;
    if (body.allowed_logout_urls !== undefined) client.allowed_logout_urls = body.allowed_logout_urls;
    if (body.web_origins !== undefined) client.web_origins = body.web_origins;
    ctx.store.save();
    res.json(clientToApi(ctx, client, withSecret(res)));
  });

  return router;
}

/**
 * Adds a machine-to-machine client with a client grant for the Management API. Tests use it to
 * hold tokens with fewer scopes than the seeded Management client; the CLI does not expose it.
 */
export function addMachineClient(
  ctx: TenantContext,
  { name, scopes }: { name: string; scopes: string[] },
): { clientId: string; clientSecret: string } {
  const client: TenantClient = {
    client_id: randomAlnum(32),
    client_secret: randomAlnum(64),
    name,
    app_type: "non_interactive",
    callbacks: [],
    allowed_logout_urls: [],
    web_origins: [],
    grant_types: ["client_credentials"],
    client_grants: [{ audience: ctx.audience, scope: scopes }],
    is_first_party: true,
  };
  ctx.store.state.clients.push(client);
  ctx.store.save();
  return { clientId: client.client_id, clientSecret: client.client_secret };
}
