import { createHash } from "node:crypto";

/**
 * Connection names: `<prefix>-<org slug>-<protocol>`, e.g. `sso-acme-saml` (the live connection
 * users sign in with), and `<prefix>-<org slug>-<protocol>-test` (the staged one a new version is
 * applied to and tested on, enabled only for the test application). Auth0's rule (OAS
 * `CreateConnectionRequestContent.name`): `^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$`, at most 128
 * characters, and the name can never change after creation — so it is derived, deterministic and
 * always valid, whatever the prefix and slug hold.
 */
export const CONNECTION_NAME_PATTERN = /^[a-zA-Z0-9](-[a-zA-Z0-9]|[a-zA-Z0-9])*$/;
export const CONNECTION_NAME_MAX = 128;

export type ConnectionProtocol = "saml" | "oidc";
/** Which of the organization's two connections per protocol: the staged (test) or the live one. */
export type ConnectionStage = "test" | "live";

/** Lower-case letters and digits separated by single hyphens; "" when nothing usable is left. */
export function sanitizeNamePart(part: string): string {
  return part
    .normalize("NFKD")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

export function connectionName(
  prefix: string,
  slug: string,
  protocol: ConnectionProtocol,
  stage: ConnectionStage = "live",
): string {
  const p = sanitizeNamePart(prefix);
  const s = sanitizeNamePart(slug);
  if (!s) throw new Error("The organization slug has no letter or digit to build a connection name from.");
  const head = p ? `${p}-` : "";
  const tail = stage === "test" ? `-${protocol}-test` : `-${protocol}`;
  const full = `${head}${s}${tail}`;
  if (full.length <= CONNECTION_NAME_MAX) return full;
  // Too long: keep as much of the slug as fits and add a hash of the whole (prefix, slug), so two
  // long slugs that share a beginning still get different names.
  const hash = createHash("sha256").update(`${p}\u0000${s}`).digest("hex").slice(0, 10);
  const headKept = head.slice(0, 40);
  const room = CONNECTION_NAME_MAX - headKept.length - tail.length - hash.length - 1;
  const kept = s.slice(0, room).replace(/-+$/, "");
  return `${headKept}${kept}-${hash}${tail}`;
}

export function isValidConnectionName(name: string): boolean {
  return name.length <= CONNECTION_NAME_MAX && CONNECTION_NAME_PATTERN.test(name);
}

export function protocolOfStrategy(strategy: string): ConnectionProtocol {
  return strategy === "oidc" ? "oidc" : "saml";
}
