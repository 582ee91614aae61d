import type { ComparableCertificate, ComparableConnection } from "./comparable";

/**
 * The field-by-field difference a reviewer reads: sign-in URL, entity ID, certificates (by
 * fingerprint and expiry), bindings, attribute mapping, OIDC issuer, endpoints and client id. A secret is
 * never shown, only that it changed. Pure: the same two configurations give the same rows.
 */
export type DiffChange = "added" | "removed" | "changed" | "unchanged";

export interface DiffRow {
  /** Stable key for tests and the page (e.g. "entityId", "certificate:AB:CD…", "attribute:email"). */
  field: string;
  label: string;
  change: DiffChange;
  before: string | null;
  after: string | null;
}

const SCALARS: { field: keyof ComparableConnection; label: string }[] = [
  { field: "protocol", label: "Protocol" },
  { field: "entityId", label: "Entity ID" },
  { field: "signInUrl", label: "Sign-in URL" },
  { field: "signOutUrl", label: "Sign-out URL" },
  { field: "issuer", label: "OIDC issuer" },
  { field: "discoveryUrl", label: "Discovery URL" },
  { field: "tokenUrl", label: "Token endpoint" },
  { field: "userinfoUrl", label: "Userinfo endpoint" },
  { field: "jwksUrl", label: "Key set URL (jwks_uri)" },
  { field: "clientId", label: "Client ID" },
];

const BINDING_NAMES: Record<string, string> = {
  "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST": "HTTP-POST",
  "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect": "HTTP-Redirect",
  "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST-SimpleSign": "HTTP-POST-SimpleSign",
  "urn:oasis:names:tc:SAML:2.0:bindings:SOAP": "SOAP",
  "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Artifact": "HTTP-Artifact",
};

export function bindingName(uri: string): string {
  return BINDING_NAMES[uri] ?? uri;
}

function compare(field: string, label: string, before: string | null, after: string | null): DiffRow {
  const change: DiffChange =
    before === after ? "unchanged" : before === null ? "added" : after === null ? "removed" : "changed";
  return { field, label, change, before, after };
}

export function describeCertificate(c: ComparableCertificate): string {
  return `SHA-256 ${c.fingerprintSha256} · valid ${c.notBefore.slice(0, 10)} to ${c.notAfter.slice(0, 10)}`;
}

/** Whether the proposal brings a client secret other than the base's (never which). */
export function secretChanged(base: ComparableConnection | null, proposed: ComparableConnection): boolean {
  return proposed.secretRef !== undefined && proposed.secretRef !== base?.secretRef;
}

/** Rows for every field either side has. `base` null: the first configuration (everything added). */
export function diffConnections(base: ComparableConnection | null, proposed: ComparableConnection): DiffRow[] {
  const rows: DiffRow[] = [];
  for (const { field, label } of SCALARS) {
    const before = (base?.[field] as string | undefined) ?? null;
    const after = (proposed[field] as string | undefined) ?? null;
    if (before === null && after === null) continue;
    rows.push(compare(field, label, before, after));
  }

  const beforeBindings = (base?.bindings ?? []).map(bindingName).sort().join(", ") || null;
  const afterBindings = proposed.bindings.map(bindingName).sort().join(", ") || null;
  if (beforeBindings !== null || afterBindings !== null) {
    rows.push(compare("bindings", "Bindings", beforeBindings, afterBindings));
  }

  const baseCerts = new Map((base?.certificates ?? []).map((c) => [c.fingerprintSha256, c]));
  const newCerts = new Map(proposed.certificates.map((c) => [c.fingerprintSha256, c]));
  for (const [fp, c] of newCerts) {
    const old = baseCerts.get(fp);
    rows.push(
      compare(
        `certificate:${fp}`,
        "Signing certificate",
        old ? describeCertificate(old) : null,
        describeCertificate(c),
      ),
    );
  }
  for (const [fp, c] of baseCerts) {
    if (!newCerts.has(fp)) rows.push(compare(`certificate:${fp}`, "Signing certificate", describeCertificate(c), null));
  }

  const keys = new Set([...Object.keys(base?.attributeMapping ?? {}), ...Object.keys(proposed.attributeMapping)]);
  for (const key of [...keys].sort()) {
    rows.push(
      compare(
        `attribute:${key}`,
        `Attribute "${key}"`,
        base?.attributeMapping[key] ?? null,
        proposed.attributeMapping[key] ?? null,
      ),
    );
  }

  if (secretChanged(base, proposed)) {
    // Never the value on either side: only that a new one was given.
    rows.push({ field: "clientSecret", label: "Client secret", change: "changed", before: null, after: null });
  }
  return rows;
}

/** The rows that differ (what the versions page and the e-mails summarize). */
export function changedRows(rows: DiffRow[]): DiffRow[] {
  return rows.filter((r) => r.change !== "unchanged");
}

/** One line: "Entity ID changed; signing certificate added". */
export function summarizeDiff(rows: DiffRow[]): string {
  const changed = changedRows(rows);
  if (changed.length === 0) return "No change";
  return changed
    .map((r) => `${r.label} ${r.change}`)
    .filter((s, i, all) => all.indexOf(s) === i)
    .join("; ")
    .replace(/^./, (c) => c.toUpperCase());
}
