import type { Express } from "express";
import type { TenantContext } from "../context.js";

/** Logins: OIDC provider, universal-login page, enterprise brokering, /samlp/metadata. */
export async function mountLogins(_app: Express, _ctx: TenantContext): Promise<void> {}
