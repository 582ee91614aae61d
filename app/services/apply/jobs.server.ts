import type { ApplyJob, ApplyJobStatus } from "../platform/db/schema";
import { countByStatus, newestOrganizationRows } from "../platform/db/row-queries.server";
import type { OrganizationScope } from "../identity/scope.server";
import { getSecretsKey, type SecretsKey } from "../platform/secrets.server";
import { getEnv } from "../platform/env.server";
import { singleton } from "../platform/singleton.server";
import { desiredApplySchema, sealSecretOptions, type DesiredApply } from "./kinds/connection-apply.server";
import { desiredRemoveSchema, type DesiredRemove } from "./kinds/connection-remove.server";
import { jobKind } from "./kinds/registry.server";
import type { Executor } from "../platform/db.server";

// What callers queue: the kinds' schemas and types, re-exported where the enqueue functions are.
export { desiredApplySchema, type DesiredApply } from "./kinds/connection-apply.server";
export { desiredRemoveSchema, type DesiredRemove } from "./kinds/connection-remove.server";

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

/** What in this process follows jobs (the apply follower) and wants to hear at once when one was taken or ended. */
const movedListeners = singleton("apply-job-moved-listeners", () => new Set<() => void>());

export function onJobMoved(listener: () => void): () => void {
  movedListeners.add(listener);
  return () => movedListeners.delete(listener);
}

/** A worker in this process took a job or finished running one (its move committed). */
export function notifyJobMoved(): void {
  for (const l of movedListeners) setImmediate(l);
}

/** The kinds that have a repository-mode twin `repository-<kind>` (ADR 012). */
export type TwinnedJobKind =
  | "apply"
  | "go-live"
  | "roll-back"
  | "domain-aliases"
  | "organization-create"
  | "organization-rename"
  | "organization-suspend"
  | "organization-resume"
  | "organization-remove";

/** A job's kind in the configured APPLY_MODE: the live kind, or its repository-mode twin. */
export function modeJobKind(kind: TwinnedJobKind): string {
  return getEnv().APPLY_MODE === "repository" ? `repository-${kind}` : kind;
}

/** A connection job's kind in the configured APPLY_MODE: the live kind, or its repository-mode twin. */
export function connectionJobKind(kind: "apply" | "go-live" | "roll-back"): string {
  return modeJobKind(kind);
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
  return enqueueJob(db, scope, connectionJobKind("apply"), parsed.connection.version, parsed);
}

/** Queues the removal of the organization's connection for one protocol. */
export async function enqueueRemove(db: Executor, scope: OrganizationScope, desired: DesiredRemove): Promise<string> {
  const parsed = desiredRemoveSchema.parse(desired);
  return enqueueJob(db, scope, "remove", 0, parsed);
}

/**
 * Queues one job of a registered kind (kinds/registry.server.ts) for the scope's own organization
 * and wakes the in-process worker. `desired` is what the kind's schema parses; seal any secret in it
 * first. `version` orders an organization's configurations (0 when the kind has none).
 */
export async function enqueueJob(
  db: Executor,
  scope: OrganizationScope,
  kind: string,
  version: number,
  desired: unknown,
): Promise<string> {
  jobKind(kind); // an unknown kind fails here, not in the worker
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
  return (await newestOrganizationRows(db, "apply_jobs", scope.org.id, "id", limit)).map(normalizeJob);
}

export function normalizeJob(row: ApplyJob): ApplyJob {
  return {
    ...row,
    id: String(row.id),
    steps_done: typeof row.steps_done === "string" ? (JSON.parse(row.steps_done) as string[]) : row.steps_done,
  };
}

export async function countJobsByStatus(db: Executor): Promise<Record<ApplyJobStatus, number>> {
  return { queued: 0, running: 0, succeeded: 0, failed: 0, dead: 0, ...(await countByStatus(db, "apply_jobs")) };
}
