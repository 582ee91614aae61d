import { sql } from "kysely";
import { cpus, loadavg } from "node:os";
import { startPortal, type RunningPortal } from "../server/portal";
import { createScratchPostgres, openMigrated, type OpenDatabase } from "~/services/platform/db.server";

/*
 * The portal, the database and the rows the scale benchmarks (bench/portal.ts, bench/change-queue.ts) start
 * from: one definition of "a busy tenant", so their figures describe the same data.
 */

export interface BenchPortal {
  open: OpenDatabase;
  db: OpenDatabase["db"];
  portal: RunningPortal;
  /** Stops the portal, closes the database and drops the scratch PostgreSQL database, if one was made. */
  close(): Promise<void>;
}

/**
 * The built portal in-process (local tenant, apply worker and follower) on PGlite in memory, or on
 * a fresh PostgreSQL database (named after `name`) when BENCH_DATABASE_URL (or TEST_DATABASE_URL)
 * is set.
 */
export async function startBenchPortal(name: string): Promise<BenchPortal> {
  const serverUrl = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL;
  const scratch = serverUrl ? await createScratchPostgres(serverUrl, name) : null;
  const open = await openMigrated(
    scratch ? { engine: "postgres", url: scratch.url } : { engine: "pglite", dataDir: null },
  );
  const portal = await startPortal({ port: 0, database: { open }, localTenant: { port: 0 } });
  return {
    open,
    db: open.db,
    portal,
    async close() {
      await portal.close();
      await open.close();
      await scratch?.drop();
    },
  };
}

export interface ScaleData {
  organizations: number;
  changeRequests: number;
  /** Audit rows spread over the organizations (none by default). */
  auditEvents?: number;
  /** A health row per organization, as the monitoring jobs leave it. */
  health?: boolean;
}

/** Seeds a busy tenant and refreshes the planner's statistics; returns the milliseconds it took. */
export async function seedScale(open: OpenDatabase, data: ScaleData): Promise<number> {
  const t0 = Date.now();
  await seedOrganizations(open.db, data.organizations);
  if (data.health) await seedHealth(open.db);
  await seedChangeRequests(open.db, data.organizations, data.changeRequests);
  if (data.auditEvents) await seedAuditEvents(open.db, data.organizations, data.auditEvents);
  if (open.engine === "postgres") await sql`analyze`.execute(open.db);
  return Date.now() - t0;
}

/** Organizations `org-1` … `org-<count>`, named "Organization <i>". */
async function seedOrganizations(db: OpenDatabase["db"], count: number): Promise<void> {
  await sql`insert into organizations (slug, name) select 'org-' || i, 'Organization ' || i from generate_series(1, ${count}) i`.execute(
    db,
  );
}

/**
 * `count` change requests spread over the seeded organizations (`orgs` of them), in states as a
 * busy tenant would have them: a fifth waiting for review, the rest decided long ago.
 */
async function seedChangeRequests(db: OpenDatabase["db"], orgs: number, count: number): Promise<void> {
  await sql`
    insert into change_requests (organization_id, protocol, desired, report, verdict, summary, state, risk,
                                 policy_rule, policy_reason, author_label, submitted_at, created_at, reason, version)
    select o.id, 'saml', '{}'::jsonb, '{}'::jsonb, 'ok', 'Signing certificate added',
           (array['pending_review','applied','rejected','withdrawn','superseded'])[1 + (i % 5)],
           (array['low','medium','high'])[1 + (i % 3)], 'review', 'Needs review',
           'admin' || (i % ${orgs}) || '@customer.example',
           now() - make_interval(mins => ${count} - i), now() - make_interval(mins => ${count} - i),
           case when i % 5 = 2 then 'Not this one' end,
           case when i % 5 = 1 then i end
      from generate_series(1, ${count}) i
      join organizations o on o.slug = 'org-' || (1 + (i % ${orgs}))`.execute(db);
}

/** Health as a day of monitoring leaves it: a few expired or expiring certificates, some drift. */
async function seedHealth(db: OpenDatabase["db"]): Promise<void> {
  await sql`
    insert into organization_health (organization_id, cert_not_after, cert_checked_at, drift_status, drift_fields,
                                     drift_checked_at, metadata_status, metadata_checked_at)
    select o.id, now() + make_interval(days => (i % 400) - 10), now(),
           case when i % 50 = 0 then 'drifted' else 'in_sync' end,
           case when i % 50 = 0 then '[{"field":"display_name","ours":"A","auth0":"B"}]'::jsonb else '[]'::jsonb end,
           now(), case when i % 3 = 0 then 'unchanged' end, case when i % 3 = 0 then now() end
      from organizations o, lateral (select substring(o.slug from 5)::int as i) n
     where o.slug like 'org-%'`.execute(db);
}

async function seedAuditEvents(db: OpenDatabase["db"], orgs: number, count: number): Promise<void> {
  await sql`
    insert into audit_events (occurred_at, actor_label, organization_id, action, target, outcome, details)
    select now() - make_interval(secs => ${count} - i), 'admin' || (i % 997) || '@customer.example', o.id,
           (array['session.sign_in','sso.draft.save','change.submitted','connection.apply'])[1 + (i % 4)],
           null, 'success', '{}'::jsonb
      from generate_series(1, ${count}) i
      join organizations o on o.slug = 'org-' || (1 + (i % ${orgs}))`.execute(db);
}

/** The "Machine:" and "Database:" lines of a benchmark's report. */
export function benchEnvironmentLines(open: OpenDatabase, data: string): string {
  const machine = `- Machine: ${cpus().length} × ${cpus()[0]?.model ?? "cpu"}, load ${loadavg()[0]!.toFixed(1)} (shared)`;
  const database = `- Database: ${open.engine === "postgres" ? "PostgreSQL" : "PGlite in memory"}; ${data}`;
  return `${machine}\n${database}`;
}
