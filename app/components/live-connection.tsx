import { Form } from "@remix-run/react";
import { Link } from "~/components/link";
import { Time } from "./time";

/**
 * The organization's staged and live connection, what is being applied, and the three buttons:
 * Test login, Go live, Roll back — each disabled with the reason when the server would refuse.
 * Used by the SSO pages; the forms post to /orgs/<slug>/sso/live.
 */

export interface ApplyProgressView {
  jobId: string;
  stage: "test" | "live";
  version: number;
  status: "queued" | "running" | "succeeded" | "failed" | "dead";
  stepsDone: string[];
  lastError: string | null;
}

export interface LivePanelData {
  slug: string;
  canAct: boolean;
  staged: { version: number; protocol: "saml" | "oidc"; connectionName: string; appliedAt: string } | null;
  live: {
    version: number;
    protocol: "saml" | "oidc";
    connectionName: string;
    since: string;
    disabled: { reason: string; by: string; at: string } | null;
  } | null;
  applies: ApplyProgressView[];
  gate: { allowed: boolean; message: string; passingTestId: string | null };
  rollBackTo: number | null;
  validDays: number;
}

const STEP_LABELS: Record<string, string> = {
  connection: "Configuration written",
  clients: "Applications enabled",
  organization: "Organization enabled",
};
const STATUS_LABELS: Record<ApplyProgressView["status"], string> = {
  queued: "Waiting to start",
  running: "In progress",
  succeeded: "Done",
  failed: "Failed",
  dead: "Failed (gave up after retries)",
};
const PROTOCOL = { saml: "SAML", oidc: "OpenID Connect" };

function Progress({ apply }: { apply: ApplyProgressView }) {
  const steps = apply.stage === "test" ? ["connection", "clients"] : ["connection", "clients", "organization"];
  const what =
    apply.stage === "test" ? `Applying version ${apply.version} for testing` : `Putting version ${apply.version} live`;
  const badge =
    apply.status === "succeeded" ? "ok" : apply.status === "failed" || apply.status === "dead" ? "error" : "warn";
  return (
    <div className="apply-progress">
      <p>
        {what}: <span className={`badge ${badge}`}>{STATUS_LABELS[apply.status]}</span>
      </p>
      <ol className="steps">
        {steps.map((s) => (
          <li key={s} className={apply.stepsDone.includes(s) ? "done" : ""}>
            {STEP_LABELS[s]} {apply.stepsDone.includes(s) || apply.status === "succeeded" ? "✓" : "…"}
          </li>
        ))}
      </ol>
      {apply.lastError ? (
        <p className="notice error" role="alert">
          {apply.lastError}
        </p>
      ) : null}
    </div>
  );
}

export function LiveConnectionPanel({ data, busy }: { data: LivePanelData; busy: boolean }) {
  const action = `/orgs/${data.slug}/sso/live`;
  const inProgress = data.applies.filter((a) => a.status === "queued" || a.status === "running");
  const goingLive = inProgress.some((a) => a.stage === "live");
  return (
    <section className="card stack" aria-labelledby="live-title">
      <h2 id="live-title">Your connections</h2>
      <div className="live-grid">
        <div>
          <h3>Staged for testing</h3>
          {data.staged ? (
            <p>
              Version {data.staged.version} ({PROTOCOL[data.staged.protocol]}) on{" "}
              <code>{data.staged.connectionName}</code>, applied <Time value={data.staged.appliedAt} />. Only test
              logins use it.
            </p>
          ) : (
            <p className="empty-state">No version has been applied yet. Submit a configuration first.</p>
          )}
        </div>
        <div>
          <h3>Live</h3>
          {data.live ? (
            <p>
              Version {data.live.version} ({PROTOCOL[data.live.protocol]}) on <code>{data.live.connectionName}</code>{" "}
              since <Time value={data.live.since} />.{" "}
              {data.live.disabled ? (
                <span className="badge error">Disabled by support</span>
              ) : goingLive ? (
                <span className="badge warn">Being written</span>
              ) : (
                <span className="badge ok">Users can sign in</span>
              )}
            </p>
          ) : (
            <p className="empty-state">Nothing is live yet: your users cannot sign in with SSO.</p>
          )}
          {data.live?.disabled ? (
            <p className="notice warn">
              Disabled by {data.live.disabled.by} on <Time value={data.live.disabled.at} />: {data.live.disabled.reason}
            </p>
          ) : null}
        </div>
      </div>

      <div aria-live="polite">
        {data.applies.map((a) => (
          <Progress key={a.jobId} apply={a} />
        ))}
      </div>

      {data.canAct ? (
        <div className="button-row">
          {data.staged && inProgress.length === 0 ? (
            // A plain link: the test leaves for the tenant and the IdP (see the route).
            <a className="button" href={`/orgs/${data.slug}/sso/test-login`}>
              Test login
            </a>
          ) : (
            <button type="button" disabled>
              Test login
            </button>
          )}
          <Form method="post" action={action}>
            <input type="hidden" name="intent" value="go-live" />
            <button type="submit" disabled={!data.gate.allowed || busy} aria-describedby="go-live-why">
              Go live
            </button>
          </Form>
          {data.rollBackTo !== null ? (
            <Form method="post" action={action}>
              <input type="hidden" name="intent" value="roll-back" />
              <button type="submit" className="secondary" disabled={busy || inProgress.length > 0}>
                Roll back to version {data.rollBackTo}
              </button>
            </Form>
          ) : null}
        </div>
      ) : null}
      <p id="go-live-why" className={data.gate.allowed ? "hint" : "notice warn"}>
        {data.gate.allowed ? (
          <>
            Version {data.staged?.version} passed a{" "}
            <Link to={`/orgs/${data.slug}/sso/tests/${data.gate.passingTestId}`}>test login</Link>: it can go live.
          </>
        ) : (
          data.gate.message
        )}{" "}
        A passing test allows going live for {data.validDays} days.
      </p>
    </section>
  );
}
