import { ConnectionsClient } from "auth0/connections";
import { readFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApplyWorker } from "~/services/apply/worker.server";
import { enqueueApply, type DesiredApply } from "~/services/apply/jobs.server";
import type { SupportScope } from "~/services/identity/scope.server";
import { appliedSigningCertificate, lastAppliedConnections } from "~/services/monitoring/applied-state.server";
import { manualClock } from "~/services/monitoring/clock";
import { refreshCertificateExpiry } from "~/services/monitoring/certificate-expiry.server";
import {
  acceptAuth0Version,
  reapplyOurVersion,
  runDriftCheck,
  type DriftCheckOptions,
} from "~/services/monitoring/drift.server";
import { installDatabase } from "~/services/platform/db.server";
import { listVersions } from "~/services/change-requests/queries.server";
import { versionItems, VersionsTable } from "~/components/versions-table";
import { createElement } from "react";
import { renderToStaticMarkup } from "react-dom/server";
import { registerLocalTenant } from "~/services/platform/tenant-config.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import {
  createOrganizations,
  drained,
  samlOptions,
  systemScope,
  tenantConfigOf,
  testWorkerOptions,
} from "../support/apply-fixtures.js";
import { createUser, member, support } from "../support/change-fixtures.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/**
 * Drift made the way it happens: someone edits the organization's connection in Auth0 (here, the
 * local tenant through the Management API). The check finds it field by field; "Re-apply our
 * version" puts the portal's configuration back. The certificate-expiry job reads the signing
 * certificate of the same applied connections.
 */

let h: Harness;
let database: TestDatabase;
let raw: ConnectionsClient;
let acme: ScopedOrganization;
let globex: ScopedOrganization;
let lead: SupportScope;
const clock = manualClock("2026-12-06T09:00:00Z");
// Auth0's signingCert: the base64 of a PEM file. This one expires 2126-10-30T10:44:54Z.
const SIGNING_CERT = readFileSync(
  new URL("../../app/services/idp-documents/testdata/test-cert.pem", import.meta.url),
).toString("base64");
// A staged version's certificate (another one), which the expiry job must not read: it is not live yet.
const OTHER_CERT = readFileSync(
  new URL("../../app/services/idp-documents/testdata/test-ec-cert.pem", import.meta.url),
).toString("base64");

beforeAll(async () => {
  h = await startHarness({ rateLimit: "off" });
  database = await createTestDatabase();
  installDatabase(database);
  registerLocalTenant(tenantConfigOf(h.tenant));
  raw = new ConnectionsClient(h.clientOptions(await h.token()));
  const orgs = await createOrganizations(database.db, h, ["drift-acme", "drift-globex"]);
  acme = orgs[0]!;
  globex = orgs[1]!;
  lead = support(await createUser(database.db, "lena@vendor.test", "Lena"), "support_admin");
  for (const org of orgs) await enqueueApply(database.db, systemScope(org), desired(org));
  await applyAll();
});
afterAll(async () => {
  await database?.destroy();
  await h?.close();
});

function desired(org: ScopedOrganization): DesiredApply {
  return {
    connection: {
      protocol: "saml",
      strategy: "samlp",
      version: 1,
      displayName: `${org.name} SSO`,
      options: { ...samlOptions(org.slug, 1), signingCert: SIGNING_CERT },
      managedOptionKeys: ["signInEndpoint", "signOutEndpoint", "signSAMLRequest", "domain_aliases"],
    },
    enabledClients: [PORTAL_CLIENT_ID],
    organization: { assignMembershipOnLogin: true, showAsButton: true },
  };
}

async function applyAll() {
  const worker = createApplyWorker(testWorkerOptions(h, database.db));
  worker.start();
  await drained(database.db);
  await worker.stop();
}

function checkOptions(): DriftCheckOptions {
  return { db: database.db, tenant: tenantConfigOf(h.tenant), prefix: "sso", rateBudget: null, clock, fetch: h.fetch };
}

async function driftMails() {
  return database.db
    .selectFrom("outbox_messages")
    .select(["to_address", "subject", "text_body", "link"])
    .where("kind", "=", "connection.drift")
    .orderBy("id")
    .execute();
}

async function health(org: ScopedOrganization) {
  return database.db
    .selectFrom("organization_health")
    .selectAll()
    .where("organization_id", "=", org.id)
    .executeTakeFirstOrThrow();
}

async function connectionOf(org: ScopedOrganization, stage: "live" | "test" = "live") {
  const found = await h
    .management()
    .connections.list({ name: `sso-${org.slug}-saml${stage === "test" ? "-test" : ""}` });
  return raw.get(found.data[0]!.id!);
}

describe("drift detection", () => {
  it("finds nothing while Auth0 holds what was applied", async () => {
    expect(await runDriftCheck(checkOptions())).toBe("2 connections checked, 0 drifted");
    expect((await health(acme)).drift_status).toBe("in_sync");
    expect((await health(acme)).drift_fields).toEqual([]);
    expect((await health(acme)).drift_status).toBe("in_sync");
  });

  it("finds edits made in Auth0 field by field, audits them once, and re-applying our version undoes them", async () => {
    const c = await connectionOf(acme);
    // An Auth0 administrator changes the sign-in URL and the button text, disables the app and
    // unticks "assign membership" — four kinds of drift.
    await raw.update(c.id!, {
      options: { ...c.options, signInEndpoint: "https://evil.example/sso" },
      display_name: "Edited in the dashboard",
    } as Parameters<ConnectionsClient["update"]>[1]);
    await raw.clients.update(c.id!, [
      { client_id: PORTAL_CLIENT_ID, status: false },
      { client_id: TEST_LOGIN_CLIENT_ID, status: true },
    ]);
    await h
      .management()
      .organizations.enabledConnections.update(acme.auth0OrgId!, c.id!, { assign_membership_on_login: false });

    clock.advance(3600_000);
    expect(await runDriftCheck(checkOptions())).toBe("2 connections checked, 1 drifted");
    const found = await health(acme);
    expect(found.drift_status).toBe("drifted");
    const live = "sso-drift-acme-saml";
    expect(found.drift_fields).toEqual([
      {
        connection: live,
        field: "options.signInEndpoint",
        ours: "https://idp.drift-acme.test/sso/v1",
        auth0: "https://evil.example/sso",
      },
      { connection: live, field: "display_name", ours: "Org drift-acme SSO", auth0: "Edited in the dashboard" },
      { connection: live, field: "enabled_clients", ours: [PORTAL_CLIENT_ID], auth0: [] },
      { connection: live, field: "organization.assign_membership_on_login", ours: true, auth0: false },
    ]);
    expect(new Date(found.drift_checked_at!).toISOString()).toBe("2026-12-06T10:00:00.000Z");
    expect((await health(globex)).drift_status).toBe("in_sync");

    // Found again next run: one audit row, not one per run.
    await runDriftCheck(checkOptions());
    const audits = await database.db
      .selectFrom("audit_events")
      .select(["action", "details"])
      .where("action", "=", "connection.drift_detected")
      .execute();
    expect(audits).toHaveLength(1);
    // Support hears of it by e-mail, once, with the fields and a link to the organization's page.
    const mails = await driftMails();
    expect(mails.map((m) => m.to_address).sort()).toEqual(["lena@vendor.test", "sam@vendor.test"]);
    expect(mails[0]!.subject).toBe("[Support] Org drift-acme's connection in Auth0 was changed outside the portal");
    expect(mails[0]!.text_body).toContain("sso-drift-acme-saml options.signInEndpoint");
    expect(mails[0]!.link).toMatch(/\/support\/orgs\/drift-acme#drift$/);

    expect(await reapplyOurVersion(lead, acme.slug)).toEqual({ ok: true, versions: [1] });
    await applyAll();
    const back = await connectionOf(acme);
    expect(back.options).toMatchObject({ signInEndpoint: "https://idp.drift-acme.test/sso/v1" });
    expect(back.display_name).toBe("Org drift-acme SSO");
    await runDriftCheck(checkOptions());
    expect((await health(acme)).drift_status).toBe("in_sync");
  });

  it("checks the staged -test connection too, and accepting Auth0's version makes it the next version", async () => {
    // Version 2 is staged (ADR 009) with another certificate; the live connection keeps version 1.
    await enqueueApply(database.db, systemScope(acme), {
      connection: {
        ...desired(acme).connection,
        stage: "test",
        version: 2,
        options: { ...samlOptions(acme.slug, 2), signingCert: OTHER_CERT },
      },
      enabledClients: [TEST_LOGIN_CLIENT_ID],
      organization: null,
    });
    await applyAll();
    await runDriftCheck(checkOptions());
    expect((await health(acme)).drift_fields).toEqual([]);
    expect((await health(acme)).drift_status).toBe("in_sync");

    const staged = await connectionOf(acme, "test");
    await raw.update(staged.id!, { display_name: "Renamed in Auth0" } as Parameters<ConnectionsClient["update"]>[1]);
    await runDriftCheck(checkOptions());
    const found = await health(acme);
    expect(found.drift_status).toBe("drifted");
    expect(found.drift_fields).toEqual([
      {
        connection: "sso-drift-acme-saml-test",
        field: "display_name",
        ours: "Org drift-acme SSO",
        auth0: "Renamed in Auth0",
      },
    ]);

    // Accepted: only the drifted connection gets a new version (3, after every version so far), with Auth0's value.
    expect(await acceptAuth0Version(lead, acme.slug)).toEqual({ ok: true, versions: [3] });
    await applyAll();
    const job = await database.db
      .selectFrom("apply_jobs")
      .select(["version", "desired", "status"])
      .where("organization_id", "=", acme.id)
      .orderBy("id", "desc")
      .executeTakeFirstOrThrow();
    expect(job.status).toBe("succeeded");
    expect(job.desired).toMatchObject({ connection: { stage: "test", version: 3, displayName: "Renamed in Auth0" } });
    expect((await connectionOf(acme, "test")).display_name).toBe("Renamed in Auth0");
    await runDriftCheck(checkOptions());
    expect((await health(acme)).drift_status).toBe("in_sync");
    expect(await acceptAuth0Version(lead, acme.slug)).toEqual({
      ok: false,
      error: "Auth0 holds the portal's version now: there is nothing to accept.",
    });
    const accepted = await database.db
      .selectFrom("audit_events")
      .select(["actor_label", "target"])
      .where("action", "=", "connection.drift_accepted")
      .execute();
    expect(accepted).toEqual([{ actor_label: "lena@vendor.test", target: "version 3" }]);

    // The accepted version is on the versions page (customer's and support's), marked as taken from Auth0.
    const versions = await listVersions(systemScope(acme));
    expect(versions).toHaveLength(1); // versions 1 and 2 were queued without change requests
    expect(versions[0]).toMatchObject({
      version: 3,
      source: "auth0",
      changeId: null,
      staged: true,
      live: false,
      protocol: "saml",
      approvedBy: "lena@vendor.test",
      accepted: { by: "lena@vendor.test", stage: "test" },
      summary: "Taken from Auth0's test connection: display_name",
    });
    expect(versions[0]!.appliedAt).toBeInstanceOf(Date);
    const html = renderToStaticMarkup(createElement(VersionsTable, { versions: versionItems(versions) }));
    expect(html).toContain("Taken from Auth0");
    expect(html).toContain("Accepted from Auth0 by lena@vendor.test on");
  });

  it("reports a connection deleted in Auth0 as missing", async () => {
    const c = await connectionOf(globex);
    await raw.delete(c.id!);
    await runDriftCheck(checkOptions());
    const found = await health(globex);
    expect(found.drift_status).toBe("missing");
    expect(found.drift_fields).toEqual([
      { connection: "sso-drift-globex-saml", field: "connection", ours: "sso-drift-globex-saml", auth0: null },
    ]);
    expect(await acceptAuth0Version(lead, globex.slug)).toEqual({
      ok: false,
      error:
        "sso-drift-globex-saml is no longer in Auth0: there is nothing to accept. Re-apply the portal's version instead.",
    });
  });

  it("refuses both resolutions to a support agent", async () => {
    await expect(reapplyOurVersion({ ...lead, role: "support_agent" }, acme.slug)).rejects.toMatchObject({
      status: 403,
    });
    await expect(acceptAuth0Version({ ...lead, role: "support_agent" }, acme.slug)).rejects.toMatchObject({
      status: 403,
    });
  });
});

describe("certificate expiry", () => {
  const expiry = new Date("2126-10-30T10:44:54Z").getTime();
  const daysBefore = (days: number) => manualClock(new Date(expiry - days * 86_400_000));
  async function mails() {
    return database.db
      .selectFrom("outbox_messages")
      .select(["to_address", "subject", "text_body", "link", "organization_id"])
      .where("kind", "=", "certificate.expiry")
      .where("organization_id", "=", acme.id)
      .orderBy("id")
      .execute();
  }

  it("records the live signing certificate's expiry and fingerprint for each organization", async () => {
    const summary = await refreshCertificateExpiry(database.db, manualClock("2126-09-01T00:00:00Z"));
    expect(summary).toBe("2 signing certificates checked: 0 expiring within 30 days, 0 expired");
    const found = await health(acme);
    expect(new Date(found.cert_not_after!).toISOString()).toBe("2126-10-30T10:44:54.000Z");
    expect(found.cert_fingerprint).toBe(
      "5736E86EE7AE25734252017A2AAAC778D08BA54C9094D6AA963D4625E8872A57".match(/../g)!.join(":"),
    );
    expect(found.cert_version).toBe(1);
    expect(await mails()).toEqual([]);
  });

  it("reminds the administrators at 30, 7 and 1 days and on expiry, support from 7 days, each once", async () => {
    await member(database.db, await createUser(database.db, "alice@drift-acme.test", "Alice"), acme, "org_admin");

    await refreshCertificateExpiry(database.db, daysBefore(31));
    expect(await mails()).toEqual([]);

    await refreshCertificateExpiry(database.db, daysBefore(30));
    await refreshCertificateExpiry(database.db, daysBefore(29)); // the same stage again: nothing new
    let sent = await mails();
    expect(sent.map((m) => m.to_address)).toEqual(["alice@drift-acme.test"]);
    expect(sent[0]!.subject).toBe("Org drift-acme's single sign-on certificate expires in 30 days or less");
    expect(sent[0]!.text_body).toContain("(30 days left)");
    expect(sent[0]!.text_body).toContain("57:36:E8:6E:E7:AE");
    expect(sent[0]!.text_body).toContain("In the portal, open SSO setup, upload the new metadata");
    expect(sent[0]!.link).toMatch(/\/orgs\/drift-acme\/sso\/setup$/);

    await refreshCertificateExpiry(database.db, daysBefore(7));
    sent = await mails();
    const seventh = sent.slice(1);
    expect(seventh.map((m) => m.to_address).sort()).toEqual(
      ["alice@drift-acme.test", "lena@vendor.test", "sam@vendor.test"].sort(),
    );
    expect(seventh.find((m) => m.to_address === "sam@vendor.test")!.subject).toMatch(/^\[Support\] /);

    await refreshCertificateExpiry(database.db, daysBefore(0.5));
    await refreshCertificateExpiry(database.db, daysBefore(0.25));
    expect(await mails()).toHaveLength(1 + 3 + 3);

    // Expired: red on the dashboard (the recorded expiry is in the past) and one last message each.
    expect(await refreshCertificateExpiry(database.db, daysBefore(-1))).toBe(
      "2 signing certificates checked: 0 expiring within 30 days, 2 expired",
    );
    await refreshCertificateExpiry(database.db, daysBefore(-2));
    sent = await mails();
    expect(sent).toHaveLength(1 + 3 + 3 + 3);
    expect(sent.at(-1)!.subject).toMatch(/Expired: Org drift-acme's single sign-on certificate/);
  });
});

describe("which version each connection holds", () => {
  it("the live connection's is the last go-live or roll back; a version staged on the -test connection is not live", async () => {
    const [initech] = await createOrganizations(database.db, h, ["drift-initech"]);
    const connection = (stage: "test" | "live", version: number) => ({
      ...desired(initech!).connection,
      stage,
      version,
      options: { ...samlOptions("drift-initech", version), signingCert: SIGNING_CERT },
    });
    const job = (kind: string, stage: "test" | "live", version: number) =>
      database.db
        .insertInto("apply_jobs")
        .values({
          organization_id: initech!.id,
          kind,
          version,
          status: "succeeded",
          desired: JSON.stringify({ connection: connection(stage, version), enabledClients: [], organization: null }),
          requested_by: "test",
          finished_at: new Date(),
        })
        .execute();
    // An approved change lands on the staged connection: nobody signs in through it yet.
    await job("apply", "test", 1);
    const live = () => lastAppliedConnections(database.db, { orgIds: [initech!.id], stage: "live" });
    expect(await live()).toEqual([]);
    await job("go-live", "live", 1);
    await job("apply", "test", 2);
    let applied = await live();
    expect(applied.map((a) => a.version)).toEqual([1]);
    const both = await lastAppliedConnections(database.db, { orgIds: [initech!.id] });
    expect(both.map((a) => `${a.stage} ${a.version}`)).toEqual(["live 1", "test 2"]);
    expect(appliedSigningCertificate(applied[0]!, clock.now())?.notAfter).toBe("2126-10-30T10:44:54.000Z");
    await job("go-live", "live", 2);
    await job("roll-back", "live", 1);
    applied = await live();
    expect(applied.map((a) => a.version)).toEqual([1]);
  });
});
