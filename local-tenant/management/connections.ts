import { Router, type Request } from "express";
import { z } from "zod";
import type { TenantContext } from "../context.js";
import { randomAlnum, type TenantConnection } from "../store.js";
import { ApiError, invalidBody, nameTaken, notFound, zodToApiError } from "./errors.js";
import { checkpointPage, parseQuery, project, queryBool, queryInt, sendList } from "./pagination.js";
import { deriveSamlOptions, type MetadataFetcher } from "./saml-metadata.js";
import { metadataRecord, patternedName } from "./schemas.js";
import { CONNECTION_STRATEGIES, LIST_STRATEGIES } from "./strategies.js";
import { scopedRoutes, tokenOf } from "./tokens.js";

/** /api/v2/connections… with Auth0's validation, defaults, scope rules and PATCH semantics. */

export const CONNECTION_NAME_PATTERN = /^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$/;
/** Auth0's entity-limit policy: 100 connections per tenant. */
export const MAX_CONNECTIONS = 100;

const connectionName = patternedName(
  128,
  CONNECTION_NAME_PATTERN,
  (v) => `String does not match pattern ${CONNECTION_NAME_PATTERN.source}: ${v}`,
);

const metadata = metadataRecord(10);

const strategy = z.string().superRefine((v, ctx) => {
  if (!(CONNECTION_STRATEGIES as readonly string[]).includes(v)) {
    ctx.addIssue({ code: "custom", message: `Invalid value "${v}"` });
  }
});

const sharedFields = {
  display_name: z.string().max(128).optional(),
  is_domain_connection: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
  realms: z.array(z.string()).optional(),
  metadata: metadata.optional(),
  authentication: z.object({ active: z.boolean() }).strict().optional(),
  connected_accounts: z.object({ active: z.boolean(), cross_app_access: z.boolean().optional() }).strict().optional(),
  cross_app_access_requesting_app: z.record(z.unknown()).optional(),
};

const createBody = z
  .object({
    name: connectionName,
    strategy,
    options: z.record(z.unknown()).optional(),
    // Still accepted on create (documented "NOT RECOMMENDED"), unlike on PATCH since its EOL.
    enabled_clients: z.array(z.string()).optional(),
    ...sharedFields,
  })
  .strict();

const updateBody = z
  .object({
    options: z.record(z.unknown()).nullable().optional(),
    ...sharedFields,
  })
  .strict();

const listQuery = z
  .object({
    per_page: queryInt(1, 100).optional(),
    page: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
    include_totals: queryBool.optional(),
    from: z.string().optional(),
    take: queryInt(1, 100).optional(),
    strategy: z
      .union([z.string(), z.array(z.string())])
      .transform((v) => (Array.isArray(v) ? v : [v]))
      .superRefine((list, ctx) => {
        const bad = list.find((s) => !(LIST_STRATEGIES as readonly string[]).includes(s));
        if (bad !== undefined) ctx.addIssue({ code: "custom", message: `No enum match for: "${bad}"` });
      })
      .optional(),
    name: z.string().optional(),
    fields: z.string().optional(),
    include_fields: queryBool.optional(),
  })
  .strict();

const getQuery = z.object({ fields: z.string().optional(), include_fields: queryBool.optional() }).strict();

const enabledClientsQuery = z
  .object({ take: queryInt(1, 1000).optional(), from: z.string().max(1000).optional() })
  .strict();

const enabledClientsPatch = z
  .array(z.object({ client_id: z.string(), status: z.boolean() }).strict())
  .min(1)
  .max(50);

function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) throw zodToApiError(result.error, body);
  return result.data;
}

function requireObjectBody(body: unknown): Record<string, unknown> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidBody(
      `Expected type object but found type ${Array.isArray(body) ? "array" : body === null ? "null" : typeof body}`,
    );
  }
  return body as Record<string, unknown>;
}

/** The wire shape; `options` only with read:connections_options, `enabled_clients` never (EOL). */
export function connectionToApi(conn: TenantConnection, withOptions: boolean): Record<string, unknown> {
  return {
    id: conn.id,
    ...(withOptions ? { options: conn.options } : {}),
    strategy: conn.strategy,
    name: conn.name,
    is_domain_connection: conn.is_domain_connection,
    realms: conn.realms,
    display_name: conn.display_name,
    show_as_button: conn.show_as_button,
    metadata: conn.metadata,
    ...(conn.authentication ? { authentication: conn.authentication } : {}),
    ...(conn.connected_accounts ? { connected_accounts: conn.connected_accounts } : {}),
  };
}

export interface ConnectionsRouterOptions {
  fetchMetadata?: MetadataFetcher;
}

export function connectionsRouter(ctx: TenantContext, opts: ConnectionsRouterOptions = {}): Router {
  const router = Router();
  const api = scopedRoutes(router, "comma");
  const store = ctx.store;
  const canReadOptions = (res: Parameters<typeof tokenOf>[0]) => tokenOf(res).scopes.has("read:connections_options");

  async function normalizeOptions(
    strategyName: string,
    options: Record<string, unknown>,
  ): Promise<Record<string, unknown>> {
    return strategyName === "samlp" ? deriveSamlOptions(options, opts.fetchMetadata) : options;
  }

  function checkRealms(realms: string[], self?: string): void {
    const taken = store.state.connections.some((c) => c.id !== self && c.realms.some((r) => realms.includes(r)));
    if (taken) {
      throw new ApiError(
        409,
        'There is already another connection with some realms from "realms" parameter',
        "connection_conflict",
      );
    }
  }

  function findConnection(req: Request): TenantConnection {
    const conn = store.connectionById(String(req.params.id));
    if (!conn) throw notFound.connection();
    return conn;
  }

  api.post("/connections", ["create:connections"], async (req, res) => {
    const body = parseBody(createBody, requireObjectBody(req.body));
    if (store.connectionByName(body.name)) throw nameTaken.connection();
    if (store.state.connections.length >= (ctx.maxConnections ?? MAX_CONNECTIONS)) {
      throw new ApiError(403, "You reached the limit of entities of this type for this tenant.");
    }
    const realms = body.realms && body.realms.length > 0 ? body.realms : [body.name];
    checkRealms(realms);
    const options = await normalizeOptions(body.strategy, body.options ?? {});
    // Re-check after the await: a concurrent create may have taken the name meanwhile.
    if (store.connectionByName(body.name)) throw nameTaken.connection();
    const conn: TenantConnection = {
      id: `con_${randomAlnum(16)}`,
      name: body.name,
      display_name: body.display_name ?? body.name,
      strategy: body.strategy,
      options,
      realms,
      is_domain_connection: body.is_domain_connection ?? false,
      show_as_button: body.show_as_button ?? false,
      metadata: body.metadata ?? {},
      enabled_clients: [...new Set(body.enabled_clients ?? [])].filter((id) => store.client(id)),
      ...(body.authentication ? { authentication: body.authentication } : {}),
      ...(body.connected_accounts ? { connected_accounts: body.connected_accounts } : {}),
      created_at: ctx.now().toISOString(),
    };
    store.state.connections.push(conn);
    store.save();
    res.status(201).json(connectionToApi(conn, canReadOptions(res)));
  });

  api.get("/connections", ["read:connections"], (req, res) => {
    const q = parseQuery(listQuery, req);
    let items = store.state.connections;
    if (q.strategy) items = items.filter((c) => q.strategy!.includes(c.strategy));
    if (q.name !== undefined) items = items.filter((c) => c.name === q.name);
    const withOptions = canReadOptions(res);
    const view = (c: TenantConnection) => project(connectionToApi(c, withOptions), q.fields, q.include_fields);
    sendList(res, "connections", items, view, q, {
      perPage: q.per_page ?? 100,
      idOf: (c) => c.id,
      wholeWhenUnpaged: true,
    });
  });

  api.get("/connections/:id", ["read:connections"], (req, res) => {
    const q = parseQuery(getQuery, req);
    const conn = findConnection(req);
    res.json(project(connectionToApi(conn, canReadOptions(res)), q.fields, q.include_fields));
  });

  api.patch("/connections/:id", ["update:connections"], async (req, res) => {
    // Payload validation comes before the lookup, as in Auth0 (hapi validates before handlers).
    const raw = requireObjectBody(req.body);
    if (Object.keys(raw).length === 0) throw invalidBody("Too few properties defined (0), minimum 1");
    const body = parseBody(updateBody, raw);
    if ("options" in raw && !tokenOf(res).scopes.has("update:connections_options")) {
      throw new ApiError(
        403,
        'Updating the "options" property requires the "update:connections_options" scope.',
        "insufficient_scope",
      );
    }
    const conn = findConnection(req);
    // Auth0 replaces the whole options object rather than merging it.
    const options = "options" in raw ? await normalizeOptions(conn.strategy, body.options ?? {}) : conn.options;
    if (body.realms) checkRealms(body.realms.length ? body.realms : [conn.name], conn.id);
    const current = store.connectionById(conn.id);
    if (!current) throw notFound.connection();
    current.options = options;
    // An omitted display_name is overwritten with the name (documented Auth0 behaviour).
    current.display_name = body.display_name ?? current.name;
    if (body.is_domain_connection !== undefined) current.is_domain_connection = body.is_domain_connection;
    if (body.show_as_button !== undefined) current.show_as_button = body.show_as_button;
    if (body.realms !== undefined) current.realms = body.realms.length ? body.realms : [current.name];
    if (body.metadata !== undefined) current.metadata = body.metadata;
    if (body.authentication !== undefined) current.authentication = body.authentication;
    if (body.connected_accounts !== undefined) current.connected_accounts = body.connected_accounts;
    store.save();
    res.json(connectionToApi(current, canReadOptions(res)));
  });

  api.delete("/connections/:id", ["delete:connections"], (req, res) => {
    const id = String(req.params.id);
    // Idempotent like Auth0's "204 The connection no longer exists."; org links go with it.
    store.state.connections = store.state.connections.filter((c) => c.id !== id);
    for (const org of store.state.organizations) {
      org.enabled_connections = org.enabled_connections.filter((ec) => ec.connection_id !== id);
    }
    store.save();
    res.status(204).end();
  });

  api.get("/connections/:id/clients", ["read:connections"], (req, res) => {
    const q = parseQuery(enabledClientsQuery, req);
    const conn = findConnection(req);
    const { page, next } = checkpointPage(conn.enabled_clients, (id) => id, q.from, q.take ?? 50);
    res.json({ clients: page.map((client_id) => ({ client_id })), ...(next ? { next } : {}) });
  });

  api.patch("/connections/:id/clients", ["update:connections"], (req, res) => {
    const changes = parseBody(enabledClientsPatch, req.body);
    const conn = findConnection(req);
    if (changes.some((c) => !store.client(c.client_id))) throw notFound.client();
    // A delta: only the listed clients change, so concurrent writers of other clients don't clash.
    const enabled = new Set(conn.enabled_clients);
    for (const c of changes) {
      if (c.status) enabled.add(c.client_id);
      else enabled.delete(c.client_id);
    }
    conn.enabled_clients = [...enabled];
    store.save();
    res.status(204).end();
  });

  return router;
}
