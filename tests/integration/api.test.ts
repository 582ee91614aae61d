import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiKey, listApiKeys, revokeApiKey, API_RATE_LIMIT_PER_MINUTE } from "~/services/api/keys.server";
import { openApiDocument } from "~/services/api/openapi";
import type { SupportScope } from "~/services/identity/scope.server";
import { approveChange } from "~/services/change-requests/review.server";
import { drained } from "../support/apply-fixtures";
import { sessionCookieFor } from "../support/auth";
import { fixtureText } from "../support/change-fixtures";
import { openApiContract } from "../support/openapi-contract";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * /api/v1 over HTTP against the built portal: every answer is checked against the OpenAPI
 * document the API serves; keys for every organization and for one; errors in one shape; the
 * rate limit; and that neither the session cookie nor the same-origin check has a say here.
 */
let portal: TestPortal;
const contract = openApiContract(openApiDocument, "/api/v1");
const keys: Record<string, string> = {};
let lena: SupportScope;

interface ApiAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

async function api(
  path: string,
  options: { key?: string | null; method?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<ApiAnswer> {
  const method = options.method ?? (options.body !== undefined ? "POST" : "GET");
  const headers: Record<string, string> = { ...options.headers };
  if (options.key) headers.authorization = `Bearer ${options.key}`;
  let body: string | undefined;
  if (options.body !== undefined) {
    body = typeof options.body === "string" ? options.body : JSON.stringify(options.body);
    headers["content-type"] ??= "application/json";
  }
  const res = await fetch(`${portal.url}/api/v1${path}`, { method, headers, body, redirect: "manual" });
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  const parsed = (await res.json()) as unknown;
  contract.check(method, `/api/v1${path.split("?")[0]}`, res.status, parsed);
  return { status: res.status, headers: res.headers, body: parsed };
}

function errorOf(answer: ApiAnswer): { code: string; message: string } {
  return (answer.body as { error: { code: string; message: string } }).error;
}

beforeAll(async () => {
  portal = await startTestPortal();
  const db = portal.database.db;
  const user = await db
    .selectFrom("users")
    .select(["id", "email"])
    .where(sql`lower(email)`, "=", "lena@vendor.test")
    .executeTakeFirstOrThrow();
  lena = { kind: "support", user: { id: user.id, email: user.email, name: null }, role: "support_admin" };
  for (const [name, org] of [
    ["all", null],
    ["acme", "acme"],
    ["revoked", null],
    ["burst", "globex"],
  ] as const) {
    const made = await createApiKey(lena, { name: `Test ${name}`, organizationSlug: org });
    if (!made.ok) throw new Error(made.error);
    keys[name] = made.key;
  }
  const revoked = (await listApiKeys(lena)).find((k) => k.name === "Test revoked")!;
  expect(await revokeApiKey(lena, revoked.id)).toBe(true);
});
afterAll(async () => {
  await portal?.stop();
});

describe("the OpenAPI document", () => {
  it("is served without a key and describes every operation", async () => {
    const res = await api("/openapi.json");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      openapi: "3.1.0",
      paths: expect.objectContaining({ "/organizations": expect.any(Object) }),
    });
  });
});

describe("authentication", () => {
  it("answers 401 in the error shape without a key, with a malformed, unknown or revoked one", async () => {
    for (const key of [null, "not-a-key", `ssop_${"A".repeat(43)}`, keys.revoked!]) {
      const res = await api("/organizations", { key });
      expect(res.status, String(key)).toBe(401);
      expect(errorOf(res).code).toBe("unauthorized");
      expect(res.headers.get("www-authenticate")).toMatch(/^Bearer/);
    }
  });

  it("never lets the session cookie in: a support lead's cookie alone gets 401", async () => {
    const cookie = await sessionCookieFor(portal.database.db, "lena@vendor.test");
    const res = await api("/organizations", { headers: { cookie } });
    expect(res.status).toBe(401);
    const post = await api("/organizations", {
      headers: { cookie, origin: portal.url },
      body: { slug: "x", name: "X" },
    });
    expect(post.status).toBe(401);
  });
});

describe("a key for every organization", () => {
  it("lists organizations", async () => {
    const res = await api("/organizations", { key: keys.all });
    expect(res.status).toBe(200);
    const slugs = (res.body as { organizations: { slug: string }[] }).organizations.map((o) => o.slug);
    expect(slugs).toEqual(expect.arrayContaining(["acme", "globex"]));
    expect(Number(res.headers.get("x-ratelimit-remaining"))).toBeLessThan(API_RATE_LIMIT_PER_MINUTE);
  });

  it("creates an organization with no Origin header (a server calling), audited as the key", async () => {
    const res = await api("/organizations", {
      key: keys.all,
      body: { slug: "initech", name: "Initech", auth0OrganizationId: "org_Initech0001" },
    });
    expect(res.status).toBe(201);
    expect(res.headers.get("location")).toBe("/api/v1/organizations/initech");
    expect(res.body).toMatchObject({ slug: "initech", name: "Initech", auth0OrganizationId: "org_Initech0001" });
    const audit = await portal.database.db
      .selectFrom("audit_events")
      .select(["actor_label", "actor_user_id"])
      .where("action", "=", "organization.created")
      .where("target", "=", "initech")
      .executeTakeFirstOrThrow();
    expect(audit).toEqual({ actor_label: expect.stringMatching(/^api key "Test all" \(ssop_/), actor_user_id: null });
    // A cross-site Origin changes nothing either: the key is what counts.
    const again = await api("/organizations/initech", { key: keys.all, headers: { origin: "https://evil.example" } });
    expect(again.status).toBe(200);
  });

  it("refuses bad input with a message naming the field, and a duplicate with 409", async () => {
    const cases: [unknown, number, string, RegExp][] = [
      [{ slug: "initech", name: "Again" }, 409, "conflict", /slug: An organization called “initech” already exists/],
      [{ slug: "Bad Slug", name: "Bad" }, 400, "invalid_request", /slug: Use 1–40 lowercase/],
      [{ slug: "ok-slug" }, 400, "invalid_request", /name/],
      [{ slug: "ok-slug", name: "Ok", admin: true }, 400, "invalid_request", /admin|Unrecognized/],
      ["{not json", 400, "invalid_request", /not valid JSON/],
    ];
    for (const [body, status, code, message] of cases) {
      const res = await api("/organizations", { key: keys.all, body });
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect(errorOf(res)).toEqual({ code, message: expect.stringMatching(message) });
    }
    const form = await api("/organizations", {
      key: keys.all,
      body: "slug=x&name=y",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(form.status).toBe(415);
    const huge = await api("/organizations", { key: keys.all, body: { slug: "big", name: "x".repeat(300_000) } });
    expect(huge.status).toBe(413);
    expect(errorOf(huge).code).toBe("payload_too_large");
    const rows = await portal.database.db.selectFrom("organizations").select("slug").execute();
    expect(rows.map((r) => r.slug).sort()).toEqual(["acme", "globex", "initech"]);
  });

  it("answers unknown paths 404 and wrong methods 405, in the same shape", async () => {
    const unknown = await fetch(`${portal.url}/api/v1/nothing-here`, {
      headers: { authorization: `Bearer ${keys.all}` },
    });
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: { code: "not_found", message: expect.any(String) } });
    const wrong = await fetch(`${portal.url}/api/v1/organizations/acme`, {
      method: "POST",
      headers: { authorization: `Bearer ${keys.all}`, "content-type": "application/json" },
      body: "{}",
    });
    expect(wrong.status).toBe(405);
    expect(wrong.headers.get("allow")).toBe("GET");
    expect(await wrong.json()).toEqual({ error: { code: "method_not_allowed", message: "Use GET here." } });
  });
});

describe("a key for one organization", () => {
  it("sees only its organization; another answers 404; creating needs a key for every organization", async () => {
    const list = await api("/organizations", { key: keys.acme });
    expect((list.body as { organizations: { slug: string }[] }).organizations.map((o) => o.slug)).toEqual(["acme"]);
    expect((await api("/organizations/acme", { key: keys.acme })).status).toBe(200);
    expect((await api("/organizations/acme/sso", { key: keys.acme })).status).toBe(200);
    for (const path of ["/organizations/globex", "/organizations/globex/sso", "/organizations/initech"]) {
      const res = await api(path, { key: keys.acme });
      expect(res.status, path).toBe(404);
      expect(JSON.stringify(res.body)).not.toContain("Globex");
    }
    const create = await api("/organizations", { key: keys.acme, body: { slug: "sneaky", name: "Sneaky" } });
    expect(create.status).toBe(403);
    expect(errorOf(create).code).toBe("forbidden");
  });

  it("shows the organization's SSO status: its domains and last apply", async () => {
    const res = await api("/organizations/acme/sso", { key: keys.acme });
    expect(res.body).toEqual({ organization: "acme", status: "active", domains: [], lastApply: null });
  });
});

describe("change requests and versions", () => {
  const okta = fixtureText("saml-okta-1.xml");
  let changeId = "";

  it("submits a configuration document: judged by the validators, a change request waiting for review", async () => {
    expect((await api("/organizations/acme/versions", { key: keys.acme })).body).toEqual({ versions: [] });
    const res = await api("/organizations/acme/change-requests", {
      key: keys.acme,
      body: { idp: "okta", saml: { metadataXml: okta } },
    });
    expect(res.status).toBe(201);
    const change = res.body as { id: string; state: string; author: string; protocol: string; errors: unknown[] };
    expect(change).toMatchObject({
      organization: "acme",
      state: "pending_review",
      protocol: "saml",
      author: expect.stringMatching(/^api key "Test acme"/),
      version: null,
      errors: [],
    });
    changeId = change.id;
    expect(res.headers.get("location")).toBe(`/api/v1/organizations/acme/change-requests/${changeId}`);
    const one = await api(`/organizations/acme/change-requests/${changeId}`, { key: keys.acme });
    expect(one.body).toEqual(res.body);
    const list = await api("/organizations/acme/change-requests", { key: keys.acme });
    expect((list.body as { changeRequests: { id: string }[] }).changeRequests.map((c) => c.id)).toEqual([changeId]);
  });

  it("refuses a document that makes no configuration, naming why, and submits nothing", async () => {
    const cases: [unknown, RegExp][] = [
      [{ idp: "okta" }, /saml: Okta is a SAML identity provider/],
      [{ idp: "oidc", saml: { metadataXml: okta } }, /oidc: /],
      [{ idp: "okta", saml: { metadataXml: "<EntityDescriptor/>" } }, /The configuration has errors/],
      [{ idp: "nope", saml: { metadataXml: okta } }, /idp/],
      [{ idp: "okta", saml: { metadataXml: okta }, admin: true }, /Unrecognized|admin/],
      [{ idp: "oidc", oidc: { discoveryUrl: "https://idp.example/", clientId: "c" } }, /oidc.clientSecret/],
    ];
    for (const [body, message] of cases) {
      const res = await api("/organizations/acme/change-requests", { key: keys.acme, body });
      expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
      expect(errorOf(res)).toEqual({ code: "invalid_request", message: expect.stringMatching(message) });
    }
    const list = await api("/organizations/acme/change-requests", { key: keys.acme });
    expect((list.body as { changeRequests: unknown[] }).changeRequests).toHaveLength(1);
    expect((await api("/organizations/acme/change-requests/99999", { key: keys.acme })).status).toBe(404);
  });

  it("lists the version once support approved it and the apply engine applied it", async () => {
    expect(await approveChange(lena, changeId)).toMatchObject({ ok: true });
    await drained(portal.database.db);
    // The portal's apply follower moves the change to applied once its job succeeded.
    const state = () =>
      portal.database.db
        .selectFrom("change_requests")
        .select("state")
        .where("id", "=", changeId)
        .executeTakeFirstOrThrow();
    for (let i = 0; i < 150 && (await state()).state !== "applied"; i++) await new Promise((r) => setTimeout(r, 100));
    const one = await api(`/organizations/acme/change-requests/${changeId}`, { key: keys.acme });
    expect(one.body).toMatchObject({ state: "applied", version: 1, reviewer: "lena@vendor.test" });
    const versions = await api("/organizations/acme/versions", { key: keys.acme });
    expect(versions.body).toEqual({
      versions: [
        {
          version: 1,
          changeRequestId: changeId,
          source: "change-request",
          protocol: "saml",
          summary: expect.any(String),
          author: expect.stringMatching(/^api key "Test acme"/),
          approvedBy: "lena@vendor.test",
          appliedAt: expect.any(String),
          staged: true,
          live: false,
        },
      ],
    });
  });
});

describe("suspend and resume", () => {
  it("suspends and resumes with a key for every organization; twice is a conflict", async () => {
    const suspended = await api("/organizations/initech/suspend", { key: keys.all, method: "POST" });
    expect(suspended.status).toBe(202);
    expect(suspended.body).toMatchObject({ organization: { slug: "initech", status: "suspended" } });
    const again = await api("/organizations/initech/suspend", { key: keys.all, method: "POST" });
    expect(again.status).toBe(409);
    expect(errorOf(again).message).toMatch(/is suspended/);
    expect((await api("/organizations/initech", { key: keys.all })).body).toMatchObject({ status: "suspended" });
    // A suspended organization takes no change.
    const change = await api("/organizations/initech/change-requests", {
      key: keys.all,
      body: { idp: "okta", saml: { metadataXml: fixtureText("saml-okta-1.xml") } },
    });
    expect(change.status).toBe(409);
    const resumed = await api("/organizations/initech/resume", { key: keys.all, method: "POST", body: {} });
    expect(resumed.status).toBe(202);
    expect(resumed.body).toMatchObject({ organization: { status: "active" }, applyJobId: expect.any(String) });
    expect((await api("/organizations/initech/resume", { key: keys.all, method: "POST" })).status).toBe(409);
  });

  it("a key for one organization may not suspend even its own", async () => {
    const res = await api("/organizations/acme/suspend", { key: keys.acme, method: "POST" });
    expect(res.status).toBe(403);
    expect(errorOf(res).code).toBe("forbidden");
    expect((await api("/organizations/acme", { key: keys.acme })).body).toMatchObject({ status: "active" });
  });
});

describe("rate limit and last use", () => {
  it(`allows ${API_RATE_LIMIT_PER_MINUTE} requests a minute per key, then 429 with Retry-After`, async () => {
    const statuses: number[] = [];
    for (let i = 0; i < API_RATE_LIMIT_PER_MINUTE; i += 20) {
      const batch = await Promise.all(
        Array.from({ length: Math.min(20, API_RATE_LIMIT_PER_MINUTE - i) }, () =>
          api("/organizations/globex", { key: keys.burst }),
        ),
      );
      statuses.push(...batch.map((r) => r.status));
    }
    expect(statuses.every((s) => s === 200)).toBe(true);
    const over = await api("/organizations/globex", { key: keys.burst });
    expect(over.status).toBe(429);
    expect(errorOf(over).code).toBe("rate_limited");
    expect(Number(over.headers.get("retry-after"))).toBeGreaterThan(0);
    // Another key is not slowed down by this one.
    expect((await api("/organizations/acme", { key: keys.acme })).status).toBe(200);
  });

  it("shows each key's last use to the support lead", async () => {
    const list = await listApiKeys(lena);
    const acme = list.find((k) => k.name === "Test acme")!;
    expect(acme.lastUsedAt).toBeInstanceOf(Date);
    expect(acme.organization).toEqual({ slug: "acme", name: "Acme" });
    expect(acme.prefix).toMatch(/^ssop_/);
    // Only the hash is stored.
    const rows = await portal.database.db.selectFrom("api_keys").select(["key_hash", "prefix"]).execute();
    for (const r of rows) {
      expect(r.key_hash).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.values(keys)).not.toContain(r.key_hash);
    }
  });

  it("checked every answer against the OpenAPI document, which does refuse a wrong answer", () => {
    expect(contract.checked.length).toBeGreaterThan(30);
    const wrong = { organizations: [{ slug: "acme", name: "Acme", createdAt: "yesterday" }] };
    expect(() => contract.check("GET", "/api/v1/organizations", 200, wrong)).toThrow(/does not match/);
    expect(() => contract.check("GET", "/api/v1/organizations", 418, {})).toThrow(/not documented/);
  });
});
