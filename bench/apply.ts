/**
 * The apply engine under load: N organizations (default 200) each queue one change at the same
 * moment — create the organization's connection, enable it for two applications and for the
 * organization's Auth0 organization — and W workers (default 2) drain the queue against the local
 * tenant with a rate-limit preset (free: 2/s burst 2; enterprise: 16/s burst 50).
 *
 *   npm run bench:apply [-- --orgs 200 --workers 2 --presets free,enterprise --no-write]
 *
 * PostgreSQL when BENCH_DATABASE_URL (or TEST_DATABASE_URL) is set — a fresh database is
 * created and dropped, each worker gets its own pool — else PGlite in memory (one session shared
 * by the workers). Writes the figures into the "## Apply engine" section of BENCHMARKS.md.
 */
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { AUTH0_RATE_LIMITS } from "~/services/apply/budget.server";
import { enqueueApply } from "~/services/apply/jobs.server";
import { createApplyWorker, type ApplyWorker } from "~/services/apply/worker.server";
import type { ResponseInfo } from "~/services/auth0/client.server";
import { OWNER_KEY, VERSION_KEY } from "~/services/auth0/gateway.server";
import { createScratchPostgres, openDatabase, openMigrated, type OpenDatabase } from "~/services/platform/db.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../local-tenant/seed";
import { startLocalTenant } from "../local-tenant/server";
import { localTenantConfig } from "../server/local-tenant-config";
import { fetchManagementToken } from "../local-tenant/management-token";

const { values } = parseArgs({
  options: {
    orgs: { type: "string", default: "200" },
    workers: { type: "string", default: "2" },
    presets: { type: "string", default: "free,enterprise" },
    "no-write": { type: "boolean", default: false },
  },
});
const ORGS = Number(values.orgs);
const WORKERS = Number(values.workers);
const PRESETS = values.presets!.split(",") as ("free" | "enterprise")[];
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
          pollMs: 50,
          hooks: { onResponse: (r) => seen.push({ ...r, at: Date.now() }) },
        }),
      );
    }
    const started = Date.now();
    for (const w of workers) w.start();
    for (;;) {
      const open = await db
        .selectFrom("apply_jobs")
        .select((eb) => eb.fn.countAll<string>().as("n"))
        .where("status", "in", ["queued", "running"])
        .executeTakeFirstOrThrow();
      if (Number(open.n) === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const lastResponse = Math.max(...seen.map((s) => s.at));
    const drainSeconds = (lastResponse - started) / 1000;
    await Promise.all(workers.map((w) => w.stop()));

    // Verification, rate limit off: every change present, nothing twice.
    tenant.setRateLimit("off");
    const jobs = await db.selectFrom("apply_jobs").select(["status"]).execute();
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
const engines: ("pglite" | "postgres")[] = serverUrl ? ["postgres", "pglite"] : ["pglite"];
const results: Result[] = [];
for (const engine of engines) {
  for (const preset of PRESETS) {
    console.log(`running ${preset} on ${engine} with ${ORGS} organizations…`);
    const r = await run(engine, preset);
    console.log(r);
    results.push(r);
  }
}

const limits = (p: "free" | "enterprise") => `${AUTH0_RATE_LIMITS[p].perSecond}/s, burst ${AUTH0_RATE_LIMITS[p].burst}`;
const section = `## Apply engine

${ORGS} organizations each queue one change at the same moment (create the organization's SAML
connection, enable it for two applications and for its Auth0 organization: at least 3 writes and
1 read each) and ${WORKERS} apply workers drain the queue against the local tenant with the
preset's rate limit. The workers share the client-side budget (a token bucket row in the
database, refilled at 95 % of the tenant's sustained rate) and serialize their steps with the
tenant's advisory lock. Every Management API answer counts against the tenant's limit, reads
included. The local tenant is started with room for more than Auth0's default 100 connections
(an entity limit enterprise tenants have raised). The whole run takes about 17 minutes.

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim() ?? "unknown"}); Node ${process.version}; 1-min load average before the run: ${loadBefore} (the machine is shared)
- Databases: ${[...new Set(results.map((r) => r.database))].join("; ")}
- Command: \`npm run bench:apply\` (\`tsx bench/apply.ts --orgs ${ORGS} --workers ${WORKERS}\`)

| database | preset (limit) | jobs succeeded | drain time | requests (writes) | accepted requests/s ÷ limit | same, burst excluded | 429s | lost updates | duplicated | writes beyond the minimum |
| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
${results
  .map(
    (r) =>
      `| ${r.database.split(" ")[0]} | ${r.preset} (${limits(r.preset)}) | ${r.succeeded}/${r.jobs} | ${r.drainSeconds.toFixed(1)} s | ${r.requests} (${r.writes}) | ${r.ratio.toFixed(2)} | ${r.ratioAfterBurst.toFixed(2)} | ${r.limited} | ${r.lost} | ${r.duplicated} | ${r.extraWrites} |`,
  )
  .join("\n")}

"Lost updates" counts organizations whose connection, options, applications or organization
enablement is not what was queued; "duplicated" counts extra connections with the same name;
"writes beyond the minimum" counts successful writes over 3 per organization (repeats after
retries).
`;
console.log(section);
if (!values["no-write"]) {
  const file = "BENCHMARKS.md";
  const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
  const re = /## Apply engine\n[\s\S]*?(?=\n## |$)/;
  const next = re.test(current) ? current.replace(re, section.trimEnd() + "\n") : `${current.trimEnd()}\n\n${section}`;
  writeFileSync(file, next);
  console.log(`written to ${file}`);
}
