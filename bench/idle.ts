/**
 * What a portal with nothing to do costs: the statements its background loops send and the CPU
 * its process spends while nobody asks for anything.
 *
 *   npm run bench:idle [-- --seconds 15 --warmup 3]
 *
 * Starts the portal in local mode (the embedded local tenant, so the apply worker and the
 * scheduler run in-process, as with `npm start`), waits `--warmup` seconds for start-up work to
 * settle, then counts for `--seconds`: `process.cpuUsage()` of the whole process (PGlite's worker
 * thread included) and every statement sent through Kysely (harness/statement-log.ts; BEGIN and
 * COMMIT not counted), grouped by statement. PGlite in memory, or a fresh PostgreSQL database when
 * BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set.
 */
import "./quiet-env";
import { benchOptions } from "../harness/bench-options";
import { benchEnvironmentLines } from "../harness/bench-seed";
import { statementLog } from "../harness/statement-log";
import { startPortal } from "../server/portal";
import { createScratchPostgres, openMigrated } from "~/services/platform/db.server";

const options = benchOptions({ seconds: 15, warmup: 3 });

/** What an operator would call each statement the loops send. */
const KINDS: [string, RegExp][] = [
  ["apply job claim", /from apply_jobs j .* for update skip locked/],
  ["apply follower", /from "change_requests" inner join "apply_jobs"/],
  ["mail outbox claim", /outbox_messages/],
  ["scheduler", /scheduled_jobs/],
];
const kindOf = (sql: string) => KINDS.find(([, pattern]) => pattern.test(sql))?.[0] ?? sql.slice(0, 60);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function main() {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const scratch = serverUrl ? await createScratchPostgres(serverUrl, "portal_bench_idle") : null;
  const open = await openMigrated(
    scratch ? { engine: "postgres", url: scratch.url } : { engine: "pglite", dataDir: null },
  );
  const log = statementLog(open.db);
  const portal = await startPortal({ port: 0, database: { open: { ...open, db: log.db } }, localTenant: { port: 0 } });
  try {
    await sleep(options.warmup * 1000);
    log.clear();
    const cpu = process.cpuUsage();
    const t0 = performance.now();
    await sleep(options.seconds * 1000);
    const used = process.cpuUsage(cpu);
    const seconds = (performance.now() - t0) / 1000;
    const statements = [...log.sql];

    const byKind = new Map<string, number>();
    for (const sql of statements) byKind.set(kindOf(sql), (byKind.get(kindOf(sql)) ?? 0) + 1);
    const per10s = (n: number) => ((n / seconds) * 10).toFixed(1);
    console.log(`Idle portal, local mode, ${seconds.toFixed(1)} s measured after ${options.warmup} s`);
    console.log(benchEnvironmentLines(open, "no data but the local seed"));
    console.log(`- Node ${process.version}; ${new Date().toISOString().slice(0, 10)}`);
    console.log("");
    console.log("| statement | per 10 s |");
    console.log("| --- | ---: |");
    for (const [kind, n] of [...byKind].sort((a, b) => b[1] - a[1])) console.log(`| ${kind} | ${per10s(n)} |`);
    console.log(`| **all** | ${per10s(statements.length)} |`);
    console.log("");
    const ms = (used.user + used.system) / 1000;
    console.log(
      `CPU of the portal's process: ${(ms / seconds).toFixed(1)} ms per second (user ${(used.user / 1000 / seconds).toFixed(1)}, system ${(used.system / 1000 / seconds).toFixed(1)})`,
    );
  } finally {
    await portal.close();
    await open.close();
    await scratch?.drop();
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
