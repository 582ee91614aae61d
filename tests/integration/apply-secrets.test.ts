import { sql } from "kysely";
import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { enqueueApply, type DesiredApply } from "~/services/apply/jobs.server";
import { createApplyWorker } from "~/services/apply/worker.server";
import { SECRET_UNREADABLE_MESSAGE } from "~/services/auth0/user-messages.server";
import {
  getSecretsKey,
  resetSecretsKeyForTests,
  secretsKeyFrom,
  setLocalKeyFile,
} from "~/services/platform/secrets.server";
import type { ScopedOrganization } from "~/services/identity/scope.server";
import {
  applyEngineFixture,
  createOrganizations,
  desiredOidc,
  samlOptions,
  systemScope,
  testWorkerOptions,
} from "../support/apply-fixtures.js";

/**
 * Secrets in queued apply jobs (design: "stored encrypted only until applied"): the row holds them
 * sealed, the worker opens them just before Auth0, a finished job no longer has them, and a job
 * sealed under another key fails with a message that says what to do and holds no secret.
 */

// `engine.raw`: the portal's Management client reading past the gateway (read:connections_options, options whole).
const engine = applyEngineFixture();

function worker() {
  return createApplyWorker(testWorkerOptions(engine.h, engine.database.db));
}

function oidcDesired(org: ScopedOrganization, clientSecret: string): DesiredApply {
  return desiredOidc(org, {
    client_id: `${org.slug}-client`,
    client_secret: clientSecret,
    scope: "openid profile email",
    type: "back_channel",
  });
}

/** The whole row as the database holds it, as text: what anyone reading the table would see. */
async function rowText(id: string): Promise<string> {
  const r = await sql<{ t: string }>`select j::text as t from apply_jobs j where id = ${id}`.execute(
    engine.database.db,
  );
  return r.rows[0]!.t;
}

async function job(id: string) {
  return engine.database.db.selectFrom("apply_jobs").selectAll().where("id", "=", id).executeTakeFirstOrThrow();
}

async function runAll(): Promise<void> {
  const w = worker();
  for (let i = 0; i < 10 && (await w.runOnce()); i++);
}

async function connectionNamed(name: string) {
  const found = await engine.h.management().connections.list({ name });
  return found.data[0] ? engine.raw.get(found.data[0].id!) : undefined;
}

describe(`secrets in apply jobs (${process.env.TEST_DATABASE_URL ? "postgres" : "pglite"})`, () => {
  it("an OIDC client secret is sealed in the queued row, reaches Auth0 intact, and is gone once applied", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["sealed-oidc"]);
    const secret = `cs-${randomBytes(24).toString("base64url")}`;
    const id = await enqueueApply(engine.database.db, systemScope(org!), oidcDesired(org!, secret));

    const queued = await rowText(id);
    expect(queued).not.toContain(secret);
    expect(queued).toContain("$sealed");
    expect(queued).toContain(`v1.${getSecretsKey().id}.`);
    expect(queued).toContain(`${org!.slug}-client`); // only the secret is sealed

    await runAll();
    const done = await job(id);
    expect(done.status).toBe("succeeded");
    const c = await connectionNamed("sso-sealed-oidc-oidc");
    expect(c?.options).toMatchObject({ client_id: "sealed-oidc-client", client_secret: secret });

    const finished = await rowText(id);
    expect(finished).not.toContain(secret);
    expect(finished).not.toContain("$sealed");
    expect(finished).not.toContain("client_secret");
    expect(finished).toContain("sealed-oidc-client");
  });

  it("SAML signing and decryption keys (objects and strings) are sealed the same way", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["sealed-saml"]);
    const privateKey = `-----BEGIN PRIVATE KEY-----\n${randomBytes(48).toString("base64")}\n-----END PRIVATE KEY-----`;
    const decryptionKey = `dk-${randomBytes(24).toString("hex")}`;
    const signingKey = { cert: "-----BEGIN CERTIFICATE-----\nMIIBpublic\n-----END CERTIFICATE-----", key: privateKey };
    const id = await enqueueApply(engine.database.db, systemScope(org!), {
      connection: {
        protocol: "saml",
        strategy: "samlp",
        version: 1,
        displayName: org!.name,
        options: { ...samlOptions(org!.slug, 1), signing_key: signingKey, decryptionKey },
      },
    });
    const queued = await rowText(id);
    expect(queued).not.toContain(privateKey.split("\n")[1]!);
    expect(queued).not.toContain(decryptionKey);
    expect(queued).not.toContain("MIIBpublic"); // the whole signing_key object is sealed

    await runAll();
    expect((await job(id)).status).toBe("succeeded");
    const c = await connectionNamed("sso-sealed-saml-saml");
    expect(c?.options).toMatchObject({ signing_key: signingKey, decryptionKey });
    const finished = await rowText(id);
    expect(finished).not.toContain("$sealed");
    expect(finished).not.toContain(decryptionKey);
  });

  it("a job sealed under another key fails at once, says to submit again, and leaks nothing", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["rotated-key"]);
    const secret = `cs-${randomBytes(24).toString("base64url")}`;
    const otherKey = secretsKeyFrom(randomBytes(32));
    const id = await enqueueApply(engine.database.db, systemScope(org!), oidcDesired(org!, secret), {
      secretsKey: otherKey,
    });
    expect(await rowText(id)).toContain(`v1.${otherKey.id}.`);

    await runAll();
    const failed = await job(id);
    expect(failed.status).toBe("failed"); // not retried: another attempt cannot open it either
    expect(failed.attempts).toBe(1);
    expect(failed.last_error).toBe(SECRET_UNREADABLE_MESSAGE);
    expect(failed.last_error).toBe(
      "The stored client secret could not be decrypted (key changed?); submit the change again.",
    );
    expect(failed.error_kind).toBe("secret");
    const text = await rowText(id);
    expect(text).not.toContain(secret);
    expect(text).not.toContain("$sealed");
    expect(await connectionNamed("sso-rotated-key-oidc")).toBeUndefined(); // nothing half-applied

    const audit = await sql<{ t: string }>`select a::text as t from audit_events a`.execute(engine.database.db);
    expect(audit.rows.map((r) => r.t).join("\n")).not.toContain(secret);
  });

  it("a sealed value altered in the table fails the job the same way", async () => {
    const [org] = await createOrganizations(engine.database.db, engine.h, ["tampered"]);
    const id = await enqueueApply(engine.database.db, systemScope(org!), oidcDesired(org!, "tamper-me-secret"));
    const row = await job(id);
    const desired = (typeof row.desired === "string" ? JSON.parse(row.desired) : row.desired) as {
      connection: { options: { client_secret: { $sealed: string } } };
    };
    const sealed = desired.connection.options.client_secret.$sealed;
    // A character inside the ciphertext (the last one may carry only padding bits).
    const at = sealed.length - 4;
    const swapped = sealed[at] === "A" ? "B" : "A";
    desired.connection.options.client_secret.$sealed = sealed.slice(0, at) + swapped + sealed.slice(at + 1);
    await engine.database.db
      .updateTable("apply_jobs")
      .set({ desired: JSON.stringify(desired) })
      .where("id", "=", id)
      .execute();

    await runAll();
    const failed = await job(id);
    expect(failed.status).toBe("failed");
    expect(failed.last_error).toBe(SECRET_UNREADABLE_MESSAGE);
    expect(await connectionNamed("sso-tampered-oidc")).toBeUndefined();
  });

  it("local mode without SECRETS_KEY: the key file (0600) keeps a queued job readable after a restart", async () => {
    // (start.test.ts checks that opening PGlite on disk picks <DATA_DIR>/secrets.key.)
    const dir = mkdtempSync(join(tmpdir(), "portal-secrets-"));
    const keyFile = join(dir, "secrets.key");
    try {
      resetSecretsKeyForTests();
      setLocalKeyFile(keyFile);
      const [org] = await createOrganizations(engine.database.db, engine.h, ["restart-key"]);
      const secret = `cs-${randomBytes(24).toString("base64url")}`;
      const id = await enqueueApply(engine.database.db, systemScope(org!), oidcDesired(org!, secret));
      expect(statSync(keyFile).mode & 0o777).toBe(0o600);
      expect(readFileSync(keyFile, "utf8")).not.toContain(secret);

      resetSecretsKeyForTests(); // a new process: no key in memory
      setLocalKeyFile(keyFile);
      await runAll();
      const done = await job(id);
      expect(done.last_error).toBeNull();
      expect(done.status).toBe("succeeded");
      expect((await connectionNamed("sso-restart-key-oidc"))?.options).toMatchObject({ client_secret: secret });
    } finally {
      resetSecretsKeyForTests();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
