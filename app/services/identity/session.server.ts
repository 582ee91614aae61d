import { createCookie, type Cookie } from "@remix-run/node";
import { createHash, randomBytes } from "node:crypto";
import { getDb } from "../platform/db.server";
import { getEnv } from "../platform/env.server";
import { currentRequest } from "../platform/request-context.server";
import { singleton } from "../platform/singleton.server";

/**
 * Sign-in sessions. The cookie carries only a random id (256 bits), signed with SESSION_SECRET;
 * the database keeps only its SHA-256, so neither a database leak nor a log line gives a usable
 * cookie. Each session has an idle expiry (pushed forward as it is used) and an absolute one
 * (never moved). A new id is made at every sign-in (no fixation); revoking is a timestamp.
 */

export interface SessionData {
  /** Vendor role read from the ID-token claim named by SUPPORT_ROLE_CLAIM at sign-in. */
  supportRoleClaim?: "support_agent" | "support_admin" | null;
  /** Whether the ID token said the e-mail was verified (vendor roles by e-mail need it). */
  emailVerified?: boolean;
}

export interface ActiveSession {
  idHash: string;
  userId: string;
  createdAt: Date;
  absoluteExpiresAt: Date;
  data: SessionData;
}

/** How often last_seen_at / idle expiry are written back (not on every request). */
const TOUCH_INTERVAL_MS = 60_000;

/** The secret that signs the portal's cookies (session and pending login). */
export const cookieSecret = singleton("session-secret", () => {
  const env = getEnv();
  // Local mode may run without SESSION_SECRET: a per-process secret (a restart signs everyone out).
  return env.SESSION_SECRET ?? randomBytes(32).toString("hex");
});

function secureCookies(): boolean {
  return !getEnv().localMode;
}

const cookies = singleton("session-cookies", () => ({ session: undefined as Cookie | undefined }));

/** The session cookie's definition: `__Host-` and Secure outside local mode (https only, no Domain). */
export function makeSessionCookie(options: { secure: boolean; secret: string }): Cookie {
  return createCookie(options.secure ? "__Host-portal_session" : "portal_session", {
    httpOnly: true,
    sameSite: "lax",
    secure: options.secure,
    path: "/",
    secrets: [options.secret],
  });
}

export function sessionCookie(): Cookie {
  cookies.session ??= makeSessionCookie({ secure: secureCookies(), secret: cookieSecret });
  return cookies.session;
}

export function hashSessionId(id: string): string {
  return createHash("sha256").update(id).digest("hex");
}

function lifetimes() {
  const env = getEnv();
  return { idleMs: env.SESSION_IDLE_MINUTES * 60_000, absoluteMs: env.SESSION_MAX_HOURS * 3_600_000 };
}

/** Creates a session and returns the Set-Cookie header that carries it. */
export async function createSession(
  userId: string,
  data: SessionData = {},
): Promise<{ idHash: string; setCookie: string }> {
  const db = await getDb();
  const id = randomBytes(32).toString("base64url");
  const idHash = hashSessionId(id);
  const now = Date.now();
  const { idleMs, absoluteMs } = lifetimes();
  const request = currentRequest();
  await db
    .insertInto("sessions")
    .values({
      id_hash: idHash,
      user_id: userId,
      created_at: new Date(now),
      last_seen_at: new Date(now),
      idle_expires_at: new Date(now + Math.min(idleMs, absoluteMs)),
      absolute_expires_at: new Date(now + absoluteMs),
      revoked_at: null,
      ip: request?.ip ?? null,
      user_agent: request?.userAgent?.slice(0, 512) ?? null,
      data: JSON.stringify(data),
    })
    .execute();
  // No Max-Age: the cookie ends with the browser; the server-side expiry is what counts.
  const setCookie = await sessionCookie().serialize(id);
  return { idHash, setCookie };
}

/** The Set-Cookie header that removes the session cookie. */
export async function clearSessionCookie(): Promise<string> {
  return sessionCookie().serialize("", { maxAge: 0, expires: new Date(0) });
}

/** Cookie headers remembered with the id hash they name (per cookie definition, so per secret). */
export const SESSION_ID_MEMO_CAPACITY = 1000;
const idHashMemos = new WeakMap<Cookie, Map<string, string | null>>();

/**
 * The id hash named by a request's cookie when its signature is valid, whatever the session's state.
 *
 * Checking the signature (an HMAC) and hashing the id cost ~90 µs, 3 % of a page: a signed-in browser
 * sends the same Cookie header with every request, so the answer is remembered per header (the least
 * recently used of SESSION_ID_MEMO_CAPACITY forgotten first). What is remembered is only what the
 * header itself determines (the signature and the hash, never whether the session is live: the
 * caller's query decides that on every request).
 */
export async function sessionIdHashFrom(request: Request): Promise<string | null> {
  const header = request.headers.get("cookie");
  if (header === null) return null;
  const cookie = sessionCookie();
  let memo = idHashMemos.get(cookie);
  if (!memo) idHashMemos.set(cookie, (memo = new Map()));
  const remembered = memo.get(header);
  if (remembered !== undefined) {
    memo.delete(header);
    memo.set(header, remembered);
    return remembered;
  }
  const value: unknown = await cookie.parse(header);
  const idHash = typeof value === "string" && /^[A-Za-z0-9_-]{43}$/.test(value) ? hashSessionId(value) : null;
  memo.set(header, idHash);
  if (memo.size > SESSION_ID_MEMO_CAPACITY) memo.delete(memo.keys().next().value!);
  return idHash;
}

/** The columns a live session is read with (the guards' one-query viewer). */
export interface SessionRow {
  id_hash: string;
  user_id: string;
  created_at: Date | string;
  last_seen_at: Date | string;
  absolute_expires_at: Date | string;
  data: unknown;
}

/**
 * A live session's row, read at `now`, as an ActiveSession. Pushes the idle expiry forward (and
 * last_seen_at) when it was last pushed more than TOUCH_INTERVAL_MS ago: one write a minute per
 * session, not one per request. The idle expiry is thus at most a minute short of exact.
 */
export async function sessionFromRow(row: SessionRow, now: Date): Promise<ActiveSession> {
  const absolute = new Date(row.absolute_expires_at);
  if (now.getTime() - new Date(row.last_seen_at).getTime() > TOUCH_INTERVAL_MS) {
    const idle = new Date(Math.min(now.getTime() + lifetimes().idleMs, absolute.getTime()));
    const db = await getDb();
    await db
      .updateTable("sessions")
      .set({ last_seen_at: now, idle_expires_at: idle })
      .where("id_hash", "=", row.id_hash)
      .where("revoked_at", "is", null)
      .execute();
  }
  return {
    idHash: row.id_hash,
    userId: row.user_id,
    createdAt: new Date(row.created_at),
    absoluteExpiresAt: absolute,
    data: (typeof row.data === "string" ? JSON.parse(row.data) : row.data) as SessionData,
  };
}

export async function revokeSession(idHash: string): Promise<void> {
  const db = await getDb();
  await db
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("id_hash", "=", idHash)
    .where("revoked_at", "is", null)
    .execute();
}

/** Sign out everywhere: every live session of the user. Returns how many were ended. */
export async function revokeAllSessions(userId: string): Promise<number> {
  const db = await getDb();
  const result = await db
    .updateTable("sessions")
    .set({ revoked_at: new Date() })
    .where("user_id", "=", userId)
    .where("revoked_at", "is", null)
    .executeTakeFirst();
  return Number(result.numUpdatedRows);
}

/**
 * Deletes sessions that ended more than a day ago (at sign-in, and by the scheduled
 * session-sweep); returns how many.
 */
export async function sweepExpiredSessions(): Promise<number> {
  const db = await getDb();
  const dayAgo = new Date(Date.now() - 86_400_000);
  const result = await db
    .deleteFrom("sessions")
    .where((eb) =>
      eb.or([
        eb("absolute_expires_at", "<", dayAgo),
        eb("idle_expires_at", "<", dayAgo),
        eb("revoked_at", "<", dayAgo),
      ]),
    )
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
