import { describe, expect, it } from "vitest";
import { EnvError, listenHost, parseEnv, parseTrustProxy } from "./env.server";
import { REAL_TENANT_ENV } from "./env.fixtures";

function problems(source: Record<string, string>): string[] {
  try {
    parseEnv(source);
  } catch (err) {
    if (err instanceof EnvError) return err.problems;
    throw err;
  }
  return [];
}

describe("environment", () => {
  it("needs nothing in local mode and says so", () => {
    const env = parseEnv({});
    expect(env.localMode).toBe(true);
    expect(env.PORT).toBe(3000);
    expect(env.DATA_DIR).toBe(".data");
    expect(env.publicUrl).toBe("http://localhost:3000");
  });

  it("names a malformed DATABASE_URL with an example, without echoing it", () => {
    const found = problems({ DATABASE_URL: "mysql://user:hunter2@db/x" });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^DATABASE_URL must be a PostgreSQL URL such as postgres:\/\//);
    expect(found.join()).not.toContain("hunter2");
  });

  it("names a malformed SMTP_URL with an example, without echoing its password", () => {
    const found = problems({ SMTP_URL: "http://mailer:s3cret@mail.example.com" });
    expect(found).toHaveLength(1);
    expect(found[0]).toMatch(/^SMTP_URL must be an SMTP URL such as smtp:\/\//);
    expect(found.join()).not.toContain("s3cret");
    expect(parseEnv({ SMTP_URL: "smtps://u:p@mail.example.com:465" }).SMTP_URL).toBe(
      "smtps://u:p@mail.example.com:465",
    );
  });

  it("requires SESSION_SECRET and the Auth0 applications outside local mode, one message each", () => {
    const found = problems({ AUTH0_DOMAIN: "acme.eu.auth0.com" });
    const names = found.map((p) => p.split(" ")[0]);
    expect(names).toEqual(
      expect.arrayContaining([
        "SESSION_SECRET",
        "SECRETS_KEY",
        "AUTH0_MGMT_CLIENT_ID",
        "AUTH0_MGMT_CLIENT_SECRET",
        "AUTH0_PORTAL_CLIENT_ID",
        "AUTH0_PORTAL_CLIENT_SECRET",
        "PUBLIC_URL",
      ]),
    );
    expect(found.find((p) => p.startsWith("SESSION_SECRET"))).toMatch(/at least 32 characters/);
  });

  it("refuses a short session secret without printing it", () => {
    const found = problems({ SESSION_SECRET: "tooshort-secret" });
    expect(found).toEqual([expect.stringMatching(/^SESSION_SECRET must be at least 32 characters/)]);
    expect(found.join()).not.toContain("tooshort-secret");
  });

  it("says how to make SECRETS_KEY when it is missing or malformed, without printing it", () => {
    const missing = problems({ AUTH0_DOMAIN: "acme.eu.auth0.com" }).find((p) => p.startsWith("SECRETS_KEY"));
    expect(missing).toMatch(/required with AUTH0_DOMAIN.*openssl rand -hex 32/);
    const bad = problems({ SECRETS_KEY: "not-a-key-hunter2" });
    expect(bad).toEqual([expect.stringMatching(/^SECRETS_KEY must be 32 random bytes.*openssl rand -hex 32/)]);
    expect(bad.join()).not.toContain("hunter2");
    expect(parseEnv({ SECRETS_KEY: Buffer.alloc(32, 7).toString("base64") }).SECRETS_KEY).toBeDefined();
  });

  it("explains a tenant domain given as a URL", () => {
    const found = problems({ AUTH0_DOMAIN: "https://acme.auth0.com/" });
    expect(found.some((p) => p.startsWith("AUTH0_DOMAIN must be the tenant's domain only"))).toBe(true);
  });

  it("reads scheduled job periods and names each bad entry", () => {
    expect(parseEnv({ SCHEDULED_JOB_PERIODS: "session-sweep=90m" }).SCHEDULED_JOB_PERIODS).toEqual({
      "session-sweep": 5400,
    });
    const found = problems({ SCHEDULED_JOB_PERIODS: "session-sweep=often, coffee=1h" });
    expect(found).toHaveLength(2);
    expect(found[0]).toMatch(/^SCHEDULED_JOB_PERIODS "session-sweep=often" needs a period such as 90s, 15m, 6h or 1d/);
    expect(found[1]).toMatch(
      /^SCHEDULED_JOB_PERIODS "coffee" is not a scheduled job \(known: certificate-expiry, domain-recheck, drift-check, email-retries, metadata-refresh, session-sweep\)/,
    );
  });

  it("treats empty values as unset", () => {
    expect(parseEnv({ DATABASE_URL: "", PORT: "" }).DATABASE_URL).toBeUndefined();
  });

  it("accepts a complete real-tenant configuration", () => {
    const env = parseEnv({
      ...REAL_TENANT_ENV,
      PUBLIC_URL: "https://sso.example.com/",
      DATABASE_URL: "postgres://portal@db.example.com:5432/portal",
      SUPPORT_ADMIN_EMAILS: "Lena@Vendor.test, ops@vendor.test",
      AUTH0_PRODUCTION_CLIENT_IDS: "AppOne123, app-two_456",
      TEST_LOGIN_VALID_DAYS: "3",
    });
    expect(env.AUTH0_PRODUCTION_CLIENT_IDS).toEqual(["AppOne123", "app-two_456"]);
    expect(env.TEST_LOGIN_VALID_DAYS).toBe(3);
    expect(parseEnv({}).TEST_LOGIN_VALID_DAYS).toBe(7);
    expect(env.localMode).toBe(false);
    expect(env.publicUrl).toBe("https://sso.example.com");
    expect(env.SUPPORT_ADMIN_EMAILS).toEqual(["lena@vendor.test", "ops@vendor.test"]);
  });

  it("listens on 127.0.0.1 in local mode unless HOST says otherwise (security review 2026-12-06)", () => {
    expect(listenHost(parseEnv({}))).toBe("127.0.0.1");
    expect(listenHost(parseEnv({ HOST: "0.0.0.0" }))).toBe("0.0.0.0");
  });

  it("makes a real deployment say where it listens", () => {
    const real = { ...REAL_TENANT_ENV };
    expect(() => listenHost(parseEnv(real))).toThrow(/HOST is required with AUTH0_DOMAIN.*0\.0\.0\.0.*127\.0\.0\.1/);
    expect(listenHost(parseEnv({ ...real, HOST: "0.0.0.0" }))).toBe("0.0.0.0");
  });

  it("believes no proxy unless TRUST_PROXY names it, and explains a malformed value", () => {
    expect(parseEnv({}).trustProxy).toBe(false);
    expect(parseEnv({ TRUST_PROXY: "1" }).trustProxy).toBe(1);
    expect(parseEnv({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(parseEnv({ TRUST_PROXY: "loopback, 10.0.0.0/8" }).trustProxy).toEqual(["loopback", "10.0.0.0/8"]);
    expect(parseTrustProxy("proxy.example")).toBeUndefined();
    expect(problems({ TRUST_PROXY: "yes please" })).toEqual([
      expect.stringMatching(/^TRUST_PROXY must be true, false, a number of proxy hops/),
    ]);
  });
});
