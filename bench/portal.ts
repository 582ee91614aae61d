/**
 * The portal under signed-in load at scale (issue 16, "Scale, measured").
 *
 *   npm run bench:portal [-- --orgs 10000 --audit 100000 --changes 50000 --users 50 --seconds 30 --warmup 30]
 *
 * Seeds 10,000 organizations (each with a health row as the monitoring jobs leave it), 100,000
 * audit rows and 50,000 change requests, then runs 50 signed-in users for `--warmup` seconds (not
 * measured; 30 by default, because a fresh process costs more per request in its first 20–30 s of load:
 * `--series`, and BENCHMARKS.md "Steady state") and `--seconds` more, each requesting a page, pausing (think time: at random,
 * 1 s on average; `--fixed-think` for exactly 1 s), and again: half are organization administrators on
 * their organization's SSO page, half support leads alternating between the health dashboard and
 * the change queue. Reports p50 / p95 / p99 per page and the CPU time of this process (the portal
 * and its database client, or PGlite) per request. The simulated users run in a child process
 * (bench/portal-users.ts), off the portal's event loop and out of its CPU; `--users-in-process`
 * runs them here as before (their CPU then counted too). They use the portal as a browser does: each
 * user's first page a whole document (within the warm-up), the rest client-side navigations (ADR 027);
 * `--documents` makes every page a whole document, as if each user reloaded every page.
 * PGlite in memory, or a fresh PostgreSQL database when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
 * is set.
 */
import "./quiet-env";
import type { OpenDatabase } from "~/services/platform/db.server";
import { fork } from "node:child_process";
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import { fileURLToPath } from "node:url";
import { benchOptions } from "../harness/bench-options";
import { call, sessionCookieFor } from "../harness/portal-requests";
import { runSimulatedUsers, type SimulatedUser, type UsersResult, type UsersRun } from "../harness/simulated-users";
import { benchEnvironmentLines, seedScale, startBenchPortal } from "../harness/bench-seed";

const options = benchOptions(
  { orgs: 10000, audit: 100000, changes: 50000, users: 50, seconds: 30, think: 1000, warmup: 30, idle: 10 },
  // --users-in-process: the simulated users in this process (as before 2026-12-06 evening), their CPU counted with
  // the portal's. By default users behave as browsers do: each user's first page a whole document, the rest
  // client-side navigations (the route's data only, `<path>.data`; ADR 027). --documents: every page a whole
  // document (a reload of every page; the default before 2026-12-07). --navigations: the default, accepted so that
  // the commands in BENCHMARKS.md still run. --warmup: seconds
  // of the same load first, not measured. --fixed-think: every pause exactly --think ms (as before 2026-12-06, session
  // 22) instead of drawn at random with that mean; fixed pauses march the users in step (BENCHMARKS.md, "Think time").
  // --series: CPU per request in each 10 s from the first request (when the process reaches its steady state).
  // --sso-only: every user an organization administrator on the org SSO page (that page's own cost under load).
  // --idle: seconds the portal is watched with no request before the load (its background work: the in-process
  // apply worker, scheduler and mail loops of local mode, the local tenant, metrics), to report the CPU per
  // request net of it too; 0 skips it.
  ["users-in-process", "navigations", "documents", "fixed-think", "series", "sso-only"],
);
const ORGS = options.orgs;
const AUDIT = options.audit;
const CHANGES = options.changes;
const USERS = options.users;
const SECONDS = options.seconds;
const THINK_MS = options.think;
if (options.documents && options.navigations) throw new Error("--documents and --navigations exclude each other");
const NAVIGATIONS = !options.documents;

const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(s.length * q))] ?? NaN;
};

/** The simulated users in a child process of their own (bench/portal-users.ts). */
function inChildProcess(run: UsersRun, onMeasureStart: () => void): Promise<UsersResult> {
  const child = fork(fileURLToPath(new URL("./portal-users.ts", import.meta.url)), {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  return new Promise((resolve, reject) => {
    child.on("message", (message) => {
      if (message === "measuring") onMeasureStart();
      else resolve(message as UsersResult);
    });
    child.once("error", reject);
    child.once("exit", (code) => reject(new Error(`the simulated users' process ended (${code}) without a result`)));
    child.send(run);
  });
}

async function users(db: OpenDatabase["db"]): Promise<SimulatedUser[]> {
  const out: SimulatedUser[] = [];
  for (let u = 0; u < USERS; u++) {
    if (u % 2 === 0 || options["sso-only"]) {
      const slug = `org-${1 + u * 7}`;
      const email = `bench-admin-${u}@customer.example`;
      const user = await db.insertInto("users").values({ email }).returning("id").executeTakeFirstOrThrow();
      const org = await db.selectFrom("organizations").select("id").where("slug", "=", slug).executeTakeFirstOrThrow();
      await db
        .insertInto("memberships")
        .values({ user_id: user.id, organization_id: org.id, role: "org_admin" })
        .execute();
      out.push({
        cookie: await sessionCookieFor(db, email),
        pages: [{ label: "org SSO page", path: `/orgs/${slug}/sso`, expect: "Single sign-on" }],
      });
    } else {
      out.push({
        cookie: await sessionCookieFor(db, "lena@vendor.test"),
        pages: [
          { label: "support health dashboard", path: "/support/health", expect: "Organization health" },
          { label: "change queue", path: "/support/changes", expect: "Change #" },
        ],
      });
    }
  }
  return out;
}

async function main() {
  const bench = await startBenchPortal("portal_bench_portal");
  const { open, db, portal } = bench;
  try {
    const seeded = await seedScale(open, {
      organizations: ORGS,
      changeRequests: CHANGES,
      auditEvents: AUDIT,
      health: true,
    });
    const people = await users(db);

    // The background: what the process spends with nobody asking anything (local mode runs the workers in it).
    let idleMsPerSecond: number | null = null;
    if (options.idle > 0) {
      const before = process.cpuUsage();
      await new Promise((r) => setTimeout(r, options.idle * 1000));
      const idle = process.cpuUsage(before);
      idleMsPerSecond = (idle.user + idle.system) / 1000 / options.idle;
    }

    // Warm-up: every page once.
    for (const p of people.slice(0, 2))
      for (const page of p.pages) await call(portal.url, page.path, { cookie: p.cookie });

    const run: UsersRun = {
      url: portal.url,
      users: people,
      seconds: SECONDS,
      thinkMs: THINK_MS,
      think: options["fixed-think"] ? "fixed" : "random",
      warmupSeconds: options.warmup,
      navigations: NAVIGATIONS,
    };
    // --series: the CPU per answered request in each 10 s from the first request (warm-up included), to
    // see when the process reaches its steady state (V8 still optimizing code, pools filling).
    const series: { cpuMs: number; answered: number }[] = [];
    let answered = 0;
    const countAnswer = () => answered++;
    const seriesTimer = options.series
      ? (() => {
          subscribe("http.server.response.finish", countAnswer);
          let last = { cpu: process.cpuUsage(), answered: 0 };
          return setInterval(() => {
            const cpu = process.cpuUsage(last.cpu);
            series.push({ cpuMs: (cpu.user + cpu.system) / 1000, answered: answered - last.answered });
            last = { cpu: process.cpuUsage(), answered };
          }, 10_000);
        })()
      : undefined;
    // CPU from the end of the warm-up to the last answer.
    let cpu0 = process.cpuUsage();
    let dbBusy0 = open.databaseThreadBusyMs?.() ?? 0;
    const measureStart = () => {
      cpu0 = process.cpuUsage();
      dbBusy0 = open.databaseThreadBusyMs?.() ?? 0;
    };
    const result = options["users-in-process"]
      ? await runSimulatedUsers(run, measureStart)
      : await inChildProcess(run, measureStart);
    const cpu = process.cpuUsage(cpu0);
    const dbBusyMs = open.databaseThreadBusyMs ? open.databaseThreadBusyMs() - dbBusy0 : null;
    clearInterval(seriesTimer);
    if (options.series) unsubscribe("http.server.response.finish", countAnswer);
    const { requests, failures } = result;
    const times = new Map(Object.entries(result.times));
    const reasons = new Map(Object.entries(result.reasons));
    const wall = result.wallMs;

    const cpuMs = (cpu.user + cpu.system) / 1000;
    console.log(`\n## Portal under load (${new Date().toISOString().slice(0, 10)})\n`);
    console.log(
      benchEnvironmentLines(
        open,
        `${ORGS} organizations (with health rows), ${AUDIT} audit rows, ${CHANGES} change requests (seeded in ${seeded} ms)`,
      ),
    );
    console.log(
      `- Command: \`npm run bench:portal${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(" ")}` : ""}\`: ${USERS} signed-in users, ${options["fixed-think"] ? `${THINK_MS} ms think time (fixed)` : `think time drawn at random, mean ${THINK_MS} ms`}, ${options.warmup} s warm-up, ${SECONDS} s measured; ${requests} requests (${(requests / (wall / 1000)).toFixed(1)}/s)${NAVIGATIONS ? "; each user's first page a whole document (in the warm-up), the rest client-side navigations (the route's data; every page a whole document: `--documents`)" : "; every page a whole document"}\n`,
    );
    console.log("| page | requests | p50 | p95 | p99 |\n| --- | --- | --- | --- | --- |");
    for (const [label, xs] of times) {
      console.log(
        `| ${label} | ${xs.length} | ${quantile(xs, 0.5).toFixed(1)} ms | ${quantile(xs, 0.95).toFixed(1)} ms | ${quantile(xs, 0.99).toFixed(1)} ms |`,
      );
    }
    console.log(
      `\nThe busiest 250 ms had ${result.busiestQuarterSecond} requests (${((requests / (wall / 1000)) * 0.25).toFixed(1)} on average).`,
    );
    if (failures > 0)
      console.log(
        `\n**${failures} of ${requests} requests failed** (${[...reasons].map(([k, n]) => `${n} × ${k}`).join(", ")}): the portal could not keep up.`,
      );
    console.log(
      `\nCPU of the portal's process (portal, ${open.engine === "postgres" ? "pg client" : "PGlite"}${options["users-in-process"] ? " and the simulated users" : "; the simulated users ran in a child process"}): ${(cpuMs / requests).toFixed(2)} ms per request (${cpuMs.toFixed(0)} ms over ${requests} requests).`,
    );
    if (dbBusyMs !== null)
      console.log(
        `\nOf which PGlite's worker thread was busy ${(dbBusyMs / requests).toFixed(2)} ms per request (the database's own work, done by the server on PostgreSQL): the rest of the process, ${((cpuMs - dbBusyMs) / requests).toFixed(2)} ms per request.`,
      );
    if (idleMsPerSecond !== null) {
      const background = idleMsPerSecond * (wall / 1000);
      console.log(
        `\nWith nothing asked (${options.idle} s before the load) the process spent ${idleMsPerSecond.toFixed(1)} ms of CPU a second (local mode's in-process workers, the local tenant, metrics): ${background.toFixed(0)} ms over the measured ${(wall / 1000).toFixed(0)} s. Net of it, ${((cpuMs - background) / requests).toFixed(2)} ms per request.`,
      );
    }
    if (series.length > 0) {
      console.log(
        `\nCPU per request in each 10 s from the first request (${options.warmup} s of warm-up, then measured):\n\n| seconds | requests | CPU per request |\n| --: | --: | --: |`,
      );
      series.forEach((w, i) =>
        console.log(
          `| ${i * 10}–${i * 10 + 10} | ${w.answered} | ${w.answered ? (w.cpuMs / w.answered).toFixed(1) : "–"} ms |`,
        ),
      );
    }
  } finally {
    await bench.close();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
