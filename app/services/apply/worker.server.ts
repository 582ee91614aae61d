import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { sql, type Kysely, type Transaction } from "kysely";
import { recordAudit } from "../audit/audit.server";
import type { ResponseInfo } from "../auth0/client.server";
import {
  Auth0GatewayError,
  InvalidOptionsError,
  MissingScopeError,
  NotOwnedError,
  RateLimitedError,
} from "../auth0/errors";
import { Auth0Gateway, type OwnedConnection } from "../auth0/gateway.server";
import type { ApplyJob } from "../platform/db/apply-schema";
import type { Database } from "../platform/db/schema";
import { logger } from "../platform/logger.server";
import { getSecretsKey, SecretOpenError, type SecretsKey } from "../platform/secrets.server";
import type { SystemOrgScope } from "../identity/scope.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { drainBudget, takeBudget, type RateBudget } from "./budget.server";
import {
  APPLY_STEPS,
  desiredApplySchema,
  desiredRemoveSchema,
  normalizeJob,
  onJobQueued,
  openSecretOptions,
  REMOVE_STEPS,
  SECRET_OPTION_PATHS,
  type ApplyStep,
} from "./jobs.server";

/**
 * The apply worker: takes due jobs (`FOR UPDATE SKIP LOCKED`, so any number of workers in any
 * number of processes share one queue), and runs each job's steps one at a time. Every step runs
 * in its own transaction holding a transaction-level advisory lock for the Auth0 tenant, so
 * writes to one tenant never interleave — Auth0 has no ETags and replaces `options` whole, so two
 * read–merge–writes at once would lose one of them. The step and the record that it is done
 * commit together; a crash before the commit repeats the step, which is idempotent (upsert by
 * derived name, client list as a delta, organization enable that accepts "already enabled").
 *
 * On PGlite the database is one session that our dialect hands to one user at a time: the step's
 * transaction holds it, so every other worker (and every other query in the process) waits at
 * the dialect's queue rather than at the advisory lock, which is granted at once. Same SQL, same
 * serialization, coarser grain — fine for local mode, where PGlite runs.
 */

/** Thrown by a crash hook to emulate the process dying at that point (tests). */
export class SimulatedCrash extends Error {
  override name = "SimulatedCrash";
}

export interface CrashPoint {
  jobId: string;
  step: ApplyStep;
  /** after-write: Auth0 changed, not yet recorded (rolled back); after-commit: recorded. */
  phase: "after-write" | "after-commit";
}

export interface ApplyWorkerOptions {
  db: Kysely<Database>;
  tenant: TenantConfig;
  /** Connection name prefix (AUTH0_CONNECTION_PREFIX). */
  prefix: string;
  /** The tenant's Management API limit; null for no client-side budget (rely on 429s alone). */
  rateBudget: RateBudget | null;
  /** Stable across restarts of the same process slot, so a restart reclaims its own jobs at once. */
  workerId?: string;
  /** How long a taken job stays reserved without progress before another worker may take it. */
  leaseMs?: number;
  /** Idle poll interval. */
  pollMs?: number;
  backoff?: { baseMs: number; maxMs: number };
  /**
   * 429s retried in place (holding the tenant lock, so nobody else hits the tenant meanwhile)
   * after the tenant's reset, before the job goes back to the queue until then (default 2).
   */
  rateLimitRetries?: number;
  fetch?: typeof fetch;
  /** The key queued secrets were sealed with (default: SECRETS_KEY or the local key). */
  secretsKey?: SecretsKey;
  hooks?: {
    crash?: (point: CrashPoint) => void | Promise<void>;
    /** Every Management API answer (counters for tests and the benchmark). */
    onResponse?: (info: ResponseInfo) => void;
  };
}

export interface ApplyWorker {
  readonly id: string;
  /** Takes and runs one due job; false when there was none. */
  runOnce(): Promise<boolean>;
  /** Runs jobs until stopped. */
  start(): void;
  /** Ask the loop to look for work now (after an enqueue in the same process). */
  wake(): void;
  /** Finishes the current step and stops. */
  stop(): Promise<void>;
  /** True once a crash hook threw SimulatedCrash: the worker is "dead". */
  readonly crashed: boolean;
}

const LOCK_CLASS = 0x5350; // "SP": keeps the portal's advisory locks apart from anyone else's

/** A finished job keeps its history without its (sealed) secrets. */
const withoutSecrets = sql<string>`desired ${sql.raw(
  SECRET_OPTION_PATHS.map((k) => `#- '{connection,options,${k}}'`).join(" "),
)}`;

type Executor = Kysely<Database> | Transaction<Database>;

interface StepOutcome {
  error?: unknown;
  lost?: boolean;
  done?: boolean;
}

/** What the pages show when a queued secret cannot be opened (never the secret, never the key). */
export const SECRET_UNREADABLE_MESSAGE =
  "The stored client secret could not be decrypted (key changed?); submit the change again.";

function userMessage(err: unknown): string {
  if (err instanceof SecretOpenError) return SECRET_UNREADABLE_MESSAGE;
  if (err instanceof InvalidOptionsError) {
    return `Auth0 refused the configuration${err.field ? ` (${err.field})` : ""}: ${err.message}`;
  }
  if (err instanceof MissingScopeError) {
    return `The portal's Auth0 application lacks a Management API permission${err.scope ? ` (${err.scope})` : ""}; an administrator must grant it.`;
  }
  if (err instanceof Error) return err.message.slice(0, 1000);
  return String(err).slice(0, 1000);
}

export function createApplyWorker(options: ApplyWorkerOptions): ApplyWorker {
  const db = options.db;
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 1000;
  const backoff = options.backoff ?? { baseMs: 1000, maxMs: 60_000 };
  const tenantKey = options.tenant.managementApiUrl;
  const log = logger.child({ component: "apply-worker", worker: id });
  let crashed = false;
  let stopped = true;
  let loop: Promise<void> | undefined;
  let wakeUp: (() => void) | undefined;

  function gatewayFor(trx: Executor, rateLimited: { count: number }): Auth0Gateway {
    return new Auth0Gateway({
      tenant: options.tenant,
      prefix: options.prefix,
      db: trx,
      fetch: options.fetch,
      rateLimitRetries: options.rateLimitRetries ?? 2,
      hooks: {
        beforeRequest: async () => {
          if (options.rateBudget) await takeBudget(trx, tenantKey, options.rateBudget);
        },
        afterResponse: async (info) => {
          options.hooks?.onResponse?.(info);
          if (info.status === 429) {
            rateLimited.count++;
            const reset = Number(info.headers?.get("x-ratelimit-reset"));
            if (options.rateBudget && Number.isFinite(reset) && reset > 0) {
              await drainBudget(trx, tenantKey, reset * 1000);
            }
          }
        },
      },
    });
  }

  async function claim(): Promise<ApplyJob | undefined> {
    const result = await sql<ApplyJob>`
      with next as (
        select j.id
          from apply_jobs j
         where ((j.status = 'queued' and j.next_run_at <= now())
                or (j.status = 'running' and (j.locked_until < now() or j.locked_by = ${id})))
           and not exists (
                 select 1 from apply_jobs o
                  where o.organization_id = j.organization_id and o.id < j.id
                    and o.status in ('queued', 'running'))
         order by j.next_run_at, j.id
         limit 1
         for update skip locked
      )
      update apply_jobs
         set status = 'running', attempts = apply_jobs.attempts + 1, locked_by = ${id},
             locked_until = now() + ${`${leaseMs} milliseconds`}::interval, updated_at = now()
        from next
       where apply_jobs.id = next.id
      returning apply_jobs.*
    `.execute(db);
    const row = result.rows[0];
    return row ? normalizeJob(row) : undefined;
  }

  async function scopeOf(job: ApplyJob): Promise<SystemOrgScope | undefined> {
    const org = await db
      .selectFrom("organizations")
      .select(["id", "slug", "name", "auth0_org_id"])
      .where("id", "=", job.organization_id)
      .executeTakeFirst();
    if (!org) return undefined;
    return {
      kind: "system",
      actor: "apply-worker",
      org: { id: org.id, slug: org.slug, name: org.name, auth0OrgId: org.auth0_org_id },
    };
  }

  async function runStep(
    job: ApplyJob,
    step: ApplyStep,
    scope: SystemOrgScope,
    state: { owned?: OwnedConnection; connectionId: string | null; stop?: boolean },
    rateLimited: { count: number },
  ): Promise<StepOutcome> {
    return db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(${LOCK_CLASS}, hashtext(${tenantKey}))`.execute(trx);
      // Fencing: if the lease ran out and another worker took the job, stop here.
      const mine = await trx
        .selectFrom("apply_jobs")
        .select(["locked_by", "status"])
        .where("id", "=", job.id)
        .executeTakeFirst();
      if (mine?.locked_by !== id || mine.status !== "running") return { lost: true };
      const gw = gatewayFor(trx, rateLimited);
      try {
        await performStep(gw, job, step, scope, state);
      } catch (err) {
        if (err instanceof SimulatedCrash) throw err;
        return { error: err };
      }
      await options.hooks?.crash?.({ jobId: job.id, step, phase: "after-write" });
      await trx
        .updateTable("apply_jobs")
        .set({
          steps_done: JSON.stringify([...job.steps_done, step]),
          connection_id: state.connectionId,
          locked_until: sql`now() + ${`${leaseMs} milliseconds`}::interval`,
          updated_at: sql`now()`,
        })
        .where("id", "=", job.id)
        .execute();
      job.steps_done = [...job.steps_done, step];
      return { done: true };
    });
  }

  async function owned(
    gw: Auth0Gateway,
    scope: SystemOrgScope,
    state: { owned?: OwnedConnection; connectionId: string | null },
    operation: string,
  ): Promise<OwnedConnection | undefined> {
    if (state.owned) return state.owned;
    if (!state.connectionId) return undefined;
    state.owned = await gw.readOwnedConnection(scope, state.connectionId, operation);
    return state.owned;
  }

  async function performStep(
    gw: Auth0Gateway,
    job: ApplyJob,
    step: ApplyStep,
    scope: SystemOrgScope,
    state: { owned?: OwnedConnection; connectionId: string | null; stop?: boolean },
  ): Promise<void> {
    if (job.kind === "apply") {
      const desired = desiredApplySchema.parse(job.desired);
      if (step === "connection") {
        // Opened only here, just before they go to Auth0; the row keeps them sealed.
        const connection = {
          ...desired.connection,
          options: openSecretOptions(desired.connection.options, options.secretsKey ?? getSecretsKey()),
        };
        const r = await gw.upsertConnection(scope, connection);
        state.owned = r.connection;
        state.connectionId = r.connection.id;
        // A newer configuration is already live: this job has nothing left to say.
        if (r.outcome === "newer-exists") state.stop = true;
      } else if (step === "clients") {
        const c = await owned(gw, scope, state, "enable-clients");
        if (!c) throw new Error("the connection step did not record a connection id");
        if (desired.enabledClients.length > 0) await gw.setClients(scope, c, desired.enabledClients, true);
        if (desired.disabledClients.length > 0) await gw.setClients(scope, c, desired.disabledClients, false);
      } else if (step === "organization") {
        if (desired.organization && scope.org.auth0OrgId) {
          const c = await owned(gw, scope, state, "enable-organization");
          if (!c) throw new Error("the connection step did not record a connection id");
          await gw.enableForOrganization(scope, c, desired.organization);
        }
      }
      return;
    }
    const desired = desiredRemoveSchema.parse(job.desired);
    if (!state.connectionId) {
      const found = await gw.findConnectionByName(gw.connectionName(scope, desired.protocol, desired.stage));
      if (!found) {
        state.stop = true; // nothing to remove
        return;
      }
      state.connectionId = found.id;
    }
    const c = await owned(gw, scope, state, step === "delete" ? "delete" : "disable");
    if (!c) return;
    if (step === "organization" && scope.org.auth0OrgId) await gw.disableForOrganization(scope, c);
    if (step === "delete") await gw.deleteConnection(scope, c);
  }

  async function finish(job: ApplyJob, scope: SystemOrgScope | undefined, rateLimited: number): Promise<void> {
    await db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("apply_jobs")
        .set({
          status: "succeeded",
          desired: withoutSecrets,
          finished_at: sql`now()`,
          updated_at: sql`now()`,
          locked_by: null,
          locked_until: null,
          last_error: null,
          error_kind: null,
          rate_limited: sql`rate_limited + ${rateLimited}`,
        })
        .where("id", "=", job.id)
        .where("locked_by", "=", id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return;
      await recordAudit(trx, {
        actorLabel: "apply-worker",
        organizationId: scope?.org.id ?? job.organization_id,
        action: job.kind === "apply" ? "connection.apply" : "connection.remove",
        target: job.connection_id,
        outcome: "success",
        details: { jobId: job.id, version: job.version, requestedBy: job.requested_by },
      });
    });
  }

  async function fail(job: ApplyJob, err: unknown, rateLimited: number): Promise<void> {
    const kind = err instanceof Auth0GatewayError ? err.kind : err instanceof SecretOpenError ? "secret" : "internal";
    const message = userMessage(err);
    let update: Record<string, unknown>;
    let final = false;
    if (err instanceof RateLimitedError) {
      // Not the job's fault: come back when the tenant says, without using up an attempt.
      const at = Math.max(err.resetAt ?? Date.now() + 1000, Date.now() + 50) + Math.floor(Math.random() * 250);
      update = { status: "queued", next_run_at: new Date(at), attempts: sql`attempts - 1` };
    } else if ((err instanceof Auth0GatewayError && !err.retryable) || err instanceof SecretOpenError) {
      // A secret sealed under another key will not open on a retry either.
      update = { status: "failed", finished_at: sql`now()`, desired: withoutSecrets };
      final = true;
    } else if (job.attempts >= job.max_attempts) {
      update = { status: "dead", finished_at: sql`now()`, desired: withoutSecrets };
      final = true;
    } else {
      const delay = Math.min(backoff.maxMs, backoff.baseMs * 2 ** (job.attempts - 1)) * (0.8 + Math.random() * 0.4);
      update = { status: "queued", next_run_at: new Date(Date.now() + delay) };
    }
    await db.transaction().execute(async (trx) => {
      const r = await trx
        .updateTable("apply_jobs")
        .set({
          ...update,
          locked_by: null,
          locked_until: null,
          last_error: message,
          error_kind: kind,
          updated_at: sql`now()`,
          rate_limited: sql`rate_limited + ${rateLimited}`,
        })
        .where("id", "=", job.id)
        .where("locked_by", "=", id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0 || !final) return;
      await recordAudit(trx, {
        actorLabel: "apply-worker",
        organizationId: job.organization_id,
        action: job.kind === "apply" ? "connection.apply" : "connection.remove",
        target: job.connection_id,
        outcome: err instanceof NotOwnedError ? "denied" : "failure",
        details: { jobId: job.id, version: job.version, error: kind, message },
      });
    });
    // The SecretOpenError's own message names the key ids (never the key or the secret): for operators.
    const detail = err instanceof SecretOpenError ? { reason: err.reason, detail: err.message } : {};
    if (final) log.warn({ jobId: job.id, kind, message, ...detail }, "apply job failed");
  }

  async function processJob(job: ApplyJob): Promise<void> {
    const scope = await scopeOf(job);
    const rateLimited = { count: 0 };
    if (!scope) {
      await fail(job, new InvalidOptionsError("The organization no longer exists.", null), 0);
      return;
    }
    const steps: readonly ApplyStep[] = job.kind === "apply" ? APPLY_STEPS : REMOVE_STEPS;
    const state: { owned?: OwnedConnection; connectionId: string | null; stop?: boolean } = {
      connectionId: job.connection_id,
    };
    for (const step of steps) {
      if (job.steps_done.includes(step)) continue;
      let outcome: StepOutcome;
      try {
        outcome = await runStep(job, step, scope, state, rateLimited);
      } catch (err) {
        if (err instanceof SimulatedCrash) throw err;
        outcome = { error: err };
      }
      if (outcome.lost) return;
      if (outcome.error !== undefined) {
        await fail(job, outcome.error, rateLimited.count);
        return;
      }
      job.connection_id = state.connectionId;
      await options.hooks?.crash?.({ jobId: job.id, step, phase: "after-commit" });
      if (state.stop) break;
    }
    await finish(job, scope, rateLimited.count);
  }

  async function runOnce(): Promise<boolean> {
    if (crashed) return false;
    const job = await claim();
    if (!job) return false;
    try {
      await processJob(job);
    } catch (err) {
      if (err instanceof SimulatedCrash) {
        crashed = true;
        stopped = true;
        return true;
      }
      // Database trouble and the like: leave the job to its lease and try again later.
      log.error({ jobId: job.id, err: (err as Error).message }, "apply job interrupted");
      await fail(job, err, 0).catch(() => undefined);
    }
    return true;
  }

  return {
    id,
    runOnce,
    get crashed() {
      return crashed;
    },
    wake: () => wakeUp?.(),
    start() {
      if (!stopped || crashed) return;
      stopped = false;
      loop = (async () => {
        while (!stopped) {
          let worked = false;
          try {
            worked = await runOnce();
          } catch (err) {
            log.error({ err: (err as Error).message }, "apply worker could not take a job");
          }
          if (!worked && !stopped) {
            await new Promise<void>((resolve) => {
              const t = setTimeout(resolve, pollMs);
              wakeUp = () => {
                clearTimeout(t);
                resolve();
              };
            });
            wakeUp = undefined;
          }
        }
      })();
    },
    async stop() {
      stopped = true;
      wakeUp?.();
      await loop;
    },
  };
}

/** Starts a worker loop (in-process in local mode); returns stop(). */
export function startApplyWorker(options: ApplyWorkerOptions): { worker: ApplyWorker; stop: () => Promise<void> } {
  const worker = createApplyWorker(options);
  worker.start();
  // A job queued in this process is taken at once, not at the next poll.
  const unsubscribe = onJobQueued(() => worker.wake());
  return {
    worker,
    stop: async () => {
      unsubscribe();
      await worker.stop();
    },
  };
}
