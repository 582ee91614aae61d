import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { judgeMetadataDocument, judgeMetadataUrl, judgeOidcProvider } from "./idp-validation.server";

const DIR = join(import.meta.dirname, "../../../tests/fixtures/idp-documents");
const NOW = new Date("2026-11-22T00:00:00Z");
let base = "";
const server = http.createServer((req, res) => {
  if (req.url === "/metadata")
    res.writeHead(200, { "content-type": "text/xml" }).end(readFileSync(join(DIR, "saml-keycloak-1.xml")));
  else res.writeHead(404).end();
});

beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
});

describe("idp-validation service", () => {
  it("judges an upload with the given clock", () => {
    expect(
      judgeMetadataDocument(readFileSync(join(DIR, "saml-entra-1.xml")), { now: NOW, localMode: false }).verdict,
    ).toBe("warn");
    expect(
      judgeMetadataDocument(readFileSync(join(DIR, "saml-entra-1.xml")), {
        now: new Date("2026-06-01T00:00:00Z"),
        localMode: false,
      }).verdict,
    ).toBe("ok");
  });

  it("fetches metadata URLs through the safe fetcher: loopback http only in local mode", async () => {
    const local = await judgeMetadataUrl(`${base}/metadata`, { now: NOW, localMode: true });
    // In local mode its plain-http localhost endpoints are the demo setup, not worth a warning.
    expect(local.verdict).toBe("ok");
    const strict = await judgeMetadataUrl(`${base}/metadata`, { now: NOW, localMode: false });
    expect(strict.errors.map((e) => e.code)).toEqual(["FETCH_ADDRESS_REFUSED"]);
  });

  it("refuses an OIDC provider on an internal address, and never echoes the secret", async () => {
    const r = await judgeOidcProvider("https://169.254.169.254/", {
      now: NOW,
      localMode: false,
      clientId: "abc",
      clientSecret: "pa55-word-not-shown",
    });
    expect(r.verdict).toBe("error");
    expect(JSON.stringify(r)).not.toContain("pa55-word-not-shown");
  });
});
