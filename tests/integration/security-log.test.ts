import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readAuditLog, auditFilterChoices } from "~/services/audit/audit-log.server";
import { listSecurityEvents, ROUTES_PER_ACTOR_HOUR } from "~/services/audit/security-log.server";
import { createOrgInvitation, createSupportInvitation } from "~/services/identity/invitations.server";
import { changeMemberRole } from "~/services/identity/memberships.server";
import type { OrgScope, SupportScope } from "~/services/identity/scope.server";
import { call, sessionCookieFor } from "../support/auth";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * Finding 6 of the security review of 2026-12-06: an outsider's refused request used to be written
 * into the target organization's log (Acme's log showed Globex's administrator by e-mail, and
 * anyone could write rows into anyone's log), and a flood of refusals pushed every real event off
 * the support console. Refusals by outsiders now go to support's security log, one row per actor,
 * route and hour.
 */

let portal: TestPortal;
let alice: string;
let bob: string;

beforeAll(async () => {
  portal = await startTestPortal();
  alice = await sessionCookieFor(portal.database.db, "alice@acme.test");
  bob = await sessionCookieFor(portal.database.db, "bob@globex.test");
});
afterAll(async () => {
  await portal?.stop();
});

async function acmeAuditText(): Promise<string> {
  const rows = await sql<{ t: string }>`
    select a::text as t from audit_events a join organizations o on o.id = a.organization_id where o.slug = 'acme'
  `.execute(portal.database.db);
  return rows.rows.map((r) => r.t).join("\n");
}

async function counts() {
  const [audit, security] = await Promise.all([
    portal.database.db
      .selectFrom("audit_events")
      .select((eb) => eb.fn.countAll<string>().as("n"))
      .executeTakeFirstOrThrow(),
    portal.database.db
      .selectFrom("security_events")
      .select((eb) => [eb.fn.countAll<string>().as("rows"), eb.fn.sum<string>("count").as("refusals")])
      .executeTakeFirstOrThrow(),
  ]);
  return { audit: Number(audit.n), securityRows: Number(security.rows), refusals: Number(security.refusals ?? 0) };
}

async function inBatches(n: number, one: (i: number) => Promise<unknown>, width = 25): Promise<void> {
  for (let i = 0; i < n; i += width)
    await Promise.all(Array.from({ length: Math.min(width, n - i) }, (_, j) => one(i + j)));
}

describe("refusals by people outside an organization", () => {
  it("never appear in the target organization's log, and reach support's security log with the organization named", async () => {
    const res = await call(portal.url, "/orgs/acme", { cookie: bob });
    expect(res.status).toBe(404);
    expect(await acmeAuditText()).not.toContain("bob@globex.test");
    // Nor on Acme's page, where Alice reads her organization's log.
    const page = await call(portal.url, "/orgs/acme", { cookie: alice });
    expect(page.status).toBe(200);
    expect(page.text).not.toContain("bob@globex.test");

    const row = await portal.database.db
      .selectFrom("security_events as s")
      .innerJoin("organizations as o", "o.id", "s.organization_id")
      .select(["s.actor_label", "s.route", "s.status", "s.count", "o.slug"])
      .where("s.actor_label", "=", "bob@globex.test")
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({ route: "GET /orgs/acme", status: 404, slug: "acme", count: 1 });
  });

  it("a refusal of Acme's own viewer stays in Acme's log (its administrators' business)", async () => {
    const victor = await sessionCookieFor(portal.database.db, "victor@acme.test");
    const res = await call(portal.url, "/orgs/acme/links", {
      cookie: victor,
      form: { intent: "invite", role: "org_viewer", maxUses: "1", ttlHours: "72" },
    });
    expect(res.status).toBe(403);
    expect(await acmeAuditText()).toContain("victor@acme.test");
  });

  it("1,000 forged sign-in callbacks add one row to the security log and none to the audit log", async () => {
    const before = await counts();
    await inBatches(1000, async () => {
      const res = await call(portal.url, "/auth/callback?error=x");
      expect(res.status).toBe(400);
    });
    const after = await counts();
    expect(after.audit).toBe(before.audit);
    expect(after.refusals - before.refusals).toBe(1000);
    // One row — two if the hour turned during the flood.
    expect(after.securityRows - before.securityRows).toBeLessThanOrEqual(2);
  }, 120_000);

  it(`a flood over ever-new paths costs at most ${ROUTES_PER_ACTOR_HOUR + 1} rows per actor and hour`, async () => {
    const before = await counts();
    await inBatches(300, async (i) => {
      const res = await call(portal.url, `/no-such-page-${i}`, { form: {}, origin: "https://evil.example" });
      expect(res.status).toBe(403);
    });
    await inBatches(300, async (i) => {
      const res = await call(portal.url, `/orgs/probe-${i}`, { cookie: bob });
      expect(res.status).toBe(404);
    });
    const after = await counts();
    expect(after.audit).toBe(before.audit);
    expect(after.refusals - before.refusals).toBe(600);
    // Two actors (a cross-origin sender and Bob), each folded after ROUTES_PER_ACTOR_HOUR routes.
    expect(after.securityRows - before.securityRows).toBeLessThanOrEqual(2 * (2 * (ROUTES_PER_ACTOR_HOUR + 1)));
  }, 120_000);
});

async function person(email: string) {
  return portal.database.db.selectFrom("users").selectAll().where("email", "=", email).executeTakeFirstOrThrow();
}

async function orgOf(slug: string) {
  const o = await portal.database.db
    .selectFrom("organizations")
    .selectAll()
    .where("slug", "=", slug)
    .executeTakeFirstOrThrow();
  return { id: o.id, slug: o.slug, name: o.name, auth0OrgId: o.auth0_org_id };
}

async function aliceScope(): Promise<OrgScope> {
  const u = await person("alice@acme.test");
  return { kind: "org", user: { id: u.id, email: u.email, name: u.name }, org: await orgOf("acme"), role: "org_admin" };
}

async function lenaScope(): Promise<SupportScope> {
  const u = await person("lena@vendor.test");
  return { kind: "support", user: { id: u.id, email: u.email, name: u.name }, role: "support_admin" };
}

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/i;

describe("the audit log in words, with paging and filters", () => {
  beforeAll(async () => {
    const alice = await aliceScope();
    for (let i = 0; i < 28; i++) await createOrgInvitation(alice, { role: i % 2 ? "org_admin" : "org_viewer" });
    const victor = await person("victor@acme.test");
    await changeMemberRole(alice, victor.id, "org_admin");
    await changeMemberRole(alice, victor.id, "org_viewer");
    await createSupportInvitation(await lenaScope(), "globex", { role: "org_admin" });
  });

  it("tells what happened in sentences, people and organizations by name, never an id", async () => {
    const { rows } = await readAuditLog(await aliceScope());
    const sentences = rows.map((r) => r.sentence);
    expect(sentences).toContain("Alice Admin changed Victor Viewer's role from administrator to viewer");
    expect(sentences).toContain("Alice Admin created a setup link for an administrator");
    for (const r of rows) {
      expect(r.sentence).not.toMatch(UUID);
      expect(r.orgName).toBe("Acme");
    }
    const support = await readAuditLog(await lenaScope(), { org: "globex" });
    expect(support.rows[0]).toMatchObject({
      sentence: "Lena Lead created a setup link for an administrator",
      orgName: "Globex",
    });
  });

  it("pages newest first without gaps or repeats", async () => {
    const alice = await aliceScope();
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await readAuditLog(alice, {}, { after, limit: 10 });
      seen.push(...page.rows.map((r) => r.id));
      after = page.next;
      pages++;
    } while (after && pages < 20);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(30);
    expect(seen.map(Number)).toEqual([...seen.map(Number)].sort((a, b) => b - a));
    expect(pages).toBe(Math.ceil(seen.length / 10));
  });

  it("filters by actor, action and day, and offers the choices by name", async () => {
    const alice = await aliceScope();
    const choices = await auditFilterChoices(alice);
    expect(choices.actors.map((a) => a.label)).toContain("Alice Admin");
    expect(choices.actions).toContainEqual({ value: "invitation.created", label: "Setup link created" });
    expect(choices.actors.map((a) => a.label)).not.toContain("Bob Builder");

    const aliceId = choices.actors.find((a) => a.label === "Alice Admin")!.value;
    const byAction = await readAuditLog(alice, { actor: aliceId, action: "membership.role_changed" });
    expect(byAction.rows.map((r) => r.sentence)).toEqual([
      "Alice Admin changed Victor Viewer's role from administrator to viewer",
      "Alice Admin changed Victor Viewer's role from viewer to administrator",
    ]);
    const today = new Date().toISOString().slice(0, 10);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    expect(
      (await readAuditLog(alice, { from: today, to: today, action: "membership.role_changed" })).rows,
    ).toHaveLength(2);
    expect((await readAuditLog(alice, { from: tomorrow })).rows).toEqual([]);
  });

  it("keeps an organization's reader inside it, whatever the filter asks for", async () => {
    const { rows } = await readAuditLog(await aliceScope(), { org: "globex" }, { limit: 100 });
    expect(rows.every((r) => r.orgSlug === "acme")).toBe(true);
    const bob = await person("bob@globex.test");
    expect((await readAuditLog(await aliceScope(), { actor: bob.id })).rows).toEqual([]);
  });

  it("support reads the security log: who, where, how often, by name", async () => {
    const lena = await lenaScope();
    const bob = await person("bob@globex.test");
    const page = await listSecurityEvents(lena, { actor: bob.id });
    const acme = page.rows.find((r) => r.route === "GET /orgs/acme")!;
    expect(acme).toMatchObject({ actor: "Bob Builder", orgName: "Acme", status: 404, count: 1 });
    const forged = await listSecurityEvents(lena, { actor: "anonymous", action: "session.sign_in" });
    expect(forged.rows[0]!.count).toBeGreaterThanOrEqual(1000);
    const first = await listSecurityEvents(lena, {}, { limit: 5 });
    const second = await listSecurityEvents(lena, {}, { limit: 5, after: first.next });
    expect(second.rows.length).toBeGreaterThan(0);
    expect(second.rows.some((r) => first.rows.some((f) => f.id === r.id))).toBe(false);
  });
});
