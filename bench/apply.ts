/**
 * The apply engine under load: N organizations (default 200) each queue one change at the same
 * moment — create the organization's connection, enable it for two applications and for the
 * organization's Auth0 organization — and W workers (default 2) drain the queue against the local
 * tenant with a rate-limit preset (free: 2/s burst 2; enterprise: 16/s burst 50) and, as a real
 * tenant, a latency per Management API request.
 *
 *   npm run bench:apply [-- --preset enterprise --orgs 200 --latency-ms 150 [--jitter-ms 50]
 *                          [--workers 2 --concurrency 4 --lock-scope resource|tenant]
 *                          [--engines postgres,pglite] [--label TEXT] [--no-write]]
 *
 * `--preset` (or `--presets free,enterprise`) picks the limits. PostgreSQL when BENCH_DATABASE_URL
 * (or TEST_DATABASE_URL) is set — a fresh database is created and dropped, each worker gets its
 * own pool — and PGlite in memory (one session shared by the workers); `--engines` picks. Adds a
 * row per run to the "## Apply engine" section of BENCHMARKS.md (the same settings' earlier row is
 * replaced). The last line is for scripts:
 *   apply: <ratio> of the limit, <n> 429s, <n> lost, <n> duplicated
 * (the lowest ratio and the sums over the runs).
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { enqueueApply } from "~/services/apply/jobs.server";
import { LOCK_SCOPES, type LockScope } from "~/services/apply/locks.server";
import { createApplyWorker, type ApplyWorker } from "~/services/apply/worker.server";
import type { ResponseInfo } from "~/services/auth0/client.server";
import { OWNER_KEY, VERSION_KEY } from "~/services/auth0/gateway.server";
import { createScratchPostgres, openDatabase, openMigrated, type OpenDatabase } from "~/services/platform/db.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../local-tenant/seed";
import { startLocalTenant } from "../local-tenant/server";
import { localTenantConfig } from "../server/local-tenant-config";
import { fetchManagementToken } from "../local-tenant/management-token";
import { drained } from "../harness/apply-queue";

const { values } = parseArgs({
  options: {
    orgs: { type: "string", default: "200" },
    workers: { type: "string", default: "2" },
    preset: { type: "string" },
    presets: { type: "string", default: "free,enterprise" },
    "latency-ms": { type: "string", default: "0" },
    "jitter-ms": { type: "string" },
    concurrency: { type: "string", default: "8" },
    "lock-scope": { type: "string", default: "resource" },
    engines: { type: "string" },
    label: { type: "string" },
    "no-write": { type: "boolean", default: false },
  },
});
const ORGS = Number(values.orgs);
const WORKERS = Number(values.workers);
const PRESETS = (values.preset ?? values.presets!).split(",") as ("free" | "enterprise")[];
const LATENCY_MS = Number(values["latency-ms"]);
// Real Auth0 varies: ± a third of the latency unless told otherwise.
const JITTER_MS = values["jitter-ms"] !== undefined ? Number(values["jitter-ms"]) : Math.round(LATENCY_MS / 3);
const CONCURRENCY = Number(values.concurrency);
const LOCK_SCOPE = values["lock-scope"] as LockScope;
if (!LOCK_SCOPES.includes(LOCK_SCOPE)) throw new Error(`--lock-scope must be one of ${LOCK_SCOPES.join(", ")}`);
for (const p of PRESETS) if (p !== "free" && p !== "enterprise") throw new Error(`unknown preset ${p}`);
const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;

interface Database {
  open: OpenDatabase;
  extra: OpenDatabase[];
  label: string;
  destroy(): Promise<void>;
}

async function createDatabase(engine: "pglite" | "postgres"): Promise<Database> {
  if (engine === "pglite" || !serverUrl) {
    const open = await openMigrated({ engine: "pglite", dataDir: null });
    return { open, extra: [], label: "PGlite in memory, one session shared", destroy: () => open.close() };
  }
  const scratch = await createScratchPostgres(serverUrl, "portal_bench");
  const target = { engine: "postgres", url: scratch.url } as const;
  const open = await openMigrated(target);
  const extra: OpenDatabase[] = [];
  for (let i = 1; i < WORKERS; i++) extra.push(await openDatabase(target));
  return {
    open,
    extra,
    label: `PostgreSQL ${new URL(scratch.url).host}, a pool per worker`,
    destroy: async () => {
      for (const e of extra) await e.close();
      await open.close();
      await scratch.drop();
    },
  };
}

interface Result {
  database: string;
  preset: "free" | "enterprise";
  orgs: number;
  jobs: number;
  succeeded: number;
  drainSeconds: number;
  requests: number;
  writes: number;
  limited: number;
  ratio: number;
  ratioAfterBurst: number;
  writeRate: number;
  lost: number;
  duplicated: number;
  extraWrites: number;
}

async function run(engine: "pglite" | "postgres", preset: "free" | "enterprise"): Promise<Result> {
  const database = await createDatabase(engine);
  // 200 connections: above Auth0's default entity limit of 100, which enterprise tenants have raised.
  const tenant = await startLocalTenant({ port: 0, rateLimit: "off", maxConnections: ORGS + 10 });
  try {
    const db = database.open.db;
    const api = tenant.managementApiUrl;
    const token = await fetchManagementToken({ tenantUrl: tenant.url, ...tenant.mgmtClient, audience: `${api}/` });
    const headers = { authorization: `Bearer ${token}`, "content-type": "application/json" };
    const get = async <T>(path: string): Promise<T> => (await (await fetch(`${api}${path}`, { headers })).json()) as T;

    // Setup, rate limit off: the organizations in the portal and in the tenant.
    const orgs: { id: string; slug: string; name: string; auth0OrgId: string }[] = [];
    for (let i = 0; i < ORGS; i++) {
      const slug = `bench-${i}`;
      const res = await fetch(`${api}/organizations`, {
        method: "POST",
        headers,
        body: JSON.stringify({ name: slug }),
      });
      const auth0 = (await res.json()) as { id: string };
      const row = await db
        .insertInto("organizations")
        .values({ slug, name: `Bench ${i}`, auth0_org_id: auth0.id })
        .returning(["id"])
        .executeTakeFirstOrThrow();
      orgs.push({ id: row.id, slug, name: `Bench ${i}`, auth0OrgId: auth0.id });
    }
    const options = (slug: string) => ({
      signInEndpoint: `https://idp.${slug}.test/sso`,
      signSAMLRequest: true,
      domain_aliases: [`${slug}.test`],
    });
    for (const org of orgs) {
      await enqueueApply(
        db,
        { kind: "system", actor: "bench", org },
        {
          connection: {
            protocol: "saml",
            strategy: "samlp",
            version: 1,
            displayName: org.name,
            options: options(org.slug),
          },
          enabledClients: [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID],
          organization: { assignMembershipOnLogin: true, showAsButton: true },
        },
      );
    }

    // The run: the preset switched on (its bucket starts full), the workers started together.
    const seen: (ResponseInfo & { at: number })[] = [];
    tenant.setRateLimit(preset);
    tenant.setLatency({ latencyMs: LATENCY_MS, jitterMs: JITTER_MS });
    const config = localTenantConfig(tenant);
    const workers: ApplyWorker[] = [];
    for (let i = 0; i < WORKERS; i++) {
      workers.push(
        createApplyWorker({
          db: i === 0 ? db : (database.extra[i - 1]?.db ?? db),
          tenant: config,
          prefix: "sso",
          rateBudget: AUTH0_RATE_LIMITS[preset],
          workerId: `bench-${i}`,
          concurrency: CONCURRENCY,
          lockScope: LOCK_SCOPE,
          pollMs: 50,
          hooks: { onResponse: (r) => seen.push({ ...r, at: Date.now() }) },
        }),
      );
    }
    const started = Date.now();
    for (const w of workers) w.start();
    await drained(db, Number.POSITIVE_INFINITY, 100);
    const lastResponse = Math.max(...seen.map((s) => s.at));
    const drainSeconds = (lastResponse - started) / 1000;
    await Promise.all(workers.map((w) => w.stop()));

    // Verification, rate limit and latency off: every change present, nothing twice.
    tenant.setRateLimit("off");
    tenant.setLatency({ latencyMs: 0 });
    const jobs = await db.selectFrom("apply_jobs").select(["status", "attempts"]).execute();
    let lost = 0;
    let duplicated = 0;
    for (const org of orgs) {
      const name = `sso-${org.slug}-saml`;
      const found = await get<
        { id: string; name: string; options: Record<string, unknown>; metadata: Record<string, string> }[]
      >(`/connections?name=${name}`);
      if (found.length > 1) duplicated += found.length - 1;
      const c = found[0];
      if (!c) {
        lost += 3;
        continue;
      }
      const expected = options(org.slug);
      if (
        JSON.stringify(c.options) !== JSON.stringify({ ...c.options, ...expected }) ||
        c.metadata[OWNER_KEY] !== org.id ||
        c.metadata[VERSION_KEY] !== "1"
      )
        lost++;
      const clients = await get<{ clients: { client_id: string }[] }>(`/connections/${c.id}/clients`);
      if (clients.clients.length !== 2) lost++;
      const orgConns = await get<{ connection_id: string }[]>(`/organizations/${org.auth0OrgId}/enabled_connections`);
      if (orgConns.length !== 1 || orgConns[0]!.connection_id !== c.id) lost++;
    }
    // Where extra writes came from: jobs taken more than once, and answers that were not a success.
    const unsuccessful = new Map<string, number>();
    for (const s of seen.filter((s) => s.status === undefined || (s.status >= 300 && s.status !== 429))) {
      const key = `${s.method} ${s.path.replace(/\/(con|org)_[^/]+/g, "/$1_…")} ${s.status ?? "no answer"}`;
      unsuccessful.set(key, (unsuccessful.get(key) ?? 0) + 1);
    }
    console.log({
      takenAgain: jobs.filter((j) => j.attempts > 1).length,
      unsuccessful: Object.fromEntries(unsuccessful),
    });
    const ok = seen.filter((s) => s.status !== undefined && s.status < 400);
    const writes = ok.filter((s) => s.method !== "GET").length;
    const minimumWrites = ORGS * 3; // create, clients, organization
    const { burst, perSecond } = AUTH0_RATE_LIMITS[preset];
    const accepted = seen.filter((s) => s.status !== 429).length;
    return {
      database: database.label,
      preset,
      orgs: ORGS,
      jobs: jobs.length,
      succeeded: jobs.filter((j) => j.status === "succeeded").length,
      drainSeconds,
      requests: seen.length,
      writes,
      limited: seen.filter((s) => s.status === 429).length,
      ratio: accepted / drainSeconds / perSecond,
      ratioAfterBurst: Math.max(0, accepted - burst) / drainSeconds / perSecond,
      writeRate: writes / drainSeconds,
      lost,
      duplicated,
      extraWrites: writes - minimumWrites,
    };
  } finally {
    await tenant.close();
    await database.destroy();
  }
}

const loadBefore = loadavg()[0]!.toFixed(2);
const available: ("pglite" | "postgres")[] = serverUrl ? ["postgres", "pglite"] : ["pglite"];
const engines = values.engines
  ? (values.engines.split(",") as ("pglite" | "postgres")[]).filter((e) => available.includes(e))
  : available;
const results: Result[] = [];
for (const engine of engines) {
  for (const preset of PRESETS) {
    console.log(
      `running ${preset} on ${engine} with ${ORGS} organizations, ${LATENCY_MS} ± ${JITTER_MS} ms a request, ` +
        `${WORKERS} workers × ${CONCURRENCY} jobs, ${LOCK_SCOPE} locks…`,
    );
    const r = await run(engine, preset);
    console.log(r);
    console.log(summary([r]));
    results.push(r);
  }
}

function summary(rs: Result[]): string {
  const ratio = Math.min(...rs.map((r) => r.ratio));
  const sum = (f: (r: Result) => number) => rs.reduce((n, r) => n + f(r), 0);
  return `apply: ${ratio.toFixed(2)} of the limit, ${sum((r) => r.limited)} 429s, ${sum((r) => r.lost)} lost, ${sum((r) => r.duplicated)} duplicated`;
}

const limits = (p: "free" | "enterprise") => `${AUTH0_RATE_LIMITS[p].perSecond}/s, burst ${AUTH0_RATE_LIMITS[p].burst}`;
const today = new Date().toISOString().slice(0, 10);
const label = values.label ?? "";
const HEADER = `| date | label | database | preset (limit) | orgs | latency | workers × jobs in flight, locks | jobs succeeded | drain time | requests (writes) | accepted requests/s ÷ limit | same, burst excluded | 429s | lost updates | duplicated | writes beyond the minimum | load before |
| --- | --- | --- | --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |`;
/** The cells that say which run a row is (a new run with the same ones replaces it). */
const keyOf = (cells: string[]) => cells.slice(1, 7).join("|");
const rows = results.map((r) =>
  [
    today,
    label,
    r.database.split(" ")[0]!,
    `${r.preset} (${limits(r.preset)})`,
    String(r.orgs),
    `${LATENCY_MS} ± ${JITTER_MS} ms`,
    `${WORKERS} × ${CONCURRENCY}, ${LOCK_SCOPE}`,
    `${r.succeeded}/${r.jobs}`,
    `${r.drainSeconds.toFixed(1)} s`,
    `${r.requests} (${r.writes})`,
    r.ratio.toFixed(2),
    r.ratioAfterBurst.toFixed(2),
    String(r.limited),
    String(r.lost),
    String(r.duplicated),
    String(r.extraWrites),
    loadBefore,
  ].map((c) => c.replaceAll("|", "/")),
);
const intro = `## Apply engine

N organizations each queue one change at the same moment (create the organization's SAML
connection, enable it for two applications and for its Auth0 organization: at least 3 writes and
1 read each) and W apply workers, each with J jobs in flight, drain the queue against the local
tenant with the preset's rate limit and, like a real tenant, a latency on every Management API
request (\`--latency-ms\`, ± \`--jitter-ms\`, default a third of it, uniform). The workers share
the client-side budget (a token bucket row in the database, refilled at 95 % of the tenant's
sustained rate, its size the burst less a tenth) and lock what each step rewrites (\`resource\`:
the organization's own connection) or, as before issue 18, the whole tenant (\`tenant\`, one job
at a time per worker). Every Management API answer counts against the tenant's limit, reads
included. The local tenant has room for more than Auth0's default 100 connections (an entity
limit enterprise tenants have raised).

- Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}); Node ${process.version}; shared with other engineers' work (1-min load average in the last column)
- Databases: PostgreSQL (local server, a pool of 10 per worker) and PGlite (in memory, one session shared by the workers)
- Command: \`npm run bench:apply -- --preset enterprise --orgs 200 --latency-ms 150\` (the row's settings:
  \`--workers W --concurrency J --lock-scope resource|tenant --engines postgres,pglite --label TEXT\`)
- "accepted requests/s ÷ limit" is every answer but 429s over the drain time, divided by the preset's
  sustained rate (the first burst included; the next column without it)

`;
const outro = `
"Lost updates" counts organizations whose connection, options, applications or organization
enablement is not what was queued; "duplicated" counts extra connections with the same name;
"writes beyond the minimum" counts successful writes over 3 per organization (repeats after
retries).
`;
if (!values["no-write"]) {
  const file = "BENCHMARKS.md";
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const re = /## Apply engine\n[\s\S]*?(?=\n## |$)/;
  const old = re.exec(current)?.[0] ?? "";
  // Rows of the current table shape are kept (a run with the same settings and label replaces its row).
  const kept = /\|\s*date\s*\|\s*label\s*\|/.test(old)
    ? old
        .split("\n")
        .filter((l) => /^\|\s*\d{4}-\d{2}-\d{2}\s*\|/.test(l))
        .map((l) =>
          l
            .split("|")
            .slice(1, -1)
            .map((c) => c.trim()),
        )
    : [];
  const keys = new Set(rows.map(keyOf));
  const all = [...kept.filter((c) => !keys.has(keyOf(c))), ...rows];
  const section = `${intro}${HEADER}\n${all.map((c) => `| ${c.join(" | ")} |`).join("\n")}\n${outro}`;
  const next = old ? current.replace(re, section.trimEnd() + "\n") : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
  console.log(`written to ${file}`);
}
console.log(summary(results));
