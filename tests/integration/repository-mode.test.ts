import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  connectionJobKind,
  enqueueApply,
  enqueueJob,
  normalizeJob,
  type DesiredApply,
} from "~/services/apply/jobs.server";
import type { SupportScope } from "~/services/identity/scope.server";
import { verifyDomainByHand } from "~/services/organizations/domains.server";
import {
  createOrganizationAs,
  findOrganization,
  removeOrganization,
  renameOrganization,
  resumeOrganization,
  suspendOrganization,
} from "~/services/organizations/organizations.server";
import { sealSecretOptions } from "~/services/apply/kinds/connection-apply.server";
import { createApplyWorker, type ApplyWorkerOptions } from "~/services/apply/worker.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { installDatabase } from "~/services/platform/db.server";
import { resetEnvForTests } from "~/services/platform/env.server";
import { getSecretsKey } from "~/services/platform/secrets.server";
import { TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import {
  crashAt,
  createOrganizations,
  samlOptions,
  systemScope,
  testWorkerOptions,
} from "../support/apply-fixtures.js";
import { createUser, support } from "../support/change-fixtures.js";
import { startHarness, type Harness } from "../support/local-tenant-contract.js";
import { createTestDatabase, type TestDatabase } from "../support/test-database.js";

/**
 * APPLY_MODE=repository through the real apply engine: an approved version becomes a commit in a
 * scratch repository (real git) in the Deploy CLI's directory format, secrets only as
 * placeholders, then the deploy command runs with this version's files and its secrets in its
 * environment; a failing command fails the job like a failing apply; a roll back commits the
 * earlier version; nothing is sent to the Management API.
 */
const work = mkdtempSync(join(tmpdir(), "portal-repo-mode-"));
const repo = join(work, "repository");
const out = join(work, "deploys");
const failMarker = join(work, "fail");
// A stand-in for `a0deploy import`: keeps what it was given, and fails while the marker exists.
const deployScript = join(work, "deploy.sh");
writeFileSync(
  deployScript,
  `#!/bin/sh
set -e
mkdir -p "${out}"
echo "importing $(cd "$SSO_PORTAL_DEPLOY_DIR" && find . -name '*.json' | sort | tr '\\n' ' ')"
if [ -e "${failMarker}" ]; then echo "Unauthorized: $AUTH0_KEYWORD_REPLACE_MAPPINGS" >&2; exit 3; fi
cp -r "$SSO_PORTAL_DEPLOY_DIR" "${out}/$SSO_PORTAL_COMMIT"
printf '%s' "$AUTH0_KEYWORD_REPLACE_MAPPINGS" > "${out}/$SSO_PORTAL_COMMIT.mappings"
printf '%s' "$SSO_PORTAL_DEPLOY_REMOVED" > "${out}/$SSO_PORTAL_COMMIT.removed"
`,
  { mode: 0o755 },
);

const saved = { ...process.env };
let h: Harness;
let database: TestDatabase;
let acme: ScopedOrganization;
const git = (...args: string[]) => execFileSync("git", ["-C", repo, ...args], { encoding: "utf8" });

function oidcVersion(version: number, secret: string) {
  return {
    connection: {
      protocol: "oidc" as const,
      stage: "test" as const,
      strategy: "oidc" as const,
      version,
      displayName: `Acme v${version}`,
      options: sealSecretOptions(
        {
          type: "back_channel",
          client_id: "acme-client",
          client_secret: secret,
          discovery_url: `https://idp.acme.test/v${version}/.well-known/openid-configuration`,
        },
        getSecretsKey(),
      ),
    },
    enabledClients: [TEST_LOGIN_CLIENT_ID],
    organization: null,
    aliasVerifiedDomains: true,
  };
}

async function runAll(overrides: Partial<ApplyWorkerOptions> = {}): Promise<void> {
  const w = createApplyWorker(testWorkerOptions(h, database.db, { backoff: { baseMs: 5, maxMs: 10 }, ...overrides }));
  while (await w.runOnce()) {
    /* until the queue is empty */
  }
}

/** Runs the worker until the job has ended (a retry waits out its short backoff). */
async function settle(id: string) {
  const w = createApplyWorker(testWorkerOptions(h, database.db, { backoff: { baseMs: 5, maxMs: 10 } }));
  for (let i = 0; i < 400; i++) {
    const current = await job(id);
    if (["succeeded", "failed", "dead"].includes(current.status)) return current;
    if (!(await w.runOnce())) await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`job ${id} did not end`);
}

async function job(id: string) {
  const row = await database.db.selectFrom("apply_jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
  return normalizeJob(row);
}

/** The Deploy CLI's keyword replacement (src/tools/utils.ts keywordReplace) on a file's text. */
function deployCliRead(text: string, mappings: Record<string, string>): Record<string, unknown> {
  let input = text;
  for (const [key, value] of Object.entries(mappings)) input = input.split(`##${key}##`).join(value);
  return JSON.parse(input) as Record<string, unknown>;
}

beforeAll(async () => {
  process.env.APPLY_MODE = "repository";
  process.env.APPLY_REPOSITORY_DIR = repo;
  process.env.APPLY_DEPLOY_COMMAND = `"${deployScript}"`;
  resetEnvForTests();
  h = await startHarness({ rateLimit: "off" });
  database = await createTestDatabase();
  installDatabase(database);
  acme = (await createOrganizations(database.db, h, ["acme"]))[0]!;
  await database.db
    .insertInto("organization_domains")
    .values({
      organization_id: acme.id,
      domain: "acme.test",
      token: "sso-portal-verification=x",
      created_by_label: "test",
      verified_at: new Date(),
      verified_by_label: "lena@vendor.test",
      verification_method: "manual",
      manual_reason: "test",
    })
    .execute();
});
afterAll(async () => {
  process.env = saved;
  resetEnvForTests();
  await database?.destroy();
  await h?.close();
  rmSync(work, { recursive: true, force: true });
});

describe("repository mode", () => {
  let first = "";

  it("commits an approved version in the Deploy CLI's format, then runs the deploy command with its secrets", async () => {
    expect(connectionJobKind("apply")).toBe("repository-apply");
    const id = await enqueueApply(database.db, systemScope(acme), oidcVersion(1, "first-Secret-value"));
    await runAll();
    const done = await job(id);
    expect(done).toMatchObject({ kind: "repository-apply", status: "succeeded", steps_done: ["commit", "deploy"] });
    first = git("rev-parse", "HEAD").trim();
    expect(git("log", "-1", "--format=%an|%s|%b")).toMatch(
      new RegExp(
        `^SSO Portal\\|Org acme \\(acme\\): apply version 1 of the oidc connection \\(staged\\)\\|Requested by apply-worker\\.\\n\\nPortal-Job: ${id}`,
      ),
    );
    const file = readFileSync(join(repo, "connections/sso-acme-oidc-test.json"), "utf8");
    expect(JSON.parse(file)).toMatchObject({
      name: "sso-acme-oidc-test",
      strategy: "oidc",
      display_name: "Acme v1",
      enabled_clients: [TEST_LOGIN_CLIENT_ID],
      metadata: { portal_org: acme.id, portal_version: "1", portal_stage: "test" },
      // Only verified domains, as in live mode.
      options: { client_secret: "##SSO_ACME_OIDC_TEST_CLIENT_SECRET##", domain_aliases: ["acme.test"] },
    });
    expect(git("log", "-p", "--all")).not.toContain("first-Secret-value");
    // The deploy command got this version's files and, in its environment only, the secret.
    const mappings = JSON.parse(readFileSync(join(out, `${first}.mappings`), "utf8")) as Record<string, string>;
    const read = deployCliRead(readFileSync(join(out, first, "connections/sso-acme-oidc-test.json"), "utf8"), mappings);
    expect(read.options).toMatchObject({ client_secret: "first-Secret-value" });
    // Nothing went to the Management API, and the job's row no longer holds the sealed secret.
    expect(h.tenant.context.store.state.connections.map((c) => c.name)).not.toContain("sso-acme-oidc-test");
    expect(JSON.stringify(done.desired)).not.toContain("$sealed");
  });

  it("a failing deploy command fails the job as an apply fails (retried, then dead), its output masked, one commit", async () => {
    writeFileSync(failMarker, "");
    const id = await enqueueApply(database.db, systemScope(acme), oidcVersion(2, "second-Secret-value"));
    const failed = await settle(id);
    expect(failed.status).toBe("dead");
    expect(failed.steps_done).toEqual(["commit"]);
    expect(failed.last_error).toMatch(
      /^The deploy command exited with 3: importing \.\/connections\/sso-acme-oidc-test\.json/,
    );
    expect(failed.last_error).toContain("Unauthorized");
    expect(failed.last_error).not.toContain("second-Secret-value");
    expect(git("rev-list", "--count", "HEAD").trim()).toBe("2"); // retries found their commit
    expect(existsSync(join(out, git("rev-parse", "HEAD").trim()))).toBe(false);
    rmSync(failMarker);
  });

  it("a roll back commits the earlier version again", async () => {
    const id = await enqueueJob(database.db, systemScope(acme), connectionJobKind("roll-back"), 1, {
      ...oidcVersion(1, "first-Secret-value"),
      connection: { ...oidcVersion(1, "first-Secret-value").connection, allowOlderVersion: true },
    });
    expect(await settle(id)).toMatchObject({ kind: "repository-roll-back", status: "succeeded" });
    expect(git("log", "-1", "--format=%s")).toMatch(/roll back to version 1 of the oidc connection/);
    expect(git("diff", first, "HEAD", "--", "connections")).toBe("");
    expect(git("rev-list", "--count", "HEAD").trim()).toBe("3");
  });
});

describe("repository mode: domains and the organization lifecycle write the files, never the Management API", () => {
  let lena: SupportScope;
  let exchangesBefore = 0;
  const read = (path: string) => JSON.parse(readFileSync(join(repo, path), "utf8")) as Record<string, unknown>;
  const head = () => git("rev-parse", "HEAD").trim();
  /** The files the deploy command was given for the last commit, and what it was told to delete. */
  const deployed = () => ({
    files: execFileSync("find", [".", "-name", "*.json"], { cwd: join(out, head()), encoding: "utf8" })
      .split("\n")
      .filter(Boolean)
      .sort(),
    removed: JSON.parse(readFileSync(join(out, `${head()}.removed`), "utf8")) as unknown,
    mappings: readFileSync(join(out, `${head()}.mappings`), "utf8"),
  });
  async function initech() {
    const org = await findOrganization(lena, "initech");
    if (!org) throw new Error("no initech");
    return org;
  }
  /** Version 1 of the organization's SAML connection, live, for test login; its verified domains as aliases. */
  async function applyLiveSaml(org: ScopedOrganization, organization: DesiredApply["organization"]) {
    await enqueueApply(database.db, systemScope(org), {
      connection: {
        protocol: "saml",
        stage: "live",
        strategy: "samlp",
        version: 1,
        displayName: org.name,
        options: samlOptions(org.slug, 1),
      },
      enabledClients: [TEST_LOGIN_CLIENT_ID],
      organization,
      aliasVerifiedDomains: true,
    });
    await runAll();
  }
  async function lastJob() {
    const row = await database.db
      .selectFrom("apply_jobs")
      .selectAll()
      .orderBy("id", "desc")
      .limit(1)
      .executeTakeFirstOrThrow();
    return normalizeJob(row);
  }

  beforeAll(async () => {
    lena = support(await createUser(database.db, "lena@vendor.test", "Lena"), "support_admin");
    exchangesBefore = h.exchanges.length;
  });

  it("create: the organization's file, committed and deployed; no Auth0 organization made through the API", async () => {
    const created = await createOrganizationAs(lena, {
      slug: "initech",
      name: "Initech",
      createAuth0Organization: true,
    });
    expect(created.ok).toBe(true);
    await runAll();
    const done = await lastJob();
    expect(done).toMatchObject({ kind: "repository-organization-create", status: "succeeded" });
    expect(git("log", "-1", "--format=%s%n%n%b")).toMatch(
      new RegExp(
        `^Initech \\(initech\\): create its Auth0 organization\\n\\nRequested by lena@vendor\\.test\\.\\n\\nPortal-Job: ${done.id}`,
      ),
    );
    const org = await initech();
    expect(read("organizations/sso-initech.json")).toEqual({
      name: "sso-initech",
      display_name: "Initech",
      metadata: { portal_org: org.id },
      connections: [],
    });
    expect(deployed()).toMatchObject({ files: ["./organizations/sso-initech.json"], mappings: "{}" });
    expect(org.auth0OrgId).toBeNull();
  });

  it("a live version enabled for the organization lands in both files; a verified domain reaches domain_aliases", async () => {
    const org = await initech();
    await applyLiveSaml(org, { assignMembershipOnLogin: true, showAsButton: false });
    expect(read("connections/sso-initech-saml.json")).toMatchObject({ enabled_clients: [TEST_LOGIN_CLIENT_ID] });
    expect(
      (read("connections/sso-initech-saml.json").options as Record<string, unknown>).domain_aliases,
    ).toBeUndefined();
    expect(read("organizations/sso-initech.json").connections).toEqual([
      { name: "sso-initech-saml", assign_membership_on_login: true, show_as_button: false },
    ]);

    const domain = await database.db
      .insertInto("organization_domains")
      .values({
        organization_id: org.id,
        domain: "initech.test",
        token: "sso-portal-verification=i",
        created_by_label: "t",
      })
      .returning("id")
      .executeTakeFirstOrThrow();
    expect(await verifyDomainByHand(lena, org.id, domain.id, "Ticket 9: registrar letter")).toMatchObject({ ok: true });
    await runAll();
    expect(await lastJob()).toMatchObject({ kind: "repository-domain-aliases", status: "succeeded" });
    expect(read("connections/sso-initech-saml.json")).toMatchObject({
      options: { signInEndpoint: "https://idp.initech.test/sso/v1", domain_aliases: ["initech.test"] },
      enabled_clients: [TEST_LOGIN_CLIENT_ID],
    });
    expect(git("log", "-1", "--format=%s").trim()).toBe(
      "Initech (initech): domain_aliases set to initech.test (verified domains)",
    );
    expect(git("show", "--name-only", "--format=", "HEAD").trim()).toBe("connections/sso-initech-saml.json");
    expect(deployed()).toMatchObject({ files: ["./connections/sso-initech-saml.json"], mappings: "{}" });
  });

  it("rename, suspend and resume rewrite the files", async () => {
    expect(await renameOrganization(lena, await initech(), "Initech Corp")).toMatchObject({ ok: true });
    await runAll();
    expect(await lastJob()).toMatchObject({ kind: "repository-organization-rename", status: "succeeded" });
    expect(read("organizations/sso-initech.json")).toMatchObject({ display_name: "Initech Corp" });

    expect(await suspendOrganization(lena, await initech())).toMatchObject({ ok: true });
    await runAll();
    expect(await lastJob()).toMatchObject({ kind: "repository-organization-suspend", status: "succeeded" });
    expect(read("connections/sso-initech-saml.json")).toMatchObject({
      enabled_clients: [],
      options: { domain_aliases: ["initech.test"] }, // everything else kept
    });
    expect(read("organizations/sso-initech.json").connections).toEqual([]);
    expect(deployed().files).toEqual(["./connections/sso-initech-saml.json", "./organizations/sso-initech.json"]);

    expect(await resumeOrganization(lena, await initech())).toMatchObject({ ok: true });
    await runAll();
    expect(await lastJob()).toMatchObject({ kind: "repository-organization-resume", status: "succeeded" });
    expect(read("connections/sso-initech-saml.json")).toMatchObject({ enabled_clients: [TEST_LOGIN_CLIENT_ID] });
    expect(read("organizations/sso-initech.json").connections).toEqual([
      { name: "sso-initech-saml", assign_membership_on_login: true, show_as_button: false },
    ]);
  });

  it("remove: the files deleted in a commit, the deploy told what to delete; the row kept as history", async () => {
    const result = await removeOrganization(lena, await initech(), {
      connections: "delete",
      auth0Organization: "delete",
      confirmation: "initech",
    });
    expect(result).toMatchObject({ ok: true });
    await runAll();
    expect(await lastJob()).toMatchObject({ kind: "repository-organization-remove", status: "succeeded" });
    expect(existsSync(join(repo, "connections/sso-initech-saml.json"))).toBe(false);
    expect(existsSync(join(repo, "organizations/sso-initech.json"))).toBe(false);
    expect(git("show", "--name-status", "--format=", "HEAD").trim().split("\n").sort()).toEqual([
      "D\tconnections/sso-initech-saml.json",
      "D\torganizations/sso-initech.json",
    ]);
    expect(deployed()).toEqual({
      files: [],
      removed: { connections: ["sso-initech-saml"], organizations: ["sso-initech"] },
      mappings: "{}",
    });
    expect((await initech()).status).toBe("removed");
    // Acme's files from the first tests are untouched.
    expect(existsSync(join(repo, "connections/sso-acme-oidc-test.json"))).toBe(true);
  });

  it("remove with detach: a crash after the commit converges on one commit; the connection kept disabled", async () => {
    expect(
      await createOrganizationAs(lena, { slug: "umbrella", name: "Umbrella", createAuth0Organization: true }),
    ).toMatchObject({ ok: true });
    const umbrella = (await findOrganization(lena, "umbrella"))!;
    await applyLiveSaml(umbrella, { assignMembershipOnLogin: false, showAsButton: true });
    expect(read("organizations/sso-umbrella.json").connections).toHaveLength(1);

    expect(
      await removeOrganization(lena, umbrella, {
        connections: "detach",
        auth0Organization: "detach",
        confirmation: "umbrella",
      }),
    ).toMatchObject({ ok: true });
    const crashing = createApplyWorker(
      testWorkerOptions(h, database.db, {
        workerId: "crash-repo",
        hooks: crashAt("commit", "after-write"),
      }),
    );
    await crashing.runOnce();
    expect(crashing.crashed).toBe(true);
    const job = await lastJob();
    expect(job).toMatchObject({ kind: "repository-organization-remove", status: "running" });
    await runAll({ workerId: "crash-repo" });
    expect(await lastJob()).toMatchObject({ kind: "repository-organization-remove", status: "succeeded", attempts: 2 });
    expect(git("log", "--all", "--format=%H", `--grep=^Portal-Job: ${job.id}$`).trim().split("\n")).toHaveLength(1);
    // Detached: the connection stays in the files, off; the organization file is no longer the portal's.
    expect(read("connections/sso-umbrella-saml.json")).toMatchObject({ enabled_clients: [] });
    expect(existsSync(join(repo, "organizations/sso-umbrella.json"))).toBe(false);
    expect(deployed()).toMatchObject({
      files: ["./connections/sso-umbrella-saml.json"],
      removed: { connections: [], organizations: [] },
    });
    expect((await findOrganization(lena, "umbrella"))!.status).toBe("removed");
  });

  it("not one Management API request was made by any of it", () => {
    expect(h.exchanges.slice(exchangesBefore).map((e) => `${e.method} ${e.path}`)).toEqual([]);
    expect(h.tenant.context.store.state.connections.map((c) => c.name)).not.toContain("sso-initech-saml");
  });
});
