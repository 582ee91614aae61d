import { Link } from "~/components/link";
import type { FailureExplanation } from "~/services/test-login/failure-explanations";
import { DataTable } from "./data-table";
import { Time } from "./time";

/**
 * A test login's result: who signed in, each check with its value, the claims and the IdP's
 * attributes (as text: IdP strings never become markup), and on failure the cause, the fix and
 * Auth0's own words folded below.
 */

export interface CheckView {
  id: string;
  label: string;
  passed: boolean;
  value: string;
  expected: string;
  /** The attribute to map, when the IdP sent the value under another name. */
  hint?: string;
}

export interface TestResultData {
  id: string;
  version: number;
  protocol: "saml" | "oidc";
  connectionName: string;
  status: "pending" | "passed" | "failed";
  startedBy: string;
  startedAt: string;
  finishedAt: string | null;
  subject: string | null;
  claims: [string, string][];
  attributes: [string, string][] | null;
  checks: CheckView[];
  explanation: FailureExplanation | null;
}

const STATUS = {
  passed: { label: "Passed", badge: "ok" },
  failed: { label: "Failed", badge: "error" },
  pending: { label: "Not finished", badge: "warn" },
} as const;

function Pairs({ rows, caption }: { rows: [string, string][]; caption: string }) {
  return (
    <DataTable
      rows={rows}
      rowKey={([k]) => k}
      caption={caption}
      hiddenCaption
      empty="Nothing came back."
      columns={[
        { header: "Name", cell: ([k]) => <code>{k}</code> },
        { header: "Value", className: "mono", cell: ([, v]) => v },
      ]}
    />
  );
}

export function TestResult({ result, slug }: { result: TestResultData; slug: string }) {
  const status = STATUS[result.status];
  const firstHint = result.checks.find((c) => !c.passed)?.hint;
  return (
    <div className="stack">
      <section className="card" aria-labelledby="summary-title">
        <h2 id="summary-title">
          Result: <span className={`badge ${status.badge}`}>{status.label}</span>
        </h2>
        <p>
          Version {result.version} on <code>{result.connectionName}</code>, started by {result.startedBy} on{" "}
          <Time value={result.startedAt} />
          {result.finishedAt ? (
            <>
              , finished <Time value={result.finishedAt} />
            </>
          ) : null}
          .
        </p>
        {result.subject ? (
          <p>
            Signed in as <code>{result.subject}</code>
            {result.claims.find(([k]) => k === "email") ? (
              <> ({result.claims.find(([k]) => k === "email")?.[1]})</>
            ) : null}
            .
          </p>
        ) : null}
        {result.status === "pending" ? (
          <div className="notice warn">
            <p>
              This test has not come back. If your identity provider stopped on its own error page, the most likely
              cause is a redirect URI (reply URL) or ACS URL it does not know: compare it with the values on your setup
              page, then <Link to={`/orgs/${slug}/sso/live`}>test again</Link>.
            </p>
          </div>
        ) : null}
      </section>

      {result.explanation ? (
        <section className="card" aria-labelledby="why-title">
          <h2 id="why-title">What went wrong</h2>
          <p className="notice error" role="alert">
            {result.explanation.title}
          </p>
          <h3>How to fix it</h3>
          {firstHint ? (
            <p>
              <strong>{firstHint}</strong>
            </p>
          ) : null}
          <p>{result.explanation.fix}</p>
          {result.explanation.facts.length ? (
            <dl className="facts">
              {result.explanation.facts.map((f) => (
                <div key={f.label}>
                  <dt>{f.label}</dt>
                  <dd className="mono">{f.value}</dd>
                </div>
              ))}
            </dl>
          ) : null}
          {result.explanation.technical.errorDescription || result.explanation.technical.error ? (
            <details>
              <summary>Technical detail</summary>
              <p>
                Auth0 answered <code>{result.explanation.technical.error || "(no error code)"}</code>:
              </p>
              <pre className="mono">{result.explanation.technical.errorDescription}</pre>
            </details>
          ) : null}
        </section>
      ) : null}

      {result.checks.length ? (
        <section className="card" aria-labelledby="checks-title">
          <h2 id="checks-title">Checks</h2>
          <DataTable
            rows={result.checks}
            columns={[
              { header: "Check", cell: (c) => c.label },
              {
                header: "Result",
                cell: (c) => (
                  <span className={`badge ${c.passed ? "ok" : "error"}`}>{c.passed ? "Passed" : "Failed"}</span>
                ),
              },
              { header: "Value received", className: "mono", cell: (c) => c.value || "(nothing)" },
              {
                header: "Expected",
                cell: (c) => (
                  <>
                    {c.expected}
                    {c.hint ? <p className="hint">{c.hint}</p> : null}
                  </>
                ),
              },
            ]}
          />
        </section>
      ) : null}

      {result.status !== "pending" && result.subject ? (
        <>
          <section className="card" aria-labelledby="claims-title">
            <h2 id="claims-title">Claims your application receives</h2>
            <p className="hint">
              The ID token's claims after the connection's mapping (the token itself is never kept).
            </p>
            <Pairs rows={result.claims} caption="Claims" />
          </section>
          <section className="card" aria-labelledby="attrs-title">
            <h2 id="attrs-title">Attributes as your identity provider named them</h2>
            {result.attributes ? (
              <Pairs rows={result.attributes} caption="Attributes from the identity provider" />
            ) : (
              <p className="empty-state">
                The user's profile could not be read from Auth0, so only the mapped claims are shown above.
              </p>
            )}
          </section>
        </>
      ) : null}
    </div>
  );
}

export interface TestListRow {
  id: string;
  version: number;
  status: "pending" | "passed" | "failed";
  startedBy: string;
  startedAt: string;
  summary: string | null;
}

export function TestList({ slug, tests }: { slug: string; tests: TestListRow[] }) {
  return (
    <DataTable
      rows={tests}
      empty="No test login yet. Use “Test login” to try the staged version."
      columns={[
        {
          header: "When",
          cell: (t) => (
            <Link to={`/orgs/${slug}/sso/tests/${t.id}`}>
              <Time value={t.startedAt} />
            </Link>
          ),
        },
        { header: "Version", cell: (t) => t.version },
        { header: "By", cell: (t) => t.startedBy },
        {
          header: "Result",
          cell: (t) => (
            <>
              <span className={`badge ${STATUS[t.status].badge}`}>{STATUS[t.status].label}</span>
              {t.summary ? ` ${t.summary}` : null}
            </>
          ),
        },
      ]}
    />
  );
}
