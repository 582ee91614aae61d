import { describe, expect, it } from "vitest";
import { makeSessionCookie } from "./session.server";

describe("the session cookie", () => {
  const secret = "a-test-secret-of-at-least-32-characters!";

  it("outside local mode is __Host-, Secure, httpOnly, SameSite=Lax, for the whole site, and signed", async () => {
    const cookie = makeSessionCookie({ secure: true, secret });
    const header = await cookie.serialize("abc");
    expect(header).toMatch(/^__Host-portal_session=/);
    expect(header).toMatch(/; Secure/);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Lax/);
    expect(header).toMatch(/; Path=\//);
    expect(header).not.toMatch(/; Domain=/i);
    expect(await cookie.parse(header.split(";")[0]!)).toBe("abc");
    // Another secret's signature is not accepted.
    const other = makeSessionCookie({ secure: true, secret: `${secret}-other` });
    expect(await other.parse(header.split(";")[0]!)).toBeNull();
  });

  it("in local mode (plain http) drops only Secure and the __Host- prefix", async () => {
    const header = await makeSessionCookie({ secure: false, secret }).serialize("abc");
    expect(header).toMatch(/^portal_session=/);
    expect(header).not.toMatch(/; Secure/);
    expect(header).toMatch(/; HttpOnly/);
    expect(header).toMatch(/; SameSite=Lax/);
  });
});
