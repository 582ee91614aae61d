import { redirect } from "@remix-run/node";
import { recordAudit } from "../audit.server";
import { getDb } from "../db.server";
import type { OrgRole } from "../db/schema";
import type { OrgScope, ScopedOrganization, ScopedUser, SupportRole, SupportScope } from "../scope.server";
import { maskSecretPath } from "../secret-paths";
import { orgRoleAtLeast, supportRoleAtLeast } from "./permissions";
import { sanitizeReturnTo } from "./return-to";
import { readSession, type ActiveSession } from "./session.server";
import { configuredSupportRole, higherSupportRole } from "./vendor-roles.server";

/**
 * Guards: the first line of every protected loader and action. They read the session, then the
 * user's memberships from the database on every request (a removed membership takes effect at
 * once), and return a typed scope — or throw the response to send: a redirect to sign-in for
 * anonymous page views, 401 for anonymous actions, 404 for another organization (its existence
 * does not leak), 403 for a role too low. Every refusal is an audit row.
 */

export interface Membership {
  org: ScopedOrganization;
  role: OrgRole;
}

export interface Viewer {
  user: ScopedUser & { sub: string | null };
  session: ActiveSession;
  memberships: Membership[];
  supportRole: SupportRole | null;
}

const viewers = new WeakMap<Request, Promise<Viewer | null>>();

/** Who is signed in on this request, or null. Memoised per request. */
export function getViewer(request: Request): Promise<Viewer | null> {
  let found = viewers.get(request);
  if (!found) {
    found = loadViewer(request);
    viewers.set(request, found);
  }
  return found;
}

async function loadViewer(request: Request): Promise<Viewer | null> {
  const session = await readSession(request);
  if (!session) return null;
  const db = await getDb();
  const user = await db
    .selectFrom("users")
    .select(["id", "email", "name", "sub"])
    .where("id", "=", session.userId)
    .executeTakeFirst();
  if (!user) return null;
  const rows = await db
    .selectFrom("memberships")
    .innerJoin("organizations", "organizations.id", "memberships.organization_id")
    .select([
      "organizations.id",
      "organizations.slug",
      "organizations.name",
      "organizations.auth0_org_id",
      "memberships.role",
    ])
    .where("memberships.user_id", "=", user.id)
    .orderBy("organizations.name")
    .execute();
  return {
    user,
    session,
    memberships: rows.map((r) => ({
      org: { id: r.id, slug: r.slug, name: r.name, auth0OrgId: r.auth0_org_id },
      role: r.role,
    })),
    supportRole: higherSupportRole(
      configuredSupportRole({ ...user, emailVerified: session.data.emailVerified }),
      session.data.supportRoleClaim,
    ),
  };
}

function requestPath(request: Request): string {
  const url = new URL(request.url);
  return `${url.pathname}${url.search}`;
}

async function refuse(
  request: Request,
  viewer: Viewer | null,
  status: 401 | 403 | 404,
  reason: string,
  organizationId: string | null = null,
): Promise<never> {
  const db = await getDb();
  await recordAudit(db, {
    actorUserId: viewer?.user.id ?? null,
    actorLabel: viewer?.user.email ?? "anonymous",
    organizationId,
    action: "access.denied",
    target: `${request.method} ${maskSecretPath(new URL(request.url).pathname)}`,
    outcome: "denied",
    details: { reason, status },
  });
  if (status === 401 && request.method === "GET") {
    throw redirect(`/auth/login?returnTo=${encodeURIComponent(sanitizeReturnTo(requestPath(request)))}`);
  }
  const text: Record<number, string> = {
    401: "Sign in first.",
    403: "Your role does not allow this action. Ask an administrator of your organization.",
    404: "The page you asked for does not exist, or you do not have access to it.",
  };
  throw new Response(text[status], { status, headers: { "content-type": "text/plain; charset=utf-8" } });
}

/** A signed-in user, or a redirect to sign-in (GET) / 401 (anything else). */
export async function requireUser(request: Request): Promise<Viewer> {
  const viewer = await getViewer(request);
  if (!viewer) return refuse(request, null, 401, "not signed in");
  return viewer;
}

/**
 * The user's scope in the organization named by `slug`, at least `role`. Not a member (or no such
 * organization): 404. A member whose role is too low: 403.
 */
export async function requireOrgMember(
  request: Request,
  slug: string | undefined,
  role: OrgRole = "org_viewer",
): Promise<OrgScope> {
  const viewer = await requireUser(request);
  const membership = viewer.memberships.find((m) => m.org.slug === slug);
  if (!membership) {
    const db = await getDb();
    const org = slug
      ? await db.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirst()
      : undefined;
    return refuse(request, viewer, 404, "not a member of this organization", org?.id ?? null);
  }
  if (!orgRoleAtLeast(membership.role, role)) {
    return refuse(request, viewer, 403, `needs ${role}, has ${membership.role}`, membership.org.id);
  }
  return { kind: "org", user: pickUser(viewer), org: membership.org, role: membership.role };
}

/** Vendor staff only. Others: 404 (the console's existence is not advertised); too low a role: 403. */
export async function requireSupport(request: Request, role: SupportRole = "support_agent"): Promise<SupportScope> {
  const viewer = await requireUser(request);
  if (!viewer.supportRole) return refuse(request, viewer, 404, "not vendor staff");
  if (!supportRoleAtLeast(viewer.supportRole, role)) {
    return refuse(request, viewer, 403, `needs ${role}, has ${viewer.supportRole}`);
  }
  return { kind: "support", user: pickUser(viewer), role: viewer.supportRole };
}

function pickUser(viewer: Viewer): ScopedUser {
  return { id: viewer.user.id, email: viewer.user.email, name: viewer.user.name };
}

/** For a route that has checked a finer permission itself: refuse with an audit row. */
export async function refuseForbidden(
  request: Request,
  scope: OrgScope | SupportScope,
  reason: string,
): Promise<never> {
  const viewer = await getViewer(request);
  return refuse(request, viewer, 403, reason, scope.kind === "org" ? scope.org.id : null);
}
