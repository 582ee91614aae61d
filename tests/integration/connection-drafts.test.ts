import { sql } from "kysely";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configurationFromReport } from "~/services/connections/configuration.server";
import { discardDraft, getDraft, saveDraft } from "~/services/connections/drafts.server";
import { IDENTITY_PROVIDERS } from "~/services/connections/identity-providers";
import type { OrgScope, ScopedOrganization } from "~/services/identity/scope.server";
import { installDatabase } from "~/services/platform/db.server";
import { validateOidcDiscovery, validateSamlMetadata } from "~/validators/index";
import { createTestDatabase, type TestDatabase } from "../support/test-database";

/**
 * Drafts on the database the tests run on (PGlite, or PostgreSQL with TEST_DATABASE_URL): one per
 * organization, optimistic saves that never overwrite another administrator's, the OIDC client
 * secret sealed in the row, and a viewer or another organization reaching nothing.
 */
const FIXTURES = join(import.meta.dirname, "../fixtures/idp-documents");
const NOW = new Date("2026-11-22T00:00:00Z");
const SECRET = "demo-oidc-client-secret-not-for-production";

let database: TestDatabase;
let acme: ScopedOrganization;
let globex: ScopedOrganization;
let alice: OrgScope;
let bob: OrgScope;
let victor: OrgScope;
let gina: OrgScope;

async function user(email: string) {
  const row = await database.db.insertInto("users").values({ email }).returning("id").executeTakeFirstOrThrow();
  return { id: row.id, email, name: null };
}

async function org(slug: string): Promise<ScopedOrganization> {
  const row = await database.db
    .insertInto("organizations")
    .values({ slug, name: slug.toUpperCase(), auth0_org_id: null })
    .returning(["id", "slug", "name"])
    .executeTakeFirstOrThrow();
  return { ...row, auth0OrgId: null };
}

function samlContent() {
  const report = validateSamlMetadata(readFileSync(join(FIXTURES, "saml-okta-1.xml")), { now: NOW });
  const configuration = configurationFromReport(report, {
    idp: "okta",
    source: { kind: "file", fileName: "okta.xml" },
    mapping: IDENTITY_PROVIDERS.okta.attributes,
  });
  return { configuration, report };
}

function oidcContent() {
  const report = validateOidcDiscovery(readFileSync(join(FIXTURES, "oidc-okta.json")), {
    now: NOW,
    clientId: "0oa-client",
    clientSecret: SECRET,
  });
  const configuration = configurationFromReport(report, {
    idp: "oidc",
    source: { kind: "discovery", url: "https://example.okta.com/.well-known/openid-configuration" },
    mapping: IDENTITY_PROVIDERS.oidc.attributes,
    oidc: { clientType: "back_channel", clientId: "0oa-client", clientSecret: SECRET },
  });
  return { configuration, report };
}

async function draftRows(): Promise<number> {
  const r = await sql<{ n: string }>`select count(*) as n from connection_drafts`.execute(database.db);
  return Number(r.rows[0]!.n);
}

beforeAll(async () => {
  database = await createTestDatabase();
  installDatabase(database);
  acme = await org("acme");
  globex = await org("globex");
  alice = { kind: "org", user: await user("alice@acme.test"), org: acme, role: "org_admin" };
  bob = { kind: "org", user: await user("bob@acme.test"), org: acme, role: "org_admin" };
  victor = { kind: "org", user: await user("victor@acme.test"), org: acme, role: "org_viewer" };
  gina = { kind: "org", user: await user("gina@globex.test"), org: globex, role: "org_admin" };
});
afterAll(async () => {
  await database?.destroy();
});

describe(`connection drafts (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("saves one draft per organization with its author, report and source, and bumps the version", async () => {
    expect(await getDraft(alice)).toBeNull();
    const first = await saveDraft(alice, samlContent(), null);
    expect(first.ok).toBe(true);
    if (!first.ok) return;
    expect(first.draft).toMatchObject({ version: 1, state: "draft", author: { label: "alice@acme.test" } });
    expect(first.draft.source).toEqual({ kind: "file", fileName: "okta.xml" });
    expect(first.draft.report.verdict).toBe("ok");

    const second = await saveDraft(bob, samlContent(), 1);
    expect(second.ok && second.draft).toMatchObject({ version: 2, author: { label: "bob@acme.test" } });
    expect(await draftRows()).toBe(1);
    // Another organization sees none of it.
    expect(await getDraft(gina)).toBeNull();
  });

  it("refuses a save over a newer version and says whose it is; a second first draft is a conflict too", async () => {
    const stale = await saveDraft(alice, oidcContent(), 1);
    expect(stale).toMatchObject({
      ok: false,
      reason: "conflict",
      current: { version: 2, author: { label: "bob@acme.test" } },
    });
    const again = await saveDraft(alice, samlContent(), null);
    expect(again).toMatchObject({ ok: false, reason: "conflict" });
    const current = await getDraft(alice);
    expect(current?.configuration.protocol).toBe("saml");
  });

  it("lets exactly one of two simultaneous edits of the same version win", async () => {
    const results = await Promise.all([saveDraft(alice, oidcContent(), 2), saveDraft(bob, samlContent(), 2)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === "conflict")).toHaveLength(1);
    expect((await getDraft(alice))?.version).toBe(3);
    const audit = await database.db
      .selectFrom("audit_events")
      .select("actor_label")
      .where("action", "=", "sso.draft.save")
      .where("organization_id", "=", acme.id)
      .execute();
    expect(audit).toHaveLength(3);
  });

  it("keeps the OIDC client secret sealed in the row, readable only with the key", async () => {
    const saved = await saveDraft(alice, oidcContent(), 3);
    expect(saved.ok).toBe(true);
    const raw = await sql<{
      t: string;
    }>`select d::text as t from connection_drafts d where organization_id = ${acme.id}`.execute(database.db);
    const text = raw.rows[0]!.t;
    expect(text).not.toContain(SECRET);
    expect(text).toContain('"$sealed"');
    const audit = await sql<{
      t: string;
    }>`select coalesce(string_agg(a::text, ''), '') as t from audit_events a`.execute(database.db);
    expect(audit.rows[0]!.t).not.toContain(SECRET);
  });

  it("does not let a viewer save or discard, and another organization's admin reaches only their own", async () => {
    await expect(saveDraft(victor, samlContent(), 4)).rejects.toMatchObject({ status: 403 });
    await expect(discardDraft(victor, 4)).rejects.toMatchObject({ status: 403 });
    expect(await discardDraft(gina, 4)).toBe(false);
    expect((await getDraft(victor))?.version).toBe(4);
  });

  it("is not editable once submitted, and a discard needs the current version", async () => {
    await database.db
      .updateTable("connection_drafts")
      .set({ state: "submitted" })
      .where("organization_id", "=", acme.id)
      .execute();
    expect(await saveDraft(alice, samlContent(), 4)).toMatchObject({ ok: false, reason: "not-editable" });
    expect(await discardDraft(alice, 4)).toBe(false);
    await database.db
      .updateTable("connection_drafts")
      .set({ state: "draft" })
      .where("organization_id", "=", acme.id)
      .execute();
    expect(await discardDraft(alice, 3)).toBe(false);
    expect(await discardDraft(alice, 4)).toBe(true);
    expect(await getDraft(alice)).toBeNull();
  });
});
