import { afterAll, beforeAll, inject, it } from "vitest";
import { createScratchPostgres, openDatabase, openMigrated, type OpenDatabase } from "~/services/platform/db.server";

/**
 * A fresh, migrated database for one test file: PGlite in memory by default, or — when
 * TEST_DATABASE_URL points at a PostgreSQL server — a new database created for the file and
 * dropped afterwards. Same migrations, same SQL.
 */
export interface TestDatabase extends OpenDatabase {
  /** Drops what was created. */
  destroy(): Promise<void>;
  /** Human label for test names: "pglite" or "postgres". */
  label: string;
  /** The database's URL on PostgreSQL; undefined on PGlite. */
  url?: string;
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    // From the run's migrated snapshot (tests/support/pglite-snapshot.ts, ADR 024): ~1 s instead of
    // initdb's ~3.6 s. A file run without that global setup gets a fresh database, as before.
    const snapshot = inject("pgliteSnapshot");
    const open = await openMigrated(
      snapshot ? { engine: "pglite", dataDir: null, snapshot } : { engine: "pglite", dataDir: null },
    );
    return { ...open, label: "pglite", destroy: () => open.close() };
  }
  const scratch = await createScratchPostgres(serverUrl, "portal_test");
  const open = await openMigrated({ engine: "postgres", url: scratch.url });
  return {
    ...open,
    label: "postgres",
    url: scratch.url,
    destroy: async () => {
      await open.close();
      await scratch.drop();
    },
  };
}

/**
 * Registers the file's beforeAll (a database from `createTestDatabase`) and afterAll (drop it);
 * the function returned gives the database to a test or a later hook.
 */
export function testDatabaseForFile(): () => TestDatabase {
  let database: TestDatabase | undefined;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.destroy();
  });
  return () => {
    if (!database) throw new Error("the test database is created in beforeAll: use it in a test or hook");
    return database;
  };
}

/** A second, independent connection pool to the same database (concurrency tests). */
export async function openSecondPool(test: TestDatabase): Promise<OpenDatabase | null> {
  // PGlite is one in-process session: there is no second connection to open.
  if (!test.url) return null;
  return openDatabase({ engine: "postgres", url: test.url });
}

/** PGlite (the default): one in-process session, so two "connections" are one and cannot race. */
export const onPGlite = !process.env.TEST_DATABASE_URL;

/**
 * A test of a race between two database sessions: run on PostgreSQL (TEST_DATABASE_URL; `.ci/run`
 * always runs the database tests there too), skipped on PGlite with the reason in its name.
 */
export function raceTest(name: string, fn: () => Promise<void>, timeout?: number): void {
  it.skipIf(onPGlite)(
    onPGlite ? `${name} [skipped on PGlite: one session, the race cannot happen; runs on PostgreSQL]` : name,
    fn,
    timeout,
  );
}
