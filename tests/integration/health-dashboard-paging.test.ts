import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { SupportScope } from "~/services/identity/scope.server";
import { HEALTH_PAGE_SIZE, listOrganizationHealth, type HealthSort } from "~/services/monitoring/health.server";
import { installDatabase } from "~/services/platform/db.server";
import { createUser, support } from "../support/change-fixtures";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * The support dashboard pages in SQL (issue 16, "Scale, measured"): "needs attention first" reads
 * the flagged organizations band by band instead of scoring every organization. Whatever the
 * bands, the order, the scores and the totals must be those of scoring every organization and
 * sorting them, on every page: here against that reference, computed in the test from the rows.
 */

let test: TestDatabase;
let lena: SupportScope;
const now = new Date("2026-12-06T12:00:00Z");
const DAY = 86_400_000;

interface Reference {
  slug: string;
  name: string;
  cert: number | null;
  attention: number;
}
let reference: Reference[];

beforeAll(async () => {
  test = await createTestDatabase();
  installDatabase(test);
  lena = support(await createUser(test.db, "lena-paging@vendor.test"), "support_admin");
  const db = test.db;
  const N = 330;
  await sql`insert into organizations (slug, name) select 'p-' || i, 'Paged ' || lpad(i::text, 4, '0') from generate_series(1, ${N}) i`.execute(
    db,
  );
  // Bands of every size across page boundaries: expired (a fifth), expiring, far or no certificate;
  // drift, metadata failures, failed apply jobs and pending changes sprinkled over all of them.
  await sql`
    insert into organization_health (organization_id, cert_not_after, drift_status, metadata_status)
    select o.id,
           case when i % 5 = 0 then ${now}::timestamptz - make_interval(days => 1 + i % 7)
                when i % 5 = 1 then ${now}::timestamptz + make_interval(days => 1 + i % 29)
                when i % 5 = 2 then null
                else ${now}::timestamptz + make_interval(days => 40 + i) end,
           case when i % 7 = 0 then 'drifted' when i % 11 = 0 then 'missing' when i % 3 = 0 then 'in_sync' end,
           case when i % 13 = 0 then 'unreachable' when i % 19 = 0 then 'invalid' when i % 2 = 0 then 'unchanged' end
      from organizations o, lateral (select substring(o.slug from 3)::int as i) n
     where o.slug like 'p-%' and i % 23 <> 0`.execute(db);
  await sql`
    insert into apply_jobs (organization_id, kind, version, desired, status, requested_by)
    select o.id, 'apply', 1, '{}'::jsonb, case when i % 34 = 0 then 'dead' else 'failed' end, 'test'
      from organizations o, lateral (select substring(o.slug from 3)::int as i) n
     where o.slug like 'p-%' and i % 17 = 0`.execute(db);
  await sql`
    insert into change_requests (organization_id, protocol, desired, report, verdict, summary, state, risk,
                                 policy_rule, policy_reason, author_label, submitted_at)
    select o.id, 'saml', '{}'::jsonb, '{}'::jsonb, 'ok', 'Certificate', s, 'low', 'review', 'Needs review',
           'admin@customer.example', ${now}
      from organizations o, lateral (select substring(o.slug from 3)::int as i) n,
           unnest(array['pending_review', 'withdrawn']) s
     where o.slug like 'p-%' and (i % 4 = 0 or i % 9 = 0)`.execute(db);

  // The reference: every organization scored from its rows, then sorted.
  const rows = await sql<{
    slug: string;
    name: string;
    cert_not_after: Date | string | null;
    drift_status: string | null;
    metadata_status: string | null;
    failed: string | number;
    pending: string | number;
  }>`
    select o.slug, o.name, h.cert_not_after, h.drift_status, h.metadata_status,
           (select count(*) from apply_jobs j where j.organization_id = o.id and j.status in ('failed', 'dead')) as failed,
           (select count(*) from change_requests c where c.organization_id = o.id and c.state = 'pending_review') as pending
      from organizations o left join organization_health h on h.organization_id = o.id`.execute(db);
  reference = rows.rows.map((r) => {
    const cert = r.cert_not_after === null ? null : new Date(r.cert_not_after).getTime();
    const attention =
      (cert !== null && cert <= now.getTime() ? 1000 : 0) +
      (r.drift_status === "drifted" || r.drift_status === "missing" ? 300 : 0) +
      (r.metadata_status === "unreachable" || r.metadata_status === "invalid" ? 200 : 0) +
      (Number(r.failed) > 0 ? 100 : 0) +
      (cert !== null && cert > now.getTime() && cert <= now.getTime() + 30 * DAY ? 50 : 0) +
      (Number(r.pending) > 0 ? 10 : 0);
    return { slug: r.slug, name: r.name, cert, attention };
  });
}, 60_000);

afterAll(async () => {
  await test?.destroy();
});

const byCert = (a: Reference, b: Reference) =>
  (a.cert ?? Infinity) - (b.cert ?? Infinity) || a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug);
const ORDER: Record<HealthSort, (a: Reference, b: Reference) => number> = {
  attention: (a, b) => b.attention - a.attention || byCert(a, b),
  certificate: byCert,
  name: (a, b) => a.name.localeCompare(b.name) || a.slug.localeCompare(b.slug),
};

async function everyPage(sort: HealthSort, filter: { attentionOnly?: boolean; search?: string } = {}) {
  const seen: { slug: string; attention: number }[] = [];
  const totals = new Set<number>();
  for (let page = 1; ; page++) {
    const result = await listOrganizationHealth(lena, { sort, now, page, ...filter });
    totals.add(result.total);
    seen.push(...result.rows.map((r) => ({ slug: r.slug, attention: r.attention })));
    expect(result.rows.length).toBeLessThanOrEqual(HEALTH_PAGE_SIZE);
    if (page >= result.pages) {
      // One page past the end is empty but knows the total.
      const past = await listOrganizationHealth(lena, { sort, now, page: page + 1, ...filter });
      expect(past.rows).toEqual([]);
      totals.add(past.total);
      break;
    }
  }
  return { seen, totals: [...totals] };
}

describe("support health dashboard paging", () => {
  for (const sort of ["attention", "certificate", "name"] as const) {
    for (const filter of [{}, { attentionOnly: true }, { search: "1" }, { attentionOnly: true, search: "2" }]) {
      it(`${sort} order, ${JSON.stringify(filter)}: every page as scoring every organization would give it`, async () => {
        const expected = reference
          .filter((r) => !filter.attentionOnly || r.attention > 0)
          .filter(
            (r) =>
              !("search" in filter) || r.name.toLowerCase().includes(filter.search!) || r.slug.includes(filter.search!),
          )
          .sort(ORDER[sort]);
        expect(expected.length).toBeGreaterThan(HEALTH_PAGE_SIZE);
        const { seen, totals } = await everyPage(sort, filter);
        expect(seen).toEqual(expected.map((r) => ({ slug: r.slug, attention: r.attention })));
        expect(totals).toEqual([expected.length]);
      });
    }
  }

  it("the seeded data spans every band, across page boundaries", () => {
    const band = (a: number) => (a >= 1000 ? 1 : a >= 100 ? 2 : a > 0 ? 3 : 4);
    const sizes = [1, 2, 3, 4].map((b) => reference.filter((r) => band(r.attention) === b).length);
    for (const size of sizes) expect(size % HEALTH_PAGE_SIZE).not.toBe(0);
    expect(sizes.every((s) => s > 0)).toBe(true);
  });

  it("the total follows organizations created and deleted, and not those of a transaction rolled back", async () => {
    const total = async () => (await listOrganizationHealth(lena, { now })).total;
    const before = await total();
    expect(before).toBe(reference.length);
    await sql`insert into organizations (slug, name) values ('count-1', 'Count 1'), ('count-2', 'Count 2')`.execute(
      test.db,
    );
    expect(await total()).toBe(before + 2);
    await expect(
      test.db.transaction().execute(async (trx) => {
        await sql`insert into organizations (slug, name) values ('count-3', 'Count 3')`.execute(trx);
        throw new Error("rolled back");
      }),
    ).rejects.toThrow("rolled back");
    expect(await total()).toBe(before + 2);
    await sql`delete from organizations where slug like 'count-%'`.execute(test.db);
    expect(await total()).toBe(before);
    // The other orders and a search count the same organizations.
    expect((await listOrganizationHealth(lena, { now, sort: "name" })).total).toBe(before);
    expect((await listOrganizationHealth(lena, { now, search: "p-" })).total).toBe(before);
  });

  it("a search's % and _ are the characters themselves, not wildcards (no organization's name or slug has them)", async () => {
    expect(reference.some((r) => /[%_]/.test(r.name + r.slug))).toBe(false);
    for (const search of ["_", "%", "1_"]) {
      const found = await listOrganizationHealth(lena, { sort: "name", now, search });
      expect({ search, total: found.total }).toEqual({ search, total: 0 });
    }
  });
});
