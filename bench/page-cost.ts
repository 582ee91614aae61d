/**
 * What one request costs the portal's process, page by page, with nobody else asking (issue 16,
 * "at most 3 ms CPU per signed-in page"):
 *
 *   npm run bench:page-cost [-- --orgs 2000 --requests 200 --rounds 5]
 *
 * Seeds a busy tenant (harness/bench-seed.ts), signs in an organization administrator and the
 * support lead, and has a child process (bench/page-cost-requests.ts) request each page one at a
 * time, `--requests` per round, the pages taking turns for `--rounds` rounds; reports the median
 * round's CPU of the portal's process per request (the portal with its database client, or
 * PGlite). Two floors come first: `/healthz`, a route that returns a small JSON body and touches
 * nothing (what Express, the Remix adapter and Remix cost any request), and `/signed-out` without
 * a cookie, a page with no data (what rendering any whole document costs). PGlite in memory, or a
 * fresh PostgreSQL database when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set.
 */
import "./quiet-env";
import { fork } from "node:child_process";
import { fileURLToPath } from "node:url";
import { benchOptions } from "../harness/bench-options";
import { sessionCookieFor } from "../harness/portal-requests";
import { benchEnvironmentLines, seedScale, startBenchPortal } from "../harness/bench-seed";

const options = benchOptions({ orgs: 2000, requests: 200, rounds: 5 });

interface Page {
  label: string;
  path: string;
  cookie?: string;
}

async function main() {
  const bench = await startBenchPortal("portal_bench_page_cost");
  const { open, db, portal } = bench;
  const requester = fork(fileURLToPath(new URL("./page-cost-requests.ts", import.meta.url)), {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const requests = (page: Page, n: number) =>
    new Promise<number>((resolve) => {
      requester.once("message", (failed) => resolve(failed as number));
      requester.send({ url: portal.url, path: page.path, cookie: page.cookie, n });
    });
  try {
    const seeded = await seedScale(open, {
      organizations: options.orgs,
      changeRequests: options.orgs * 5,
      auditEvents: options.orgs * 10,
      health: true,
    });
    const slug = "org-8";
    const admin = await db
      .insertInto("users")
      .values({ email: "cost-admin@customer.example" })
      .returning("id")
      .executeTakeFirstOrThrow();
    const org = await db.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
    await db
      .insertInto("memberships")
      .values({ user_id: admin.id, organization_id: org.id, role: "org_admin" })
      .execute();
    const adminCookie = await sessionCookieFor(db, "cost-admin@customer.example");
    const supportCookie = await sessionCookieFor(db, "lena@vendor.test");
    const pages: Page[] = [
      { label: "`/healthz` (floor: any request)", path: "/healthz" },
      { label: "`/signed-out`, no session (floor: any whole document)", path: "/signed-out" },
      { label: "org SSO page (document)", path: `/orgs/${slug}/sso`, cookie: adminCookie },
      { label: "org SSO page (navigation, `.data`)", path: `/orgs/${slug}/sso.data`, cookie: adminCookie },
      { label: "support health dashboard (document)", path: "/support/health", cookie: supportCookie },
      { label: "support health dashboard (navigation)", path: "/support/health.data", cookie: supportCookie },
      { label: "change queue (document)", path: "/support/changes", cookie: supportCookie },
      { label: "change queue (navigation)", path: "/support/changes.data", cookie: supportCookie },
    ];
    // Warm-up: the JIT, the pools and the planner's caches.
    for (const page of pages) await requests(page, 50);
    const rounds = new Map<Page, number[]>(pages.map((p) => [p, []]));
    let failures = 0;
    for (let r = 0; r < options.rounds; r++) {
      for (const page of pages) {
        const cpu0 = process.cpuUsage();
        failures += await requests(page, options.requests);
        const cpu = process.cpuUsage(cpu0);
        rounds.get(page)!.push((cpu.user + cpu.system) / 1000 / options.requests);
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    console.log(`\n## CPU per request, one at a time (${new Date().toISOString().slice(0, 10)})\n`);
    console.log(benchEnvironmentLines(open, `${options.orgs} organizations (seeded in ${seeded} ms)`));
    console.log(
      `- Command: \`npm run bench:page-cost${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`: ${options.rounds} rounds of ${options.requests} requests per page, the median round\n`,
    );
    console.log("| page | CPU per request | range of the rounds |\n| --- | --: | --: |");
    for (const page of pages) {
      const xs = rounds.get(page)!;
      console.log(
        `| ${page.label} | ${median(xs).toFixed(2)} ms | ${Math.min(...xs).toFixed(2)}–${Math.max(...xs).toFixed(2)} ms |`,
      );
    }
    if (failures > 0) console.log(`\n**${failures} requests did not answer 200.**`);
  } finally {
    requester.kill();
    await bench.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
