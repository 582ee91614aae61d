import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_DEMO_PASSWORD } from "../../local-tenant/seed";
import { CLIENT_DIR } from "../../server/build";
import { createPortalApp, MAX_BODY_BYTES } from "../../server/http";
import { loadServerBuild } from "../../server/portal";
import { sessionCookieFor } from "../support/auth";
import { HttpBrowser, hiddenInput } from "../../harness/http-browser";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * Findings 2–4 of the security review of 2026-12-06 (docs/security-review-2026-12-06.md): which
 * address the portal answers at, which proxy headers it believes, and what it does with a body
 * it cannot read — each against the running portal over HTTP.
 */

let portal: TestPortal;
/** The same portal's code as a deployment behind a reverse proxy (TRUST_PROXY=loopback) … */
let behindProxy: { url: string; server: Server };
/** … and as a deployment that believes no proxy (TRUST_PROXY unset). */
let trustingNoOne: { url: string; server: Server };

async function serve(app: ReturnType<typeof createPortalApp>) {
  const server = createServer(app);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

beforeAll(async () => {
  portal = await startTestPortal();
  const build = await loadServerBuild();
  // Both answer for the test portal's public URL, as a proxy in front of them would.
  const common = { build, clientDir: CLIENT_DIR, secure: false, publicUrl: () => portal.url };
  behindProxy = await serve(createPortalApp({ ...common, trustProxy: ["loopback"] }));
  trustingNoOne = await serve(createPortalApp({ ...common }));
});

afterAll(async () => {
  for (const s of [behindProxy, trustingNoOne]) await new Promise((r) => s?.server.close(r));
  await portal?.stop();
});

const publicOrigin = () => new URL(portal.url).origin;
const publicHost = () => new URL(portal.url).host;
const loopbackUrl = () => portal.url.replace("//localhost:", "//127.0.0.1:");

async function post(url: string, headers: Record<string, string>, body = "scope=this") {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", ...headers },
    body,
    redirect: "manual",
  });
  return { status: res.status, location: res.headers.get("location"), text: await res.text() };
}

describe("local mode: another name for this machine (127.0.0.1 instead of localhost)", () => {
  it("is sent to the PUBLIC_URL host before anything is set", async () => {
    const res = await fetch(`${loopbackUrl()}/auth/login?returnTo=%2Forgs%2Facme`, { redirect: "manual" });
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe(`${portal.url}/auth/login?returnTo=%2Forgs%2Facme`);
    expect(res.headers.getSetCookie()).toEqual([]);
  });

  it("so a sign-in started at 127.0.0.1 completes (it used to say the sign-in was started in another browser)", async () => {
    const browser = new HttpBrowser();
    const login = await browser.follow(`${loopbackUrl()}/orgs/acme`, () => false);
    expect(login.url.startsWith(portal.tenant!.url)).toBe(true);
    const html = await login.res!.text();
    const done = await browser.submit(
      login.url,
      { _csrf: hiddenInput(html, "_csrf")!, email: "alice@acme.test", password: DEFAULT_DEMO_PASSWORD },
      () => false,
    );
    expect(done.url).toBe(`${portal.url}/orgs/acme`);
    expect(done.res?.status).toBe(200);
    expect(await done.res!.text()).toContain("victor@acme.test");
  });

  it("refuses a form posted to the other name with a message saying which address to open", async () => {
    const res = await post(`${loopbackUrl()}/auth/logout`, { origin: publicOrigin() });
    expect(res.status).toBe(400);
    expect(res.text).toContain(`Open the portal at ${publicOrigin()}`);
  });

  it("answers health checks at any address", async () => {
    expect((await fetch(`${loopbackUrl()}/healthz`)).status).toBe(200);
  });
});

describe("behind a reverse proxy (TRUST_PROXY) and without it: PUBLIC_URL is the one truth", () => {
  it("takes a form whose Host the proxy rewrote to its own upstream name (it used to answer 500)", async () => {
    const cookie = await sessionCookieFor(portal.database.db, "alice@acme.test");
    for (const target of [behindProxy, trustingNoOne]) {
      const res = await post(`${target.url}/auth/logout`, {
        origin: publicOrigin(),
        cookie,
        host: "portal-upstream:8080",
      });
      expect(res.status, target.url).toBe(302);
    }
  });

  it("takes a form whose believed X-Forwarded-Host is PUBLIC_URL's host", async () => {
    const res = await post(`${behindProxy.url}/auth/logout`, {
      origin: publicOrigin(),
      host: "portal-upstream:8080",
      "x-forwarded-host": publicHost(),
      "x-forwarded-proto": "http",
    });
    expect(res.status).toBe(302);
  });

  it("answers a believed X-Forwarded-Host that is not PUBLIC_URL's with a 400 naming both, never a 500", async () => {
    for (const origin of [publicOrigin(), "https://sso.other.example"]) {
      const res = await post(`${behindProxy.url}/auth/logout`, {
        origin,
        "x-forwarded-host": "sso.other.example",
      });
      expect(res.status, origin).toBe(400);
      expect(res.text).toContain("sso.other.example");
      expect(res.text).toContain(`PUBLIC_URL) is ${publicOrigin()}`);
    }
  });

  it("does not believe X-Forwarded-Host without TRUST_PROXY, and still holds Origin to PUBLIC_URL (403)", async () => {
    const ignored = await post(`${trustingNoOne.url}/auth/logout`, {
      origin: publicOrigin(),
      "x-forwarded-host": "sso.other.example",
    });
    expect(ignored.status).toBe(302);
    for (const target of [trustingNoOne, behindProxy]) {
      const foreign = await post(`${target.url}/auth/logout`, {
        origin: "https://sso.other.example",
        ...(target === behindProxy ? { "x-forwarded-host": publicHost() } : {}),
      });
      expect(foreign.status, target.url).toBe(403);
      expect(foreign.text).toContain("did not come from the portal's own pages");
    }
  });

  it("believes X-Forwarded-For (the address in audit rows) only from a proxy TRUST_PROXY names", async () => {
    const ips: Record<string, string | null> = {};
    for (const [name, target] of Object.entries({ behindProxy, trustingNoOne })) {
      const cookie = await sessionCookieFor(portal.database.db, "alice@acme.test");
      const requestId = `proxy-ip-${name}`;
      const res = await post(`${target.url}/auth/logout`, {
        origin: publicOrigin(),
        cookie,
        "x-request-id": requestId,
        "x-forwarded-for": "203.0.113.9",
      });
      expect(res.status).toBe(302);
      const row = await portal.database.db
        .selectFrom("audit_events")
        .select("ip")
        .where("request_id", "=", requestId)
        .executeTakeFirstOrThrow();
      ips[name] = row.ip;
    }
    expect(ips.behindProxy).toBe("203.0.113.9");
    expect(ips.trustingNoOne).not.toBe("203.0.113.9");
  });
});

describe("bodies the portal cannot read", () => {
  it.each([
    ["text/plain", "scope=this", 415, "reads forms only"],
    ["application/json", '{"scope":"this"}', 415, "reads forms only"],
    ["application/xml", "<x/>", 415, "this request sent application/xml"],
    ["multipart/form-data", "scope=this", 400, "could not be read"],
    ["multipart/form-data; boundary=abc", "not multipart at all", 400, "could not be read"],
  ])(
    "a POST with Content-Type %s and body %j answers %i with a message, not 500",
    async (type, body, status, message) => {
      const res = await post(`${portal.url}/auth/logout`, { origin: publicOrigin(), "content-type": type }, body);
      expect(res.status).toBe(status);
      expect(res.text).toContain(message);
    },
  );

  it("a POST with no Content-Type at all answers 415", async () => {
    const res = await fetch(`${portal.url}/auth/logout`, {
      method: "POST",
      headers: { origin: publicOrigin() },
      body: new Uint8Array([1, 2, 3]),
      redirect: "manual",
    });
    expect(res.status).toBe(415);
    expect(await res.text()).toContain("no Content-Type");
  });

  it("says the real limit when a body is too large", async () => {
    const res = await post(`${portal.url}/auth/logout`, { origin: publicOrigin() }, "a".repeat(MAX_BODY_BYTES + 1));
    expect(res.status).toBe(413);
    expect(res.text).toContain(`The limit is ${MAX_BODY_BYTES / 1024 / 1024} MB`);
  });
});
