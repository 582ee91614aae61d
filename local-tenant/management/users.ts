import { Router } from "express";
import { z } from "zod";
import type { TenantContext } from "../context.js";
import type { TenantUser } from "../store.js";
import { ApiError } from "./errors.js";
import { parseQuery, project, queryBool } from "./pagination.js";
import { scopedRoutes } from "./tokens.js";

/**
 * `GET /api/v2/users/{id}`: one user's profile, as Auth0 returns it — the normalized fields, the
 * `identities` (provider, connection, the IdP's user id) and, for an enterprise user, the
 * attributes the IdP sent at the root of the profile under their own names (Auth0 keeps
 * unmapped SAML attributes and OIDC claims there). The portal reads it to show a test login's
 * attributes as the IdP named them.
 */

const getQuery = z.object({ fields: z.string().optional(), include_fields: queryBool.optional() }).strict();

const PROVIDERS: Record<string, string> = { samlp: "samlp", oidc: "oidc", auth0: "auth0" };

export function userToApi(ctx: TenantContext, u: TenantUser): Record<string, unknown> {
  const connection = ctx.store.connectionByName(u.connection);
  const provider = PROVIDERS[connection?.strategy ?? "auth0"] ?? connection?.strategy ?? "auth0";
  const idpUserId = u.user_id.slice(u.user_id.lastIndexOf("|") + 1);
  return {
    ...(u.idp_attributes ?? {}),
    user_id: u.user_id,
    email: u.email || undefined,
    email_verified: u.email_verified,
    name: u.name,
    given_name: u.given_name,
    family_name: u.family_name,
    nickname: u.email ? u.email.split("@")[0] : undefined,
    identities: [{ provider, connection: u.connection, user_id: idpUserId, isSocial: false }],
    created_at: u.created_at,
    updated_at: u.updated_at,
  };
}

export function usersRouter(ctx: TenantContext): Router {
  const router = Router();
  const api = scopedRoutes(router, "comma");
  api.get("/users/:id", ["read:users", "read:user_idp_tokens"], (req, res) => {
    const q = parseQuery(getQuery, req);
    const user = ctx.store.user(String(req.params.id));
    if (!user) throw new ApiError(404, "The user does not exist.", "inexistent_user");
    res.json(project(userToApi(ctx, user), q.fields, q.include_fields));
  });
  return router;
}
