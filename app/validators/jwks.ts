import { createPublicKey, type JsonWebKey } from "node:crypto";
import { describeCertificate } from "./certificates";
import { parseJsonObject } from "./json-document";
import { Findings, type JwkFacts, type JwksFacts, type ValidationReport } from "./report";

export interface JwksOptions {
  now: Date;
}

export type JwksReport = Extract<ValidationReport, { kind: "jwks" }>;

const FIX_IDP =
  "Check the jwks_uri of your identity provider; if the keys are really like this, ask its administrator to publish a valid RSA or EC signing key.";
const EC_CURVES = new Set(["P-256", "P-384", "P-521"]);

/**
 * A JWKS must hold at least one RSA or EC key usable to verify ID token signatures. Encryption
 * keys, unknown key types and symmetric keys are skipped with a note (they are normal: Keycloak
 * publishes an RSA-OAEP key beside its signing key). A key whose `x5c` certificate cannot be read
 * or does not hold the same public key is an error: it is a corrupted key set, and tokens signed
 * with that key id would fail in ways nobody could diagnose later.
 */
export function validateJwks(input: Uint8Array | string | Record<string, unknown>, opts: JwksOptions): JwksReport {
  const findings = new Findings();
  const facts: JwksFacts = { keys: [], usableSigningKeys: 0 };
  const done = (): JwksReport => ({ kind: "jwks", ...findings.base(), facts, options: null });

  const parsed = parseJsonObject(input, "key set (JWKS)");
  if (!parsed.ok) {
    findings.error(parsed.code, parsed.message, parsed.fix);
    return done();
  }
  const keys = parsed.value.keys;
  if (!Array.isArray(keys)) {
    findings.error("JWKS_MALFORMED", 'The key set has no "keys" array.', FIX_IDP);
    return done();
  }
  for (const [index, raw] of keys.slice(0, 100).entries()) {
    facts.keys.push(judgeKey(raw, index, findings, opts.now));
  }
  if (keys.length > 100)
    findings.note("JWKS_TOO_MANY_KEYS", `The key set has ${keys.length} keys; only the first 100 were read.`);
  facts.usableSigningKeys = facts.keys.filter((k) => k.usable).length;
  if (facts.usableSigningKeys === 0) {
    findings.error(
      "JWKS_NO_SIGNING_KEY",
      keys.length
        ? "The key set holds no usable RSA or EC signing key: ID tokens could not be verified."
        : "The key set is empty: ID tokens could not be verified.",
      FIX_IDP,
    );
  }
  return done();
}

function label(kid: string | undefined, index: number): string {
  return kid ? `The key "${kid.slice(0, 80)}"` : `Key #${index + 1}`;
}

function judgeKey(raw: unknown, index: number, findings: Findings, now: Date): JwkFacts {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    findings.note("JWK_SKIPPED", `Key #${index + 1} is not a JSON object; it was skipped.`);
    return { usable: false, note: "not an object" };
  }
  const k = raw as Record<string, unknown>;
  const str = (name: string) => (typeof k[name] === "string" ? (k[name] as string) : undefined);
  const kid = str("kid");
  const kty = str("kty");
  const alg = str("alg");
  const use = str("use");
  const facts: JwkFacts = {
    usable: false,
    ...(kid ? { kid } : {}),
    ...(kty ? { kty } : {}),
    ...(alg ? { alg } : {}),
    ...(use ? { use } : {}),
  };
  const name = label(kid, index);
  const skip = (why: string): JwkFacts => {
    findings.note("JWK_SKIPPED", `${name} was skipped: ${why}.`);
    return { ...facts, note: why };
  };
  if (kty !== "RSA" && kty !== "EC")
    return skip(kty ? `its key type "${kty.slice(0, 20)}" is not RSA or EC` : "it has no key type (kty)");
  if (use !== undefined && use !== "sig") return skip(`it is for "${use.slice(0, 20)}", not for signatures`);
  const ops = Array.isArray(k.key_ops) ? k.key_ops : undefined;
  if (ops && !ops.includes("verify")) return skip("its key_ops do not include verify");
  if (alg !== undefined && (alg === "none" || /^(HS|RSA-OAEP|RSA1_5|A\d+|dir|ECDH)/.test(alg))) {
    return skip(`its algorithm "${alg.slice(0, 20)}" is not a public-key signature algorithm`);
  }
  if (kty === "EC" && !EC_CURVES.has(str("crv") ?? ""))
    return skip(`its curve "${(str("crv") ?? "none").slice(0, 20)}" is not P-256, P-384 or P-521`);

  let publicJwk: JsonWebKey;
  try {
    const jwk: JsonWebKey =
      kty === "RSA" ? { kty, n: str("n"), e: str("e") } : { kty, crv: str("crv"), x: str("x"), y: str("y") };
    const key = createPublicKey({ key: jwk, format: "jwk" });
    publicJwk = key.export({ format: "jwk" });
    const details = key.asymmetricKeyDetails ?? {};
    if (details.modulusLength) facts.keySize = details.modulusLength;
    if (details.namedCurve) facts.curve = str("crv");
  } catch {
    return skip("its public key parameters (n/e or x/y) do not form a valid key");
  }
  if (facts.keySize !== undefined && facts.keySize < 1024) return skip(`its RSA modulus is only ${facts.keySize} bits`);
  if (facts.keySize !== undefined && facts.keySize < 2048) {
    findings.warn(
      "JWKS_WEAK_KEY",
      `${name} is a ${facts.keySize}-bit RSA key; 2048 bits is the minimum considered safe.`,
      "Ask your identity provider's administrator to rotate to a 2048-bit (or larger) key.",
    );
  }

  const x5c = k.x5c;
  if (x5c !== undefined) {
    const first = Array.isArray(x5c) ? x5c[0] : undefined;
    const cert = typeof first === "string" ? describeCertificate(first, "jwk", now) : undefined;
    if (!cert?.ok) {
      findings.error(
        "JWKS_X5C_INVALID",
        `${name} has an x5c certificate that cannot be read (${cert && !cert.ok ? cert.reason : "x5c is not an array of base64 strings"}): the key set is corrupted.`,
        FIX_IDP,
      );
      return { ...facts, note: "x5c unreadable" };
    }
    facts.certificate = cert.facts;
    const certJwk = createPublicKey(
      `-----BEGIN CERTIFICATE-----\n${cert.facts.base64}\n-----END CERTIFICATE-----`,
    ).export({ format: "jwk" });
    const same =
      kty === "RSA"
        ? certJwk.n === publicJwk.n && certJwk.e === publicJwk.e
        : certJwk.x === publicJwk.x && certJwk.y === publicJwk.y;
    if (!same) {
      findings.error(
        "JWKS_X5C_MISMATCH",
        `${name} has an x5c certificate holding a different public key than its ${kty === "RSA" ? "n/e" : "x/y"} members: the key set is corrupted.`,
        FIX_IDP,
      );
      return { ...facts, note: "x5c does not match the key" };
    }
    if (cert.facts.expired) {
      findings.note(
        "JWK_CERT_EXPIRED",
        `${name}'s x5c certificate expired on ${cert.facts.notAfter.slice(0, 10)}; the key itself is still used as published.`,
      );
    }
  }
  return { ...facts, usable: true };
}
