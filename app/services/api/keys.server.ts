import { createHash, randomBytes } from "node:crypto";
import { sql } from "kysely";
import { recordAuditOf } from "../audit/audit.server";
import { assertSupportPermission } from "../identity/authorize.server";
import type { ApiKeyScope, SupportScope } from "../identity/scope.server";
import { getDb } from "../platform/db.server";
import type { ApiKey } from "../platform/db/schema";
import { getScopedOrganization } from "../organizations/scoped-organization.server";
import { currentRequest } from "../platform/request-context.server";

/**
 * API keys: made by a support lead for the vendor's own systems, shown once, stored as a SHA-256
 * hash, for every organization or for one, revocable, with their last use recorded. A request's
 * key is looked up, counted against the key's per-minute budget and stamped with its use in one
 * UPDATE, so a revoked key stops at once and every portal instance shares one count.
 */

export const API_KEY_PREFIX = "ssop_";
const KEY_PATTERN = /^ssop_[A-Za-z0-9_-]{43}$/;

/** Requests per key per minute. */
export const API_RATE_LIMIT_PER_MINUTE = 120;

export interface ApiKeyView {
  id: string;
  name: string;
  prefix: string;
  organization: { slug: string; name: string } | null;
  createdBy: string;
  createdAt: Date;
  revokedAt: Date | null;
  revokedBy: string | null;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

/** A key as support's page shows it (never its hash); `organization` null: a key for every organization. */
function keyView(row: ApiKey, organization: ApiKeyView["organization"]): ApiKeyView {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    organization,
    createdBy: row.created_by_label,
    createdAt: new Date(row.created_at),
    revokedAt: row.revoked_at ? new Date(row.revoked_at) : null,
    revokedBy: row.revoked_by_label,
    lastUsedAt: row.last_used_at ? new Date(row.last_used_at) : null,
    lastUsedIp: row.last_used_ip,
  };
}

export function hashApiKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export type CreateApiKeyResult =
  { ok: true; key: string; view: ApiKeyView } | { ok: false; field: "name" | "organization"; error: string };

/** A support lead makes a key: for every organization (organizationSlug empty) or one. */
export async function createApiKey(
  scope: SupportScope,
  input: { name: string; organizationSlug?: string | null },
): Promise<CreateApiKeyResult> {
  assertSupportPermission(scope, "support:api-keys:manage");
  const name = input.name.trim();
  if (name.length < 1 || name.length > 100)
    return { ok: false, field: "name", error: "Name the key in 1–100 characters, e.g. “Billing sync”." };
  const db = await getDb();
  let org: { id: string; slug: string; name: string } | undefined;
  if (input.organizationSlug) {
    org = await db
      .selectFrom("organizations")
      .select(["id", "slug", "name"])
      .where("slug", "=", input.organizationSlug)
      .executeTakeFirst();
    if (!org) return { ok: false, field: "organization", error: "Choose an organization from the list." };
  }
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString("base64url")}`;
  const row = await db.transaction().execute(async (trx) => {
    const inserted = await trx
      .insertInto("api_keys")
      .values({
        name,
        prefix: key.slice(0, 12),
        key_hash: hashApiKey(key),
        organization_id: org?.id ?? null,
        created_by_user_id: scope.user.id,
        created_by_label: scope.user.email,
        window_started_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    await recordAuditOf(trx, scope, {
      organizationId: org?.id ?? null,
      action: "api_key.created",
      target: inserted.id,
      details: { name, prefix: inserted.prefix, organization: org?.slug ?? "all" },
    });
    return inserted;
  });
  return { ok: true, key, view: keyView(row, org ? { slug: org.slug, name: org.name } : null) };
}

export async function listApiKeys(scope: SupportScope): Promise<ApiKeyView[]> {
  assertSupportPermission(scope, "support:api-keys:manage");
  const db = await getDb();
  const rows = await db
    .selectFrom("api_keys")
    .leftJoin("organizations", "organizations.id", "api_keys.organization_id")
    .selectAll("api_keys")
    .select(["organizations.slug as org_slug", "organizations.name as org_name"])
    .orderBy("api_keys.revoked_at", (ob) => ob.desc().nullsFirst())
    .orderBy("api_keys.created_at", "desc")
    .limit(200)
    .execute();
  return rows.map((r) => keyView(r, r.org_slug && r.org_name ? { slug: r.org_slug, name: r.org_name } : null));
}

/** Revokes a key (effective on its next request); false when there is no such live key. */
export async function revokeApiKey(scope: SupportScope, keyId: string): Promise<boolean> {
  assertSupportPermission(scope, "support:api-keys:manage");
  if (!/^[0-9a-f-]{36}$/i.test(keyId)) return false;
  const db = await getDb();
  return db.transaction().execute(async (trx) => {
    const row = await trx
      .updateTable("api_keys")
      .set({ revoked_at: new Date(), revoked_by_label: scope.user.email })
      .where("id", "=", keyId)
      .where("revoked_at", "is", null)
      .returning(["id", "organization_id", "name", "prefix"])
      .executeTakeFirst();
    if (!row) return false;
    await recordAuditOf(trx, scope, {
      organizationId: row.organization_id,
      action: "api_key.revoked",
      target: row.id,
      details: { name: row.name, prefix: row.prefix },
    });
    return true;
  });
}

export type ApiAuthentication =
  | { ok: true; scope: ApiKeyScope; remaining: number }
  | { ok: false; status: 401; reason: string }
  | { ok: false; status: 429; retryAfterSeconds: number };

/** The bearer key of a request, or null. Cookies are never looked at. */
export function bearerKey(request: Request): string | null {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1]! : null;
}

/**
 * Authenticates an /api/v1 request by its `Authorization: Bearer ssop_…` header, counts it
 * against the key's per-minute budget and records the key's last use, in one statement.
 */
export async function authenticateApiRequest(
  request: Request,
  limitPerMinute = API_RATE_LIMIT_PER_MINUTE,
): Promise<ApiAuthentication> {
  const key = bearerKey(request);
  if (!key) return { ok: false, status: 401, reason: "missing" };
  if (!KEY_PATTERN.test(key)) return { ok: false, status: 401, reason: "malformed" };
  const db = await getDb();
  const ip = currentRequest()?.ip ?? null;
  const row = await db
    .updateTable("api_keys")
    .set({
      window_count: sql`case when window_started_at <= now() - interval '1 minute' then 1 else window_count + 1 end`,
      window_started_at: sql`case when window_started_at <= now() - interval '1 minute' then now() else window_started_at end`,
      last_used_at: sql`now()`,
      last_used_ip: ip,
    })
    .where("key_hash", "=", hashApiKey(key))
    .where("revoked_at", "is", null)
    .returning([
      "id",
      "name",
      "prefix",
      "organization_id",
      "window_count",
      sql<number>`ceil(extract(epoch from (window_started_at + interval '1 minute' - now())))`.as("reset_in"),
    ])
    .executeTakeFirst();
  if (!row) return { ok: false, status: 401, reason: "unknown or revoked" };
  if (row.window_count > limitPerMinute) {
    return { ok: false, status: 429, retryAfterSeconds: Math.max(1, Number(row.reset_in)) };
  }
  const organization = row.organization_id ? await getScopedOrganization(db, row.organization_id) : null;
  return {
    ok: true,
    scope: { kind: "api", keyId: row.id, actor: `api key "${row.name}" (${row.prefix}…)`, organization },
    remaining: limitPerMinute - row.window_count,
  };
}
