import { SecretOpenError } from "../platform/secrets.server";
import { Auth0GatewayError, InvalidOptionsError, MissingScopeError } from "./errors";

/**
 * What the pages say when a change could not be made in Auth0: one sentence per typed error of
 * `errors.ts`, never a secret, a key or a response body beyond Auth0's own one-line message.
 */

/** What the pages show when a queued secret cannot be opened (never the secret, never the key). */
export const SECRET_UNREADABLE_MESSAGE =
  "The stored client secret could not be decrypted (key changed?); submit the change again.";

export function userMessage(err: unknown): string {
  if (err instanceof SecretOpenError) return SECRET_UNREADABLE_MESSAGE;
  if (err instanceof InvalidOptionsError) {
    return `Auth0 refused the configuration${err.field ? ` (${err.field})` : ""}: ${err.message}`;
  }
  if (err instanceof MissingScopeError) {
    return `The portal's Auth0 application lacks a Management API permission${err.scope ? ` (${err.scope})` : ""}; an administrator must grant it.`;
  }
  if (err instanceof Error) return err.message.slice(0, 1000);
  return String(err).slice(0, 1000);
}

/** The error's kind as stored with a failed job (`error_kind`) and shown to operators. */
export function errorKindOf(err: unknown): string {
  if (err instanceof Auth0GatewayError) return err.kind;
  if (err instanceof SecretOpenError) return "secret";
  return "internal";
}
