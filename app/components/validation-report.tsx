import type { CertificateFacts, Finding, OidcFacts, SamlFacts, ValidationReport } from "~/validators/report";
import { DataTable } from "./data-table";
import { Time } from "./time";

/**
 * A validation report as the customer reads it: what blocks saving (with the fix), what to
 * acknowledge, and the facts — detected product, entity ID or issuer, endpoints, certificates with
 * expiry, key size and SHA-256 fingerprint. Every IdP-supplied string is rendered as text.
 */

function Findings({ title, items, tone }: { title: string; items: Finding[]; tone: "error" | "warn" }) {
  if (items.length === 0) return null;
  return (
    <section className={`findings ${tone}`} aria-labelledby={`findings-${tone}`}>
      <h4 id={`findings-${tone}`}>{title}</h4>
      <ul>
        {items.map((f, i) => (
          <li key={`${f.code}-${i}`}>
            <p className="finding-message">{f.message}</p>
            {f.fix ? (
              <p className="finding-fix">
                <span className="finding-fix-label">How to fix: </span>
                {f.fix}
              </p>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function keyLabel(c: CertificateFacts): string {
  if (c.keySize) return `${c.keyType} ${c.keySize} bits`;
  if (c.curve) return `${c.keyType} ${c.curve}`;
  return c.keyType;
}

export function CertificateTable({ certificates }: { certificates: CertificateFacts[] }) {
  return (
    <DataTable
      rows={certificates}
      rowKey={(c) => `${c.use}-${c.fingerprintSha256}`}
      scroll
      className="certificates"
      empty="No certificates."
      columns={[
        {
          header: "Certificate",
          cell: (c) => (
            <>
              <span className="cert-subject">{c.subject || "(no subject)"}</span>
              <span className="hint"> {c.use.replace(/-/g, " ")}</span>
            </>
          ),
        },
        {
          header: "Expires",
          cell: (c) => (
            <>
              <Time value={c.notAfter} />{" "}
              {c.expired ? (
                <span className="badge error">expired</span>
              ) : c.daysLeft <= 30 ? (
                <span className="badge warn">{c.daysLeft} days left</span>
              ) : (
                <span className="hint">({c.daysLeft} days left)</span>
              )}
            </>
          ),
        },
        { header: "Key", cell: keyLabel },
        { header: "SHA-256 fingerprint", cell: (c) => <code className="fingerprint">{c.fingerprintSha256}</code> },
      ]}
    />
  );
}

function Fact({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <>
      <dt>{label}</dt>
      <dd>{children}</dd>
    </>
  );
}

/** A fact that is a value from the document (an identifier or URL), or "none". */
function CodeFact({ label, value }: { label: string; value: string | null | undefined }) {
  return <Fact label={label}>{value ? <code>{value}</code> : "none"}</Fact>;
}

/** The detected product, and whether it is the one the administrator chose. */
function ProductFact({ product, chosenIdp, matches }: { product: string; chosenIdp: string; matches: boolean }) {
  return (
    <Fact label="Detected identity provider">
      {product}{" "}
      {matches ? (
        <span className="badge ok">matches {chosenIdp}</span>
      ) : (
        <span className="badge warn">you chose {chosenIdp}</span>
      )}
    </Fact>
  );
}

function SamlFactList({ facts: f }: { facts: SamlFacts }) {
  return (
    <>
      <CodeFact label="IdP entity ID" value={f.entityId} />
      <Fact label="Sign-in endpoints">
        {f.ssoServices.length ? (
          <ul className="plain">
            {f.ssoServices.map((s, i) => (
              <li key={i}>
                <code>{s.location}</code> <span className="hint">{s.binding.split(":").pop()}</span>
              </li>
            ))}
          </ul>
        ) : (
          "none"
        )}
      </Fact>
      {f.sloServices.length ? (
        <Fact label="Sign-out endpoint">
          <code>{f.sloServices[0]!.location}</code>
        </Fact>
      ) : null}
      {f.nameIdFormats.length ? <Fact label="NameID formats">{f.nameIdFormats.join(", ")}</Fact> : null}
      <Fact label="Signed sign-in requests">{f.wantAuthnRequestsSigned ? "required by the IdP" : "not required"}</Fact>
      <Fact label="Metadata signature">
        {!f.signature.signed
          ? "not signed"
          : f.signature.valid
            ? "signed, signature valid"
            : "signed, signature not valid"}
      </Fact>
    </>
  );
}

function OidcFactList({ facts: f }: { facts: OidcFacts }) {
  return (
    <>
      <CodeFact label="Issuer" value={f.issuer} />
      <CodeFact label="Authorization endpoint" value={f.endpoints.authorization} />
      <CodeFact label="Token endpoint" value={f.endpoints.token} />
      <Fact label="Key set (JWKS)">
        {f.endpoints.jwks ? <code>{f.endpoints.jwks}</code> : "none"}
        {f.jwks ? <span className="hint"> · {f.jwks.usableSigningKeys} usable signing key(s)</span> : null}
      </Fact>
      <Fact label="PKCE">{f.pkce.supported ? `supported (${f.pkce.methods.join(", ")})` : "not advertised"}</Fact>
    </>
  );
}

/** The facts of a SAML metadata or OIDC discovery document, the detected product first. */
function Facts({
  report,
  chosenIdp,
  productMatches,
}: {
  report: ValidationReport;
  chosenIdp: string;
  productMatches: boolean;
}) {
  if (report.kind !== "saml-metadata" && report.kind !== "oidc-discovery") return null;
  return (
    <dl className="facts">
      <ProductFact product={report.facts.product} chosenIdp={chosenIdp} matches={productMatches} />
      {report.kind === "saml-metadata" ? <SamlFactList facts={report.facts} /> : <OidcFactList facts={report.facts} />}
    </dl>
  );
}

function OptionValue({ value }: { value: unknown }) {
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return <code>{text.length > 120 ? `${text.slice(0, 60)}… (${text.length} characters)` : text}</code>;
}

/** What the draft will write to Auth0's connection options, with long values shortened. */
function Auth0Options({ options }: { options: Record<string, unknown> }) {
  return (
    <DataTable
      rows={Object.entries(options).filter(([, v]) => v !== undefined)}
      rowKey={([k]) => k}
      scroll
      className="auth0-options"
      columns={[
        { header: "Auth0 option", rowHeader: true, cell: ([k]) => <code>{k}</code> },
        {
          header: "Value",
          cell: ([, v]) =>
            v && typeof v === "object" && !Array.isArray(v) ? (
              <ul className="plain">
                {Object.entries(v).map(([field, value]) => (
                  <li key={field}>
                    <code>{field}</code> ← <OptionValue value={value} />
                  </li>
                ))}
              </ul>
            ) : (
              <OptionValue value={v} />
            ),
        },
      ]}
    />
  );
}

export function ValidationReportView({
  report,
  certificates,
  chosenIdp,
  productMatches,
  auth0Options,
}: {
  report: ValidationReport;
  certificates: CertificateFacts[];
  chosenIdp: string;
  productMatches: boolean;
  /** The connection options the draft will hold (secrets shown only as stored). */
  auth0Options: Record<string, unknown> | null;
}) {
  const verdict =
    report.verdict === "error"
      ? `${report.errors.length} ${report.errors.length === 1 ? "problem" : "problems"} to fix before you can save.`
      : report.verdict === "warn"
        ? `Usable, with ${report.warnings.length} ${report.warnings.length === 1 ? "warning" : "warnings"} to read before saving.`
        : "Everything checks out.";
  return (
    <div className="report stack">
      <p className={`notice ${report.verdict === "ok" ? "ok" : report.verdict}`} role="status">
        {verdict}
      </p>
      <Findings title="Problems to fix" items={report.errors} tone="error" />
      <Findings title="Warnings" items={report.warnings} tone="warn" />
      <section aria-labelledby="facts-title">
        <h4 id="facts-title">What we found</h4>
        <Facts report={report} chosenIdp={chosenIdp} productMatches={productMatches} />
      </section>
      {report.kind === "saml-metadata" || certificates.length ? (
        <section aria-labelledby="certs-title">
          <h4 id="certs-title">Certificates</h4>
          <CertificateTable certificates={certificates} />
        </section>
      ) : null}
      {auth0Options ? (
        <section aria-labelledby="auth0-title">
          <h4 id="auth0-title">What will be written to Auth0</h4>
          <Auth0Options options={auth0Options} />
        </section>
      ) : null}
      {report.notes.length ? (
        <details>
          <summary>Notes ({report.notes.length})</summary>
          <ul>
            {report.notes.map((n, i) => (
              <li key={i}>{n.message}</li>
            ))}
          </ul>
        </details>
      ) : null}
    </div>
  );
}
