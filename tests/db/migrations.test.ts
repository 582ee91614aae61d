import { sql } from "kysely";
import { describe, expect, it } from "vitest";
import { migrate } from "~/services/platform/db.server";
import { createOrg } from "../support/change-fixtures";
import { testDatabaseForFile } from "../support/test-database";

const testDb = testDatabaseForFile();

describe("database schema", () => {
  it("creates the tables the portal needs, and a second run applies nothing", async () => {
    const tables = await sql<{ table_name: string }>`
      select table_name from information_schema.tables
      where table_schema = current_schema() and table_type = 'BASE TABLE' order by table_name`.execute(testDb().db);
    const names = tables.rows.map((r) => r.table_name);
    expect(names).toEqual(
      expect.arrayContaining(["organizations", "users", "memberships", "sessions", "audit_events"]),
    );
    expect(await migrate(testDb().db)).toEqual([]);
  });

  it("refuses an organization slug that could not name an Auth0 connection", async () => {
    await expect(
      testDb().db.insertInto("organizations").values({ slug: "Bad Slug!", name: "Bad", auth0_org_id: null }).execute(),
    ).rejects.toThrow(/check constraint/);
    const ok = await testDb().db
      .insertInto("organizations")
      .values({ slug: "acme-corp", name: "Acme", auth0_org_id: null })
      .returning(["id", "slug"])
      .executeTakeFirstOrThrow();
    expect(ok.slug).toBe("acme-corp");
  });

  it("treats e-mail addresses as one user whatever their case", async () => {
    await testDb().db
      .insertInto("users")
      .values({ email: "Pat@Example.test", sub: null, name: null, last_login_at: null })
      .execute();
    await expect(
      testDb().db
        .insertInto("users")
        .values({ email: "pat@example.test", sub: null, name: null, last_login_at: null })
        .execute(),
    ).rejects.toThrow(/duplicate key/);
  });

  it("serves concurrent transactions one at a time without losing writes", async () => {
    const org = await createOrg(testDb().db, "counter", "Counter");
    // Ten read-modify-write transactions at once on one row, under a row lock: all ten must land.
    await Promise.all(
      Array.from({ length: 10 }, () =>
        testDb().db.transaction().execute(async (trx) => {
          const row = await trx
            .selectFrom("organizations")
            .select("name")
            .where("id", "=", org.id)
            .forUpdate()
            .executeTakeFirstOrThrow();
          await trx
            .updateTable("organizations")
            .set({ name: `${row.name}+` })
            .where("id", "=", org.id)
            .execute();
        }),
      ),
    );
    const final = await testDb().db
      .selectFrom("organizations")
      .select("name")
      .where("id", "=", org.id)
      .executeTakeFirstOrThrow();
    expect(final.name).toBe(`Counter${"+".repeat(10)}`);
  });
});
