import { createCookie, type Cookie } from "@remix-run/node";
import * as client from "openid-client";
import { z } from "zod";
import { recordAudit } from "../audit/audit.server";
import { portalGateway } from "../auth0/portal-gateway.server";
import { queueLiveMail } from "../go-live/notify.server";
import { stagedVersion } from "../go-live/stages.server";
import { countTestLogin } from "../monitoring/metrics.server";
import { assertOrgPermission } from "../identity/authorize.server";
import type { Viewer } from "../identity/guards.server";
import { authorizationRequest, oidcConfiguration } from "../identity/oidc.server";
import type { OrgScope } from "../identity/scope.server";
import { cookieSecret } from "../identity/session.server";
import { verifiedDomains } from "../organizations/domains.server";
import { getDb } from "../platform/db.server";
import type { TestLogin } from "../platform/db/schema";
import { newestOrganizationRows, organizationRow } from "../platform/db/row-queries.server";
import { getEnv } from "../platform/env.server";
import { logger } from "../platform/logger.server";
import { getPublicUrl } from "../platform/public-url.server";
import { checkLogin, requirementsFrom, type LoginCheck } from "./checks";
import { explainCause, explainLoginFailure, type FailureExplanation } from "./failure-explanations";

/**
 * Test login: an OpenID Connect login (openid-client: PKCE, state, nonce) with the test
 * application at `/authorize?connection=<the staged -test connection>`. The callback records
 * the result against the version that was staged when the test started: who signed in, the
 * claims, the attributes as the IdP named them (the user's Auth0 profile), the checks — or
 * Auth0's error with its explanation. Tokens are used once, never stored, never shown.
 *
 * The pending test travels in a signed, httpOnly cookie bound to the browser that started it;
 * the row is bound to the person who started it. A callback whose state is not the cookie's, a
 * test already finished (a replay), another person's test or another organization's: refused,
 * nothing written.
 */

const pendingSchema = z.object({
  testId: z.string().uuid(),
  state: z.string().min(16),
  nonce: z.string().min(16),
  codeVerifier: z.string().min(43),
});
export type PendingTest = z.infer<typeof pendingSchema>;

/** Claims that say nothing about the person (protocol bookkeeping): not kept. */
const PROTOCOL_CLAIMS = new Set([
  "iss",
  "aud",
  "exp",
  "iat",
  "nbf",
  "nonce",
  "at_hash",
  "c_hash",
  "sid",
  "auth_time",
  "azp",
  "jti",
]);
/** Profile fields Auth0 adds itself: not the IdP's attributes. */
const PROFILE_BOOKKEEPING = new Set([
  "identities",
  "created_at",
  "updated_at",
  "last_login",
  "last_ip",
  "logins_count",
  "user_id",
]);

let pendingCookie: Cookie | undefined;
export function testLoginCookie(): Cookie {
  const secure = !getEnv().localMode;
  pendingCookie ??= createCookie(secure ? "__Host-portal_test_login" : "portal_test_login", {
    httpOnly: true,
    sameSite: "lax", // sent on the top-level GET back from the tenant
    secure,
    path: "/",
    maxAge: 900,
    secrets: [cookieSecret],
  });
  return pendingCookie;
}

export function testLoginCallbackUrl(): string {
  return `${getPublicUrl()}/test-login/callback`;
}

export type StartResult = { ok: true; url: URL; pending: PendingTest; testId: string } | { ok: false; error: string };

/** Starts a test of the staged version: a pending row and where to send the browser. */
export async function startTestLogin(scope: OrgScope): Promise<StartResult> {
  assertOrgPermission(scope, "org:sso:test");
  const db = await getDb();
  const staged = await stagedVersion(db, scope);
  if (!staged) {
    return {
      ok: false,
      error: "There is no applied version to test yet. Submit a configuration; once it is applied, test it here.",
    };
  }
  const config = await oidcConfiguration("testLogin");
  const row = await db
    .insertInto("test_logins")
    .values({
      organization_id: scope.org.id,
      protocol: staged.protocol,
      connection_name: staged.connectionName,
      version: staged.version,
      started_by: scope.user.id,
      started_by_label: scope.user.email,
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  await recordAudit(db, {
    actorUserId: scope.user.id,
    actorLabel: scope.user.email,
    organizationId: scope.org.id,
    action: "test_login.start",
    target: row.id,
    details: { version: staged.version, connection: staged.connectionName },
  });
  const { url, secrets } = await authorizationRequest(config, testLoginCallbackUrl(), {
    connection: staged.connectionName,
    // A fresh sign-in at the IdP every time: a test must not pass on an old session.
    prompt: "login",
  });
  const pending: PendingTest = { testId: row.id, ...secrets };
  return { ok: true, url, pending, testId: row.id };
}

type Outcome = Pick<TestLogin, "status" | "subject" | "error" | "error_description" | "cause"> & {
  claims: Record<string, unknown> | null;
  attributes: Record<string, unknown> | null;
  checks: LoginCheck[] | null;
};

export type FinishResult =
  | { ok: true; slug: string; testId: string }
  | { ok: false; status: 400 | 404 | 409; message: string; slug?: string; testId?: string };

/**
 * The callback: `viewer` is the signed-in person; `search` the callback's query string; `pending`
 * what the cookie held. Refusals change nothing.
 */
export async function finishTestLogin(viewer: Viewer, search: string, pendingValue: unknown): Promise<FinishResult> {
  const parsed = pendingSchema.safeParse(pendingValue);
  if (!parsed.success) {
    return {
      ok: false,
      status: 400,
      message:
        "This test login is not in progress here (it expired, finished already, or was started in another browser). Start it again from your SSO page.",
    };
  }
  const pending = parsed.data;
  const db = await getDb();
  const row = await db
    .selectFrom("test_logins")
    .innerJoin("organizations", "organizations.id", "test_logins.organization_id")
    .selectAll("test_logins")
    .select(["organizations.slug", "organizations.name as org_name", "organizations.auth0_org_id"])
    .where("test_logins.id", "=", pending.testId)
    .where("test_logins.started_by", "=", viewer.user.id)
    .executeTakeFirst();
  const membership = row && viewer.memberships.find((m) => m.org.id === row.organization_id && m.role === "org_admin");
  if (!row || !membership) return { ok: false, status: 404, message: "There is no such test login." };
  const params = new URL(`${testLoginCallbackUrl()}${search}`).searchParams;
  if (params.get("state") !== pending.state) {
    return {
      ok: false,
      status: 400,
      message:
        "This answer does not belong to the test login in progress (its state does not match). Start the test again.",
      slug: row.slug,
    };
  }
  if (row.status !== "pending") {
    return { ok: false, status: 409, message: "This test login has already finished.", slug: row.slug, testId: row.id };
  }
  const scope: OrgScope = {
    kind: "org",
    user: { id: viewer.user.id, email: viewer.user.email, name: viewer.user.name },
    org: membership.org,
    role: membership.role,
  };

  let outcome: Outcome;
  const error = params.get("error");
  if (error) {
    const explained = explainLoginFailure({
      protocol: row.protocol,
      error,
      errorDescription: params.get("error_description") ?? "",
    });
    outcome = {
      status: "failed",
      subject: null,
      claims: null,
      attributes: null,
      checks: null,
      error,
      error_description: (params.get("error_description") ?? "").slice(0, 2000),
      cause: explained.cause,
    };
  } else {
    outcome = await exchangeAndCheck(scope, row, pending, params);
  }
  const updated = await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable("test_logins")
      .set({
        status: outcome.status,
        finished_at: new Date(),
        subject: outcome.subject,
        claims: outcome.claims ? JSON.stringify(outcome.claims) : null,
        attributes: outcome.attributes ? JSON.stringify(outcome.attributes) : null,
        checks: outcome.checks ? JSON.stringify(outcome.checks) : null,
        error: outcome.error,
        error_description: outcome.error_description,
        cause: outcome.cause,
      })
      .where("id", "=", row.id)
      .where("status", "=", "pending")
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) return false;
    await recordAudit(trx, {
      actorUserId: scope.user.id,
      actorLabel: scope.user.email,
      organizationId: scope.org.id,
      action: "test_login.finish",
      target: row.id,
      outcome: outcome.status === "passed" ? "success" : "failure",
      details: { version: row.version, result: outcome.status, cause: outcome.cause },
    });
    const explanation = outcome.status === "failed" ? toView({ ...row, ...outcome } as TestLogin).explanation : null;
    await queueLiveMail(trx, {
      organizationId: scope.org.id,
      kind: outcome.status === "passed" ? "test_login.passed" : "test_login.failed",
      eventKey: row.id,
      page: `sso/tests/${row.id}`,
      facts: {
        version: row.version,
        actor: scope.user.email,
        ...(outcome.subject ? { subject: outcome.subject } : {}),
        ...(explanation ? { cause: explanation.title, fix: explanation.fix } : {}),
      },
    });
    return true;
  });
  if (updated) countTestLogin(outcome.status === "passed" ? "succeeded" : (outcome.cause ?? "failed"));
  if (!updated)
    return { ok: false, status: 409, message: "This test login has already finished.", slug: row.slug, testId: row.id };
  return { ok: true, slug: row.slug, testId: row.id };
}

async function exchangeAndCheck(
  scope: OrgScope,
  row: TestLogin,
  pending: PendingTest,
  params: URLSearchParams,
): Promise<Outcome> {
  const config = await oidcConfiguration("testLogin");
  let claims: Record<string, unknown>;
  try {
    const tokens = await client.authorizationCodeGrant(config, new URL(`${testLoginCallbackUrl()}?${params}`), {
      pkceCodeVerifier: pending.codeVerifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    claims = { ...(tokens.claims() ?? {}) };
  } catch (err) {
    // The tenant refused the code (or the token did not check out): openid-client's message names no secret.
    const message = err instanceof Error ? err.message.slice(0, 500) : "the code could not be exchanged";
    return {
      status: "failed",
      subject: null,
      claims: null,
      attributes: null,
      checks: null,
      error: "token_exchange",
      error_description: message,
      cause: "unknown",
    };
  }
  const subject = typeof claims.sub === "string" ? claims.sub : null;
  const kept = Object.fromEntries(Object.entries(claims).filter(([k]) => !PROTOCOL_CLAIMS.has(k)));
  let attributes: Record<string, unknown> | null = null;
  if (subject) {
    try {
      const db = await getDb();
      const gw = portalGateway(db);
      const owned = await gw.findOwnedConnection(scope, row.protocol, "read-test-user", "test");
      if (owned) {
        const profile = await gw.readConnectionUser(scope, owned, subject);
        attributes = Object.fromEntries(Object.entries(profile).filter(([k]) => !PROFILE_BOOKKEEPING.has(k)));
      }
    } catch (err) {
      // The result still stands on the ID token; the page says the IdP's own names could not be read.
      logger.warn({ err: (err as Error).message, testId: row.id }, "test login: the user's profile could not be read");
    }
  }
  const staged = await stagedVersion(await getDb(), scope);
  const options = staged && staged.version === row.version ? staged.options : {};
  const profile = { ...kept, ...(attributes ?? {}) };
  const checks = checkLogin(
    profile,
    requirementsFrom(row.protocol, options, await verifiedDomains(scope)),
    attributes ?? {},
  );
  return {
    status: checks.every((c) => c.passed) ? "passed" : "failed",
    subject,
    claims: kept,
    attributes,
    checks,
    error: null,
    error_description: null,
    cause: checks.find((c) => !c.passed)?.cause ?? null,
  };
}

export interface TestResultView {
  id: string;
  version: number;
  protocol: "saml" | "oidc";
  connectionName: string;
  status: TestLogin["status"];
  startedBy: string;
  startedAt: Date;
  finishedAt: Date | null;
  subject: string | null;
  claims: Record<string, unknown>;
  attributes: Record<string, unknown> | null;
  checks: LoginCheck[];
  /** Failed: why, in words (the first failed check's, or Auth0's error's). */
  explanation: FailureExplanation | null;
}

export function toView(row: TestLogin): TestResultView {
  const checks = ((row.checks as LoginCheck[] | null) ?? []).map((c) => ({ ...c }));
  let explanation: FailureExplanation | null = null;
  if (row.status === "failed") {
    explanation = row.error
      ? explainLoginFailure({ protocol: row.protocol, error: row.error, errorDescription: row.error_description ?? "" })
      : row.cause
        ? explainCause(row.cause as FailureExplanation["cause"])
        : null;
  }
  return {
    id: row.id,
    version: row.version,
    protocol: row.protocol,
    connectionName: row.connection_name,
    status: row.status,
    startedBy: row.started_by_label,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    subject: row.subject,
    claims: (row.claims as Record<string, unknown> | null) ?? {},
    attributes: (row.attributes as Record<string, unknown> | null) ?? null,
    checks,
    explanation,
  };
}

/** One test of the scope's organization; another organization's answers null (the page: 404). */
export async function getTestResult(scope: OrgScope, id: string): Promise<TestResultView | null> {
  assertOrgPermission(scope, "org:sso:read");
  if (!z.string().uuid().safeParse(id).success) return null;
  const row = await organizationRow(await getDb(), "test_logins", scope.org.id, id);
  return row ? toView(row) : null;
}

/** The organization's latest tests, newest first. */
export async function listTests(scope: OrgScope, limit = 10): Promise<TestResultView[]> {
  assertOrgPermission(scope, "org:sso:read");
  return (await newestOrganizationRows(await getDb(), "test_logins", scope.org.id, "started_at", limit)).map(toView);
}
