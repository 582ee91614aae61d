import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestPortal, type TestPortal } from "../support/portal";

/**
 * Odd request targets against the running portal, over a raw socket (fetch would tidy them up
 * first): nothing reaches a file outside the built client, leaves PUBLIC_URL's origin, skips the
 * same-origin check, or answers 500. ADR 026 moved the pipeline from Express to node:http.
 */

let portal: TestPortal;
let port: number;

beforeAll(async () => {
  portal = await startTestPortal();
  port = Number(new URL(portal.url).port);
});

afterAll(async () => {
  await portal?.stop();
});

interface RawResponse {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** One request written as is; `host` names the Host header (default: PUBLIC_URL's host). */
function raw(method: string, target: string, options: { host?: string; body?: string } = {}): Promise<RawResponse> {
  const host = options.host ?? new URL(portal.url).host;
  const body = options.body ?? "";
  const lines = [`${method} ${target} HTTP/1.1`, `host: ${host}`, "connection: close"];
  if (method === "POST")
    lines.push("content-type: application/x-www-form-urlencoded", `content-length: ${body.length}`);
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let text = "";
    socket.setEncoding("latin1");
    socket.on("data", (chunk) => (text += chunk));
    socket.on("error", reject);
    socket.on("end", () => {
      const split = text.indexOf("\r\n\r\n");
      const [statusLine, ...headerLines] = text.slice(0, split).split("\r\n");
      const headers = new Map(
        headerLines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]),
      );
      resolve({ status: Number(statusLine!.split(" ")[1]), headers, body: text.slice(split + 4) });
    });
    socket.write(`${lines.join("\r\n")}\r\n\r\n${body}`);
  });
}

function expectPortalHeaders(res: RawResponse, label: string) {
  expect(res.headers.get("x-request-id"), label).toBeTruthy();
  expect(res.headers.get("content-security-policy"), label).toMatch(/frame-ancestors 'none'/);
  expect(res.headers.get("x-content-type-options"), label).toBe("nosniff");
}

describe("odd request targets", () => {
  it("a path that starts with // stays a path on the portal, also when redirected to PUBLIC_URL's host", async () => {
    const page = await raw("GET", "//evil.example/x");
    expect(page.status).toBe(404);
    expectPortalHeaders(page, "//evil.example/x");
    expect(page.headers.get("cache-control")).toBe("no-store");

    const redirected = await raw("GET", "//evil.example/x", { host: `127.0.0.1:${port}` });
    expect(redirected.status).toBe(302);
    const location = new URL(redirected.headers.get("location")!, "http://base.invalid");
    expect(location.origin).toBe(new URL(portal.url).origin);
    expect(location.pathname).toBe("//evil.example/x");
  });

  it("dot segments, raw or encoded, reach no file outside the built client", async () => {
    for (const target of [
      "/assets/../../../package.json",
      "/assets/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/assets/..%2f..%2f..%2fpackage.json",
      "/favicon.svg/../../../package.json",
      "/%2e%2e/%2e%2e/%2e%2e/package.json",
      "/assets/%2e%2e/%2e%2e/server/index.js",
    ]) {
      const res = await raw("GET", target);
      expect(res.status, target).toBe(404);
      expect(res.body, target).not.toContain("sso-portal");
      expect(res.body, target).not.toContain("createRequestHandler");
      expect(res.headers.get("cache-control"), target).toBe("no-store");
    }
    // Dot segments the router resolves land on the page they name, as a browser would have asked.
    expect((await raw("GET", "/%2e%2e/healthz")).status).toBe(200);
  });

  it("an absolute-form target (GET http://host/path) is its path on the portal, never a 500", async () => {
    const health = await raw("GET", "http://evil.example/healthz");
    expect(health.status).toBe(200);
    expectPortalHeaders(health, "absolute /healthz");
    expect((await raw("GET", "http://evil.example/")).status).toBe(200);
    expect((await raw("GET", "http://evil.example//other.example/x")).status).toBe(404);

    const redirected = await raw("GET", "http://evil.example/orgs?x=1", { host: `127.0.0.1:${port}` });
    expect(redirected.status).toBe(302);
    expect(redirected.headers.get("location")).toBe(`${portal.url}/orgs?x=1`);
  });

  it("a target that names no path (OPTIONS *) is a 400", async () => {
    for (const method of ["OPTIONS", "GET"]) {
      const res = await raw(method, "*");
      expect(res.status, method).toBe(400);
      expectPortalHeaders(res, `${method} *`);
    }
  });

  it("keeps the same-origin check for every spelling of a form post", async () => {
    for (const target of [
      "//evil.example/auth/logout",
      "http://evil.example/auth/logout",
      "http://evil.example/api/v1/../auth/logout",
      "/api/v1/%2e%2e/auth/logout",
      "/api/v1/../auth/logout",
    ]) {
      const res = await raw("POST", target, { body: "a=b" });
      expect(res.status, target).toBe(403);
      expect(res.body, target).toContain("did not come from the portal's own pages");
    }
  });

  it("answers a malformed percent escape and a long path without a 500, and a too long one before the portal", async () => {
    for (const target of ["/%", "/nothing/%zz", `/${"a".repeat(8000)}`]) {
      const res = await raw("GET", target);
      expect(res.status, target.slice(0, 20)).toBe(404);
      expectPortalHeaders(res, target.slice(0, 20));
    }
    // Past Node's header limit (16 KB): Node answers 431 itself, and the portal goes on.
    expect((await raw("GET", `/${"a".repeat(20_000)}`)).status).toBe(431);
    expect((await raw("GET", "/healthz")).status).toBe(200);
  });
});
