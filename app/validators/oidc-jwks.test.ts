import { generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { validateJwks } from "./jwks";
import { validateOidcDiscovery } from "./oidc-discovery";
import { FetchRefused, validateOidcProvider, type DocumentFetcher } from "./remote";

const NOW = new Date("2026-11-22T00:00:00Z");
const FIXTURES = join(import.meta.dirname, "../../tests/fixtures/idp-documents");
const fixture = (name: string) => JSON.parse(readFileSync(join(FIXTURES, name), "utf8")) as Record<string, unknown>;
const codes = (list: { code: string }[]) => list.map((f) => f.code);

const ISSUER = "https://idp.example.com/oauth2";
const DISCOVERY = `${ISSUER}/.well-known/openid-configuration`;
const doc = (over: Record<string, unknown> = {}) => ({
  issuer: ISSUER,
  authorization_endpoint: `${ISSUER}/authorize`,
  token_endpoint: `${ISSUER}/token`,
  userinfo_endpoint: `${ISSUER}/userinfo`,
  jwks_uri: `${ISSUER}/keys`,
  response_types_supported: ["code", "id_token"],
  id_token_signing_alg_values_supported: ["RS256"],
  code_challenge_methods_supported: ["S256"],
  ...over,
});

describe("validateOidcDiscovery", () => {
  it("checks the issuer against the URL it was fetched from (Discovery 4.3)", () => {
    expect(validateOidcDiscovery(doc(), { now: NOW, discoveryUrl: DISCOVERY }).verdict).toBe("ok");
    const other = validateOidcDiscovery(doc({ issuer: "https://evil.example.com/oauth2" }), {
      now: NOW,
      discoveryUrl: DISCOVERY,
    });
    expect(codes(other.errors)).toEqual(["OIDC_ISSUER_MISMATCH"]);
    // Auth0's issuer ends with a slash that its discovery URL prefix lacks: the same issuer.
    const auth0 = fixture("oidc-auth0.json");
    const r = validateOidcDiscovery(auth0, {
      now: NOW,
      discoveryUrl: "https://dev-ltxchcls4igzho78.us.auth0.com/.well-known/openid-configuration",
    });
    expect(r.verdict).toBe("ok");
    expect(r.options?.issuer).toBe("https://dev-ltxchcls4igzho78.us.auth0.com/");
    expect(codes(validateOidcDiscovery(doc(), { now: NOW, discoveryUrl: `${ISSUER}/config.json` }).errors)).toEqual([
      "OIDC_DISCOVERY_URL_INVALID",
    ]);
  });

  it("handles Entra's {tenantid} template with a warning, not an issuer mismatch", () => {
    const r = validateOidcDiscovery(fixture("oidc-entra-common.json"), {
      now: NOW,
      discoveryUrl: "https://login.microsoftonline.com/common/v2.0/.well-known/openid-configuration",
    });
    expect(r.verdict).toBe("warn");
    expect(codes(r.warnings)).toEqual(["OIDC_ISSUER_TEMPLATE"]);
    expect(r.warnings[0]!.fix).toContain("tenant");
  });

  it("allows plain http only for loopback in local mode", () => {
    const local = doc({
      issuer: "http://localhost:4010/oidc",
      authorization_endpoint: "http://localhost:4010/oidc/auth",
      token_endpoint: "http://localhost:4010/oidc/token",
      userinfo_endpoint: "http://127.0.0.1:4010/oidc/me",
      jwks_uri: "http://localhost:4010/oidc/jwks",
    });
    expect(validateOidcDiscovery(local, { now: NOW, localMode: true }).verdict).toBe("ok");
    const strict = validateOidcDiscovery(local, { now: NOW });
    expect(codes(strict.errors)).toEqual(expect.arrayContaining(["OIDC_ISSUER_NOT_HTTPS", "OIDC_ENDPOINT_NOT_HTTPS"]));
    const remote = validateOidcDiscovery(doc({ issuer: "http://idp.example.com" }), { now: NOW, localMode: true });
    expect(codes(remote.errors)).toContain("OIDC_ISSUER_NOT_HTTPS");
  });

  it("requires the code flow and warns about unsigned ID tokens; reports PKCE", () => {
    expect(codes(validateOidcDiscovery(doc({ response_types_supported: ["id_token"] }), { now: NOW }).errors)).toEqual([
      "OIDC_CODE_FLOW_UNSUPPORTED",
    ]);
    expect(
      codes(
        validateOidcDiscovery(doc({ id_token_signing_alg_values_supported: ["RS256", "none"] }), { now: NOW }).warnings,
      ),
    ).toEqual(["OIDC_ALG_NONE"]);
    const noPkce = validateOidcDiscovery(doc({ code_challenge_methods_supported: undefined }), { now: NOW });
    expect(noPkce.facts.pkce).toEqual({ supported: false, methods: [] });
    expect(codes(noPkce.notes)).toContain("OIDC_PKCE_NOT_ADVERTISED");
    expect(codes(validateOidcDiscovery(doc({ token_endpoint: "javascript:alert(1)" }), { now: NOW }).errors)).toEqual([
      "OIDC_ENDPOINT_INVALID",
    ]);
  });

  it("refuses what is not a JSON object", () => {
    expect(codes(validateOidcDiscovery("<html>", { now: NOW }).errors)).toEqual(["JSON_MALFORMED"]);
    expect(codes(validateOidcDiscovery("[1]", { now: NOW }).errors)).toEqual(["JSON_NOT_OBJECT"]);
    expect(codes(validateOidcDiscovery("", { now: NOW }).errors)).toEqual(["EMPTY_DOCUMENT"]);
  });

  it("checks client credentials without ever echoing the secret", () => {
    const secret = "s3cr3t value";
    const r = validateOidcDiscovery(doc(), { now: NOW, clientId: "0oa1b2c3", clientSecret: secret });
    expect(codes(r.errors)).toEqual(["CLIENT_SECRET_INVALID"]);
    expect(JSON.stringify(r)).not.toContain(secret);
    const guid = "8d6f1e2a-7b3c-4d5e-9f01-23456789abcd";
    const entra = validateOidcDiscovery(doc(), { now: NOW, clientId: "app", clientSecret: guid });
    expect(codes(entra.warnings)).toEqual(["CLIENT_SECRET_LOOKS_LIKE_ID"]);
    expect(JSON.stringify(entra)).not.toContain(guid);
    expect(
      codes(
        validateOidcDiscovery(doc(), { now: NOW, clientId: "same-value-123456", clientSecret: "same-value-123456" })
          .errors,
      ),
    ).toEqual(["CLIENT_SECRET_IS_CLIENT_ID"]);
    expect(codes(validateOidcDiscovery(doc(), { now: NOW, clientId: "has space" }).errors)).toEqual([
      "CLIENT_ID_INVALID",
    ]);
    expect(codes(validateOidcDiscovery(doc(), { now: NOW, clientId: "" }).errors)).toEqual(["CLIENT_ID_MISSING"]);
    const ok = validateOidcDiscovery(doc(), {
      now: NOW,
      clientId: " abc ",
      clientSecret: "Xy7-long-enough-secret_value",
    });
    expect(ok.options?.client_id).toBe("abc");
    expect(codes(ok.warnings)).toEqual(["CLIENT_ID_WHITESPACE"]);
  });
});

function rsaJwk(bits = 2048): Record<string, unknown> {
  const { publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return { ...publicKey.export({ format: "jwk" }), kid: `k${bits}`, use: "sig" };
}

describe("validateJwks", () => {
  it("accepts EC P-256 keys and warns about short RSA keys", () => {
    const { publicKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
    expect(validateJwks({ keys: [{ ...publicKey.export({ format: "jwk" }), kid: "ec" }] }, { now: NOW }).verdict).toBe(
      "ok",
    );
    expect(codes(validateJwks({ keys: [rsaJwk(1024)] }, { now: NOW }).warnings)).toEqual(["JWKS_WEAK_KEY"]);
  });

  it("skips symmetric, unknown and broken keys with notes; no usable key is an error", () => {
    const r = validateJwks(
      {
        keys: [
          { kty: "oct", k: "c2VjcmV0" },
          { kty: "RSA", n: "AQAB", e: "AQAB", use: "sig" },
          { kty: "OKP", crv: "Ed25519", x: "abc" },
          "junk",
        ],
      },
      { now: NOW },
    );
    expect(codes(r.errors)).toEqual(["JWKS_NO_SIGNING_KEY"]);
    expect(codes(r.notes)).toEqual(["JWK_SKIPPED", "JWK_SKIPPED", "JWK_SKIPPED", "JWK_SKIPPED"]);
    expect(codes(validateJwks({ keys: [] }, { now: NOW }).errors)).toEqual(["JWKS_NO_SIGNING_KEY"]);
    expect(codes(validateJwks({ nope: 1 }, { now: NOW }).errors)).toEqual(["JWKS_MALFORMED"]);
  });

  it("refuses an x5c whose certificate holds another key", () => {
    const entra = fixture("jwks-entra.json") as { keys: Record<string, unknown>[] };
    const [a, b] = entra.keys;
    const swapped = { keys: [{ ...a, x5c: b!.x5c }, b] };
    expect(codes(validateJwks(swapped, { now: NOW }).errors)).toEqual(["JWKS_X5C_MISMATCH"]);
  });
});

describe("validateOidcProvider (through an injected fetcher)", () => {
  const jwks = { keys: [rsaJwk()] };
  const fetcher =
    (docs: Record<string, unknown>): DocumentFetcher =>
    async (url) => {
      if (!(url in docs)) throw new FetchRefused("FETCH_HTTP_STATUS", `${url} answered 404.`, "Check the URL.");
      return { url, contentType: "application/json", body: new TextEncoder().encode(JSON.stringify(docs[url])) };
    };

  it("fetches discovery then the JWKS, from an issuer URL", async () => {
    const r = await validateOidcProvider(ISSUER, {
      now: NOW,
      fetch: fetcher({ [DISCOVERY]: doc(), [`${ISSUER}/keys`]: jwks }),
      clientId: "abc",
    });
    expect(r.verdict).toBe("ok");
    expect(r.facts.jwks?.usableSigningKeys).toBe(1);
    expect(r.options).toMatchObject({ discovery_url: DISCOVERY, client_id: "abc", jwks_uri: `${ISSUER}/keys` });
  });

  it("reports a fetch refusal and a key set without usable keys as errors", async () => {
    const missing = await validateOidcProvider(DISCOVERY, { now: NOW, fetch: fetcher({}) });
    expect(codes(missing.errors)).toEqual(["FETCH_HTTP_STATUS"]);
    const noKeys = await validateOidcProvider(DISCOVERY, {
      now: NOW,
      fetch: fetcher({ [DISCOVERY]: doc(), [`${ISSUER}/keys`]: { keys: [] } }),
    });
    expect(codes(noKeys.errors)).toEqual(["JWKS_NO_SIGNING_KEY"]);
    expect(noKeys.options).toBeNull();
    const noJwks = await validateOidcProvider(DISCOVERY, { now: NOW, fetch: fetcher({ [DISCOVERY]: doc() }) });
    expect(codes(noJwks.errors)).toEqual(["FETCH_HTTP_STATUS"]);
  });

  it("does not fetch the JWKS of a document whose issuer does not match", async () => {
    const asked: string[] = [];
    const spy: DocumentFetcher = async (url, expect) => {
      asked.push(url);
      return fetcher({ [DISCOVERY]: doc({ issuer: "https://evil.example.com" }), [`${ISSUER}/keys`]: jwks })(
        url,
        expect,
      );
    };
    const r = await validateOidcProvider(DISCOVERY, { now: NOW, fetch: spy });
    expect(codes(r.errors)).toEqual(["OIDC_ISSUER_MISMATCH"]);
    expect(asked).toEqual([DISCOVERY]);
  });
});
