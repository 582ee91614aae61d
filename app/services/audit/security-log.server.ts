import { sql, type Kysely, type Transaction } from "kysely";
import { assertSupportPermission } from "../identity/authorize.server";
import type { SupportScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { Database } from "../platform/db/schema";
import { currentRequest } from "../platform/request-context.server";
import { endOfDay, pageSize, readPage, startOfDay } from "./log-pages";
import { actorInWords, routeInWords } from "./phrases";

/**
 * The security log: requests refused to people outside an organization — nobody signed in, a
 * cross-origin form, another organization's member, a sign-in that failed. Only support reads it;
 * an organization's own log never shows them (one customer would learn another's people, and
 * anyone could write rows into anyone's log).
 *
 * Rows are counted per actor, route and hour: a flood of one kind costs one row. An actor who
 * varies the path gets at most ROUTES_PER_ACTOR_HOUR rows an hour; the rest fold into one
 * "(other paths)" row.
 */
export const ROUTES_PER_ACTOR_HOUR = 20;
export const OTHER_ROUTES = "(other paths)";
const HOUR_MS = 3_600_000;

export interface Refusal {
  /** A signed-in user, when there is one. */
  actorUserId?: string | null;
  /** Who, in words: an e-mail, "anonymous", "unknown (cross-origin request)". */
  actorLabel: string;
  /** Method and path, secrets already masked, e.g. "GET /orgs/acme". */
  route: string;
  /** The organization the request was aimed at, when it names one. */
  organizationId?: string | null;
  /** Dotted verb, e.g. "access.denied", "session.sign_in". */
  action: string;
  status: number;
  reason: string;
}

function actorKey(refusal: Refusal): string {
  if (refusal.actorUserId) return refusal.actorUserId;
  if (refusal.actorLabel.startsWith("unknown (cross-origin")) return "cross-origin";
  // A sign-in refused for an identity the tenant vouched for, but that is no portal user (yet).
  if (refusal.actorLabel.includes("@")) return `email:${refusal.actorLabel.toLowerCase().slice(0, 320)}`;
  return "anonymous";
}

export async function recordRefusal(
  db: Kysely<Database> | Transaction<Database>,
  refusal: Refusal,
  now: Date = new Date(),
): Promise<void> {
  const request = currentRequest();
  const hour = new Date(Math.floor(now.getTime() / HOUR_MS) * HOUR_MS);
  const key = actorKey(refusal);
  let route = refusal.route.slice(0, 200);
  const known = await db
    .selectFrom("security_events")
    .select((eb) => [
      eb.fn.countAll<string>().as("routes"),
      eb.fn.countAll<string>().filterWhere("route", "=", route).as("this_route"),
    ])
    .where("hour", "=", hour)
    .where("actor_key", "=", key)
    .executeTakeFirst();
  if (Number(known?.this_route ?? 0) === 0 && Number(known?.routes ?? 0) >= ROUTES_PER_ACTOR_HOUR) route = OTHER_ROUTES;

  await db
    .insertInto("security_events")
    .values({
      hour,
      actor_key: key,
      actor_user_id: refusal.actorUserId ?? null,
      actor_label: refusal.actorLabel.slice(0, 320),
      route,
      organization_id: refusal.organizationId ?? null,
      action: refusal.action,
      status: refusal.status,
      reason: refusal.reason.slice(0, 200),
      first_at: now,
      last_at: now,
      last_ip: request?.ip ?? null,
      last_request_id: request?.requestId ?? null,
    })
    .onConflict((oc) =>
      oc.columns(["hour", "actor_key", "route"]).doUpdateSet({
        count: sql`security_events.count + 1`,
        last_at: now,
        status: refusal.status,
        reason: refusal.reason.slice(0, 200),
        last_ip: request?.ip ?? null,
        last_request_id: request?.requestId ?? null,
      }),
    )
    .execute();
}

export interface SecurityRow {
  id: string;
  hour: Date;
  firstAt: Date;
  lastAt: Date;
  actor: string;
  actorUserId: string | null;
  route: string;
  orgName: string | null;
  orgSlug: string | null;
  action: string;
  status: number;
  reason: string;
  count: number;
  lastIp: string | null;
}

export interface SecurityFilter {
  /** A user id, or "anonymous" / "cross-origin". */
  actor?: string;
  action?: string;
  /** Inclusive UTC days, YYYY-MM-DD. */
  from?: string;
  to?: string;
}

export interface Page<T> {
  rows: T[];
  /** Pass as `after` for the next (older) page; undefined on the last page. */
  next?: string;
}

/** Newest first, paged by a cursor (the last row's time and id), filtered by actor, action and day. */
export async function listSecurityEvents(
  scope: SupportScope,
  filter: SecurityFilter = {},
  page: { after?: string; limit?: number } = {},
): Promise<Page<SecurityRow>> {
  assertSupportPermission(scope, "support:audit:read");
  const db = await getDb();
  let q = db
    .selectFrom("security_events as s")
    .leftJoin("users as u", "u.id", "s.actor_user_id")
    .leftJoin("organizations as o", "o.id", "s.organization_id")
    .selectAll("s")
    .select(["u.name as actor_name", "u.email as actor_email", "o.name as org_name", "o.slug as org_slug"])
    .orderBy("s.last_at", "desc")
    .orderBy("s.id", "desc");
  if (filter.actor) q = q.where("s.actor_key", "=", filter.actor);
  if (filter.action) q = q.where("s.action", "=", filter.action);
  if (filter.from) q = q.where("s.last_at", ">=", startOfDay(filter.from));
  if (filter.to) q = q.where("s.first_at", "<", endOfDay(filter.to));
  const cursor = parseCursor(page.after);
  if (cursor)
    q = q.where((eb) =>
      eb.or([eb("s.last_at", "<", cursor.at), eb.and([eb("s.last_at", "=", cursor.at), eb("s.id", "<", cursor.id)])]),
    );
  const found = await readPage(q, pageSize(page.limit, { fallback: 50, max: 200 }));
  const rows = found.rows.map((r) => ({
    id: String(r.id),
    hour: new Date(r.hour),
    firstAt: new Date(r.first_at),
    lastAt: new Date(r.last_at),
    actor: r.actor_name ?? r.actor_email ?? r.actor_label,
    actorUserId: r.actor_user_id,
    route: r.route,
    orgName: r.org_name,
    orgSlug: r.org_slug,
    action: r.action,
    status: r.status,
    reason: r.reason,
    count: Number(r.count),
    lastIp: r.last_ip,
  }));
  const last = rows.at(-1);
  return { rows, next: found.more && last ? cursorOf(last.lastAt, last.id) : undefined };
}

/** The people who appear in the security log, for the actor filter. */
export async function securityActors(scope: SupportScope): Promise<{ key: string; label: string }[]> {
  assertSupportPermission(scope, "support:audit:read");
  const db = await getDb();
  const rows = await db
    .selectFrom("security_events as s")
    .leftJoin("users as u", "u.id", "s.actor_user_id")
    .select(["s.actor_key", (eb) => eb.fn.max(sql<string>`coalesce(u.name, u.email, s.actor_label)`).as("label")])
    .groupBy("s.actor_key")
    .orderBy("label")
    .limit(500)
    .execute();
  return rows.map((r) => ({ key: r.actor_key, label: r.label ?? r.actor_key }));
}

export function cursorOf(at: Date, id: string): string {
  return `${at.toISOString()}_${id}`;
}

export function parseCursor(value: string | undefined): { at: Date; id: string } | undefined {
  const m = /^(\d{4}-\d\d-\d\dT[\d:.]+Z)_(\d{1,19})$/.exec(value ?? "");
  if (!m) return undefined;
  const at = new Date(m[1]!);
  return Number.isNaN(at.getTime()) ? undefined : { at, id: m[2]! };
}

/** A sign-in the callback refused (forged, expired, unverifiable, or refused by policy). */
export async function recordSignInRefusal(refusal: {
  actorLabel: string;
  status: number;
  reason: string;
}): Promise<void> {
  await recordRefusal(await getDb(), {
    actorLabel: refusal.actorLabel,
    action: "session.sign_in",
    route: "GET /auth/callback",
    status: refusal.status,
    reason: refusal.reason,
  });
}

/** A security-log row in words: "Bob Builder was refused opening /orgs/acme: not a member of this organization". */
export function describeRefusal(row: Pick<SecurityRow, "actor" | "action" | "route" | "reason">): string {
  const who = actorInWords(row.actor);
  if (row.action === "session.sign_in")
    return `A sign-in as ${who} failed: ${SIGN_IN_REASONS[row.reason] ?? row.reason}`;
  if (row.route === OTHER_ROUTES) return `${who} was refused at many other addresses: ${row.reason}`;
  return `${who} was refused ${routeInWords(row.route)}: ${row.reason}`;
}

const SIGN_IN_REASONS: Record<string, string> = {
  tenant_error: "the sign-in service answered with an error",
  no_pending_login: "no sign-in was started in this browser (expired, or a forged callback)",
  invalid_response: "the answer could not be verified",
  no_email: "the identity has no e-mail address",
  email_unverified: "the e-mail address is not verified",
  email_taken: "another sign-in already uses this e-mail address",
};
