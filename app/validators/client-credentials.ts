import type { Findings } from "./report";

/**
 * Shape checks on the OIDC client credentials an admin pastes. The secret is never echoed back in
 * any message: a report may be shown, logged or stored.
 */
function hasSpaceOrControl(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0xa0) return true;
  }
  return false;
}

/** A finding's code, what is wrong, and how to fix it. */
type FindingText = [code: string, message: string, fix: string];

/**
 * The pasted value without surrounding spaces, or null after recording why it cannot be a
 * credential: empty, or holding spaces or control characters, or longer than `maxLength`.
 */
function pastedWord(
  value: string,
  maxLength: number,
  findings: Findings,
  problems: { missing: FindingText; invalid: FindingText },
): string | null {
  const word = value.trim();
  if (!word) findings.error(...problems.missing);
  else if (word.length > maxLength || hasSpaceOrControl(word)) findings.error(...problems.invalid);
  else return word;
  return null;
}

export function checkClientId(clientId: string, findings: Findings): void {
  if (clientId !== clientId.trim()) {
    findings.warn(
      "CLIENT_ID_WHITESPACE",
      "The client ID starts or ends with spaces; they were removed.",
      "Copy the client ID again without surrounding spaces.",
    );
  }
  const id = pastedWord(clientId, 255, findings, {
    missing: [
      "CLIENT_ID_MISSING",
      "The client ID is empty.",
      "Copy the client (application) ID from the application you created in your identity provider.",
    ],
    invalid: [
      "CLIENT_ID_INVALID",
      "The client ID contains spaces or control characters, or is longer than 255 characters.",
      "Copy the client (application) ID again from your identity provider: it is a single word such as 0oa1b2c3 or a GUID.",
    ],
  });
  if (id !== null && /^https?:\/\//i.test(id)) {
    findings.warn(
      "CLIENT_ID_LOOKS_LIKE_URL",
      "The client ID looks like a URL.",
      "Check that you pasted the client ID, not the issuer or a redirect URL.",
    );
  }
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function checkClientSecret(secret: string, clientId: string | undefined, findings: Findings): void {
  const s = pastedWord(secret, 1024, findings, {
    missing: [
      "CLIENT_SECRET_MISSING",
      "The client secret is empty.",
      "Create a client secret in your identity provider and paste its value.",
    ],
    invalid: [
      "CLIENT_SECRET_INVALID",
      "The client secret contains spaces or control characters, or is longer than 1024 characters.",
      "Copy the secret's value again from your identity provider, without surrounding text.",
    ],
  });
  if (s === null) return;
  if (clientId !== undefined && s === clientId.trim()) {
    findings.error(
      "CLIENT_SECRET_IS_CLIENT_ID",
      "The client secret is the same as the client ID.",
      "Paste the client secret's value, not the client ID.",
    );
    return;
  }
  if (GUID.test(s)) {
    findings.warn(
      "CLIENT_SECRET_LOOKS_LIKE_ID",
      "The client secret looks like an identifier (a GUID). Microsoft Entra ID shows a secret's ID beside its value.",
      "Paste the secret's Value column, not its Secret ID.",
    );
  } else if (s.length < 16) {
    findings.warn(
      "CLIENT_SECRET_SHORT",
      `The client secret is only ${s.length} characters long.`,
      "Check that you pasted the whole secret.",
    );
  }
}
