import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseArgs, runValidateCommand } from "./validate-document";

const ROOT = join(import.meta.dirname, "..");
const DIR = join(ROOT, "tests/fixtures/idp-documents");
const rows = readFileSync(join(DIR, "MANIFEST.tsv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t"))
  .map((c) => ({ file: c[0]!, kind: c[1]!, expected: c[6]! }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await runValidateCommand(args, { stdout, stderr });
  return { code, out, err };
}

describe("npm run validate -- <file>", () => {
  for (const row of rows) {
    const exit = row.expected === "reject" ? 1 : 0;
    it(`${row.file}: exit ${exit}, human report and --json`, async () => {
      const human = await run([join(DIR, row.file), "--now", "2026-11-22"]);
      expect(human.code).toBe(exit);
      expect(human.out).toContain(row.expected === "reject" ? "Verdict: REFUSED" : "Verdict: OK");
      const json = await run([join(DIR, row.file), "--now=2026-11-22", "--json"]);
      expect(json.code).toBe(exit);
      const report = JSON.parse(json.out) as { verdict: string; kind: string };
      expect(report.verdict).toBe({ accept: "ok", warn: "warn", reject: "error" }[row.expected]);
      if (row.kind !== "hostile" && row.expected !== "reject") expect(report.kind).toBe(row.kind);
    });
  }

  it("--kind overrides detection; --entity-id picks from an aggregate", async () => {
    const asJwks = await run([join(DIR, "oidc-google.json"), "--kind", "jwks", "--json", "--now", "2026-11-22"]);
    expect(asJwks.code).toBe(1);
    expect(JSON.parse(asJwks.out)).toMatchObject({ kind: "jwks", errors: [{ code: "JWKS_MALFORMED" }] });
    const picked = await run([
      join(DIR, "saml-testshib-aggregate-1.xml"),
      "--entity-id",
      "https://sp.testshib.org/shibboleth-sp",
      "--now",
      "2026-11-22",
    ]);
    expect(picked.code).toBe(1);
    expect(picked.out).toContain("NO_IDP_DESCRIPTOR");
  });

  it("says plainly when none of several signing certificates is valid any more (security review 2026-12-06)", async () => {
    // Both of this rotation's signing certificates expired years ago.
    const expired = await run([join(DIR, "saml-multicert-rotation-1.xml"), "--now", "2026-11-22"]);
    expect(expired.out).not.toContain("the valid one that expires last");
    expect(expired.out).toContain("None of them is valid any more: all 2 have expired");
    // SAMLtest's two are valid until 2038: the usual sentence.
    const valid = await run([join(DIR, "saml-samltest-1.xml"), "--now", "2026-11-22"]);
    expect(valid.out).toContain("The one sent to Auth0 is the valid one that expires last");
  });

  it("without --now, dates are judged against the real clock", async () => {
    expect(parseArgs(["f"], () => new Date("2030-01-01T00:00:00Z"))).toMatchObject({
      now: new Date("2030-01-01T00:00:00Z"),
    });
  });

  it.each([
    [[], "Name a file or URL"],
    [["a.xml", "b.xml"], "one file or URL"],
    [["a.xml", "--kind", "pdf"], "--kind must be one of"],
    [["a.xml", "--now", "yesterday"], "--now needs an ISO date"],
    [["a.xml", "--entity-id"], "--entity-id needs a value"],
    [["a.xml", "--frobnicate"], "Unknown option --frobnicate"],
    [[join(DIR, "does-not-exist.xml")], "no such file"],
  ])("usage problem %j exits 2", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain("Usage: npm run validate");
    expect(r.out).toBe("");
  });

  it("the npm script dispatches to the command (a real process)", () => {
    const child = spawnSync("npx", ["tsx", "scripts/validate.ts", join(DIR, "evil-billion-laughs-1.xml"), "--json"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(child.status).toBe(1);
    expect(JSON.parse(child.stdout)).toMatchObject({ verdict: "error", errors: [{ code: "XML_DTD_FORBIDDEN" }] });
    const ok = spawnSync("npx", ["tsx", "scripts/validate.ts", join(DIR, "saml-google-1.xml"), "--now", "2026-11-22"], {
      cwd: ROOT,
      encoding: "utf8",
    });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("Google Workspace");
  }, 30_000);
});

describe("npm run validate -- <url> (through the SSRF-safe fetcher)", () => {
  it("judges URLs in local mode over loopback http, detecting the kind, and refuses them otherwise", async () => {
    let port = 0;
    const base = () => `http://127.0.0.1:${port}`;
    const server = http.createServer((req, res) => {
      if (req.url === "/metadata")
        res.writeHead(200, { "content-type": "text/xml" }).end(readFileSync(join(DIR, "saml-okta-1.xml")));
      else if (req.url === "/.well-known/openid-configuration") {
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            issuer: base(),
            authorization_endpoint: `${base()}/auth`,
            token_endpoint: `${base()}/token`,
            jwks_uri: `${base()}/jwks`,
            response_types_supported: ["code"],
          }),
        );
      } else if (req.url === "/jwks")
        res.writeHead(200, { "content-type": "application/json" }).end(readFileSync(join(DIR, "jwks-google.json")));
      else res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    port = (server.address() as AddressInfo).port;
    try {
      const saml = await run([`${base()}/metadata`, "--local", "--now", "2026-11-22", "--json"]);
      expect(saml.code).toBe(0);
      expect(JSON.parse(saml.out)).toMatchObject({ kind: "saml-metadata", verdict: "ok" });
      const oidc = await run([`${base()}/.well-known/openid-configuration`, "--local", "--json"]);
      expect(oidc.code).toBe(0);
      expect(JSON.parse(oidc.out)).toMatchObject({
        kind: "oidc-discovery",
        verdict: "ok",
        facts: { jwks: { usableSigningKeys: 2 } },
      });
      const jwks = await run([`${base()}/jwks`, "--local", "--json"]);
      expect(JSON.parse(jwks.out)).toMatchObject({ kind: "jwks", verdict: "ok" });
      const refused = await run([`${base()}/metadata`, "--json"]);
      expect(refused.code).toBe(1);
      expect(JSON.parse(refused.out)).toMatchObject({ errors: [{ code: "FETCH_ADDRESS_REFUSED" }] });
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
