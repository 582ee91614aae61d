import { readFileSync } from "node:fs";
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FetchRefused, validateOidcProvider, validateSamlMetadataUrl } from "~/validators/index";
import { createSafeFetcher, type Resolver } from "./safe-fetch.server";

const TESTDATA = join(import.meta.dirname, "testdata");
const CA = readFileSync(join(TESTDATA, "test-cert.pem"), "utf8");
const KEY = readFileSync(join(TESTDATA, "test-key.pem"), "utf8");
const METADATA = readFileSync(join(import.meta.dirname, "../../../tests/fixtures/idp-documents/saml-google-1.xml"));
const NOW = new Date("2026-11-22T00:00:00Z");

type Route = (req: http.IncomingMessage, res: http.ServerResponse) => void;
const routes: Record<string, Route> = {
  "/metadata.xml": (_q, r) => r.writeHead(200, { "content-type": "application/samlmetadata+xml" }).end(METADATA),
  "/login": (_q, r) => r.writeHead(200, { "content-type": "text/html" }).end("<html>sign in</html>"),
  "/json": (_q, r) => r.writeHead(200, { "content-type": "application/json" }).end("{}"),
  "/missing": (_q, r) => r.writeHead(404).end(),
  "/big": (_q, r) => r.writeHead(200, { "content-type": "text/xml", "content-length": "5000" }).end("x".repeat(5000)),
  "/big-chunked": (_q, r) => {
    r.writeHead(200, { "content-type": "text/xml" });
    for (let i = 0; i < 10; i++) r.write("x".repeat(500));
    r.end();
  },
  "/hang": () => undefined,
  "/to-metadata-service": (_q, r) => r.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end(),
  "/to-evil-host": (_q, r) => r.writeHead(302, { location: "https://evil.test/x" }).end(),
};
for (let i = 1; i <= 4; i++) {
  routes[`/r${i}`] = (_q, r) => r.writeHead(302, { location: i === 1 ? "/metadata.xml" : `/r${i - 1}` }).end();
}

const seen: { host?: string; url?: string }[] = [];
const handler: Route = (req, res) => {
  seen.push({ host: req.headers.host, url: req.url });
  const route = routes[req.url ?? ""];
  if (route) route(req, res);
  else res.writeHead(404).end();
};
const tls = https.createServer({ cert: CA, key: KEY }, handler);
const plain = http.createServer(handler);
let tlsPort = 0;
let plainPort = 0;

beforeAll(async () => {
  await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
  await new Promise<void>((r) => plain.listen(0, "127.0.0.1", r));
  tlsPort = (tls.address() as AddressInfo).port;
  plainPort = (plain.address() as AddressInfo).port;
});
afterAll(async () => {
  tls.closeAllConnections();
  plain.closeAllConnections();
  await new Promise((r) => tls.close(r));
  await new Promise((r) => plain.close(r));
});

/** idp.test is not in any DNS: a request that reaches the server used the pinned address. */
const hosts: Record<string, string[]> = {
  "idp.test": ["127.0.0.1"],
  "evil.test": ["10.0.0.5"],
  "mixed.test": ["93.184.215.14", "192.168.0.10"],
};
const calls: string[] = [];
const resolver: Resolver = async (hostname) => {
  calls.push(hostname);
  return (hosts[hostname] ?? []).map((address) => ({ address, family: address.includes(":") ? 6 : 4 }));
};
const local = createSafeFetcher({ localMode: true, resolver, ca: CA, timeoutMs: 1_000, maxBytes: 4_000 });
const strict = createSafeFetcher({ resolver, ca: CA, timeoutMs: 1_000 });
const url = (path: string) => `https://idp.test:${tlsPort}${path}`;

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (err instanceof FetchRefused) return err.code;
    throw err;
  }
  throw new Error("expected a refusal");
}

describe("createSafeFetcher", () => {
  it("fetches over https from the address it checked (pinned), with the original Host and SNI", async () => {
    calls.length = 0;
    seen.length = 0;
    const doc = await local(url("/metadata.xml"), "xml");
    expect(Buffer.from(doc.body).equals(METADATA)).toBe(true);
    expect(doc.contentType).toBe("application/samlmetadata+xml");
    expect(seen).toEqual([{ host: `idp.test:${tlsPort}`, url: "/metadata.xml" }]);
    expect(calls).toEqual(["idp.test"]);
  });

  it("refuses loopback outside local mode, before connecting", async () => {
    seen.length = 0;
    expect(await refusal(strict(url("/metadata.xml"), "xml"))).toBe("FETCH_ADDRESS_REFUSED");
    expect(await refusal(strict(`https://127.0.0.1:${tlsPort}/metadata.xml`, "xml"))).toBe("FETCH_ADDRESS_REFUSED");
    expect(await refusal(strict(`https://[::1]:${tlsPort}/metadata.xml`, "xml"))).toBe("FETCH_ADDRESS_REFUSED");
    expect(seen).toEqual([]);
  });

  it.each([
    // A host with any private address among its answers, and an unresolvable host.
    ["strict", "https://evil.test/metadata", "xml", "FETCH_ADDRESS_REFUSED"],
    ["strict", "https://mixed.test/metadata", "xml", "FETCH_ADDRESS_REFUSED"],
    ["strict", "https://169.254.169.254/latest/meta-data/", "any", "FETCH_ADDRESS_REFUSED"],
    ["strict", "https://[::ffff:10.0.0.1]/", "any", "FETCH_ADDRESS_REFUSED"],
    ["strict", "https://nowhere.test/", "any", "FETCH_DNS_FAILED"],
    // Local mode too: other schemes than http(s), credentials in the URL, no URL at all.
    ["local", "ftp://idp.test/metadata.xml", "xml", "FETCH_SCHEME_REFUSED"],
    ["local", "file:///etc/passwd", "xml", "FETCH_SCHEME_REFUSED"],
    ["local", "https://user:pw@idp.test/", "xml", "FETCH_URL_INVALID"],
    ["local", "not a url", "xml", "FETCH_URL_INVALID"],
  ] as const)("the %s fetcher refuses %s (%s) with %s", async (fetcher, target, kind, code) => {
    expect(await refusal({ local, strict }[fetcher](target, kind))).toBe(code);
  });

  it("allows plain http only to loopback in local mode", async () => {
    const doc = await local(`http://idp.test:${plainPort}/metadata.xml`, "xml");
    expect(doc.body.byteLength).toBe(METADATA.byteLength);
    expect(await refusal(strict(`http://idp.test:${plainPort}/metadata.xml`, "xml"))).toBe("FETCH_ADDRESS_REFUSED");
    hosts["public.test"] = ["93.184.215.14"];
    expect(await refusal(local("http://public.test/metadata.xml", "xml"))).toBe("FETCH_SCHEME_REFUSED");
  });

  it("follows up to 3 redirects, re-checking each target", async () => {
    calls.length = 0;
    const doc = await local(url("/r3"), "xml");
    expect(doc.url).toBe(url("/metadata.xml"));
    expect(calls).toEqual(["idp.test", "idp.test", "idp.test", "idp.test"]);
    expect(await refusal(local(url("/r4"), "xml"))).toBe("FETCH_TOO_MANY_REDIRECTS");
    expect(await refusal(local(url("/to-metadata-service"), "xml"))).toBe("FETCH_ADDRESS_REFUSED");
    expect(await refusal(local(url("/to-evil-host"), "xml"))).toBe("FETCH_ADDRESS_REFUSED");
  });

  it("caps the size, with or without a Content-Length", async () => {
    expect(await refusal(local(url("/big"), "xml"))).toBe("FETCH_TOO_LARGE");
    expect(await refusal(local(url("/big-chunked"), "xml"))).toBe("FETCH_TOO_LARGE");
  });

  it("times out", async () => {
    const impatient = createSafeFetcher({ localMode: true, resolver, ca: CA, timeoutMs: 200 });
    expect(await refusal(impatient(url("/hang"), "xml"))).toBe("FETCH_TIMEOUT");
    const silentDns = createSafeFetcher({ resolver: () => new Promise(() => undefined), timeoutMs: 200 });
    expect(await refusal(silentDns("https://slow.test/metadata", "xml"))).toBe("FETCH_TIMEOUT");
  });

  it("checks the status and the content type", async () => {
    expect(await refusal(local(url("/missing"), "xml"))).toBe("FETCH_HTTP_STATUS");
    expect(await refusal(local(url("/login"), "xml"))).toBe("FETCH_CONTENT_TYPE");
    expect(await refusal(local(url("/json"), "xml"))).toBe("FETCH_CONTENT_TYPE");
    expect((await local(url("/json"), "json")).contentType).toBe("application/json");
  });

  it("refuses a server whose certificate it cannot verify", async () => {
    const noCa = createSafeFetcher({ localMode: true, resolver, timeoutMs: 1_000 });
    const err = await noCa(url("/metadata.xml"), "xml").catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FetchRefused);
    expect((err as FetchRefused).code).toBe("FETCH_FAILED");
    expect((err as FetchRefused).message).toContain("certificate");
  });

  it("drives the URL validators", async () => {
    const saml = await validateSamlMetadataUrl(url("/metadata.xml"), { now: NOW, fetch: local, localMode: true });
    expect(saml.verdict).toBe("ok");
    const refused = await validateSamlMetadataUrl("https://evil.test/metadata", { now: NOW, fetch: strict });
    expect(refused.errors.map((e) => e.code)).toEqual(["FETCH_ADDRESS_REFUSED"]);
    const oidc = await validateOidcProvider("https://evil.test", { now: NOW, fetch: strict });
    expect(oidc.verdict).toBe("error");
    expect(oidc.errors.map((e) => e.code)).toEqual(["FETCH_ADDRESS_REFUSED"]);
  });
});
