import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrate, openMigrated, type DB } from "~/services/platform/db.server";
import { migrations } from "~/services/platform/db/migrations/index";
import { snapshotInputs, snapshotKey, type SnapshotInput } from "../support/pglite-snapshot";
import { createTestDatabase, onPGlite } from "../support/test-database";

/*
 * The tests' PGlite databases start from one migrated snapshot per run (ADR 024). What would go
 * wrong unnoticed if it broke: every test file paying initdb again (the suite over its time budget),
 * tests run against a schema that the migrations no longer make (a stale snapshot), or tests
 * seeing each other's rows (a shared database).
 */

/** Everything the migrations make: columns, constraints, indexes, triggers, functions and rows per table. */
async function schemaOf(db: DB): Promise<unknown> {
  const columns = await sql`
    select table_name, column_name, data_type, column_default, is_nullable from information_schema.columns
    where table_schema = current_schema() order by table_name, column_name`.execute(db);
  const constraints = await sql`
    select conrelid::regclass::text as on_table, conname, pg_get_constraintdef(oid) as definition from pg_constraint
    where connamespace = current_schema()::regnamespace order by on_table, conname`.execute(db);
  const indexes = await sql`
    select indexname, indexdef from pg_indexes where schemaname = current_schema() order by indexname`.execute(db);
  const triggers = await sql`
    select tgrelid::regclass::text as on_table, tgname from pg_trigger where not tgisinternal order by tgname`.execute(
    db,
  );
  const functions = await sql`
    select proname, prosrc from pg_proc where pronamespace = current_schema()::regnamespace order by proname`.execute(
    db,
  );
  const tables = await sql<{ table_name: string }>`
    select table_name from information_schema.tables
    where table_schema = current_schema() and table_type = 'BASE TABLE' and table_name not like 'kysely_%'
    order by table_name`.execute(db);
  const rows: Record<string, number> = {};
  for (const { table_name } of tables.rows) {
    const counted = await sql<{ n: number }>`select count(*)::int as n from ${sql.table(table_name)}`.execute(db);
    rows[table_name] = counted.rows[0]!.n;
  }
  return {
    columns: columns.rows,
    constraints: constraints.rows,
    indexes: indexes.rows,
    triggers: triggers.rows,
    functions: functions.rows,
    rows,
  };
}

const onPGliteOnly = onPGlite
  ? ""
  : " [skipped on PostgreSQL: each test file gets a database on the server, no snapshot]";

describe("test databases started from the run's migrated PGlite snapshot", () => {
  it.skipIf(!onPGlite)(
    `come from the snapshot, with every migration applied, and are what the migrations make${onPGliteOnly}`,
    async () => {
      const asked = new Date();
      const fromSnapshot = await createTestDatabase();
      const fresh = await openMigrated({ engine: "pglite", dataDir: null });
      try {
        const { rows: applied } = await sql<{ name: string; timestamp: string }>`
          select name, timestamp from kysely_migration order by name`.execute(fromSnapshot.db);
        expect(applied.map((m) => m.name)).toEqual(Object.keys(migrations));
        // Migrated before the database was asked for: loaded from the snapshot, not initdb and migrate.
        for (const { name, timestamp } of applied) {
          expect(new Date(timestamp).getTime(), `${name} applied after the database was asked for`).toBeLessThan(
            asked.getTime(),
          );
        }
        expect(await migrate(fromSnapshot.db)).toEqual([]);
        expect(await schemaOf(fromSnapshot.db)).toEqual(await schemaOf(fresh.db));
      } finally {
        await fromSnapshot.destroy();
        await fresh.close();
      }
    },
    60_000,
  );

  it.skipIf(!onPGlite)(
    `are independent of each other${onPGliteOnly}`,
    async () => {
      const [one, other] = await Promise.all([createTestDatabase(), createTestDatabase()]);
      try {
        await one.db
          .insertInto("organizations")
          .values({ slug: "only-here", name: "Only here", auth0_org_id: null })
          .execute();
        const seen = (db: DB) =>
          db.selectFrom("organizations").select("slug").where("slug", "=", "only-here").execute();
        expect(await seen(one.db)).toHaveLength(1);
        expect(await seen(other.db)).toEqual([]);
        // And the snapshot itself kept nothing of it: a third database starts without the row.
        const third = await createTestDatabase();
        try {
          expect(await seen(third.db)).toEqual([]);
        } finally {
          await third.destroy();
        }
      } finally {
        await Promise.all([one.destroy(), other.destroy()]);
      }
    },
    60_000,
  );
});

describe("the snapshot's name", () => {
  const inputs: SnapshotInput[] = [
    { name: "migrations/001-initial.ts", content: "create table organizations (id uuid)" },
    { name: "@electric-sql/pglite", content: "0.5.16" },
  ];

  it("changes when a migration's text changes, so an edited migration never reuses an old snapshot", () => {
    const edited = [{ ...inputs[0]!, content: "create table organizations (id uuid, slug text)" }, inputs[1]!];
    expect(snapshotKey(edited)).not.toBe(snapshotKey(inputs));
    expect(snapshotKey(structuredClone(inputs))).toBe(snapshotKey(inputs));
  });

  it("changes with PGlite's version, whose data directory a snapshot is", () => {
    expect(snapshotKey([inputs[0]!, { ...inputs[1]!, content: "0.6.0" }])).not.toBe(snapshotKey(inputs));
  });

  it("depends on every migration the portal runs and on PGlite's version", () => {
    const names = snapshotInputs().map((input) => input.name);
    for (const migration of Object.keys(migrations)) expect(names).toContain(`migrations/${migration}.ts`);
    expect(names).toContain("@electric-sql/pglite");
  });
});
