import { createHash, randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync } from "node:fs";
import { join, resolve } from "node:path";
import type { TestProject } from "vitest/node";
import { writeMigratedSnapshot } from "~/services/platform/db.server";

/*
 * The tests' PGlite databases start from one migrated snapshot made for the run (ADR 024): a fresh
 * in-memory PGlite spends ~3.6 s in initdb, one loaded from this tarball ~1 s, and dozens of test
 * files each open one or more. createTestDatabase (test-database.ts) asks for it with
 * `inject("pgliteSnapshot")`; openMigrated still migrates what it loads.
 */

declare module "vitest" {
  export interface ProvidedContext {
    /** The migrated PGlite snapshot made for this run; absent on PostgreSQL (TEST_DATABASE_URL). */
    pgliteSnapshot?: string;
  }
}

const ROOT = resolve(import.meta.dirname, "../..");
const MIGRATIONS_DIR = join(ROOT, "app/services/platform/db/migrations");
/** Shared by every checkout that links the same node_modules: the name says which migrations made a snapshot. */
export const SNAPSHOT_DIR = join(ROOT, "node_modules/.cache/pglite-snapshots");
/** Snapshots of other migrations not used for this long are removed (a run marks the one it uses). */
const UNUSED_FOR_MS = 24 * 60 * 60 * 1000;

export interface SnapshotInput {
  name: string;
  content: string;
}

/**
 * What a snapshot's files depend on: the source of every migration (an edited one must never
 * reuse a database made by its old text), PGlite's version (its data directory's format) and
 * Kysely's (its migration tables).
 */
export function snapshotInputs(): SnapshotInput[] {
  const migrations = readdirSync(MIGRATIONS_DIR)
    .sort()
    .map((name) => ({ name: `migrations/${name}`, content: readFileSync(join(MIGRATIONS_DIR, name), "utf8") }));
  const versionOf = (pkg: string) => ({
    name: pkg,
    content: (JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")) as { version: string })
      .version,
  });
  return [...migrations, versionOf("@electric-sql/pglite"), versionOf("kysely")];
}

export function snapshotKey(inputs: SnapshotInput[]): string {
  const hash = createHash("sha256");
  // Lengths first, so that moving text from one input to the next changes the key too.
  for (const { name, content } of inputs) hash.update(`${name.length}:${name}${content.length}:${content}`);
  return hash.digest("hex").slice(0, 16);
}

/** The snapshot for the migrations in this checkout, made now if no run made it before. */
export async function ensureMigratedSnapshot(dir = SNAPSHOT_DIR): Promise<{ file: string; made: boolean }> {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `migrated-${snapshotKey(snapshotInputs())}.tar`);
  let made = false;
  if (existsSync(file)) {
    // In use: another run's pruning leaves it alone.
    const now = new Date();
    utimesSync(file, now, now);
  } else {
    // Written under a name of its own and renamed into place: a run started meanwhile (another
    // worktree, CI) sees no snapshot or a whole one, and if two runs both make it, the second
    // rename replaces one file with an identical one.
    const partial = `${file}.${process.pid}-${randomBytes(4).toString("hex")}.partial`;
    try {
      await writeMigratedSnapshot(partial);
      renameSync(partial, file);
      made = true;
    } finally {
      rmSync(partial, { force: true });
    }
  }
  pruneUnused(dir, file);
  return { file, made };
}

/** Snapshots of migrations no run has used for a day, and what crashed runs left half-written (40 MB each). */
function pruneUnused(dir: string, current: string): void {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (path === current || !name.startsWith("migrated-")) continue;
    if (Date.now() - statSync(path).mtimeMs > UNUSED_FOR_MS) rmSync(path, { force: true });
  }
}

/** Vitest global setup (integration, e2e): the snapshot, made once per run, for the test files. */
export default async function setup(project: TestProject): Promise<void> {
  // On PostgreSQL every test file gets a database on the server; no PGlite to start.
  if (process.env.TEST_DATABASE_URL) return;
  const started = Date.now();
  const { file, made } = await ensureMigratedSnapshot();
  if (made) console.log(`Migrated PGlite snapshot made for the tests in ${Date.now() - started} ms: ${file}`);
  project.provide("pgliteSnapshot", file);
}
