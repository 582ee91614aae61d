/** Parsing SECRETS_KEY, apart from secrets.server.ts so that env.server.ts can use it without a cycle. */

export const SECRETS_KEY_HELP =
  "must be 32 random bytes as 64 hex characters or base64 (make one with `openssl rand -hex 32`)";

/** 32 bytes from 64 hex characters or base64 (standard or url-safe); throws saying how to make one. */
export function parseSecretsKey(text: string): Buffer {
  const t = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(t)) return Buffer.from(t, "hex");
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(t)) {
    const b = Buffer.from(t.replace(/-/g, "+").replace(/_/g, "/"), "base64");
    if (b.length === 32) return b;
  }
  throw new Error(SECRETS_KEY_HELP);
}
