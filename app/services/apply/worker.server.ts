import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { ResponseInfo } from "../auth0/client.server";
import { Auth0Gateway } from "../auth0/gateway.server";
import type { ApplyJob, Database } from "../platform/db/schema";
import { logger } from "../platform/logger.server";
import { createPollingLoop } from "../platform/polling-loop.server";
import { getSecretsKey, type SecretsKey } from "../platform/secrets.server";
import type { TenantConfig } from "../platform/tenant-config.server";
import { drainBudget, takeBudget, type RateBudget } from "./budget.server";
import { notifyJobMoved, onJobQueued } from "./jobs.server";
import { resourceLocks, type LockScope } from "./locks.server";
import { claimNext, renewLeases } from "./queue.server";
import type { Backoff } from "./retry-policy.server";
import { failJob, runJob, SimulatedCrash, type CrashPoint, type JobRunner } from "./run-job.server";
import type { Executor } from "../platform/db.server";

export { SimulatedCrash, type CrashPoint } from "./run-job.server";

/**
 * The apply worker: `concurrency` slots (APPLY_WORKER_CONCURRENCY) and one loop that takes a due
 * job (queue.server.ts) for a free slot, starts it (run-job.server.ts: its kind's steps under the
 * locks of what they rewrite, then one move through move-job.server.ts) and looks again; idle, it
 * waits for the poll interval or a wake-up (an enqueue in this process, a slot that finished).
 * Any number of workers in any number of processes share one queue and one rate budget.
 *
 * Several jobs in flight are what keeps the tenant's limit busy when every Management API request
 * takes Auth0's 100–300 ms: one job at a time makes a request every latency, i.e. 6–7/s at 150 ms,
 * well under an enterprise tenant's 16/s. The shared budget, not the latency, sets the pace.
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
  /** Jobs in flight at once (APPLY_WORKER_CONCURRENCY, default 8); slot n > 0 runs as `<workerId>#<n>`. */
  concurrency?: number;
  /** `resource` (default): each step locks what it rewrites; `tenant`: one step at a time (APPLY_LOCK_SCOPE). */
  lockScope?: LockScope;
  /**
   * How long a taken job stays reserved after the worker's last heartbeat (every third of it,
   * while the worker lives) before another worker may take it: how soon a crashed worker's jobs
   * are taken over.
   */
  leaseMs?: number;
  /** Idle poll interval. */
  pollMs?: number;
  backoff?: Backoff;
  /**
   * 429s retried in place after the tenant's reset (the budget is emptied until then, so nobody
   * else hits the tenant meanwhile), before the job goes back to the queue until then (default 2).
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
  /** Takes and runs one due job (as slot 0); false when there was none. */
  runOnce(): Promise<boolean>;
  /** Runs jobs until stopped, `concurrency` at a time. */
  start(): void;
  /** Look for work now, and shortly again while none is found (an enqueue in this process, before it commits). */
  wake(): void;
  /** Finishes the current steps and stops. */
  stop(): Promise<void>;
  /** True once a crash hook threw SimulatedCrash: the worker is "dead". */
  readonly crashed: boolean;
}

/**
 * A gateway for one step: every request first takes a token from the shared budget, and a 429
 * empties the budget until the tenant's reset, both in the database's own sessions (never the
 * step's transaction: a budget row locked for a whole step would make every worker wait for it);
 * refusals are audited into `audit` (the step's unit).
 */
function stepGateway(options: ApplyWorkerOptions, audit: Executor, rateLimited: { count: number }): Auth0Gateway {
  const tenantKey = options.tenant.managementApiUrl;
  return new Auth0Gateway({
    tenant: options.tenant,
    prefix: options.prefix,
    db: audit,
    fetch: options.fetch,
    rateLimitRetries: options.rateLimitRetries ?? 2,
    hooks: {
      beforeRequest: async () => {
        // Nothing between the token and the request (the lease is the heartbeat's): a request sent
        // late after its token reaches the tenant together with the next one's.
        if (options.rateBudget) await takeBudget(options.db, tenantKey, options.rateBudget);
      },
      afterResponse: async (info) => {
        options.hooks?.onResponse?.(info);
        if (info.status === 429) {
          rateLimited.count++;
          const reset = Number(info.headers?.get("x-ratelimit-reset"));
          if (options.rateBudget && Number.isFinite(reset) && reset > 0) {
            await drainBudget(options.db, tenantKey, reset * 1000);
          }
        }
      },
    },
  });
}

/** After an in-process enqueue the first look missed: look again after these waits (ms). */
const FOLLOW_UP_MS = [10, 30, 100, 300];

export function createApplyWorker(options: ApplyWorkerOptions): ApplyWorker {
  const id = options.workerId ?? `${hostname()}:${process.pid}:${randomBytes(3).toString("hex")}`;
  const leaseMs = options.leaseMs ?? 60_000;
  const pollMs = options.pollMs ?? 1000;
  const concurrency = Math.max(1, Math.floor(options.concurrency ?? 8));
  const log = logger.child({ component: "apply-worker", worker: id });
  const locks = resourceLocks(options.db, options.tenant.managementApiUrl, options.lockScope ?? "resource");
  const runnerFor = (slot: string): JobRunner => ({
    db: options.db,
    worker: slot,
    leaseMs,
    backoff: options.backoff ?? { baseMs: 1000, maxMs: 60_000 },
    locks,
    gateway: (db, rateLimited) => stepGateway(options, db, rateLimited),
    secretsKey: () => options.secretsKey ?? getSecretsKey(),
    crash: options.hooks?.crash,
    log,
  });
  const slots = Array.from({ length: concurrency }, (_, n) => (n === 0 ? id : `${id}#${n}`));
  const runners = new Map(slots.map((slot) => [slot, runnerFor(slot)]));
  /** Jobs this worker's slots are running (job → slot): never claimed again by this worker. */
  const busy = new Map<string, string>();
  /** One claim at a time per worker, so a job just claimed is in `busy` before the next claim looks. */
  let claiming: Promise<unknown> = Promise.resolve();
  let crashed = false;

  /**
   * The heartbeat: while this worker lives and runs jobs, every third of the lease it renews the
   * lease of each of them, whatever step they are in — a job can legitimately wait longer than a
   * lease for the shared budget (free plan: 2 requests/s for 16 jobs in flight). A dead worker
   * (crashed process, SimulatedCrash) beats no more, so its jobs are taken over one lease later.
   */
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  let beating = false;
  function beat() {
    if (beating || crashed) return;
    beating = true;
    const held = [...busy].map(([jobId, worker]) => ({ jobId, worker }));
    renewLeases(options.db, held, leaseMs)
      .catch((err: Error) => log.warn({ err: err.message }, "apply worker could not renew its leases"))
      .finally(() => (beating = false));
  }
  /** Beats while a job is in `busy`, stops when none is (or the worker died). */
  function keepAlive() {
    if (busy.size > 0 && !crashed) {
      heartbeat ??= setInterval(beat, Math.max(10, Math.floor(leaseMs / 3)));
      heartbeat.unref?.();
    } else if (heartbeat) {
      clearInterval(heartbeat);
      heartbeat = undefined;
    }
  }

  async function claim(slot: string) {
    const turn = claiming.then(() =>
      claimNext(options.db, slot, leaseMs, { owner: id, busy: [...busy.keys()] }).then((job) => {
        if (job) busy.set(job.id, slot);
        keepAlive();
        // Taken, and committed: the change it applies is now applying.
        if (job) notifyJobMoved();
        return job;
      }),
    );
    claiming = turn.catch(() => undefined);
    return turn;
  }

  /** Runs a job this worker has taken, as `slot`; a job's own failure goes back to the queue with backoff. */
  async function runAs(slot: string, job: ApplyJob): Promise<void> {
    const runner = runners.get(slot)!;
    try {
      await runJob(runner, job);
    } catch (err) {
      if (err instanceof SimulatedCrash) {
        crashed = true;
        return;
      }
      // Database trouble and the like: back to the queue with backoff (or to its lease, if even that fails).
      log.error({ jobId: job.id, err: (err as Error).message }, "apply job interrupted");
      await failJob(runner, job, err, 0).catch(() => undefined);
    } finally {
      if (busy.get(job.id) === slot) busy.delete(job.id);
      keepAlive();
      notifyJobMoved();
    }
  }

  async function runOnceAs(slot: string): Promise<boolean> {
    if (crashed) return false;
    const job = await claim(slot);
    if (!job) return false;
    await runAs(slot, job);
    return true;
  }

  /**
   * One loop takes jobs for all slots: each turn claims one job for a free slot and starts it
   * without waiting for it, then looks again at once, until the queue has nothing due or every
   * slot is busy. So an idle worker sends one claim per poll interval whatever its concurrency,
   * and a backlog (queued here or by any other process) still starts `concurrency` jobs at once.
   * A slot that finishes wakes the loop, which takes the next job at once as a slot's own loop
   * used to.
   */
  const free = [...slots];
  const inFlight = new Set<Promise<void>>();
  /**
   * Waits before the next looks after an enqueue in this process, then the poll interval again. A
   * job is announced from inside the transaction that queues it, and on PostgreSQL no claim sees it
   * until that commits, a few milliseconds later (on PGlite's one session the claim waits for the
   * commit). Eight slots each looking once used to catch it by chance; one loop looks again on purpose.
   */
  let followUps: number[] = [];
  const loop = createPollingLoop({
    pollMs: () => followUps.shift() ?? pollMs,
    turn: async () => {
      if (crashed) return "halt";
      const slot = free.shift();
      if (slot === undefined) return "idle"; // every slot busy: the first to finish wakes the loop
      let job: ApplyJob | undefined;
      try {
        job = await claim(slot);
      } finally {
        if (!job) free.unshift(slot);
      }
      if (!job) return "idle";
      followUps = [];
      const run = runAs(slot, job).finally(() => {
        inFlight.delete(run);
        free.push(slot);
        loop.wake();
      });
      inFlight.add(run);
      return "worked";
    },
    onError: (err) => log.error({ err: err.message }, "apply worker could not take a job"),
  });

  return {
    id,
    runOnce: () => runOnceAs(id),
    get crashed() {
      return crashed;
    },
    wake: () => {
      followUps = FOLLOW_UP_MS.filter((ms) => ms < pollMs);
      loop.wake();
    },
    start() {
      if (!crashed) loop.start();
    },
    async stop() {
      await loop.stop();
      await Promise.all(inFlight);
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
