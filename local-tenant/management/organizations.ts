import { Router, type Request } from "express";
import { z } from "zod";
import type { TenantContext } from "../context.js";
import { randomAlnum, type TenantOrganization, type TenantOrganizationConnection } from "../store.js";
import { ApiError, invalidBody, nameTaken, notFound, zodToApiError } from "./errors.js";
import { metadataRecord, patternedName } from "./schemas.js";
import { parseQuery, queryBool, queryInt, sendList } from "./pagination.js";
import { scopedRoutes } from "./tokens.js";

/** /api/v2/organizations (list, get, get by name, create, update, delete) and their enabled_connections. */

/** Auth0's `organization-name` format: lowercase alphanumerics, `-` and `_`, starting alphanumeric. */
export const ORGANIZATION_NAME_PATTERN = /^[a-z0-9][a-z0-9_-]*$/;
/** Auth0's entity-limit policy: 10 connections per organization. */
export const MAX_ORGANIZATION_CONNECTIONS = 10;

const orgConnectionFlags = {
  assign_membership_on_login: z.boolean().optional(),
  is_signup_enabled: z.boolean().optional(),
  show_as_button: z.boolean().optional(),
};
const addConnectionBody = z.object({ connection_id: z.string().min(1), ...orgConnectionFlags }).strict();
const updateConnectionBody = z.object(orgConnectionFlags).strict();

const hexColor = z
  .string()
  .regex(/^#([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/, "Object didn't pass validation for format html-color");

const organizationName = patternedName(
  50,
  ORGANIZATION_NAME_PATTERN,
  (v) => `Object didn't pass validation for format organization-name: ${v}`,
);

const organizationMetadata = metadataRecord(25);

const createBody = z
  .object({
    name: organizationName,
    display_name: z.string().min(1).max(255).optional(),
    branding: z
      .object({
        logo_url: z.string().url().optional(),
        colors: z.object({ primary: hexColor, page_background: hexColor }).strict().optional(),
      })
      .strict()
      .optional(),
    metadata: organizationMetadata.optional(),
    enabled_connections: z.array(addConnectionBody).max(MAX_ORGANIZATION_CONNECTIONS).optional(),
    token_quota: z.record(z.unknown()).optional(),
  })
  .strict();

/** PATCH: the fields given replace the organization's; in `metadata` a null value removes its key. */
const updateBody = z
  .object({
    name: organizationName.optional(),
    display_name: z.string().min(1).max(255).optional(),
    metadata: organizationMetadata.optional(),
  })
  .strict();

const listQuery = z
  .object({
    page: queryInt(0, 1000).optional(),
    per_page: queryInt(1, 100).optional(),
    include_totals: queryBool.optional(),
    from: z.string().optional(),
    take: queryInt(1, 100).optional(),
    sort: z
      .string()
      .max(15)
      .regex(/^(name|display_name|created_at):(1|-1)$/, "Invalid sort")
      .optional(),
  })
  .strict();

const listConnectionsQuery = z
  .object({
    page: queryInt(0, Number.MAX_SAFE_INTEGER).optional(),
    per_page: queryInt(1, 100).optional(),
    include_totals: queryBool.optional(),
  })
  .strict();

function parseBody<T extends z.ZodTypeAny>(schema: T, body: unknown): z.output<T> {
  if (body === null || typeof body !== "object" || Array.isArray(body)) {
    throw invalidBody(`Expected type object but found type ${Array.isArray(body) ? "array" : typeof body}`);
  }
  const result = schema.safeParse(body);
  if (!result.success) throw zodToApiError(result.error, body);
  return result.data;
}

export function organizationToApi(org: TenantOrganization): Record<string, unknown> {
  return {
    id: org.id,
    name: org.name,
    display_name: org.display_name,
    ...(org.branding ? { branding: org.branding } : {}),
    metadata: org.metadata,
  };
}

export function organizationsRouter(ctx: TenantContext): Router {
  const router = Router();
  const api = scopedRoutes(router, "semicolon");
  const store = ctx.store;

  function findOrg(req: Request): TenantOrganization {
    const org = store.organization(String(req.params.id));
    if (!org) throw notFound.organization();
    return org;
  }

  const orgConnectionToApi = (ec: TenantOrganizationConnection) => {
    const conn = store.connectionById(ec.connection_id);
    return {
      connection_id: ec.connection_id,
      assign_membership_on_login: ec.assign_membership_on_login,
      show_as_button: ec.show_as_button,
      is_signup_enabled: ec.is_signup_enabled,
      connection: { name: conn?.name ?? "", strategy: conn?.strategy ?? "" },
    };
  };

  function newOrgConnection(
    org: TenantOrganization,
    body: z.output<typeof addConnectionBody>,
  ): TenantOrganizationConnection {
    if (!store.connectionById(body.connection_id)) throw notFound.connection();
    if (org.enabled_connections.some((ec) => ec.connection_id === body.connection_id)) {
      throw new ApiError(409, "The connection is already enabled for this organization.", "connection_already_enabled");
    }
    if (org.enabled_connections.length >= MAX_ORGANIZATION_CONNECTIONS) {
      throw new ApiError(
        400,
        `An organization can have at most ${MAX_ORGANIZATION_CONNECTIONS} enabled connections.`,
        "invalid_body",
      );
    }
    return {
      connection_id: body.connection_id,
      assign_membership_on_login: body.assign_membership_on_login ?? false,
      is_signup_enabled: body.is_signup_enabled ?? false,
      show_as_button: body.show_as_button ?? true,
    };
  }

  api.get("/organizations", ["read:organizations"], (req, res) => {
    const q = parseQuery(listQuery, req);
    let items = store.state.organizations;
    if (q.sort) {
      const [field, order] = q.sort.split(":") as ["name" | "display_name" | "created_at", string];
      const dir = order === "-1" ? -1 : 1;
      items = [...items].sort((a, b) => (a[field] < b[field] ? -dir : a[field] > b[field] ? dir : 0));
    }
    sendList(res, "organizations", items, organizationToApi, q, { perPage: q.per_page ?? 50, idOf: (o) => o.id });
  });

  api.post("/organizations", ["create:organizations"], (req, res) => {
    const body = parseBody(createBody, req.body);
    if (store.organizationByName(body.name)) throw nameTaken.organization();
    const org: TenantOrganization = {
      id: `org_${randomAlnum(16)}`,
      name: body.name,
      display_name: body.display_name ?? body.name,
      ...(body.branding ? { branding: body.branding as TenantOrganization["branding"] } : {}),
      metadata: Object.fromEntries(Object.entries(body.metadata ?? {}).filter(([, v]) => v !== null)) as Record<
        string,
        string
      >,
      enabled_connections: [],
      members: [],
      created_at: ctx.now().toISOString(),
    };
    for (const ec of body.enabled_connections ?? []) org.enabled_connections.push(newOrgConnection(org, ec));
    store.state.organizations.push(org);
    store.save();
    res.status(201).json({
      ...organizationToApi(org),
      ...(body.enabled_connections
        ? {
            enabled_connections: org.enabled_connections.map((ec) => ({
              connection_id: ec.connection_id,
              assign_membership_on_login: ec.assign_membership_on_login,
              show_as_button: ec.show_as_button,
              is_signup_enabled: ec.is_signup_enabled,
            })),
          }
        : {}),
    });
  });

  api.get("/organizations/name/:name", ["read:organizations"], (req, res) => {
    const org = store.organizationByName(String(req.params.name));
    if (!org) throw notFound.organization();
    res.json(organizationToApi(org));
  });

  api.get("/organizations/:id", ["read:organizations"], (req, res) => {
    res.json(organizationToApi(findOrg(req)));
  });

  api.patch("/organizations/:id", ["update:organizations"], (req, res) => {
    const org = findOrg(req);
    const body = parseBody(updateBody, req.body);
    if (body.name !== undefined && body.name !== org.name && store.organizationByName(body.name))
      throw nameTaken.organization();
    if (body.name !== undefined) org.name = body.name;
    if (body.display_name !== undefined) org.display_name = body.display_name;
    if (body.metadata !== undefined) {
      const merged: Record<string, string> = { ...org.metadata };
      for (const [k, v] of Object.entries(body.metadata)) {
        if (v === null) delete merged[k];
        else merged[k] = v;
      }
      if (Object.keys(merged).length > 25) throw invalidBody("Too many properties defined, maximum 25", "metadata");
      org.metadata = merged;
    }
    store.save();
    res.json(organizationToApi(org));
  });

  api.delete("/organizations/:id", ["delete:organizations"], (req, res) => {
    const org = findOrg(req);
    store.state.organizations = store.state.organizations.filter((o) => o.id !== org.id);
    store.save();
    res.status(204).end();
  });

  api.get("/organizations/:id/enabled_connections", ["read:organization_connections"], (req, res) => {
    const q = parseQuery(listConnectionsQuery, req);
    const org = findOrg(req);
    sendList(res, "enabled_connections", org.enabled_connections, orgConnectionToApi, q, {
      perPage: q.per_page ?? 50,
    });
  });

  api.post("/organizations/:id/enabled_connections", ["create:organization_connections"], (req, res) => {
    const org = findOrg(req);
    const body = parseBody(addConnectionBody, req.body);
    const ec = newOrgConnection(org, body);
    org.enabled_connections.push(ec);
    store.save();
    res.status(201).json(orgConnectionToApi(ec));
  });

  function findOrgConnection(req: Request): { org: TenantOrganization; ec: TenantOrganizationConnection } {
    const org = findOrg(req);
    const ec = org.enabled_connections.find((c) => c.connection_id === req.params.connectionId);
    if (!ec) throw notFound.organizationConnection();
    return { org, ec };
  }

  api.get("/organizations/:id/enabled_connections/:connectionId", ["read:organization_connections"], (req, res) => {
    res.json(orgConnectionToApi(findOrgConnection(req).ec));
  });

  api.patch("/organizations/:id/enabled_connections/:connectionId", ["update:organization_connections"], (req, res) => {
    const { ec } = findOrgConnection(req);
    const body = parseBody(updateConnectionBody, req.body);
    if (body.assign_membership_on_login !== undefined) ec.assign_membership_on_login = body.assign_membership_on_login;
    if (body.is_signup_enabled !== undefined) ec.is_signup_enabled = body.is_signup_enabled;
    if (body.show_as_button !== undefined) ec.show_as_button = body.show_as_button;
    store.save();
    res.json(orgConnectionToApi(ec));
  });

  api.delete(
    "/organizations/:id/enabled_connections/:connectionId",
    ["delete:organization_connections"],
    (req, res) => {
      const { org, ec } = findOrgConnection(req);
      org.enabled_connections = org.enabled_connections.filter((c) => c !== ec);
      store.save();
      res.status(204).end();
    },
  );

  return router;
}
