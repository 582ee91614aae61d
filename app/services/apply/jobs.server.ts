import { sql, type Kysely, type Transaction } from "kysely";
import { z } from "zod";
import type { ApplyJob, ApplyJobStatus } from "../platform/db/apply-schema";
import "../platform/db/apply-schema";
import type { Database } from "../platform/db/schema";
import type { OrganizationScope } from "../identity/scope.server";
import { getSecretsKey, isSealed, openJson, sealJson, type SecretsKey } from "../platform/secrets.server";
import { singleton } from "../platform/singleton.server";

/** Workers in this process that want to hear about new jobs at once rather than at their next poll. */
const listeners = singleton("apply-job-listeners", () => new Set<() => void>());

export function onJobQueued(listener: () => void): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function notifyQueued(): void {
  // After the caller's transaction commits the worker finds the job; before, it finds nothing and
  // simply waits for its next poll.
  for (const l of listeners) setImmediate(l);
}

/**
 * What an apply job asks for: the whole desired state of the organization's connection, not a
 * diff, so that running it again (after a crash, a retry, or twice) lands in the same place.
 */
export const desiredApplySchema = z.object({
  connection: z.object({
    protocol: z.enum(["saml", "oidc"]),
    /** The staged `-test` connection (new versions, test application only) or the live one. */
    stage: z.enum(["test", "live"]).default("live"),
    /** Roll back: an earlier version written over a later one on purpose. */
    allowOlderVersion: z.boolean().default(false),
    strategy: z.enum(["samlp", "oidc"]),
    version: z.number().int().positive(),
    displayName: z.string().min(1).max(128),
    options: z.record(z.unknown()),
    managedOptionKeys: z.array(z.string()).optional(),
    showAsButton: z.boolean().optional(),
  }),
  /** Applications the connection must be enabled for. */
  enabledClients: z.array(z.string().min(1)).default([]),
  /** Applications it must not be enabled for (e.g. ones removed since the last version). */
  disabledClients: z.array(z.string().min(1)).default([]),
  /** Enable it for the organization's Auth0 organization with these settings; null: leave it out. */
  organization: z.object({ assignMembershipOnLogin: z.boolean(), showAsButton: z.boolean() }).nullable().default(null),
});
export type DesiredApply = z.input<typeof desiredApplySchema>;

export const desiredRemoveSchema = z.object({
  protocol: z.enum(["saml", "oidc"]),
  stage: z.enum(["test", "live"]).default("live"),
});
export type DesiredRemove = z.input<typeof desiredRemoveSchema>;

export const APPLY_STEPS = ["connection", "clients", "organization"] as const;
export const REMOVE_STEPS = ["organization", "delete"] as const;
export type ApplyStep = (typeof APPLY_STEPS)[number] | (typeof REMOVE_STEPS)[number];

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * Secrets a desired state may carry (OIDC client secret, SAML keys). They are sealed (AES-256-GCM
 * under SECRETS_KEY) in the queued row, opened by the worker just before they go to Auth0, and
 * dropped from the row once the job is done.
 */
export const SECRET_OPTION_PATHS = ["client_secret", "signing_key", "decryptionKey"] as const;

/** The options with every secret sealed; values already sealed are left as they are. */
export function sealSecretOptions(options: Record<string, unknown>, key: SecretsKey): Record<string, unknown> {
  const out = { ...options };
  for (const path of SECRET_OPTION_PATHS) {
    const value = out[path];
    if (value !== undefined && value !== null && !isSealed(value)) out[path] = sealJson(value, key);
  }
  return out;
}

/** The options with every sealed secret opened; throws SecretOpenError when one cannot be. */
export function openSecretOptions(options: Record<string, unknown>, key: SecretsKey): Record<string, unknown> {
  const out = { ...options };
  for (const path of SECRET_OPTION_PATHS) {
    const value = out[path];
    if (isSealed(value)) out[path] = openJson(value, key);
  }
  return out;
}

function requestedBy(scope: OrganizationScope): string {
  return scope.kind === "org" ? scope.user.email : scope.actor;
}

/**
 * Queues the organization's desired connection; the worker picks it up. Returns the job id.
 * Secrets in the options are sealed before they reach the row (`secretsKey`: tests only).
 */
export async function enqueueApply(
  db: Executor,
  scope: OrganizationScope,
  desired: DesiredApply,
  options: { secretsKey?: SecretsKey } = {},
): Promise<string> {
  const parsed = desiredApplySchema.parse(desired);
  parsed.connection.options = sealSecretOptions(parsed.connection.options, options.secretsKey ?? getSecretsKey());
  return insertJob(db, scope, "apply", parsed.connection.version, parsed);
}

/** Queues the removal of the organization's connection for one protocol. */
export async function enqueueRemove(db: Executor, scope: OrganizationScope, desired: DesiredRemove): Promise<string> {
  const parsed = desiredRemoveSchema.parse(desired);
  return insertJob(db, scope, "remove", 0, parsed);
}

/** Queues one job for the scope's own organization and wakes the in-process worker. */
async function insertJob(
  db: Executor,
  scope: OrganizationScope,
  kind: "apply" | "remove",
  version: number,
  desired: z.output<typeof desiredApplySchema> | DesiredRemove,
): Promise<string> {
  const row = await db
    .insertInto("apply_jobs")
    .values({
      organization_id: scope.org.id,
      kind,
      version,
      desired: JSON.stringify(desired),
      requested_by: requestedBy(scope),
    })
    .returning("id")
    .executeTakeFirstOrThrow();
  notifyQueued();
  return String(row.id);
}

/** A job as the pages show it (scoped: only the organization's own jobs). */
export async function listJobs(db: Executor, scope: OrganizationScope, limit = 20): Promise<ApplyJob[]> {
  const rows = await db
    .selectFrom("apply_jobs")
    .selectAll()
    .where("organization_id", "=", scope.org.id)
    .orderBy("id", "desc")
    .limit(limit)
    .execute();
  return rows.map(normalizeJob);
}

export function normalizeJob(row: ApplyJob): ApplyJob {
  return {
    ...row,
    id: String(row.id),
    steps_done: typeof row.steps_done === "string" ? (JSON.parse(row.steps_done) as string[]) : row.steps_done,
  };
}

export async function countJobsByStatus(db: Executor): Promise<Record<ApplyJobStatus, number>> {
  const rows = await db
    .selectFrom("apply_jobs")
    .select(["status", sql<string>`count(*)`.as("n")])
    .groupBy("status")
    .execute();
  const counts: Record<ApplyJobStatus, number> = { queued: 0, running: 0, succeeded: 0, failed: 0, dead: 0 };
  for (const r of rows) counts[r.status] = Number(r.n);
  return counts;
}
