import { createHash } from "node:crypto";
import { sql, type Kysely } from "kysely";
import { isSingleSession, type Executor } from "../platform/db.server";
import type { Database } from "../platform/db/schema";
import { singleton } from "../platform/singleton.server";

/**
 * The locks a step of an apply job holds while it reads something from Auth0, merges and writes it
 * back (ADR 013). Auth0 has no ETag and no transaction: a `PATCH /connections/{id}` replaces
 * `options` whole, so two read–merge–writes of one connection at once lose one of them. A lock
 * names what it protects — a resource on one tenant:
 *
 * - `connection:<name>`: one connection (its options, metadata and display name), by its derived
 *   name, which is known before the connection exists, so creating it is covered too;
 * - `organization:<name>`: one Auth0 organization (its metadata; its enabled connections);
 * - `shared:<what>`: a list several organizations rewrite, e.g. an application's callback URLs.
 *
 * Two steps that name no common resource run at once; that is what lets the engine keep the
 * tenant's rate limit busy when every request takes Auth0's 100–300 ms. `APPLY_LOCK_SCOPE=tenant`
 * turns every set of resources into the one tenant-wide lock (one write at a time, as before).
 *
 * PostgreSQL: `pg_advisory_xact_lock` in a transaction that lasts as long as the step; the step's
 * own rows and the record that it is done are written in that transaction, so they commit with
 * the lock's release or not at all. Resources are taken in one order (by lock id), so two steps
 * never wait for each other.
 *
 * PGlite: one in-process session. A transaction there holds the whole database (every other
 * query in the process waits), and session-level advisory locks are re-entered by that same
 * session, so they protect nothing. PGlite is opened by one process only, so the locks are an
 * in-process mutex per resource, shared by every worker in the process, and the step's record is
 * a short transaction of its own after its Auth0 requests: no database session is held while a
 * request is in flight.
 */

export const LOCK_SCOPES = ["resource", "tenant"] as const;
export type LockScope = (typeof LOCK_SCOPES)[number];

export const lockResource = {
  connection: (name: string) => `connection:${name}`,
  organization: (name: string) => `organization:${name}`,
  shared: (what: string) => `shared:${what}`,
} as const;

/** The one lock `APPLY_LOCK_SCOPE=tenant` holds for every step. */
export const TENANT_RESOURCE = "tenant";

const LOCK_CLASS = 0x5350; // "SP": keeps the portal's advisory locks apart from anyone else's

export interface LockedUnit {
  /** Where the step reads and writes the portal's rows while it holds its locks. */
  db: Executor;
  /**
   * Writes what must commit with the step (its own rows, the record that it is done): in the
   * lock's transaction on PostgreSQL, in a short transaction of its own on PGlite.
   */
  commit(work: (trx: Executor) => Promise<void>): Promise<void>;
}

export interface ResourceLocks {
  readonly scope: LockScope;
  /** Runs `fn` holding every resource named (deduplicated, taken in one order). */
  hold<T>(resources: readonly string[], fn: (unit: LockedUnit) => Promise<T>): Promise<T>;
}

/** The advisory lock id of a resource on a tenant: 32 bits of SHA-256 (a collision only serializes more). */
export function lockId(tenantKey: string, resource: string): number {
  return createHash("sha256").update(`${tenantKey}\u0000${resource}`).digest().readInt32BE(0);
}

/** In-process mutexes per lock id (PGlite), shared by every worker in the process. */
const held = singleton("apply-resource-locks", () => new Map<number, Promise<void>>());

async function acquire(id: number): Promise<() => void> {
  for (let current = held.get(id); current; current = held.get(id)) await current;
  let release!: () => void;
  const mine = new Promise<void>((resolve) => (release = resolve));
  held.set(id, mine);
  return () => {
    if (held.get(id) === mine) held.delete(id);
    release();
  };
}

export function resourceLocks(db: Kysely<Database>, tenantKey: string, scope: LockScope = "resource"): ResourceLocks {
  const idsOf = (resources: readonly string[]): number[] => {
    const named = scope === "tenant" || resources.length === 0 ? [TENANT_RESOURCE] : resources;
    return [...new Set(named.map((r) => lockId(tenantKey, r)))].sort((a, b) => a - b);
  };
  if (isSingleSession(db)) {
    return {
      scope,
      async hold(resources, fn) {
        const releases: (() => void)[] = [];
        try {
          for (const id of idsOf(resources)) releases.push(await acquire(id));
          return await fn({ db, commit: (work) => db.transaction().execute(work) });
        } finally {
          for (const release of releases.reverse()) release();
        }
      },
    };
  }
  return {
    scope,
    hold(resources, fn) {
      return db.transaction().execute(async (trx) => {
        for (const id of idsOf(resources)) {
          await sql`select pg_advisory_xact_lock(${LOCK_CLASS}::int4, ${id}::int4)`.execute(trx);
        }
        return fn({ db: trx, commit: (work) => work(trx) });
      });
    },
  };
}
