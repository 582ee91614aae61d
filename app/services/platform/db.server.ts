import {
  Kysely,
  Migrator,
  PostgresDialect,
  sql,
  type KyselyPlugin,
  type MigrationProvider,
  type Transaction,
} from "kysely";
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { resolve } from "node:path";
import pg from "pg";
import { migrations } from "./db/migrations/index";
import { PGliteDialect } from "./db/pglite-dialect";
import { PGliteThread } from "./db/pglite-thread";
import type { Database } from "./db/schema";
import { getEnv } from "./env.server";
import { logger } from "./logger.server";
import { localKeyFileFor, setLocalKeyFile } from "./secrets.server";
import { singleton } from "./singleton.server";

export type { Database } from "./db/schema";
export type DB = Kysely<Database>;
/** The database or a transaction on it: what a query that may run inside a caller's transaction takes. */
export type Executor = Kysely<Database> | Transaction<Database>;

export type DatabaseTarget =
  | { engine: "pglite"; dataDir: string | null } // null: in memory
  // In memory, started from a tarball written by `writeMigratedSnapshot` instead of a fresh initdb
  // (tests, ADR 024). openMigrated still migrates it, so it never depends on the snapshot being current.
  | { engine: "pglite"; dataDir: null; snapshot: string }
  | { engine: "postgres"; url: string };

export interface OpenDatabase {
  db: DB;
  engine: "pglite" | "postgres";
  close(): Promise<void>;
  /**
   * PGlite: the milliseconds its worker thread has been busy since it started (its event loop's active
   * time: the database's own work, which PostgreSQL does in its server). For benchmarks.
   */
  databaseThreadBusyMs?: () => number;
}

/** Databases opened on PGlite: one session in this process (see pglite-dialect.ts). */
const singleSession = singleton("pglite-databases", () => new WeakSet<DB>());

/**
 * Whether the database is PGlite's one in-process session, where a transaction holds the whole
 * database and a session-level lock means nothing (the apply engine locks in the process there).
 */
export function isSingleSession(db: DB): boolean {
  return singleSession.has(db);
}

/**
 * `db.withPlugin(plugin)` that is still known as PGlite's one session when `db` is: Kysely's own
 * returns a new instance, on which the apply engine would take PostgreSQL's session locks inside
 * a transaction holding the only session, and wait for itself.
 */
export function withPlugin(db: DB, plugin: KyselyPlugin): DB {
  const withIt = db.withPlugin(plugin);
  if (isSingleSession(db)) singleSession.add(withIt);
  return withIt;
}

/** Opens the database (PGlite files under dataDir, in memory, or a PostgreSQL server). */
export async function openDatabase(target: DatabaseTarget): Promise<OpenDatabase> {
  if (target.engine === "postgres") {
    // No JIT compilation (ADR 023): the portal's statements are short, and a statement estimated
    // above jit_above_cost (the support dashboard's, at 10,000 organizations) spent ~200 ms compiling
    // code to save a few. An `options` parameter in the URL replaces this one.
    const pool = new pg.Pool({ connectionString: target.url, max: 10, options: "-c jit=off" });
    // An idle client that errors (server restart) must not crash the process.
    pool.on("error", (err) => logger.warn({ err: err.message }, "postgres pool client error"));
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
    return { db, engine: "postgres", close: () => db.destroy() };
  }
  let dir: string | null = null;
  if (target.dataDir) {
    dir = resolve(target.dataDir, "pglite");
    mkdirSync(dir, { recursive: true });
  }
  // In a worker thread, so its WebAssembly does not queue behind the portal's own work (ADR 020).
  const pglite = new PGliteThread(dir, { snapshot: "snapshot" in target ? target.snapshot : undefined });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  singleSession.add(db);
  return { db, engine: "pglite", close: () => db.destroy(), databaseThreadBusyMs: () => pglite.busyMs() };
}

const provider: MigrationProvider = { getMigrations: async () => migrations };

/** Applies every pending migration; fails loudly with the migration that broke. */
export async function migrate(db: DB): Promise<string[]> {
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === "Error");
  if (error || failed) {
    const message = error instanceof Error ? error.message : String(error ?? "unknown error");
    throw new Error(`Database migration ${failed?.migrationName ?? ""} failed: ${message}`);
  }
  return (results ?? []).filter((r) => r.status === "Success").map((r) => r.migrationName);
}

/** Opens the database and applies every pending migration: what the portal, scripts, tests and benches start from. */
export async function openMigrated(target: DatabaseTarget): Promise<OpenDatabase> {
  const open = await openDatabase(target);
  try {
    const applied = await migrate(open.db);
    if (applied.length > 0) logger.info({ migrations: applied, engine: open.engine }, "database migrated");
  } catch (err) {
    await open.close();
    throw err;
  }
  return open;
}

/**
 * A fresh in-memory PGlite database with every migration applied, written to `file` as a tarball
 * that `{ engine: "pglite", dataDir: null, snapshot: file }` starts from in about a quarter of
 * initdb's time (ADR 024: the tests' databases).
 */
export async function writeMigratedSnapshot(file: string): Promise<void> {
  const pglite = new PGliteThread(null);
  const db = new Kysely<Database>({ dialect: new PGliteDialect(pglite) });
  try {
    await migrate(db);
    await pglite.dump(file);
  } finally {
    await db.destroy();
  }
}

export function databaseTargetFromEnv(): DatabaseTarget {
  const env = getEnv();
  return env.DATABASE_URL ? { engine: "postgres", url: env.DATABASE_URL } : { engine: "pglite", dataDir: env.DATA_DIR };
}

/**
 * The process's database, opened and migrated once. Tests open their own with openDatabase and
 * install it here with `installDatabase` so that services and routes reach the same one.
 */
const holder = singleton("database", () => ({ current: undefined as Promise<OpenDatabase> | undefined }));

export function installDatabase(open: OpenDatabase | Promise<OpenDatabase>): void {
  holder.current = Promise.resolve(open);
}

export async function getDatabase(): Promise<OpenDatabase> {
  if (!holder.current) {
    // A process that installed no runtime (the apply worker, scripts): the database the environment names.
    const target = databaseTargetFromEnv();
    const keyFile = localKeyFileFor(target);
    if (keyFile) setLocalKeyFile(keyFile);
    holder.current = openMigrated(target);
  }
  return holder.current;
}

export async function getDb(): Promise<DB> {
  return (await getDatabase()).db;
}

export async function closeDatabase(): Promise<void> {
  const current = holder.current;
  holder.current = undefined;
  if (current) await (await current).close();
}

/** For /readyz: a round trip to the database. */
export async function pingDatabase(db: DB): Promise<void> {
  await sql`select 1`.execute(db);
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
