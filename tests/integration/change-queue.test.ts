import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listQueue } from "~/services/change-requests/queries.server";
import type { SupportScope } from "~/services/identity/scope.server";
import { installDatabase } from "~/services/platform/db.server";
import { createOrg, createUser, support } from "../support/change-fixtures";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * Support's change queue: each filter (state, organization) and the "Next page" cursor, alone and
 * together, shows exactly the changes it names, oldest first, and paging through it shows each once.
 * Each combination is a statement of its own (compiled once per shape), so each is exercised here.
 */

let test: TestDatabase;
let lena: SupportScope;

interface Seeded {
  summary: string;
  org: string;
  state: "pending_review" | "applied";
}
const seeded: Seeded[] = [];

beforeAll(async () => {
  test = await createTestDatabase();
  installDatabase(test);
  lena = support(await createUser(test.db, "lena-queue@vendor.test"));
  const orgs = { acme: await createOrg(test.db, "acme", "Acme"), globex: await createOrg(test.db, "globex", "Globex") };
  const base = Date.parse("2026-12-01T09:00:00Z");
  for (let i = 0; i < 12; i++) {
    const org = i % 3 === 0 ? "globex" : "acme";
    const state = i % 4 === 3 ? "applied" : "pending_review";
    const summary = `change ${String(i).padStart(2, "0")}`;
    seeded.push({ summary, org, state });
    await sql`
      insert into change_requests (organization_id, protocol, desired, report, verdict, summary, state, risk,
                                   policy_rule, policy_reason, author_label, submitted_at)
      values (${orgs[org].id}, 'saml', '{}'::jsonb, '{}'::jsonb, 'ok', ${summary}, ${state}, 'low', 'review',
              'Needs review', 'admin@customer.example', ${new Date(base + i * 60_000)})`.execute(test.db);
  }
});
afterAll(async () => {
  await test?.destroy();
});

/** Every page of the queue with these filters, two changes a page. */
async function allPages(filters: { state?: "pending_review" | "all"; org?: string }): Promise<string[][]> {
  const pages: string[][] = [];
  let after: string | null = null;
  do {
    const page = await listQueue(lena, { ...filters, after }, 2);
    pages.push(page.rows.map((r) => r.summary));
    after = page.next;
  } while (after && pages.length < 20);
  return pages;
}

const expected = (keep: (s: Seeded) => boolean) => seeded.filter(keep).map((s) => s.summary);

describe(`support's change queue (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("shows the changes waiting for review by default, oldest first, each once across pages", async () => {
    const pages = await allPages({});
    expect(pages[0]).toEqual(["change 00", "change 01"]);
    expect(pages.flat()).toEqual(expected((s) => s.state === "pending_review"));
  });

  it("shows every state, or one organization's, or both filters at once", async () => {
    expect((await allPages({ state: "all" })).flat()).toEqual(expected(() => true));
    expect((await allPages({ org: "globex" })).flat()).toEqual(
      expected((s) => s.org === "globex" && s.state === "pending_review"),
    );
    expect((await allPages({ state: "all", org: "acme" })).flat()).toEqual(expected((s) => s.org === "acme"));
    expect((await listQueue(lena, { org: "initech" })).rows).toEqual([]);
  });

  it("gives each organization's queue its own rows when they are read one after the other", async () => {
    const acme = await listQueue(lena, { state: "all", org: "acme" });
    const globex = await listQueue(lena, { state: "all", org: "globex" });
    expect(acme.rows.map((r) => r.orgSlug)).toEqual(acme.rows.map(() => "acme"));
    expect(globex.rows.map((r) => r.orgSlug)).toEqual(globex.rows.map(() => "globex"));
    expect(globex.rows).toHaveLength(4);
  });
});
