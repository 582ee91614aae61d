import { sql } from "kysely";
import type { Executor } from "../platform/db.server";

/**
 * The client-side rate budget: one token bucket per Auth0 tenant, in the database, so every
 * worker in every process draws from the same bucket. One UPDATE both refills (by the time since
 * the last take, by the database's clock) and takes, so two workers can never take the same token.
 * The refill is set a little under the tenant's limit and the bucket a little smaller than the
 * tenant's burst (`headroom`): the tenant's own bucket then always holds a few tokens more than
 * ours, which absorbs the jitter between taking a token and the request reaching Auth0 (network,
 * a busy event loop, many requests in flight) instead of answering 429. With a burst of 2 (free
 * plan) and no headroom, a request that arrives 30 ms late while the next one arrives on time was
 * enough for a 429.
 */

export interface RateBudget {
  /** Bucket size (Auth0's burst). */
  burst: number;
  /** Tokens per second (Auth0's sustained rate). */
  perSecond: number;
  /** Fraction of the sustained rate the portal allows itself (default 0.95). */
  utilization?: number;
  /** Tokens of the burst the portal leaves to the tenant (default a tenth of it, at least one). */
  headroom?: number;
}

/** Auth0's published Management API limits (global bucket), and "off" for unlimited tenants. */
export const AUTH0_RATE_LIMITS = {
  free: { burst: 2, perSecond: 2 },
  enterprise: { burst: 50, perSecond: 16 },
  "enterprise-non-production": { burst: 10, perSecond: 2 },
  off: { burst: 1_000_000, perSecond: 1_000_000 },
} as const satisfies Record<string, RateBudget>;

function refillOf(b: RateBudget): number {
  return b.perSecond * (b.utilization ?? 0.95);
}

/**
 * The portal's bucket: the tenant's burst less the headroom, never under one token. On the free
 * plan (burst 2) that is one token: the tenant stays half a second ahead (half a token was not
 * enough on a loaded machine, where a request can reach the tenant 300 ms after its token), at the
 * price of a little of the rate when a waiter wakes late and the bucket, capped at one, lost the refill.
 */
export function capacityOf(b: RateBudget): number {
  return Math.max(1, b.burst - (b.headroom ?? Math.max(1, Math.ceil(b.burst / 10))));
}

/**
 * Takes `n` tokens if they are there and returns 0; otherwise takes nothing and returns how many
 * milliseconds to wait before they will be.
 */
const ensured = new Set<string>();

async function ensureBucket(db: Executor, tenant: string, capacity: number, refill: number): Promise<void> {
  const key = `${tenant}\u0000${capacity}\u0000${refill}`;
  if (ensured.has(key)) return;
  // Created full on first use; a changed configuration is taken over, the level kept.
  await sql`
    insert into apply_rate_budget (tenant, tokens, capacity, refill_per_second, updated_at)
    values (${tenant}, ${capacity}, ${capacity}, ${refill}, clock_timestamp())
    on conflict (tenant) do update
      set capacity = excluded.capacity, refill_per_second = excluded.refill_per_second
  `.execute(db);
  ensured.add(key);
}

/**
 * Takes `n` tokens if they are there and returns 0; otherwise takes nothing and returns how many
 * milliseconds to wait before they will be.
 */
export async function tryTakeBudget(db: Executor, tenant: string, budget: RateBudget, n = 1): Promise<number> {
  const capacity = capacityOf(budget);
  const refill = refillOf(budget);
  await ensureBucket(db, tenant, capacity, refill);
  const result = await sql<{ granted: boolean; available: string | number; ahead: string | number }>`
    with cur as (
      select tenant,
             least(capacity,
                   tokens + greatest(0, extract(epoch from clock_timestamp() - updated_at)::float8) * refill_per_second)
               as available,
             greatest(0, extract(epoch from updated_at - clock_timestamp())::float8) as ahead
        from apply_rate_budget
       where tenant = ${tenant}
         for update
    ),
    taken as (
      update apply_rate_budget b
         set tokens = cur.available - ${n}::float8, updated_at = clock_timestamp()
        from cur
       where b.tenant = cur.tenant and cur.available >= ${n}::float8 and cur.ahead = 0
      returning 1
    )
    select exists (select 1 from taken) as granted, cur.available, cur.ahead from cur
  `.execute(db);
  const row = result.rows[0];
  if (!row) {
    ensured.clear(); // the row went away (tests truncating): create it again next time
    return 5;
  }
  if (row.granted) return 0;
  const missing = Math.max(0, n - Number(row.available));
  return Math.max(5, Math.ceil(Number(row.ahead) * 1000 + (missing / refill) * 1000));
}

/** Waits until `n` tokens could be taken, then takes them. */
export async function takeBudget(
  db: Executor,
  tenant: string,
  budget: RateBudget,
  n = 1,
  signal?: AbortSignal,
): Promise<void> {
  for (;;) {
    const wait = await tryTakeBudget(db, tenant, budget, n);
    if (wait === 0) return;
    if (signal?.aborted) throw signal.reason ?? new Error("aborted");
    await new Promise((r) => setTimeout(r, Math.min(wait, 1000)));
  }
}

/**
 * After a 429: nobody takes a token before the tenant's reset. The bucket is emptied and its
 * clock moved to the reset time, so the refill only starts counting from then.
 */
export async function drainBudget(db: Executor, tenant: string, resetAtMs: number): Promise<void> {
  await sql`
    update apply_rate_budget
       set tokens = least(tokens, 0),
           updated_at = greatest(updated_at, to_timestamp(${resetAtMs / 1000}::float8))
     where tenant = ${tenant}
  `.execute(db);
}
