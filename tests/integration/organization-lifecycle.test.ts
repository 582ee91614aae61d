import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { enqueueApply } from "~/services/apply/jobs.server";
import { createApplyWorker, type ApplyWorkerOptions } from "~/services/apply/worker.server";
import { OWNER_KEY } from "~/services/auth0/gateway.server";
import type { ApiKeyScope, ScopedOrganization, SupportScope } from "~/services/identity/scope.server";
import {
  createOrganizationAs,
  findOrganization,
  type OrganizationRecord,
  removeOrganization,
  renameOrganization,
  resumeOrganization,
  suspendOrganization,
} from "~/services/organizations/organizations.server";
import { installDatabase } from "~/services/platform/db.server";
import { PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import { crashAt, jobsOf, samlOptions, systemScope, testWorkerOptions } from "../support/apply-fixtures.js";
import { createUser, member as addMember, support } from "../support/change-fixtures.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";
import { testDatabaseForFile } from "../support/test-database.js";

/**
 * An organization's lifecycle in the portal and in the local tenant at once, through the real
 * apply engine and the real auth0 SDK: created (with an Auth0 organization made or linked),
 * renamed, suspended, removed — and a worker killed between steps, restarted, converging with no
 * orphan and no duplicate.
 */
let h: Harness;
const database = testDatabaseForFile();
let lena: SupportScope;

function worker(overrides: Partial<ApplyWorkerOptions> = {}) {
  return createApplyWorker(testWorkerOptions(h, database().db, overrides));
}

async function runAll(overrides: Partial<ApplyWorkerOptions> = {}): Promise<void> {
  const w = worker(overrides);
  while (await w.runOnce()) {
    /* until the queue is empty */
  }
}

function jobs(org: ScopedOrganization) {
  return jobsOf(database().db, org);
}

async function org(slug: string) {
  const found = await findOrganization(lena, slug);
  if (!found) throw new Error(`no ${slug}`);
  return found;
}

/**
 * Lena removes `o`, deleting or detaching both its connections and its Auth0 organization, having
 * typed `confirmation` (its slug, as the form asks).
 */
function removeAs(o: OrganizationRecord, choice: "delete" | "detach", confirmation = o.slug) {
  return removeOrganization(lena, o, { confirmation, connections: choice, auth0Organization: choice });
}

function auth0Organizations() {
  return h.tenant.context.store.state.organizations;
}

async function withSamlConnection(slug: string) {
  const o = await org(slug);
  await enqueueApply(database().db, systemScope(o), {
    connection: {
      protocol: "saml",
      strategy: "samlp",
      version: 1,
      displayName: o.name,
      options: samlOptions(slug, 1),
    },
    enabledClients: [PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID],
    organization: { assignMembershipOnLogin: true, showAsButton: true },
  });
  await runAll();
  return h.tenant.context.store.state.connections.find((c) => c.name === `sso-${slug}-saml`)!;
}

beforeAll(async () => {
  h = await startHarness({ rateLimit: "off" });
  installDatabase(database());
  lena = support(await createUser(database().db, "lena@vendor.test", null), "support_admin");
});
afterAll(async () => {
  await h?.close();
});

describe("creating an organization with its Auth0 organization", () => {
  it("a worker killed after creating it in Auth0, before recording it, converges on one Auth0 organization", async () => {
    const created = await createOrganizationAs(lena, {
      slug: "initech",
      name: "Initech",
      createAuth0Organization: true,
    });
    expect(created.ok).toBe(true);
    const crashing = worker({
      workerId: "crash-create",
      hooks: crashAt("auth0-organization", "after-write"),
    });
    await crashing.runOnce();
    expect(crashing.crashed).toBe(true);
    // Auth0 has it; the portal does not know yet (the step's transaction never committed).
    expect(auth0Organizations().filter((o) => o.name === "sso-initech")).toHaveLength(1);
    expect((await org("initech")).auth0OrgId).toBeNull();

    await runAll({ workerId: "crash-create" });
    const initech = await org("initech");
    const inAuth0 = auth0Organizations().filter((o) => o.name === "sso-initech");
    expect(inAuth0).toHaveLength(1);
    expect(inAuth0[0]).toMatchObject({ id: initech.auth0OrgId, display_name: "Initech" });
    expect(inAuth0[0]!.metadata[OWNER_KEY]).toBe(initech.id);
    expect(await jobs(initech)).toMatchObject([{ kind: "organization-create", status: "succeeded", attempts: 2 }]);
  });

  it("links an existing Auth0 organization (its metadata then names the portal's), and refuses one another owns", async () => {
    const management = h.management();
    const existing = await management.organizations.create({ name: "hooli-existing", display_name: "Hooli" });
    const made = await createOrganizationAs(lena, { slug: "hooli", name: "Hooli", auth0OrgId: existing.id! });
    expect(made.ok).toBe(true);
    await runAll();
    const hooli = await org("hooli");
    expect(auth0Organizations().find((o) => o.id === existing.id)!.metadata[OWNER_KEY]).toBe(hooli.id);

    // One another portal (another environment sharing the tenant) made: its metadata names that portal's organization.
    const theirs = await management.organizations.create({
      name: "theirs",
      metadata: { [OWNER_KEY]: "5f0c8a3e-0000-4000-8000-000000000000" },
    });
    const thief = await createOrganizationAs(lena, { slug: "thief", name: "Thief", auth0OrgId: theirs.id! });
    expect(thief.ok).toBe(true);
    await runAll();
    const [job] = await jobs(await org("thief"));
    expect(job).toMatchObject({ status: "failed", error_kind: "not_owned" });
    expect(job!.last_error).toMatch(/belongs to another organization/);
    expect(auth0Organizations().find((o) => o.id === theirs.id)!.metadata[OWNER_KEY]).toBe(
      "5f0c8a3e-0000-4000-8000-000000000000",
    );
  });
});

describe("renaming, suspending and removing", () => {
  it("renames in the portal at once and in Auth0 through the engine", async () => {
    const res = await renameOrganization(lena, await org("initech"), "Initech Global");
    expect(res).toMatchObject({ ok: true, jobId: expect.any(String) });
    await runAll();
    const initech = await org("initech");
    expect(initech.name).toBe("Initech Global");
    expect(auth0Organizations().find((o) => o.id === initech.auth0OrgId)!.display_name).toBe("Initech Global");
  });

  it("suspends: members signed out, connection disabled everywhere but kept, configuration intact", async () => {
    const connection = await withSamlConnection("initech");
    const initech = await org("initech");
    const { user: member } = await addMember(
      database().db,
      await createUser(database().db, "peter@initech.test", null),
      initech,
      "org_admin",
    );
    const far = new Date(Date.now() + 3_600_000);
    await database()
      .db.insertInto("sessions")
      .values({
        id_hash: "peter-session",
        user_id: member.id,
        idle_expires_at: far,
        absolute_expires_at: far,
        revoked_at: null,
        ip: null,
        user_agent: null,
        data: "{}",
      })
      .execute();
    expect(connection.enabled_clients).toEqual(expect.arrayContaining([PORTAL_CLIENT_ID]));

    expect(await suspendOrganization(lena, initech)).toMatchObject({ ok: true });
    const session = await database()
      .db.selectFrom("sessions")
      .select("revoked_at")
      .where("id_hash", "=", "peter-session")
      .executeTakeFirstOrThrow();
    expect(session.revoked_at).not.toBeNull();
    await runAll();
    const after = h.tenant.context.store.state.connections.find((c) => c.name === "sso-initech-saml")!;
    expect(after.enabled_clients).toEqual([]);
    expect(after.options).toMatchObject(samlOptions("initech", 1));
    const auth0Org = auth0Organizations().find((o) => o.id === initech.auth0OrgId)!;
    expect(auth0Org.enabled_connections).toEqual([]);
    expect((await org("initech")).status).toBe("suspended");
    // Twice is refused with a message, nothing queued.
    expect(await suspendOrganization(lena, await org("initech"))).toEqual({
      ok: false,
      error: expect.stringMatching(/is suspended/),
    });
  });

  it("resumes: the live connection enabled again as its last version said; suspended again, off again", async () => {
    const initech = await org("initech");
    expect(await resumeOrganization(lena, initech)).toMatchObject({ ok: true, jobId: expect.any(String) });
    expect((await org("initech")).status).toBe("active");
    await runAll();
    const resumed = h.tenant.context.store.state.connections.find((c) => c.name === "sso-initech-saml")!;
    expect([...resumed.enabled_clients].sort()).toEqual([PORTAL_CLIENT_ID, TEST_LOGIN_CLIENT_ID].sort());
    const auth0Org = auth0Organizations().find((o) => o.id === initech.auth0OrgId)!;
    expect(auth0Org.enabled_connections.map((c) => c.connection_id)).toEqual([resumed.id]);
    expect((await jobs(initech)).at(-1)).toMatchObject({ kind: "organization-resume", status: "succeeded" });
    // Only a suspended organization resumes.
    expect(await resumeOrganization(lena, await org("initech"))).toEqual({
      ok: false,
      error: expect.stringMatching(/is active/),
    });
    expect(await suspendOrganization(lena, await org("initech"))).toMatchObject({ ok: true });
    await runAll();
    expect(
      h.tenant.context.store.state.connections.find((c) => c.name === "sso-initech-saml")!.enabled_clients,
    ).toEqual([]);
  });

  it("removes (delete chosen) with a worker killed between steps: converges, Auth0 emptied, rows kept", async () => {
    const initech = await org("initech");
    expect(await removeAs(initech, "delete", "Initech")).toEqual({
      ok: false,
      error: "Type the organization's slug, initech, to confirm.",
    });
    expect(await removeAs(initech, "delete")).toMatchObject({ ok: true });
    expect((await org("initech")).status).toBe("removing");
    const crashing = worker({
      workerId: "crash-remove",
      hooks: crashAt("connections", "after-commit"),
    });
    await crashing.runOnce();
    expect(crashing.crashed).toBe(true);
    expect(h.tenant.context.store.state.connections.some((c) => c.name === "sso-initech-saml")).toBe(false);
    expect(auth0Organizations().some((o) => o.id === initech.auth0OrgId)).toBe(true);

    await runAll({ workerId: "crash-remove" });
    expect(auth0Organizations().some((o) => o.id === initech.auth0OrgId)).toBe(false);
    const removed = await org("initech");
    expect(removed.status).toBe("removed");
    const members = await database()
      .db.selectFrom("memberships")
      .select("user_id")
      .where("organization_id", "=", initech.id)
      .execute();
    expect(members).toHaveLength(1);
    const [last] = (await jobs(initech)).slice(-1);
    expect(last).toMatchObject({
      kind: "organization-remove",
      status: "succeeded",
      steps_done: ["connections", "auth0-organization", "removed"],
    });
  });

  it("removes (detach chosen): the connection stays, disabled; the Auth0 organization stays, no longer the portal's", async () => {
    await withSamlConnection("hooli");
    const hooli = await org("hooli");
    expect(await removeAs(hooli, "detach")).toMatchObject({ ok: true });
    await runAll();
    const connection = h.tenant.context.store.state.connections.find((c) => c.name === "sso-hooli-saml")!;
    expect(connection.enabled_clients).toEqual([]);
    const auth0Org = auth0Organizations().find((o) => o.id === hooli.auth0OrgId)!;
    expect(auth0Org.metadata[OWNER_KEY]).toBeUndefined();
    expect(auth0Org.enabled_connections).toEqual([]);
    expect((await org("hooli")).status).toBe("removed");
  });
});

describe("who may", () => {
  it("a key for one organization, or a support agent, may not change an organization's lifecycle", async () => {
    const globex = await createOrganizationAs(lena, { slug: "globex", name: "Globex" });
    if (!globex.ok) throw new Error(globex.error);
    const key: ApiKeyScope = { kind: "api", keyId: "k", actor: "api key", organization: globex.organization };
    await expect(suspendOrganization(key, globex.organization)).rejects.toMatchObject({ status: 403 });
    const agent: SupportScope = { ...lena, role: "support_agent" };
    await expect(suspendOrganization(agent, globex.organization)).rejects.toMatchObject({ status: 403 });
    await expect(renameOrganization(agent, globex.organization, "G")).rejects.toMatchObject({ status: 403 });
    await expect(resumeOrganization(key, globex.organization)).rejects.toMatchObject({ status: 403 });
    await expect(resumeOrganization(agent, globex.organization)).rejects.toMatchObject({ status: 403 });
    expect((await org("globex")).status).toBe("active");
  });
});
