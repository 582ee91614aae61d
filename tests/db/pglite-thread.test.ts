import { messages } from "@electric-sql/pglite";
import { sql } from "kysely";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { openDatabase } from "~/services/platform/db.server";
import { PGliteThread } from "~/services/platform/db/pglite-thread";

/*
 * PGlite runs in a worker thread (ADR 020). What an operator would notice if that went wrong: data
 * in local mode's directory lost on restart, database errors that no longer say what failed, or a
 * portal whose requests hang because the thread died.
 */
const scratch = mkdtempSync(join(tmpdir(), "pglite-thread-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A worker entry that starts like the real one and then misbehaves on the first request. */
function misbehavingEntry(name: string, onRequest: string): URL {
  const file = join(scratch, `${name}.mjs`);
  writeFileSync(
    file,
    `import { parentPort } from "node:worker_threads";
     parentPort.postMessage({ ready: true });
     parentPort.on("message", () => { ${onRequest} });`,
  );
  return pathToFileURL(file);
}

const oneBatch = () => new Uint8Array([0x53, 0, 0, 0, 4]); // Sync

describe("PGlite in its worker thread", () => {
  it("keeps what was written in the data directory across a close and a reopen", async () => {
    const dataDir = join(scratch, "data");
    const first = await openDatabase({ engine: "pglite", dataDir });
    await sql`create table kept (note text)`.execute(first.db);
    await sql`insert into kept values (${"written before the close"})`.execute(first.db);
    await first.close();

    const second = await openDatabase({ engine: "pglite", dataDir });
    try {
      const { rows } = await sql<{ note: string }>`select note from kept`.execute(second.db);
      expect(rows).toEqual([{ note: "written before the close" }]);
    } finally {
      await second.close();
    }
  }, 60_000);

  it("reports a database error as PGlite does: its class, message, code, constraint and statement", async () => {
    const open = await openDatabase({ engine: "pglite", dataDir: null });
    try {
      await sql`create table unique_names (name text primary key)`.execute(open.db);
      await sql`insert into unique_names values (${"acme"})`.execute(open.db);
      const error = await sql`insert into unique_names values (${"acme"})`.execute(open.db).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(messages.DatabaseError);
      expect(error).toMatchObject({
        message: 'duplicate key value violates unique constraint "unique_names_pkey"',
        code: "23505",
        constraint: "unique_names_pkey",
        query: "insert into unique_names values ($1)",
      });
    } finally {
      await open.close();
    }
  }, 60_000);

  it("fails a query waiting on a thread that exits, and every later one, instead of hanging", async () => {
    const thread = new PGliteThread(null, { entry: misbehavingEntry("exits", "process.exit(7)") });
    await thread.waitReady;
    await expect(thread.query(oneBatch())).rejects.toThrow("The PGlite worker thread exited (code 7)");
    await expect(thread.query(oneBatch())).rejects.toThrow("The PGlite worker thread exited (code 7)");
    expect(thread.closed).toBe(true);
    await thread.close();
  });

  it("fails a query waiting on a thread that crashes with the thread's error", async () => {
    const thread = new PGliteThread(null, { entry: misbehavingEntry("throws", 'throw new Error("out of memory")') });
    await thread.waitReady;
    await expect(thread.query(oneBatch())).rejects.toThrow("The PGlite worker thread failed: out of memory");
    await thread.close();
  });

  it("fails the first query of a database that cannot start, with PGlite's reason", async () => {
    const notADirectory = join(scratch, "a-file");
    writeFileSync(notADirectory, "");
    const thread = new PGliteThread(notADirectory);
    await expect(thread.waitReady).rejects.toThrow(/^PGlite could not start: .+/);
    await expect(thread.query(oneBatch())).rejects.toThrow(/^PGlite could not start: .+/);
    await thread.close();
  }, 60_000);

  it("starts from a snapshot only in memory, and fails the first query when the snapshot cannot be read", async () => {
    // Loading a tarball over a data directory would replace local mode's data.
    expect(() => new PGliteThread(join(scratch, "data"), { snapshot: join(scratch, "any.tar") })).toThrow(
      "A PGlite snapshot starts only an in-memory database",
    );
    const thread = new PGliteThread(null, { snapshot: join(scratch, "missing.tar") });
    await expect(thread.query(oneBatch())).rejects.toThrow(/^PGlite could not start: ENOENT.*missing\.tar/);
    await thread.close();
  });
});
