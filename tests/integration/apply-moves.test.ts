import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueApply, enqueueJob, normalizeJob } from "~/services/apply/jobs.server";
import { IllegalMoveError } from "~/services/apply/job-states";
import { moveJob } from "~/services/apply/move-job.server";
import { claimNext } from "~/services/apply/queue.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { systemScope } from "../support/apply-fixtures.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/** moveJob against the database: the one way a job's status changes (ADR 007). */
let database: TestDatabase;
let org: ScopedOrganization;

beforeAll(async () => {
  database = await createTestDatabase();
  const row = await database.db
    .insertInto("organizations")
    .values({ slug: "moves", name: "Moves" })
    .returning(["id", "slug", "name", "auth0_org_id"])
    .executeTakeFirstOrThrow();
  org = { id: row.id, slug: row.slug, name: row.name, auth0OrgId: row.auth0_org_id };
});
afterAll(async () => {
  await database?.destroy();
});

async function queue(): Promise<string> {
  return enqueueApply(database.db, systemScope(org), {
    connection: {
      protocol: "oidc",
      strategy: "oidc",
      version: 1,
      displayName: "Moves",
      options: { client_id: "c", client_secret: "hunter2-secret" },
    },
  });
}

async function row(id: string) {
  return normalizeJob(
    await database.db.selectFrom("apply_jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow(),
  );
}

async function audit(jobId: string) {
  const rows = await database.db.selectFrom("audit_events").select(["action", "outcome", "details"]).execute();
  return rows.filter((r) => (r.details as { jobId?: string }).jobId === jobId);
}

describe(`moving apply jobs (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("a worker whose lease was taken over moves nothing; the new holder's end is audited once, secrets dropped", async () => {
    const id = await queue();
    const first = (await claimNext(database.db, "w1", 60_000))!;
    expect(first).toMatchObject({ id, status: "running", attempts: 1, locked_by: "w1" });
    // The lease runs out and w2 takes the job over.
    await database.db
      .updateTable("apply_jobs")
      .set({ locked_until: new Date(Date.now() - 1000) })
      .execute();
    const second = (await claimNext(database.db, "w2", 60_000))!;
    expect(second).toMatchObject({ id, attempts: 2, locked_by: "w2" });

    expect(await moveJob(database.db, first, { to: "succeeded", rateLimited: 0 }, "w1")).toBe(false);
    expect(await row(id)).toMatchObject({ status: "running", locked_by: "w2" });
    expect(await audit(id)).toEqual([]);

    expect(await moveJob(database.db, second, { to: "succeeded", rateLimited: 0 }, "w2")).toBe(true);
    const done = await row(id);
    expect(done).toMatchObject({ status: "succeeded", locked_by: null, last_error: null });
    expect(JSON.stringify(done.desired)).not.toContain("client_secret");
    expect(await audit(id)).toEqual([
      { action: "connection.apply", outcome: "success", details: expect.objectContaining({ jobId: id }) },
    ]);
  });

  it("a finished job cannot move again, and a job can only end from running", async () => {
    const id = await queue();
    const queued = await row(id);
    await expect(moveJob(database.db, queued, { to: "succeeded", rateLimited: 0 }, "w1")).rejects.toBeInstanceOf(
      IllegalMoveError,
    );
    const running = (await claimNext(database.db, "w1", 60_000))!;
    const error = {
      kind: "invalid_options",
      message: "Auth0 refused the configuration: no",
      outcome: "failure",
    } as const;
    expect(await moveJob(database.db, running, { to: "failed", error, rateLimited: 1 }, "w1")).toBe(true);
    await expect(
      moveJob(database.db, { ...running, status: "failed" }, { to: "running", leaseMs: 1000 }, "w1"),
    ).rejects.toBeInstanceOf(IllegalMoveError);
    expect(await row(id)).toMatchObject({ status: "failed", error_kind: "invalid_options", rate_limited: 1 });
    expect(await audit(id)).toEqual([
      {
        action: "connection.apply",
        outcome: "failure",
        details: expect.objectContaining({ error: "invalid_options" }),
      },
    ]);
  });

  it("only registered kinds can be queued", async () => {
    await expect(enqueueJob(database.db, systemScope(org), "make-coffee", 0, {})).rejects.toThrow(
      /unknown apply job kind "make-coffee"/,
    );
  });
});
