import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  isSealed,
  loadOrCreateKeyFile,
  open,
  openJson,
  parseSecretsKey,
  seal,
  sealJson,
  SecretOpenError,
  secretsKeyFrom,
} from "./secrets.server";

const key = secretsKeyFrom(randomBytes(32));
const other = secretsKeyFrom(randomBytes(32));
const secret = "s3cr3t-Client-Secret-\u00e9\u4e2d-" + "x".repeat(40);

function failure(fn: () => unknown): SecretOpenError {
  try {
    fn();
  } catch (err) {
    if (err instanceof SecretOpenError) return err;
    throw err;
  }
  throw new Error("expected a SecretOpenError");
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe("secrets", () => {
  it("round-trips strings and JSON values", () => {
    const sealed = seal(secret, key);
    expect(isSealed(sealed)).toBe(true);
    expect(open(sealed, key)).toBe(secret);
    const pair = { cert: "-----BEGIN CERTIFICATE-----\nMIIB", key: "-----BEGIN PRIVATE KEY-----\nMIIE" };
    expect(openJson(sealJson(pair, key), key)).toEqual(pair);
    expect(open(seal("", key), key)).toBe("");
  });

  it("puts no plaintext in the envelope, a fresh IV each time, and the key id", () => {
    const a = seal(secret, key);
    const b = seal(secret, key);
    expect(a.$sealed).not.toBe(b.$sealed);
    expect(a.$sealed).toMatch(/^v1\.[0-9a-f]{8}\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(a.$sealed.split(".")[1]).toBe(key.id);
    const text = JSON.stringify(a);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(Buffer.from(secret).toString("base64url"));
    expect(text).not.toContain(key.bytes.toString("hex"));
  });

  it("refuses a tampered envelope", () => {
    const sealed = seal(secret, key);
    const [v, id, iv, body] = sealed.$sealed.split(".") as [string, string, string, string];
    const bytes = Buffer.from(body, "base64url");
    bytes[0] = bytes[0]! ^ 1;
    expect(failure(() => open({ $sealed: `${v}.${id}.${iv}.${bytes.toString("base64url")}` }, key)).reason).toBe(
      "tampered",
    );
    const ivBytes = Buffer.from(iv, "base64url");
    ivBytes[3] = ivBytes[3]! ^ 0x80;
    expect(failure(() => open({ $sealed: `${v}.${id}.${ivBytes.toString("base64url")}.${body}` }, key)).reason).toBe(
      "tampered",
    );
    expect(failure(() => open({ $sealed: `${v}.${id}.${iv}.${body.slice(0, 10)}` }, key)).reason).toMatch(
      /tampered|malformed/,
    );
    expect(failure(() => open({ $sealed: "v2.x.y.z" }, key)).reason).toBe("malformed");
  });

  it("names the key id mismatch when the key changed, without the key or the secret", () => {
    const sealed = seal(secret, key);
    const err = failure(() => open(sealed, other));
    expect(err.reason).toBe("key-mismatch");
    expect(err.message).toContain("key id mismatch");
    expect(err.message).toContain(key.id);
    expect(err.message).toContain(other.id);
    expect(err.message).not.toContain(secret);
    expect(err.message).not.toContain(other.bytes.toString("hex"));
    // Same key id (forged envelope) but a different key: still refused, as tampered.
    const forged = { $sealed: sealed.$sealed.replace(`.${key.id}.`, `.${other.id}.`) };
    expect(failure(() => open(forged, other)).reason).toBe("tampered");
  });

  it("parses keys as 64 hex characters or base64 and explains how to make one", () => {
    const bytes = randomBytes(32);
    expect(parseSecretsKey(bytes.toString("hex"))).toEqual(bytes);
    expect(parseSecretsKey(bytes.toString("base64"))).toEqual(bytes);
    expect(parseSecretsKey(bytes.toString("base64url"))).toEqual(bytes);
    for (const bad of [
      "",
      "abc",
      "x".repeat(64),
      randomBytes(16).toString("hex"),
      randomBytes(33).toString("base64"),
    ]) {
      expect(() => parseSecretsKey(bad)).toThrow(/openssl rand -hex 32/);
    }
  });

  it("creates the local key file with mode 0600 once and reads the same key back", () => {
    const dir = mkdtempSync(join(tmpdir(), "secrets-key-"));
    dirs.push(dir);
    const path = join(dir, "nested", "secrets.key");
    const first = loadOrCreateKeyFile(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const again = loadOrCreateKeyFile(path);
    expect(again.id).toBe(first.id);
    expect(open(seal(secret, first), again)).toBe(secret);
    expect(readFileSync(path, "utf8").trim()).toMatch(/^[0-9a-f]{64}$/);
  });
});
