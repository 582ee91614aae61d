import { sql } from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { createOrg } from "../support/change-fixtures";
import { testDatabaseForFile } from "../support/test-database";

/** Migration 003-auth: what the database itself refuses, whatever the code above it does. */
const testDb = testDatabaseForFile();
let orgId: string;

beforeAll(async () => {
  orgId = (await createOrg(testDb().db, "acme", "Acme")).id;
});

const link = (overrides: Record<string, unknown> = {}) => ({
  token_hash: `h${Math.random()}`,
  organization_id: orgId,
  role: "org_admin" as const,
  created_by_user_id: null,
  created_by_label: "test",
  expires_at: new Date(Date.now() + 3_600_000),
  max_uses: 1,
  revoked_at: null,
  revoked_by_label: null,
  note: null,
  ...overrides,
});

describe(`setup links table (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("refuses a second link with the same token hash", async () => {
    await testDb().db
      .insertInto("invitations")
      .values(link({ token_hash: "same" }))
      .execute();
    await expect(
      testDb().db
        .insertInto("invitations")
        .values(link({ token_hash: "same" }))
        .execute(),
    ).rejects.toThrow(/duplicate key/);
  });

  it("refuses a role that is not an organization role, and uses beyond the maximum", async () => {
    await expect(
      testDb().db
        .insertInto("invitations")
        .values(link({ role: "support_admin" as never }))
        .execute(),
    ).rejects.toThrow(/check constraint/);
    await expect(
      testDb().db
        .insertInto("invitations")
        .values(link({ max_uses: 0 }))
        .execute(),
    ).rejects.toThrow(/check constraint/);
    const row = await testDb().db.insertInto("invitations").values(link()).returning("id").executeTakeFirstOrThrow();
    await testDb().db.updateTable("invitations").set({ uses: 1 }).where("id", "=", row.id).execute();
    await expect(
      testDb().db
        .updateTable("invitations")
        .set({ uses: sql`uses + 1` })
        .where("id", "=", row.id)
        .execute(),
    ).rejects.toThrow(/check constraint/);
  });

  it("removes an organization's links with the organization", async () => {
    const other = await createOrg(testDb().db, "gone", "Gone");
    await testDb().db
      .insertInto("invitations")
      .values(link({ organization_id: other.id }))
      .execute();
    await testDb().db.deleteFrom("organizations").where("id", "=", other.id).execute();
    const left = await testDb().db
      .selectFrom("invitations")
      .select("id")
      .where("organization_id", "=", other.id)
      .execute();
    expect(left).toEqual([]);
  });
});
