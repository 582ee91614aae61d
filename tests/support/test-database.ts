import { randomBytes } from "node:crypto";
import pg from "pg";
import { openDatabase, openMigrated, type OpenDatabase } from "~/services/platform/db.server";

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

/**
 * A new, empty PostgreSQL database on the server at `serverUrl` (named `<prefix>_<random>`), and
 * how to drop it. Tests and the apply bench each work in one of their own.
 */
export async function createScratchPostgres(
  serverUrl: string,
  prefix: string,
): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: async () => {
      const cleanup = new pg.Client({ connectionString: serverUrl });
      await cleanup.connect();
      await cleanup.query(`drop database if exists ${name} with (force)`);
      await cleanup.end();
    },
  };
}

export async function createTestDatabase(): Promise<TestDatabase> {
  const serverUrl = process.env.TEST_DATABASE_URL;
  if (!serverUrl) {
    const open = await openMigrated({ engine: "pglite", dataDir: null });
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

/** A second, independent connection pool to the same database (concurrency tests). */
export async function openSecondPool(test: TestDatabase): Promise<OpenDatabase | null> {
  // PGlite is one in-process session: there is no second connection to open.
  if (!test.url) return null;
  return openDatabase({ engine: "postgres", url: test.url });
}
