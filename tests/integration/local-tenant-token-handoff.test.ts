import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { PORTAL_CLIENT_ID } from "../../local-tenant/seed.js";
import { startLocalTenant, type LocalTenant } from "../../local-tenant/server.js";

/**
 * The Management API's /oauth/token handler reads the body to find grant_type and hands the
 * code and refresh-token grants to oidc-provider. The provider must get a body it can read
 * itself: given an already-parsed one it falls back to req.body and prints a warning.
 */
let tenant: LocalTenant;
beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0 });
});
afterAll(async () => {
  await tenant?.close();
});

describe("token endpoint hand-off to oidc-provider", () => {
  it("answers form, JSON and Basic-authenticated code grants with no parsed-body warning", async () => {
    const warn = vi.spyOn(console, "warn");
    try {
      const secret = tenant.portalClient.clientSecret;
      const requests: RequestInit[] = [
        {
          headers: { "content-type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code: "not-a-code",
            redirect_uri: "http://localhost:3000/auth/callback",
            client_id: PORTAL_CLIENT_ID,
            client_secret: secret,
          }),
        },
        {
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            grant_type: "refresh_token",
            refresh_token: "not-a-token",
            client_id: PORTAL_CLIENT_ID,
            client_secret: secret,
          }),
        },
        {
          headers: {
            "content-type": "application/x-www-form-urlencoded",
            authorization: `Basic ${Buffer.from(`${PORTAL_CLIENT_ID}:${secret}`).toString("base64")}`,
          },
          body: new URLSearchParams({
            grant_type: "authorization_code",
            code: "not-a-code",
            redirect_uri: "http://localhost:3000/auth/callback",
          }),
        },
      ];
      for (const init of requests) {
        const res = await fetch(`${tenant.url}/oauth/token`, { method: "POST", ...init });
        // The client authenticated and the provider read the grant: the code/token is what fails.
        expect(res.status).toBe(400);
        const body: unknown = await res.json();
        expect(body).toMatchObject({ error: "invalid_grant" });
      }
      const warnings = warn.mock.calls.map((args) => args.map(String).join(" "));
      expect(warnings.filter((w) => /already parsed request body/.test(w))).toEqual([]);
    } finally {
      warn.mockRestore();
    }
  });
});
