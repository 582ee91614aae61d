/**
 * What the session and guards cost per request: the built portal in this process (PGlite in
 * memory, the local tenant), a signed-in administrator's organization page against pages that
 * need no database work, with N concurrent clients.
 *
 *   npm run bench:auth [-- --seconds 5 --concurrency 10 --no-write]
 *
 * Writes the figures into the "## Sessions and guards" section of BENCHMARKS.md.
 */
import "./quiet-env";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { benchOptions } from "../harness/bench-options";
import { sessionCookieFor } from "../harness/portal-requests";
import { ensureBuilt } from "../server/build";
import { startPortal } from "../server/portal";
import { openMigrated } from "~/services/platform/db.server";

const options = benchOptions({ seconds: 5, concurrency: 10 }, ["no-write"]);
const SECONDS = options.seconds;
const CONCURRENCY = options.concurrency;

ensureBuilt(() => undefined);
const open = await openMigrated({ engine: "pglite", dataDir: null });
const portal = await startPortal({ port: 0, database: { open }, localTenant: { port: 0 } });

// Signed in as Alice, Acme's administrator, without the login page (the sign-in is not what is measured).
const cookie = await sessionCookieFor(open.db, "alice@acme.test");

interface Case {
  name: string;
  path: string;
  cookie?: string;
  status: number;
}
const CASES: Case[] = [
  { name: "GET /healthz (no Remix page, no session)", path: "/healthz", status: 200 },
  { name: "GET /orgs/acme anonymous (session lookup → redirect)", path: "/orgs/acme", status: 302 },
  { name: "GET /orgs/acme signed in (session, memberships, page)", path: "/orgs/acme", cookie, status: 200 },
  { name: "GET /orgs/globex signed in (refused: 404 + audit row)", path: "/orgs/globex", cookie, status: 404 },
];

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

const loadBefore = loadavg()[0]!.toFixed(2);
const rows: string[] = [];
for (const c of CASES) {
  const latencies: number[] = [];
  let wrong = 0;
  const cpuBefore = process.cpuUsage();
  const end = Date.now() + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (Date.now() < end) {
        const t = performance.now();
        const res = await fetch(`${portal.url}${c.path}`, {
          headers: c.cookie ? { cookie: c.cookie } : {},
          redirect: "manual",
        });
        await res.arrayBuffer();
        latencies.push(performance.now() - t);
        if (res.status !== c.status) wrong++;
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  const cpuMsPerRequest = (cpu.user + cpu.system) / 1000 / latencies.length;
  latencies.sort((a, b) => a - b);
  rows.push(
    `| ${c.name} | ${latencies.length} | ${(latencies.length / SECONDS).toFixed(0)} | ${percentile(latencies, 50).toFixed(2)} | ${percentile(latencies, 99).toFixed(2)} | ${cpuMsPerRequest.toFixed(2)} | ${wrong} |`,
  );
}
await portal.close();
await open.close();

const section = [
  "## Sessions and guards",
  "",
  `The built portal in one process (PGlite in memory, the local tenant), ${CONCURRENCY} concurrent clients, ${SECONDS} s per case.`,
  "Each signed-in request reads its session, user and memberships in one query, once per request (the root and",
  "route loaders share it), pushes the idle expiry at most once a minute, reads the page's members, setup links and",
  "audit rows and renders the page; a refused one also writes an audit row. CPU ms per request is the process's CPU",
  "time (portal, PGlite and the in-process clients) over the requests made: steadier than the rate on a shared machine.",
  "",
  `- Date: ${new Date().toISOString().slice(0, 10)}`,
  `- Machine: ${availableParallelism()} CPUs (nproc), ${cpus()[0]?.model.trim() ?? "unknown"}; Node ${process.version}; 1-min load average before the run: ${loadBefore}`,
  `- Command: \`npm run bench:auth\` (\`tsx bench/auth.bench.ts --seconds ${SECONDS} --concurrency ${CONCURRENCY}\`)`,
  "",
  "| request | requests | per second | p50 ms | p99 ms | CPU ms per request | unexpected status |",
  "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
  ...rows,
  "",
].join("\n");
console.log(section);

if (!options["no-write"]) {
  const file = "BENCHMARKS.md";
  const text = readFileSync(file, "utf8");
  const start = text.indexOf("## Sessions and guards");
  let next: number;
  if (start < 0) next = -1;
  else {
    // Up to the next heading: "### " subsections after the table (before/after records) are kept.
    const after = text.slice(start + 3).search(/\n##+ /);
    next = after < 0 ? text.length : start + 3 + after + 1;
  }
  const updated =
    start < 0 ? `${text.trimEnd()}\n\n${section}` : `${text.slice(0, start)}${section}\n${text.slice(next)}`;
  writeFileSync(file, updated.replace(/\n{3,}/g, "\n\n"));
}
process.exit(0);
