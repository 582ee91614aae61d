import { createCookie, type Cookie } from "@remix-run/node";
import * as client from "openid-client";
import { z } from "zod";
import { cookieSecret } from "../identity/session.server";
import { oidcConfiguration } from "../identity/oidc.server";
import type { ScopedOrganization, SystemOrgScope } from "../identity/scope.server";
import { findScopedOrganization, scopedOrganizationOf } from "../organizations/scoped-organization.server";
import { getDb } from "../platform/db.server";
import { getEnv } from "../platform/env.server";
import { getPublicUrl } from "../platform/public-url.server";
import { getTenantConfig } from "../platform/tenant-config.server";
import { liveConnections, liveEvents, liveVersionFrom } from "./stages.server";

/**
 * The vendor's demo application, local mode only: the product a customer's people sign in to,
 * in miniature. Someone types their work e-mail; its domain finds their organization (home-realm
 * discovery over verified domains) — or they pick the organization — and they sign in through
 * its *live* connection with the demo application (one of the production applications), at the
 * demo IdP, and see who they are. It shows a go-live working end to end without any account.
 */

export function demoAppAvailable(): boolean {
  try {
    return getTenantConfig().demoApp !== undefined;
  } catch {
    return false;
  }
}

export interface LiveOrganization {
  slug: string;
  name: string;
  connectionName: string;
}

async function liveOrganization(
  org: ScopedOrganization,
): Promise<(LiveOrganization & { auth0OrgId: string | null }) | null> {
  const scope: SystemOrgScope = { kind: "system", actor: "demo-app", org };
  const live = liveVersionFrom(scope, await liveEvents(await getDb(), scope, 20));
  if (!live || live.disabled) return null;
  return { slug: org.slug, name: org.name, connectionName: live.connectionName, auth0OrgId: org.auth0OrgId };
}

/** Organizations whose people can sign in now (a live connection, not disabled). */
export async function liveOrganizations(): Promise<LiveOrganization[]> {
  const { rows } = await liveConnections(await getDb(), { enabledOnly: true });
  return rows.map((r) => ({ slug: r.slug, name: r.name, connectionName: r.live.connectionName }));
}

export type Discovery = { found: true; org: LiveOrganization } | { found: false; message: string };

/** Home-realm discovery: the organization that verified the e-mail's domain, if it is live. */
export async function discoverByEmail(email: string): Promise<Discovery> {
  const domain = email.trim().toLowerCase().split("@")[1] ?? "";
  if (!/^[a-z0-9.-]+\.[a-z]{2,}$/.test(domain)) {
    return { found: false, message: "Type your work e-mail address, such as ada@example.com." };
  }
  const db = await getDb();
  const org = await db
    .selectFrom("organization_domains")
    .innerJoin("organizations", "organizations.id", "organization_domains.organization_id")
    .select(["organizations.id", "organizations.slug", "organizations.name", "organizations.auth0_org_id"])
    .where("organization_domains.domain", "=", domain)
    .where("organization_domains.verified_at", "is not", null)
    .executeTakeFirst();
  if (!org) {
    return {
      found: false,
      message: `No organization has verified the domain ${domain}. Pick your organization below instead.`,
    };
  }
  const live = await liveOrganization(scopedOrganizationOf(org));
  if (!live) return { found: false, message: `${org.name} has not gone live with single sign-on yet.` };
  return { found: true, org: { slug: live.slug, name: live.name, connectionName: live.connectionName } };
}

const pendingSchema = z.object({ state: z.string(), nonce: z.string(), codeVerifier: z.string(), org: z.string() });
const userSchema = z.object({
  sub: z.string(),
  email: z.string().optional(),
  name: z.string().optional(),
  org: z.string(),
  connection: z.string(),
  at: z.string(),
});
export type DemoAppUser = z.infer<typeof userSchema>;

const cookies: { pending?: Cookie; user?: Cookie } = {};
function cookie(name: "pending" | "user"): Cookie {
  const secure = !getEnv().localMode;
  cookies[name] ??= createCookie(`demo_app_${name}`, {
    httpOnly: true,
    sameSite: "lax",
    secure,
    path: "/demo-app",
    maxAge: name === "pending" ? 600 : 3600,
    secrets: [cookieSecret],
  });
  return cookies[name]!;
}

const callbackUrl = () => `${getPublicUrl()}/demo-app/callback`;

/** Where to send the browser to sign in to the demo application through `slug`'s live connection. */
export async function startDemoSignIn(slug: string): Promise<{ url: URL; setCookie: string } | null> {
  const org = await findScopedOrganization(await getDb(), { slug });
  const live = org ? await liveOrganization(org) : null;
  if (!live) return null;
  const config = await oidcConfiguration("demoApp");
  const codeVerifier = client.randomPKCECodeVerifier();
  const pending = { state: client.randomState(), nonce: client.randomNonce(), codeVerifier, org: live.slug };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: callbackUrl(),
    scope: "openid profile email",
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
    connection: live.connectionName,
    ...(live.auth0OrgId ? { organization: live.auth0OrgId } : {}),
    prompt: "login",
  });
  return { url, setCookie: await cookie("pending").serialize(pending) };
}

export type DemoCallback = { ok: true; setCookie: string } | { ok: false; message: string };

/** The demo application's callback: who signed in, kept in its own cookie (no portal session). */
export async function finishDemoSignIn(request: Request): Promise<DemoCallback> {
  const pending = pendingSchema.safeParse(await cookie("pending").parse(request.headers.get("cookie")));
  if (!pending.success) return { ok: false, message: "This sign-in expired. Start again." };
  const url = new URL(request.url);
  const error = url.searchParams.get("error");
  if (error) {
    return {
      ok: false,
      message: `The sign-in did not complete: ${url.searchParams.get("error_description") ?? error}`.slice(0, 300),
    };
  }
  try {
    const config = await oidcConfiguration("demoApp");
    const tokens = await client.authorizationCodeGrant(config, new URL(`${callbackUrl()}${url.search}`), {
      pkceCodeVerifier: pending.data.codeVerifier,
      expectedState: pending.data.state,
      expectedNonce: pending.data.nonce,
      idTokenExpected: true,
    });
    const claims: Record<string, unknown> & { sub: string } = { sub: "", ...tokens.claims() };
    const user: DemoAppUser = {
      sub: claims.sub,
      email: typeof claims.email === "string" ? claims.email : undefined,
      name: typeof claims.name === "string" ? claims.name : undefined,
      org: pending.data.org,
      connection: claims.sub.split("|")[1] ?? "",
      at: new Date().toISOString(),
    };
    return { ok: true, setCookie: await cookie("user").serialize(user) };
  } catch {
    return { ok: false, message: "The sign-in answer could not be verified. Start again." };
  }
}

export async function demoAppUser(request: Request): Promise<DemoAppUser | null> {
  const parsed = userSchema.safeParse(await cookie("user").parse(request.headers.get("cookie")));
  return parsed.success ? parsed.data : null;
}

export async function demoAppSignOut(): Promise<string> {
  return cookie("user").serialize("", { maxAge: 0, expires: new Date(0) });
}
