import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely, Transaction } from "kysely";
import type { ResponseInfo } from "../auth0/client.server";
import { Auth0Gateway } from "../auth0/gateway.server";
import type { Database } from "../platform/db/schema";
import { logger } from "../platform/logger.server";
import { createPollingLoop } from "../platform/polling-loop.server";
import { getSecretsKey, type SecretsKey } from "../platform/secrets.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { drainBudget, takeBudget, type RateBudget } from "./budget.server";
import { onJobQueued } from "./jobs.server";
import { claimNext } from "./queue.server";
import type { Backoff } from "./retry-policy.server";
import { failJob, runJob, SimulatedCrash, type CrashPoint, type JobRunner } from "./run-job.server";

export { SimulatedCrash, type CrashPoint } from "./run-job.server";

/**
 * The apply worker's loop: take a due job (queue.server.ts), run it (run-job.server.ts: its kind's
 * steps under the tenant's lock, then one move through move-job.server.ts), look again; idle, wait
 * for the poll interval or a wake-up from an enqueue in this process. Any number of workers in any
 * number of processes share one queue.
 *
 * On PGlite the database is one session that our dialect hands to one user at a time: the step's
 * transaction holds it, so every other worker (and every other query in the process) waits at
 * the dialect's queue rather than at the advisory lock, which is granted at once. Same SQL, same
 * serialization, coarser grain — fine for local mode, where PGlite runs.
 */

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
  backoff?: Backoff;
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

type Executor = Kysely<Database> | Transaction<Database>;

/**
 * A gateway for one step: every request first takes a token from the shared budget, and a 429
 * empties the budget until the tenant's reset, both through `db` (the step's transaction).
 */
function stepGateway(options: ApplyWorkerOptions, db: Executor, rateLimited: { count: number }): Auth0Gateway {
  const tenantKey = options.tenant.managementApiUrl;
  return new Auth0Gateway({
    tenant: options.tenant,
    prefix: options.prefix,
    db,
    fetch: options.fetch,
    rateLimitRetries: options.rateLimitRetries ?? 2,
    hooks: {
      beforeRequest: async () => {
        if (options.rateBudget) await takeBudget(db, tenantKey, options.rateBudget);
      },
      afterResponse: async (info) => {
        options.hooks?.onResponse?.(info);
        if (info.status === 429) {
          rateLimited.count++;
          const reset = Number(info.headers?.get("x-ratelimit-reset"));
          if (options.rateBudget && Number.isFinite(reset) && reset > 0) {
            await drainBudget(db, tenantKey, reset * 1000);
          }
        }
      },
    },
  });
}

export function createApplyWorker(options: ApplyWorkerOptions): ApplyWorker {
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 1000;
  const log = logger.child({ component: "apply-worker", worker: id });
  const runner: JobRunner = {
    db: options.db,
    worker: id,
    leaseMs,
    backoff: options.backoff ?? { baseMs: 1000, maxMs: 60_000 },
    tenantKey: options.tenant.managementApiUrl,
    gateway: (db, rateLimited) => stepGateway(options, db, rateLimited),
    secretsKey: () => options.secretsKey ?? getSecretsKey(),
    crash: options.hooks?.crash,
    log,
  };
  let crashed = false;

  async function runOnce(): Promise<boolean> {
    if (crashed) return false;
    const job = await claimNext(options.db, id, leaseMs);
    if (!job) return false;
    try {
      await runJob(runner, job);
    } catch (err) {
      if (err instanceof SimulatedCrash) {
        crashed = true;
        return true;
      }
      // Database trouble and the like: back to the queue with backoff (or to its lease, if even that fails).
      log.error({ jobId: job.id, err: (err as Error).message }, "apply job interrupted");
      await failJob(runner, job, err, 0).catch(() => undefined);
    }
    return true;
  }

  const loop = createPollingLoop({
    pollMs,
    turn: async () => {
      const worked = await runOnce();
      return crashed ? "halt" : worked ? "worked" : "idle";
    },
    onError: (err) => log.error({ err: err.message }, "apply worker could not take a job"),
  });

  return {
    id,
    runOnce,
    get crashed() {
      return crashed;
    },
    wake: loop.wake,
    start() {
      if (!crashed) loop.start();
    },
    stop: loop.stop,
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
