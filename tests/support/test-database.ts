import { randomBytes } from "node:crypto";
import pg from "pg";
import { migrate, openDatabase, type OpenDatabase } from "~/services/db.server";

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
    const open = await openDatabase({ engine: "pglite", dataDir: null });
    await migrate(open.db);
    return { ...open, label: "pglite", destroy: () => open.close() };
  }
  const name = `portal_test_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const open = await openDatabase({ engine: "postgres", url: url.toString() });
  await migrate(open.db);
  return {
    ...open,
    label: "postgres",
    url: url.toString(),
    destroy: async () => {
      await open.close();
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

/** A second, independent connection pool to the same database (concurrency tests). */
export async function openSecondPool(test: TestDatabase): Promise<OpenDatabase | null> {
  // PGlite is one in-process session: there is no second connection to open.
  if (!test.url) return null;
  return openDatabase({ engine: "postgres", url: test.url });
}
