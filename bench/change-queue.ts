/**
 * The support queue with 10,000 organizations and 50,000 change requests, and the time from
 * "Approve" to "applied" in local mode.
 *
 *   npm run bench:changes [-- --orgs 10000 --changes 50000 --runs 20]
 *
 * The portal runs in-process (built portal, local tenant, in-process apply worker and follower) on
 * PGlite in memory, or on a fresh PostgreSQL database when BENCH_DATABASE_URL (or
 * TEST_DATABASE_URL) is set. Queue pages are fetched over HTTP as a signed-in support lead, the
 * whole document; Approve is the page's form POST; "applied" is when the change's row says so.
 */
import "./quiet-env";
import { submitChange } from "~/services/change-requests/submit.server";
import { benchOptions } from "../harness/bench-options";
import { call, sessionCookieFor } from "../harness/portal-requests";
import { fixtureText, samlSubmission } from "../harness/idp-documents";
import { benchEnvironmentLines, seedScale, startBenchPortal } from "../harness/bench-seed";

const options = benchOptions({ orgs: 10000, changes: 50000, runs: 20, applies: 5 });
const ORGS = options.orgs;
const CHANGES = options.changes;
const RUNS = options.runs;
const APPLIES = options.applies;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))]!;

async function main() {
  const bench = await startBenchPortal("portal_bench_changes");
  const { open, db, portal } = bench;
  try {
    const seeded = await seedScale(open, { organizations: ORGS, changeRequests: CHANGES });

    const cookie = await sessionCookieFor(db, "lena@vendor.test");
    const deep = await db
      .selectFrom("change_requests")
      .select(["submitted_at", "id"])
      .where("state", "=", "pending_review")
      .orderBy("submitted_at")
      .orderBy("id")
      .offset(Math.min(5000, Math.floor(CHANGES / 10)))
      .limit(1)
      .executeTakeFirstOrThrow();
    const deepCursor = `${new Date(deep.submitted_at!).toISOString()}_${deep.id}`;
    const pages: [string, string][] = [
      ["first page, waiting for review", "/support/changes"],
      [
        "page after 5,000 waiting changes",
        `/support/changes?state=pending_review&after=${encodeURIComponent(deepCursor)}`,
      ],
      ["any state, first page", "/support/changes?state=all"],
      ["one organization, any state", `/support/changes?state=all&org=org-${Math.ceil(ORGS / 2)}`],
    ];
    const results: string[] = [];
    for (const [label, path] of pages) {
      const times: number[] = [];
      for (let i = 0; i < RUNS + 2; i++) {
        const start = performance.now();
        const res = await call(portal.url, path, { cookie });
        const ms = performance.now() - start;
        if (res.status !== 200 || !res.text.includes("Change #")) throw new Error(`${path}: ${res.status}`);
        if (i >= 2) times.push(ms);
      }
      results.push(`| ${label} | ${median(times).toFixed(1)} ms | ${p95(times).toFixed(1)} ms |`);
    }

    // Approve → applied, through the page's form and the in-process worker against the local tenant.
    const applyTimes: number[] = [];
    const admin = await db
      .insertInto("users")
      .values({ email: "bench-admin@customer.example" })
      .returning("id")
      .executeTakeFirstOrThrow();
    for (let i = 0; i < APPLIES; i++) {
      // A fresh organization: the seeded ones hold placeholder configurations.
      const org = await db
        .insertInto("organizations")
        .values({ slug: `bench-apply-${i}`, name: `Bench apply ${i}` })
        .returning(["id", "slug", "name", "auth0_org_id"])
        .executeTakeFirstOrThrow();
      await db
        .insertInto("memberships")
        .values({ user_id: admin.id, organization_id: org.id, role: "org_admin" })
        .execute();
      const scope = {
        kind: "org" as const,
        role: "org_admin" as const,
        user: { id: admin.id, email: "bench-admin@customer.example", name: null },
        org: { id: org.id, slug: org.slug, name: org.name, auth0OrgId: org.auth0_org_id },
      };
      const now = new Date();
      const submitted = await submitChange(scope, samlSubmission(fixtureText("saml-okta-1.xml"), now), { now });
      if (!submitted.ok) throw new Error(submitted.error);
      const id = submitted.change.id;
      const start = performance.now();
      const res = await call(portal.url, `/support/changes/${id}`, {
        cookie,
        form: { intent: "approve", changeId: id },
      });
      if (res.status !== 303) throw new Error(`approve: ${res.status} ${res.text.slice(0, 200)}`);
      for (;;) {
        const row = await db
          .selectFrom("change_requests")
          .select("state")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        if (row.state === "applied") break;
        if (row.state === "failed") throw new Error(`change ${id} failed to apply`);
        if (performance.now() - start > 60_000) throw new Error("not applied within a minute");
        await new Promise((r) => setTimeout(r, 5));
      }
      applyTimes.push(performance.now() - start);
    }

    console.log(`\n## Change queue (${new Date().toISOString().slice(0, 10)})\n`);
    console.log(
      benchEnvironmentLines(open, `${ORGS} organizations, ${CHANGES} change requests (seeded in ${seeded} ms)`),
    );
    console.log(
      `- Command: \`npm run bench:changes\` (${RUNS} requests per page after 2 warm-ups; whole HTML document as a support lead)\n`,
    );
    console.log("| queue page | median | p95 |\n| --- | --- | --- |");
    for (const r of results) console.log(r);
    console.log(
      `\nApprove → applied (form POST to the change page until the row says applied; in-process worker, local tenant, follower every 250 ms), ${APPLIES} changes: median ${median(applyTimes).toFixed(0)} ms, max ${Math.max(...applyTimes).toFixed(0)} ms.`,
    );
  } finally {
    await bench.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
