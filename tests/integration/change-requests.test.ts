import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { moveChange, type ChangeActor } from "~/services/change-requests/moves.server";
import { approveChange, rejectChange } from "~/services/change-requests/review.server";
import { CHANGE_STATES, MOVES, type ChangeMove } from "~/services/change-requests/states";
import { submitChange, withdrawChange } from "~/services/change-requests/submit.server";
import { installDatabase } from "~/services/platform/db.server";
import { registerLocalTenant } from "~/services/platform/tenant-config.server";
import { startLocalTenant, type LocalTenant } from "../../local-tenant/server";
import { localTenantConfig } from "../../server/local-tenant-config";
import type { ChangeState } from "~/services/platform/db/schema";
import type { OrgScope, ScopedOrganization, SupportScope } from "~/services/identity/scope.server";
import {
  createOrg,
  createUser,
  fixtureText,
  insertChange,
  member,
  samlSubmission,
  support,
} from "../support/change-fixtures";
import { createTestDatabase, openSecondPool, type TestDatabase } from "../support/test-database";

/**
 * The change request's state machine on the real database: every move from every state by every
 * kind of actor is allowed exactly as written below (and refused otherwise, leaving the row as it
 * was with a "denied" audit row); the author never reviews their own change; another organization
 * cannot even see it; and racing approve / withdraw / approve ends with exactly one outcome.
 */
let test: TestDatabase;
let org: ScopedOrganization;
let otherOrg: ScopedOrganization;
let alice: OrgScope; // org_admin of org
let victor: OrgScope; // org_viewer of org
let mallory: OrgScope; // org_admin of otherOrg
let sam: SupportScope;
let lena: SupportScope;
const NOW = new Date("2026-11-22T00:00:00Z");

/** Written by hand from the issue, not derived from MOVES: state → move → who may make it. */
const ALLOWED: Record<string, string[]> = {
  draft: ["submit:org", "submit:system", "withdraw:org", "supersede:system"],
  pending_review: ["approve:support", "auto_approve:system", "reject:support", "withdraw:org", "supersede:system"],
  approved: ["start_apply:system", "finish_apply:system", "fail_apply:system"],
  applying: ["finish_apply:system", "fail_apply:system"],
  failed: ["retry:org", "retry:support"],
  applied: [],
  rejected: [],
  withdrawn: [],
  superseded: [],
};

let tenant: LocalTenant;

beforeAll(async () => {
  // The apply job names the tenant's test application; nothing here runs the worker.
  tenant = await startLocalTenant({ port: 0, portalUrl: "http://localhost:1" });
  registerLocalTenant(localTenantConfig(tenant));
  test = await createTestDatabase();
  installDatabase(test);
  org = await createOrg(test.db, "acme");
  otherOrg = await createOrg(test.db, "globex");
  alice = await member(test.db, await createUser(test.db, "alice@acme.test"), org, "org_admin");
  victor = await member(test.db, await createUser(test.db, "victor@acme.test"), org, "org_viewer");
  mallory = await member(test.db, await createUser(test.db, "mallory@globex.test"), otherOrg, "org_admin");
  sam = support(await createUser(test.db, "sam@vendor.test"));
  lena = support(await createUser(test.db, "lena@vendor.test"), "support_admin");
});

afterAll(async () => {
  await tenant.close();
  await test.destroy();
});

/** A change of `org` put straight into `state` (what a history of moves would have left). */
async function changeIn(state: ChangeState, authorId = alice.user.id): Promise<string> {
  return insertChange(test.db, org, NOW, {
    state,
    risk: "medium",
    policy_rule: "review",
    author_user_id: authorId,
    author_label: "alice@acme.test",
    reason: state === "rejected" ? "because" : null,
    submitted_at: state === "draft" ? null : NOW,
  });
}

async function stateOf(id: string): Promise<ChangeState> {
  const row = await test.db
    .selectFrom("change_requests")
    .select("state")
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  return row.state;
}

async function auditFor(id: string) {
  return test.db
    .selectFrom("audit_events")
    .select(["action", "outcome", "actor_label"])
    .where("target", "=", `change #${id}`)
    .orderBy("id")
    .execute();
}

describe(`change request moves (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("allows exactly the moves of the issue's state machine, from each state, by each actor", async () => {
    const actors: Record<string, ChangeActor> = {
      org: alice,
      support: sam,
      system: { kind: "system", actor: "portal" },
    };
    const outcomes: string[] = [];
    for (const state of CHANGE_STATES) {
      for (const move of Object.keys(MOVES) as ChangeMove[]) {
        for (const [kind, actor] of Object.entries(actors)) {
          const id = await changeIn(state);
          const result = await test.db
            .transaction()
            .execute((trx) =>
              moveChange(trx, actor, id, move, () => (move === "reject" ? { reason: "Not this one." } : {})),
            );
          const allowed = ALLOWED[state]!.includes(`${move}:${kind}`);
          const audit = await auditFor(id);
          if (allowed) {
            expect(result, `${state} ${move} by ${kind}`).toMatchObject({ ok: true });
            expect(await stateOf(id)).toBe(MOVES[move].to);
            expect(audit).toEqual([
              {
                action: MOVES[move].action,
                outcome: "success",
                actor_label: kind === "system" ? "portal" : actor.kind === "system" ? "" : actor.user.email,
              },
            ]);
            outcomes.push(`${state} -${move}/${kind}-> ${MOVES[move].to}`);
          } else {
            expect(result, `${state} ${move} by ${kind}`).toMatchObject({ ok: false, status: 409 });
            expect(await stateOf(id)).toBe(state);
            expect(audit.map((a) => a.outcome)).toEqual(["denied"]);
          }
        }
      }
    }
    expect(outcomes).toHaveLength(Object.values(ALLOWED).flat().length);
  }, 180_000); // 270 transactions: slow on a loaded machine

  it("refusals say why in words", async () => {
    const id = await changeIn("withdrawn");
    const result = await test.db.transaction().execute((trx) => moveChange(trx, sam, id, "approve"));
    expect(result).toEqual({
      ok: false,
      status: 409,
      error: "This change is withdrawn, so it can no longer be approved.",
    });
  });

  it("nobody approves or rejects a change they submitted; a viewer withdraws nothing; another organization sees nothing", async () => {
    const own = await changeIn("pending_review", sam.user.id);
    expect(await approveChange(sam, own)).toMatchObject({
      ok: false,
      status: 403,
      error: expect.stringMatching(/another member of support/),
    });
    expect(await rejectChange(sam, own, "no")).toMatchObject({ ok: false, status: 403 });
    expect(await stateOf(own)).toBe("pending_review");

    const id = await changeIn("pending_review");
    await expect(withdrawChange(victor, id)).rejects.toMatchObject({ status: 403 });
    expect(await withdrawChange(mallory, id)).toEqual({
      ok: false,
      status: 404,
      error: expect.stringMatching(/does not exist/),
    });
    expect(await stateOf(id)).toBe("pending_review");
    expect(await rejectChange(lena, id, "   ")).toMatchObject({
      ok: false,
      status: 400,
      error: expect.stringMatching(/reason/),
    });
    expect(await stateOf(id)).toBe("pending_review");
  });

  it("a submitted change waits for review and support hears about it by mail", async () => {
    const initech = await createOrg(test.db, "initech");
    const ian = await member(test.db, await createUser(test.db, "ian@initech.test"), initech, "org_admin");
    const result = await submitChange(ian, samlSubmission(fixtureText("saml-okta-1.xml"), NOW), { now: NOW });
    expect(result).toMatchObject({
      ok: true,
      change: { state: "pending_review", policy_rule: "first-connection", risk: "medium" },
    });
    if (!result.ok) return;
    const mail = await test.db
      .selectFrom("outbox_messages")
      .select(["to_address", "subject", "link"])
      .where("dedupe_key", "like", `change:${result.change.id}:%`)
      .orderBy("to_address")
      .execute();
    expect(mail.map((m) => m.to_address)).toEqual(["lena@vendor.test", "sam@vendor.test"]);
    expect(mail[0]!.subject).toBe(`Review needed: Org initech single sign-on change #${result.change.id}`);
    expect(mail[0]!.link).toMatch(new RegExp(`/support/changes/${result.change.id}$`));
  });

  it("approve, withdraw and approve at once: exactly one outcome, one audit row, at most one apply job", async () => {
    for (let round = 0; round < 5; round++) {
      const submitted = await submitChange(alice, samlSubmission(fixtureText("saml-okta-1.xml"), NOW), { now: NOW });
      if (!submitted.ok) throw new Error(submitted.error);
      const id = submitted.change.id;
      const second = await openSecondPool(test);
      try {
        const results = await Promise.all([
          approveChange(sam, id),
          withdrawChange(alice, id),
          second
            ? second.db.transaction().execute((trx) => moveChange(trx, lena, id, "approve"))
            : approveChange(lena, id),
        ]);
        expect(results.filter((r) => r.ok)).toHaveLength(1);
        const final = await stateOf(id);
        expect(["approved", "withdrawn"]).toContain(final);
        const moves = (await auditFor(id)).filter((a) => a.outcome === "success" && a.action !== "change.submitted");
        expect(moves).toHaveLength(1);
        const jobs = await test.db
          .selectFrom("change_requests")
          .select("apply_job_id")
          .where("id", "=", id)
          .executeTakeFirstOrThrow();
        expect(jobs.apply_job_id !== null).toBe(final === "approved" && results[0]!.ok);
      } finally {
        await second?.close();
      }
    }
  });

  it("approving a change supersedes the older ones still waiting, and gives the next version number", async () => {
    const a = await submitChange(alice, samlSubmission(fixtureText("saml-okta-1.xml"), NOW), { now: NOW });
    const b = await submitChange(alice, samlSubmission(fixtureText("saml-okta-3.xml"), NOW), { now: NOW });
    if (!a.ok || !b.ok) throw new Error("submit failed");
    const approved = await approveChange(lena, b.change.id);
    expect(approved).toMatchObject({ ok: true, change: { state: "approved", reviewer_label: "lena@vendor.test" } });
    expect(await stateOf(a.change.id)).toBe("superseded");
    const row = await test.db
      .selectFrom("change_requests")
      .select(["version", "apply_job_id"])
      .where("id", "=", b.change.id)
      .executeTakeFirstOrThrow();
    const job = await test.db
      .selectFrom("apply_jobs")
      .select(["version", "status", "organization_id", "kind", "desired"])
      .where("id", "=", row.apply_job_id!)
      .executeTakeFirstOrThrow();
    expect(job).toMatchObject({ version: row.version, status: "queued", organization_id: org.id, kind: "apply" });
    // ADR 009: an approved change goes to the staged -test connection, for the test application
    // only, with the live connection's SP entity ID; the live connection is left to go-live.
    const desired = (typeof job.desired === "string" ? JSON.parse(job.desired) : job.desired) as {
      connection: { stage: string; version: number; options: Record<string, unknown> };
      enabledClients: string[];
      organization: unknown;
    };
    expect(desired.connection).toMatchObject({
      stage: "test",
      version: row.version,
      options: { entityId: `urn:auth0:${tenant.context.store.state.tenant}:sso-acme-saml` },
    });
    expect(desired.enabledClients).toEqual([tenant.testLoginClient.clientId]);
    expect(desired.organization).toBeNull();
    const mails = await test.db
      .selectFrom("outbox_messages")
      .select(["to_address", "subject"])
      .where("dedupe_key", "like", `change:${b.change.id}:approve:%`)
      .execute();
    expect(mails).toEqual([
      { to_address: "alice@acme.test", subject: `Approved: your single sign-on change #${b.change.id}` },
    ]);
  });
});
