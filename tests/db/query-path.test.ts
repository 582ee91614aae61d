import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/*
 * What the portal's SQL reads and writes must not depend on the engine. On PGlite the dialect sends
 * each query as named statements in one call with node-postgres's parameter text (ADR 017); these
 * tests hold it to what node-postgres on PostgreSQL does, and run on both.
 */
let testDb: TestDatabase;
beforeAll(async () => {
  testDb = await createTestDatabase();
  await sql`create table query_path (id serial primary key, at timestamptz, tags text[], doc jsonb, flag boolean, n bigint, raw bytea)`.execute(
    testDb.db,
  );
});
afterAll(async () => {
  await testDb?.destroy();
});

type Row = {
  id: number;
  at: Date | null;
  tags: string[] | null;
  doc: unknown;
  flag: boolean | null;
  n: string | null;
  raw: Uint8Array | null;
};

describe("queries on either engine", () => {
  it("round-trips dates, arrays, JSON, booleans, big integers, bytes and nulls as parameters", async () => {
    const at = new Date("2026-12-06T18:30:00.123Z");
    const doc = { idp: "okta", certificates: [{ sha256: "AB:CD" }], note: "quote ' and \\ back" };
    const raw = Buffer.from([0, 1, 254, 255]);
    const { rows } = await sql<Row>`
      insert into query_path (at, tags, doc, flag, n, raw)
      values (${at}, ${["a", "b,c", 'd"e']}, ${JSON.stringify(doc)}, ${true}, ${9007199254740993n}, ${raw})
      returning *`.execute(testDb.db);
    const row = rows[0]!;
    expect(row.at?.toISOString()).toBe(at.toISOString());
    expect(row.tags).toEqual(["a", "b,c", 'd"e']);
    expect(row.doc).toEqual(doc);
    expect(row.flag).toBe(true);
    expect(String(row.n)).toBe("9007199254740993");
    expect(Buffer.from(row.raw!)).toEqual(raw);

    const empty =
      await sql<Row>`insert into query_path (at, tags, doc) values (${null}, ${[]}, ${null}) returning *`.execute(
        testDb.db,
      );
    expect(empty.rows[0]).toMatchObject({ at: null, tags: [], doc: null });
  });

  it("runs the same statement many times with other values, and reports rows changed", async () => {
    for (let i = 0; i < 12; i++) {
      const found = await testDb.db
        .selectFrom("query_path" as never)
        .select(sql<number>`count(*)::int`.as("n"))
        .where(sql`flag`, "=", i % 2 === 0)
        .executeTakeFirstOrThrow();
      expect(typeof found.n).toBe("number");
    }
    const updated = await testDb.db
      .updateTable("query_path" as never)
      .set({ flag: false } as never)
      .where(sql`flag`, "is", null)
      .executeTakeFirst();
    expect(updated.numUpdatedRows).toBe(1n);
  });

  it("runs a statement again after it failed, and after the table it reads changed shape", async () => {
    const insert = (id: number) => sql`insert into query_path (id) values (${id})`.execute(testDb.db);
    const readAll = () => sql<Record<string, unknown>>`select * from query_path where id = ${1000}`.execute(testDb.db);
    await insert(1000);
    await expect(insert(1000)).rejects.toMatchObject({ code: "23505" });
    await insert(1001);
    expect(Object.keys((await readAll()).rows[0]!)).not.toContain("added");

    await sql`alter table query_path add column added text default 'yes'`.execute(testDb.db);
    expect((await readAll()).rows[0]).toMatchObject({ id: 1000, added: "yes" });
  });

  it("keeps a transaction's statements together and rolls them back on error", async () => {
    await expect(
      testDb.db.transaction().execute(async (trx) => {
        await sql`insert into query_path (id) values (${2000})`.execute(trx);
        await sql`insert into query_path (id) values (${2000})`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: "23505" });
    const { rows } = await sql<{ n: number }>`select count(*)::int as n from query_path where id = ${2000}`.execute(
      testDb.db,
    );
    expect(rows[0]!.n).toBe(0);
  });

  it("runs a statement first refused inside a failed transaction once the transaction is over", async () => {
    const firstSeenHere = () =>
      sql<{ n: number }>`select count(*)::int as n from query_path where id > ${2999}`.execute(testDb.db);
    await expect(
      testDb.db.transaction().execute(async (trx) => {
        await sql`insert into query_path (id) values (${3000}), (${3000})`.execute(trx).catch(() => undefined);
        // The transaction is aborted: this statement, never run before, is refused.
        await sql`select count(*)::int as n from query_path where id > ${2999}`.execute(trx);
      }),
    ).rejects.toMatchObject({ code: "25P02" });
    expect((await firstSeenHere()).rows[0]!.n).toBe(0);
  });
});

describe("PostgreSQL connections", () => {
  // ADR 023: a statement the planner prices above jit_above_cost (the support dashboard's, at 10,000
  // organizations) spent ~200 ms of the server's CPU compiling code on every view.
  it("never JIT-compile the portal's statements", async () => {
    const { rows } = await sql<{ jit: string }>`show jit`.execute(testDb.db);
    if (testDb.engine === "postgres") expect(rows[0]!.jit).toBe("off");
    else expect(rows).toHaveLength(1); // PGlite has no JIT provider
  });
});
