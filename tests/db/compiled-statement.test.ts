import {
  sql,
  type KyselyPlugin,
  type PluginTransformQueryArgs,
  type PluginTransformResultArgs,
  type QueryResult,
  type UnknownRow,
} from "kysely";
import { beforeAll, describe, expect, it } from "vitest";
import { compiledStatement } from "~/services/platform/db/compiled-statement.server";
import { createOrg } from "../support/change-fixtures";
import { testDatabaseForFile } from "../support/test-database";

/**
 * Statements compiled once and run with each call's parameters: each call reads its own rows, the
 * caller's plugins and transaction still see and run the statement, and a parameter that does not
 * reach the database as a value of its own is refused before anything runs.
 */
const testDb = testDatabaseForFile();

beforeAll(async () => {
  await createOrg(testDb().db, "acme", "Acme");
  await createOrg(testDb().db, "globex", "Globex");
  await createOrg(testDb().db, "initech", "Initech");
});

const organizationsNamed = compiledStatement(
  "organizations named",
  (db, p: { slug: string; notNamed: string; limit: number }) =>
    db
      .selectFrom("organizations")
      .select(["slug", "name"])
      .where("slug", "=", p.slug)
      .where("status", "=", "active") // a fixed value between two parameters
      .where("name", "!=", p.notNamed)
      .orderBy("slug")
      .limit(p.limit),
);

/** Counts the statements it is shown, as the page tests' statement counters do. */
class Counter implements KyselyPlugin {
  nodes: string[] = [];
  results = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    this.nodes.push(args.node.kind);
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    this.results++;
    return args.result;
  }
}

describe(`compiled statements (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("gives each call its own parameters, in their places", async () => {
    const { db } = testDb();
    expect(await organizationsNamed(db, { slug: "acme", notNamed: "Nobody", limit: 5 })).toEqual([
      { slug: "acme", name: "Acme" },
    ]);
    expect(await organizationsNamed(db, { slug: "globex", notNamed: "Nobody", limit: 5 })).toEqual([
      { slug: "globex", name: "Globex" },
    ]);
    // The second parameter is the name's: excluding Globex's name finds no Globex.
    expect(await organizationsNamed(db, { slug: "globex", notNamed: "Globex", limit: 5 })).toEqual([]);
    expect(await organizationsNamed(db, { slug: "acme", notNamed: "Nobody", limit: 0 })).toEqual([]);
  });

  it("sends one parameter to every place it is used, in a sql template too", async () => {
    const pair = compiledStatement(
      "pair",
      (_, p: { first: string; second: string }) =>
        sql<{ a: string; b: string; again: string }>`select ${p.first}::text as a, ${p.second}::text as b,
        ${p.first}::text as again, ${"fixed"}::text as fixed`,
    );
    const { db } = testDb();
    expect(await pair(db, { first: "one", second: "two" })).toEqual([
      { a: "one", b: "two", again: "one", fixed: "fixed" },
    ]);
    expect(await pair(db, { first: "uno", second: "dos" })).toEqual([
      { a: "uno", b: "dos", again: "uno", fixed: "fixed" },
    ]);
  });

  it("runs through the caller's plugins and transaction", async () => {
    const { db } = testDb();
    const counter = new Counter();
    await organizationsNamed(db.withPlugin(counter), { slug: "acme", notNamed: "Nobody", limit: 5 });
    await organizationsNamed(db.withPlugin(counter), { slug: "globex", notNamed: "Nobody", limit: 5 });
    expect(counter.nodes).toEqual(["SelectQueryNode", "SelectQueryNode"]);
    expect(counter.results).toBe(2);

    // A row only the transaction sees yet: the statement runs on the transaction's connection.
    const seen = await db
      .transaction()
      .execute(async (trx) => {
        await createOrg(trx, "hooli", "Hooli");
        const rows = await organizationsNamed(trx, { slug: "hooli", notNamed: "Nobody", limit: 5 });
        throw Object.assign(new Error("roll back"), { rows });
      })
      .catch((err: { rows: unknown }) => err.rows);
    expect(seen).toEqual([{ slug: "hooli", name: "Hooli" }]);
    expect(await organizationsNamed(db, { slug: "hooli", notNamed: "Nobody", limit: 5 })).toEqual([]);
  });

  it("refuses a parameter written into the SQL text", async () => {
    const folded = compiledStatement("folded", (db, p: { slug: string }) =>
      db.selectFrom("organizations").select("slug").where("slug", "=", sql.lit(p.slug)),
    );
    await expect(folded(testDb().db, { slug: "acme" })).rejects.toThrow(
      /Compiled statement folded: a parameter was written into the SQL text/,
    );
  });

  it("refuses a parameter changed before it became a value", async () => {
    const changed = compiledStatement("changed", (db, p: { search: string }) =>
      db.selectFrom("organizations").select("slug").where("name", "like", `%${p.search}%`),
    );
    await expect(changed(testDb().db, { search: "cm" })).rejects.toThrow(
      /Compiled statement changed: a parameter was changed before it became a value/,
    );
  });

  it("refuses a parameter that disappeared (the shape chosen by its value)", async () => {
    const shaped = compiledStatement("shaped", (db, p: { slug: string; many: number }) =>
      db
        .selectFrom("organizations")
        .select("slug")
        .where("slug", "=", p.slug)
        .limit(p.many > 1 ? 10 : 1),
    );
    await expect(shaped(testDb().db, { slug: "acme", many: 2 })).rejects.toThrow(
      /Compiled statement shaped: parameter "many" is not among the statement's values/,
    );
  });
});
