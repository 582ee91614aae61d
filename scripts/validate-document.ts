/**
 * `npm run validate -- <file-or-url> [--kind saml-metadata|oidc-discovery|jwks] [--entity-id ID]
 *  [--now ISO-DATE] [--json] [--local]`
 *
 * Judges an identity provider document and prints the report (for a person, or the
 * ValidationReport as JSON). Exit codes: 0 ok or warn, 1 error, 2 usage problem. A file is judged
 * offline; a URL is fetched through the SSRF-safe fetcher (`--local` allows plain http to
 * loopback, for the demo IdPs).
 */
import { readFile } from "node:fs/promises";
import { type DocumentKind, type Finding, type ValidationReport, validateDocument } from "../app/validators/index.js";

interface Io {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

const KINDS: DocumentKind[] = ["saml-metadata", "oidc-discovery", "jwks"];
const USAGE = `Usage: npm run validate -- <file-or-url> [--kind saml-metadata|oidc-discovery|jwks] [--entity-id ID] [--now ISO-DATE] [--json] [--local]

Judges SAML metadata, an OpenID Connect discovery document or a JWKS.
  --kind       what the document is (detected when left out)
  --entity-id  the IdP to pick from an aggregate (EntitiesDescriptor)
  --now        judge dates as of this instant (default: now), e.g. 2026-11-22
  --json       print the ValidationReport as JSON
  --local      local mode: a URL may use plain http to a loopback address
Exit codes: 0 ok or warn, 1 error, 2 usage problem.
`;

export interface ParsedArgs {
  target: string;
  kind?: DocumentKind;
  entityId?: string;
  now: Date;
  json: boolean;
  local: boolean;
}

export function parseArgs(args: string[], clock: () => Date = () => new Date()): ParsedArgs | string {
  const positional: string[] = [];
  let kind: DocumentKind | undefined;
  let entityId: string | undefined;
  let now: Date | undefined;
  let json = false;
  let local = false;
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const [flag, inline] =
      arg.startsWith("--") && arg.includes("=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : [arg, undefined];
    const value = (): string | undefined => inline ?? args[++i];
    switch (flag) {
      case "--json":
        json = true;
        break;
      case "--local":
        local = true;
        break;
      case "--kind": {
        const v = value();
        if (!v || !KINDS.includes(v as DocumentKind)) return `--kind must be one of ${KINDS.join(", ")}.`;
        kind = v as DocumentKind;
        break;
      }
      case "--entity-id": {
        const v = value();
        if (!v) return "--entity-id needs a value.";
        entityId = v;
        break;
      }
      case "--now": {
        const v = value();
        const d = v && /^\d{4}-\d{2}-\d{2}/.test(v) ? new Date(/T/.test(v) ? v : `${v}T00:00:00Z`) : undefined;
        if (!d || Number.isNaN(d.getTime()))
          return "--now needs an ISO date such as 2026-11-22 or 2026-11-22T12:00:00Z.";
        now = d;
        break;
      }
      case "--help":
      case "-h":
        return "";
      default:
        if (arg.startsWith("-") && arg !== "-") return `Unknown option ${arg}.`;
        positional.push(arg);
    }
  }
  if (positional.length !== 1)
    return positional.length ? "Give one file or URL at a time." : "Name a file or URL to validate.";
  return {
    target: positional[0]!,
    ...(kind ? { kind } : {}),
    ...(entityId !== undefined ? { entityId } : {}),
    now: now ?? clock(),
    json,
    local,
  };
}

const isUrl = (s: string) => /^https?:\/\//i.test(s);

export async function runValidateCommand(args: string[], io: Io): Promise<number> {
  const parsed = parseArgs(args);
  if (typeof parsed === "string") {
    io.stderr.write(parsed ? `${parsed}\n\n${USAGE}` : USAGE);
    return parsed ? 2 : 0;
  }
  let report: ValidationReport;
  if (isUrl(parsed.target)) {
    const { validateUrl } = await import("./validate-url.js");
    report = await validateUrl(parsed);
  } else {
    let bytes: Uint8Array;
    try {
      bytes = await readFile(parsed.target);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      io.stderr.write(
        `Cannot read ${parsed.target}: ${code === "ENOENT" ? "no such file" : code === "EISDIR" ? "it is a directory" : (code ?? "error")}.\n\n${USAGE}`,
      );
      return 2;
    }
    report = validateDocument(bytes, {
      now: parsed.now,
      nameHint: parsed.target,
      ...(parsed.kind ? { kind: parsed.kind } : {}),
      ...(parsed.entityId !== undefined ? { entityId: parsed.entityId } : {}),
      ...(parsed.local ? { localMode: true } : {}),
    });
  }
  io.stdout.write(parsed.json ? `${JSON.stringify(report, null, 2)}\n` : formatReport(report, parsed.target));
  return report.verdict === "error" ? 1 : 0;
}

function section(title: string, findings: Finding[], mark: string): string[] {
  if (!findings.length) return [];
  const lines = [`${title} (${findings.length})`];
  for (const f of findings) {
    lines.push(`  ${mark} ${f.code}: ${f.message}`);
    if (f.fix) lines.push(`    Fix: ${f.fix}`);
  }
  return [...lines, ""];
}

export function formatReport(report: ValidationReport, target: string): string {
  const verdict = { ok: "OK", warn: "OK WITH WARNINGS", error: "REFUSED" }[report.verdict];
  const lines = [`${target} (${report.kind})`, `Verdict: ${verdict}`, ""];
  lines.push(
    ...section("Errors", report.errors, "✗"),
    ...section("Warnings", report.warnings, "!"),
    ...section("Notes", report.notes, "·"),
  );
  const facts: string[] = [];
  if (report.kind === "saml-metadata") {
    const f = report.facts;
    facts.push(`  Product: ${f.product}`);
    if (f.entityId) facts.push(`  Entity ID: ${f.entityId}`);
    for (const s of f.ssoServices) facts.push(`  Sign-in (${s.binding.replace(/^.*:/, "")}): ${s.location}`);
    for (const s of f.sloServices) facts.push(`  Sign-out (${s.binding.replace(/^.*:/, "")}): ${s.location}`);
    for (const c of f.certificates) {
      facts.push(
        `  Certificate (${c.use}): ${c.subject}; ${c.keyType}${c.keySize ? ` ${c.keySize}` : c.curve ? ` ${c.curve}` : ""}; ${c.signatureAlgorithm}; valid until ${c.notAfter.slice(0, 10)} (${c.expired ? "expired" : `${c.daysLeft} days left`})`,
        `    SHA-256 ${c.fingerprintSha256}`,
        `    SHA-1   ${c.fingerprintSha1}`,
      );
    }
    if (f.wantAuthnRequestsSigned !== undefined)
      facts.push(`  Wants signed requests: ${f.wantAuthnRequestsSigned ? "yes" : "no"}`);
    if (f.nameIdFormats.length) facts.push(`  NameID formats: ${f.nameIdFormats.join(", ")}`);
    if (f.validUntil) facts.push(`  Valid until: ${f.validUntil}`);
    if (f.signature.signed) {
      facts.push(
        `  Signed: ${f.signature.valid ? `yes, valid, signer ${f.signature.trusted ? "trusted" : "not trusted"}` : "yes, INVALID"}`,
      );
    }
  } else if (report.kind === "oidc-discovery") {
    const f = report.facts;
    facts.push(`  Product: ${f.product}`);
    if (f.issuer) facts.push(`  Issuer: ${f.issuer}`);
    for (const [name, url] of Object.entries(f.endpoints)) facts.push(`  ${name}: ${url}`);
    facts.push(`  PKCE (S256): ${f.pkce.supported ? "yes" : "not advertised"}`);
    if (f.idTokenSigningAlgorithms.length)
      facts.push(`  ID token algorithms: ${f.idTokenSigningAlgorithms.join(", ")}`);
    if (f.jwks) facts.push(`  Signing keys: ${f.jwks.usableSigningKeys} usable of ${f.jwks.keys.length}`);
  } else if (report.kind === "jwks") {
    for (const k of report.facts.keys) {
      facts.push(
        `  ${k.usable ? "usable " : "skipped"} ${k.kty ?? "?"}${k.keySize ? ` ${k.keySize}` : k.curve ? ` ${k.curve}` : ""} kid=${k.kid ?? "-"}${k.alg ? ` alg=${k.alg}` : ""}${k.note ? ` (${k.note})` : ""}`,
      );
    }
  }
  if (facts.length) lines.push("Facts", ...facts, "");
  if (report.options) {
    // The certificate is in the facts already; a screenful of base64 helps no one reading a terminal.
    const shown: Record<string, unknown> = { ...report.options };
    if (typeof shown.signingCert === "string")
      shown.signingCert = `<base64 of the PEM certificate, ${shown.signingCert.length} characters; see --json>`;
    lines.push(
      `Auth0 connection options (${report.kind === "saml-metadata" ? "samlp" : "oidc"})`,
      JSON.stringify(shown, null, 2),
      "",
    );
  }
  return `${lines.join("\n")}\n`;
}
