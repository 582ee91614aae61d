import type {
  KyselyPlugin,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryResult,
  UnknownRow,
} from "kysely";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { withPlugin } from "~/services/platform/db.server";
import { currentRequest } from "~/services/platform/request-context.server";
import { startPortal, type RunningPortal } from "../../server/portal";
import { call, sessionCookieFor } from "../support/auth";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * What a signed-in page costs the database: the session, its user and memberships are read once
 * per request (the root loader and the route's loader share the read), and the session row is
 * written at most once a minute — while a revoked session or a removed membership still takes
 * effect on the very next request.
 */

/**
 * Counts the statements that requests send to the sessions table. Statements sent outside a
 * request are not counted: the scheduled session-sweep deletes ended sessions on its own timer,
 * and its first run, soon after start, can land between two requests on a loaded machine.
 */
class SessionStatements implements KyselyPlugin {
  reads = 0;
  writes = 0;
  transformQuery(args: PluginTransformQueryArgs) {
    if (!currentRequest()) return args.node;
    const text = JSON.stringify(args.node);
    if (text.includes('"name":"sessions"')) {
      if (args.node.kind === "SelectQueryNode") this.reads++;
      else this.writes++;
    }
    return args.node;
  }
  async transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
    return args.result;
  }
  reset() {
    this.reads = 0;
    this.writes = 0;
  }
}

let database: TestDatabase;
let portal: RunningPortal;
const counter = new SessionStatements();

beforeAll(async () => {
  process.env.NODE_ENV ??= "test";
  database = await createTestDatabase();
  const counted = { ...database, db: withPlugin(database.db, counter) };
  portal = await startPortal({ port: 0, database: { open: counted }, localTenant: { port: 0 } });
});
afterAll(async () => {
  await portal?.close();
  await database?.destroy();
});
beforeEach(() => counter.reset());

describe("session reads per request", () => {
  it("reads the session once for a signed-in page (root and route loaders share it), writes nothing", async () => {
    const cookie = await sessionCookieFor(database.db, "alice@acme.test");
    counter.reset();
    const first = await call(portal.url, "/orgs/acme", { cookie });
    expect(first.status).toBe(200);
    expect(first.text).toContain("alice@acme.test"); // the root loader's navigation
    expect(counter.reads).toBe(1);
    expect(counter.writes).toBe(0);
    const second = await call(portal.url, "/orgs/acme", { cookie });
    expect(second.status).toBe(200);
    expect(counter.reads).toBe(2);
    expect(counter.writes).toBe(0); // last seen moments ago: no write
  });

  it("pushes the idle expiry once when the session was last seen over a minute ago", async () => {
    const cookie = await sessionCookieFor(database.db, "alice@acme.test");
    const { id_hash } = await database.db
      .selectFrom("sessions")
      .select("id_hash")
      .orderBy("created_at", "desc")
      .executeTakeFirstOrThrow();
    await database.db
      .updateTable("sessions")
      .set({ last_seen_at: new Date(Date.now() - 2 * 60_000) })
      .where("id_hash", "=", id_hash)
      .execute();
    counter.reset();
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
    expect(counter.writes).toBe(1);
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
    expect(counter.writes).toBe(1);
  });

  it("still sees a revoked session and a removed membership on the next request", async () => {
    const cookie = await sessionCookieFor(database.db, "victor@acme.test");
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
    const victor = await database.db
      .selectFrom("users")
      .select("id")
      .where("email", "=", "victor@acme.test")
      .executeTakeFirstOrThrow();
    const membership = await database.db
      .deleteFrom("memberships")
      .where("user_id", "=", victor.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(404);
    await database.db.insertInto("memberships").values(membership).execute();
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
    await database.db
      .updateTable("sessions")
      .set({ revoked_at: new Date() })
      .where("user_id", "=", victor.id)
      .execute();
    const after = await call(portal.url, "/orgs/acme", { cookie });
    expect(after.status).toBe(302);
    expect(after.location).toMatch(/^\/auth\/login\?returnTo=/);
  });

  it("refuses a cookie whose signature was altered, after the genuine one was seen", async () => {
    const cookie = await sessionCookieFor(database.db, "alice@acme.test");
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
    // The same session next to another cookie is the same session.
    expect((await call(portal.url, "/orgs/acme", { cookie: `theme=dark; ${cookie}` })).status).toBe(200);
    const last = cookie.at(-1)!;
    const tampered = `${cookie.slice(0, -1)}${last === "A" ? "B" : "A"}`;
    for (let round = 0; round < 2; round++) {
      const res = await call(portal.url, "/orgs/acme", { cookie: tampered });
      expect(res.status).toBe(302);
      expect(res.location).toMatch(/^\/auth\/login\?returnTo=/);
    }
    expect((await call(portal.url, "/orgs/acme", { cookie })).status).toBe(200);
  });

  it("reads afresh on a POST, whose action may change what its loaders then see", async () => {
    const cookie = await sessionCookieFor(database.db, "alice@acme.test");
    counter.reset();
    const res = await call(portal.url, "/orgs/acme?index", { cookie, form: { intent: "nothing" } });
    expect(res.status).toBe(400);
    expect(counter.reads).toBeGreaterThanOrEqual(2); // the action's guard, then the loaders'
  });
});
