import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { connectionJobKind, enqueueApply, enqueueJob, normalizeJob } from "~/services/apply/jobs.server";
import { sealSecretOptions } from "~/services/apply/kinds/connection-apply.server";
import { createApplyWorker } from "~/services/apply/worker.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import { installDatabase } from "~/services/platform/db.server";
import { resetEnvForTests } from "~/services/platform/env.server";
import { getSecretsKey } from "~/services/platform/secrets.server";
import { TEST_LOGIN_CLIENT_ID } from "../../local-tenant/seed.js";
import { createOrganizations, systemScope, testWorkerOptions } from "../support/apply-fixtures.js";
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

async function runAll(): Promise<void> {
  const w = createApplyWorker(testWorkerOptions(h, database.db, { backoff: { baseMs: 5, maxMs: 10 } }));
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
