import { createCipheriv, createDecipheriv, createHash, randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type { DatabaseTarget } from "./db.server";
import { getEnv } from "./env.server";
import { parseSecretsKey, SECRETS_KEY_HELP as KEY_HELP } from "./secrets-key";
import { singleton } from "./singleton.server";

/**
 * Secrets at rest (an OIDC client secret, SAML keys in a queued apply job) are sealed with
 * AES-256-GCM under SECRETS_KEY. An envelope names the key it was sealed with (the first 8 hex
 * characters of the key's SHA-256), so a changed key is reported as such rather than as garbage.
 *
 *   {"$sealed": "v1.<keyId>.<iv>.<ciphertext+tag>"}   (base64url parts)
 *
 * Neither the key nor a plaintext is ever logged or put in an error message.
 */

export interface SecretsKey {
  /** First 8 hex characters of SHA-256(key): names the key without revealing it. */
  readonly id: string;
  readonly bytes: Buffer;
}

export interface Sealed {
  $sealed: string;
}

const VERSION = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;

export { parseSecretsKey };

export class SecretOpenError extends Error {
  override name = "SecretOpenError";
  constructor(
    readonly reason: "key-mismatch" | "tampered" | "malformed",
    message: string,
  ) {
    super(message);
  }
}

export function secretsKeyFrom(bytes: Buffer): SecretsKey {
  if (bytes.length !== 32) throw new Error(KEY_HELP);
  return { id: createHash("sha256").update(bytes).digest("hex").slice(0, 8), bytes: Buffer.from(bytes) };
}

export function isSealed(value: unknown): value is Sealed {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as Sealed).$sealed === "string" &&
    Object.keys(value).length === 1
  );
}

export function seal(plaintext: string, key: SecretsKey): Sealed {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key.bytes, iv);
  const body = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final(), cipher.getAuthTag()]);
  return { $sealed: `${VERSION}.${key.id}.${iv.toString("base64url")}.${body.toString("base64url")}` };
}

export function open(sealed: Sealed, key: SecretsKey): string {
  const parts = sealed.$sealed.split(".");
  if (parts.length !== 4 || parts[0] !== VERSION) {
    throw new SecretOpenError(
      "malformed",
      "The sealed secret is not in a known format (expected v1.<key id>.<iv>.<data>).",
    );
  }
  const [, keyId, ivText, bodyText] = parts as [string, string, string, string];
  if (keyId !== key.id) {
    throw new SecretOpenError(
      "key-mismatch",
      `The secret was sealed with key ${keyId}, but the current SECRETS_KEY is ${key.id} (key id mismatch: was the key changed?).`,
    );
  }
  const iv = Buffer.from(ivText, "base64url");
  const body = Buffer.from(bodyText, "base64url");
  if (iv.length !== IV_BYTES || body.length < TAG_BYTES) {
    throw new SecretOpenError("malformed", "The sealed secret is truncated.");
  }
  try {
    const decipher = createDecipheriv("aes-256-gcm", key.bytes, iv);
    decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
    return Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]).toString(
      "utf8",
    );
  } catch {
    throw new SecretOpenError("tampered", "The sealed secret failed its integrity check (altered or corrupted).");
  }
}

/** Seals any JSON value (a string secret, or an object such as a SAML signing key pair). */
export function sealJson(value: unknown, key: SecretsKey): Sealed {
  return seal(JSON.stringify(value), key);
}

export function openJson(sealed: Sealed, key: SecretsKey): unknown {
  const text = open(sealed, key);
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new SecretOpenError("malformed", "The sealed secret does not hold JSON.");
  }
}

/**
 * The key file of local mode: created (mode 0600) with a random key on first use, read back
 * after a restart so that queued jobs stay readable.
 */
export function loadOrCreateKeyFile(path: string): SecretsKey {
  let text: string | undefined;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  if (text === undefined) {
    mkdirSync(dirname(path), { recursive: true });
    const fresh = randomBytes(32);
    try {
      // wx: never overwrite a key another process has just written.
      writeFileSync(path, `${fresh.toString("hex")}\n`, { mode: 0o600, flag: "wx" });
      chmodSync(path, 0o600);
      return secretsKeyFrom(fresh);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
      text = readFileSync(path, "utf8");
    }
  }
  try {
    return secretsKeyFrom(parseSecretsKey(text));
  } catch {
    throw new Error(`The key file ${path} ${KEY_HELP}; remove it to have a new one made (queued jobs are then lost).`);
  }
}

/** Process state, shared between the server entry and the Remix bundle. */
const state = singleton("secrets-key", () => ({
  keyFile: undefined as string | undefined,
  key: undefined as SecretsKey | undefined,
}));

/**
 * Local mode with PGlite on disk: keep the key next to the database. Called when that database is
 * opened; without it (in-memory PGlite, PostgreSQL without SECRETS_KEY) the key is per process.
 */
export function setLocalKeyFile(path: string): void {
  if (state.keyFile === path) return;
  state.keyFile = path;
  state.key = undefined;
}

/** Local mode with PGlite on disk and no SECRETS_KEY: a key kept next to the data, so queued jobs survive a restart. */
export function localKeyFileFor(target: DatabaseTarget | undefined): string | undefined {
  return target?.engine === "pglite" && target.dataDir ? resolve(target.dataDir, "secrets.key") : undefined;
}

/** The key that seals secrets: SECRETS_KEY, else the local key file, else a per-process key. */
export function getSecretsKey(): SecretsKey {
  if (state.key) return state.key;
  const env = getEnv();
  if (env.SECRETS_KEY) state.key = secretsKeyFrom(parseSecretsKey(env.SECRETS_KEY));
  else if (state.keyFile) state.key = loadOrCreateKeyFile(state.keyFile);
  else state.key = secretsKeyFrom(randomBytes(32));
  return state.key;
}

/** Forget the key and the key file, as a new process would (tests of a restart). */
export function resetSecretsKeyForTests(): void {
  state.keyFile = undefined;
  state.key = undefined;
}
