import { sql, type RootOperationNode } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withPlugin } from "~/services/platform/db.server";
import { startPortal, type RunningPortal } from "../../server/portal";
import { sessionCookieFor } from "../support/auth";
import { StatementsByRequest, viewCounting } from "../support/statements";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * The support health dashboard reads its page (the organizations of the page with their facts,
 * and the pager's total) in one statement, whichever order, filter and page, so a view costs two
 * statements with the session's read; and it stays for vendor staff only.
 */

let database: TestDatabase;
let portal: RunningPortal;
const statements = new StatementsByRequest();
const cookies: Record<string, string> = {};

/** The page as `who` sees it, and the statements its request sent. */
const view = (who: string, path: string) => viewCounting(statements, portal.url, path, cookies[who]);

/** Whether a statement reads the monitoring facts (the dashboard's read; raw SQL naming organization_health). */
const readsHealth = (node: RootOperationNode) =>
  node.kind === "RawNode" && node.sqlFragments.join(" ").includes("organization_health");

// One organization in each band of "needs attention first" (ADR 016), named so the order shows.
const BANDS = [
  { slug: "hr-expired", name: "Health Reads Expired", cert: -3, drift: null, pending: false },
  { slug: "hr-drifted", name: "Health Reads Drifted", cert: 200, drift: "drifted", pending: false },
  { slug: "hr-pending", name: "Health Reads Pending", cert: 200, drift: "in_sync", pending: true },
  { slug: "hr-quiet", name: "Health Reads Quiet", cert: 100, drift: "in_sync", pending: false },
] as const;

beforeAll(async () => {
  process.env.NODE_ENV ??= "test";
  database = await createTestDatabase();
  const counted = { ...database, db: withPlugin(database.db, statements) };
  portal = await startPortal({ port: 0, database: { open: counted }, localTenant: { port: 0 } });
  const db = database.db;
  for (const [who, email] of [
    ["lena", "lena@vendor.test"],
    ["alice", "alice@acme.test"],
  ] as const)
    cookies[who] = await sessionCookieFor(db, email);
  for (const band of BANDS) {
    const org = await db
      .insertInto("organizations")
      .values({ slug: band.slug, name: band.name })
      .returning("id")
      .executeTakeFirstOrThrow();
    await db
      .insertInto("organization_health")
      .values({
        organization_id: org.id,
        cert_not_after: new Date(Date.now() + band.cert * 86_400_000),
        drift_status: band.drift,
      })
      .execute();
    if (band.pending)
      await sql`
        insert into change_requests (organization_id, protocol, desired, report, verdict, summary, state, risk,
                                     policy_rule, policy_reason, author_label, submitted_at)
        values (${org.id}, 'saml', '{}'::jsonb, '{}'::jsonb, 'ok', 'Certificate', 'pending_review', 'low',
                'review', 'Needs review', 'admin@customer.example', now())`.execute(db);
  }
});
afterAll(async () => {
  await portal?.close();
  await database?.destroy();
});

describe("the support health dashboard's reads", () => {
  it("shows the first page with every band, needing attention first, in two statements a view", async () => {
    for (const path of ["/support/health", "/support/health.data"]) {
      const page = await view("lena", path);
      expect(page.status, path).toBe(200);
      const at = BANDS.map((b) => page.text.indexOf(b.name));
      expect(
        at.every((i) => i >= 0),
        path,
      ).toBe(true);
      expect(
        [...at].sort((a, b) => a - b),
        path,
      ).toEqual(at);
      // The total, up to four bands (one statement each) and the rows' facts before; one statement now.
      expect(page.statements, path).toHaveLength(2);
    }
  });

  it("costs two statements whatever the order, filter or page", async () => {
    for (const query of [
      "?attention=1",
      "?sort=name",
      "?sort=certificate&attention=1",
      "?q=health+reads&attention=1",
      "?page=2",
      "?sort=name&page=99",
    ]) {
      const page = await view("lena", `/support/health${query}`);
      expect(page.status, query).toBe(200);
      expect(page.statements, query).toHaveLength(2);
    }
    const filtered = await view("lena", "/support/health?attention=1&q=health+reads");
    expect(filtered.text).toContain("Health Reads Pending");
    expect(filtered.text).not.toContain("Health Reads Quiet");
  });

  it("gives a customer's administrator no access: not found, no organization's health read or shown", async () => {
    for (const path of ["/support/health", "/support/health.data", "/support/health?sort=name&attention=1"]) {
      const page = await view("alice", path);
      expect(page.status, path).toBe(404);
      for (const band of BANDS) expect(page.text, path).not.toContain(band.name);
      expect(page.statements.filter(readsHealth), path).toEqual([]);
    }
  });
});
