import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import { SchemaForm, SubmitButton, useSchemaForm } from "~/components/form";
import { sectionTitle } from "~/components/section-nav";
import { Time } from "~/components/time";
import { CertificateTable } from "~/components/validation-report";
import { redirectWithFlash } from "~/forms/flash.server";
import { parseSubmission, readSubmission } from "~/forms/parse.server";
import { discardDraftSchema as discardSchema } from "~/forms/sso-setup";
import { discardDraft } from "~/services/connections/drafts.server";
import { IDENTITY_PROVIDERS } from "~/services/connections/identity-providers";
import { SSO_STATE_LABEL, type SsoState } from "~/services/connections/sso-state";
import { loadSsoOverview, reportCertificates } from "~/services/connections/status.server";
import { requireOrgMember } from "~/services/identity/guards.server";
import { ChangeOutcome } from "~/components/change-outcome";
import { useChangeRevalidation } from "~/components/change-status";
import { handleChangeAction } from "~/forms/change-actions.server";
import { submitDraftSchema } from "~/forms/changes";
import { orgRoleCan } from "~/services/identity/permissions";
import { daysLeft, expiryStage, expiryTone } from "~/services/monitoring/certificate-expiry";

/**
 * /orgs/<slug>/sso — where the organization's single sign-on stands, for every member: the state,
 * the draft and what was last applied, the live signing certificate's expiry (red once expired),
 * and what to do next. Administrators get the actions; viewers see the same page without them.
 */

export async function loader({ request, params }: LoaderFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug);
  // The status, the certificate and the last three changes in one statement (status.server.ts).
  const { status, certificate: cert, changes } = await loadSsoOverview(scope, { changes: 3 });
  const { draft, applied } = status;
  const c = draft?.configuration;
  const now = new Date();
  return {
    org: { slug: scope.org.slug, name: scope.org.name },
    canManage: orgRoleCan(scope.role, "org:sso:manage"),
    state: status.state,
    lastError: status.lastError,
    draft:
      draft && c
        ? {
            version: draft.version,
            state: draft.state,
            author: draft.author.label,
            updatedAt: draft.updatedAt.toISOString(),
            idp: IDENTITY_PROVIDERS[c.idp].name,
            protocol: c.protocol,
            entityIdOrIssuer: c.protocol === "saml" ? c.entityId : c.options.issuer,
            signInUrl: c.protocol === "saml" ? c.options.signInEndpoint : c.options.authorization_endpoint,
            clientId: c.protocol === "oidc" ? c.clientId : null,
            secretStored: c.protocol === "oidc" && c.clientSecret !== null,
            source:
              c.source.kind === "file"
                ? `Metadata file ${c.source.fileName}`
                : c.source.kind === "url"
                  ? `Metadata URL ${c.source.url}`
                  : c.source.kind === "discovery"
                    ? `Discovery URL ${c.source.url}`
                    : "Entered manually",
            warnings: draft.report.warnings.length,
            certificates: reportCertificates(draft.report),
          }
        : null,
    applied: applied ? { ...applied, appliedAt: applied.appliedAt.toISOString() } : null,
    certificate: cert
      ? {
          notAfter: cert.notAfter.toISOString(),
          fingerprint: cert.fingerprint,
          version: cert.version,
          daysLeft: daysLeft(cert.notAfter, now),
          expired: cert.notAfter <= now,
          tone: expiryTone(expiryStage(cert.notAfter, now)),
        }
      : null,
    changes,
  };
}

export async function action({ request, params }: ActionFunctionArgs) {
  const scope = await requireOrgMember(request, params.slug, "org_admin");
  const submission = await readSubmission(request);
  switch (submission.intent) {
    case "discard-draft": {
      const parsed = parseSubmission(submission, discardSchema);
      if (!parsed.ok) return parsed.reply;
      const gone = await discardDraft(scope, Number(parsed.value.version));
      return redirectWithFlash(`/orgs/${scope.org.slug}/sso`, {
        tone: gone ? "ok" : "error",
        message: gone
          ? "The draft was discarded."
          : "The draft changed since you opened this page (someone saved or submitted it), so it was not discarded. Look at it again below.",
      });
    }
    default:
      // Submit for review, withdraw, retry (app/forms/change-actions.server.ts).
      return handleChangeAction(request, scope, submission);
  }
}

const NEXT_STEP: Record<SsoState, { admin: string; viewer: string }> = {
  "not-configured": {
    admin:
      "Set up single sign-on: pick your identity provider, copy a few values into it and give us its details. It takes about ten minutes.",
    viewer: "Single sign-on is not set up yet. An administrator of your organization can set it up.",
  },
  draft: {
    admin: "Your draft is checked and saved. Review it, edit it if needed, then submit it for review.",
    viewer: "An administrator is preparing the configuration.",
  },
  "waiting-for-review": {
    admin: "The vendor's support team is reviewing your configuration. You will hear when it is approved.",
    viewer: "The configuration is waiting for the vendor's review.",
  },
  applying: {
    admin: "The configuration is being written to the sign-in service. This takes a few seconds.",
    viewer: "The configuration is being applied.",
  },
  "ready-to-test": {
    admin: "The configuration is applied to a test connection. Test a sign-in before going live.",
    viewer: "The configuration is applied and waiting for a test sign-in.",
  },
  live: { admin: "Your people sign in with your identity provider.", viewer: "Single sign-on is live." },
  failed: {
    admin: "Applying the configuration failed. Look at the reason below; the vendor's support team was told.",
    viewer: "Applying the configuration failed; an administrator has been told.",
  },
};

const STATE_TONE: Record<SsoState, string> = {
  "not-configured": "",
  draft: "",
  "waiting-for-review": "warn",
  applying: "warn",
  "ready-to-test": "ok",
  live: "ok",
  failed: "error",
};

function SubmitForReview({ version }: { version: number }) {
  const form = useSchemaForm(submitDraftSchema, { intent: "submit-change", hidden: { draftVersion: String(version) } });
  return (
    <SchemaForm form={form} aria-label="Submit for review">
      <SubmitButton>Submit for review</SubmitButton>
    </SchemaForm>
  );
}

function DiscardDraft({ version }: { version: number }) {
  const form = useSchemaForm(discardSchema, { intent: "discard-draft", hidden: { version: String(version) } });
  return (
    <SchemaForm form={form} aria-label="Discard draft">
      <SubmitButton className="danger">Discard draft</SubmitButton>
    </SchemaForm>
  );
}

export default function SsoPage() {
  const { org, canManage, state, draft, applied, lastError, changes, certificate } = useLoaderData<typeof loader>();
  useChangeRevalidation(
    changes.map((c) => c.state),
    { busy: state === "applying" },
  );
  const editable = draft?.state === "draft";
  return (
    <div className="stack">
      <h2>Single sign-on</h2>
      <p>
        <Link to={`/orgs/${org.slug}/sso/live`}>Test login, go live and roll back</Link>
      </p>
      <section className="card stack" aria-labelledby="status-title">
        <h3 id="status-title">
          Status: <span className={`badge ${STATE_TONE[state]}`}>{SSO_STATE_LABEL[state]}</span>
        </h3>
        <p>{canManage ? NEXT_STEP[state].admin : NEXT_STEP[state].viewer}</p>
        {lastError ? <p className="notice error">{lastError}</p> : null}
        {certificate ? (
          <p className={certificate.tone === "ok" ? undefined : `notice ${certificate.tone}`}>
            {certificate.expired
              ? "Your live signing certificate expired on "
              : "Your live signing certificate expires "}
            <span className={`badge ${certificate.tone}`}>
              <Time value={certificate.notAfter} />
            </span>
            {certificate.expired
              ? ": nobody can sign in with single sign-on until your identity provider's new certificate is uploaded."
              : ` (${certificate.daysLeft} day${certificate.daysLeft === 1 ? "" : "s"} left${certificate.version ? `, version ${certificate.version}` : ""}).`}
            {certificate.tone !== "ok" && canManage ? (
              <>
                {" "}
                <Link to={`/orgs/${org.slug}/sso/setup`}>Upload the new metadata</Link>
              </>
            ) : null}
          </p>
        ) : null}
        {canManage ? (
          <div className="button-row">
            {!draft ? (
              <Link className="button" to={`/orgs/${org.slug}/sso/setup`}>
                {state === "not-configured" ? "Set up SSO" : "Change the configuration"}
              </Link>
            ) : editable ? (
              <>
                <SubmitForReview version={draft.version} />
                <Link className="button secondary" to={`/orgs/${org.slug}/sso/setup?step=check`}>
                  Edit draft
                </Link>
                <DiscardDraft version={draft.version} />
              </>
            ) : null}
          </div>
        ) : null}
      </section>

      {changes.length > 0 ? (
        <section className="card stack" aria-labelledby="changes-title">
          <h3 id="changes-title">Changes</h3>
          {changes.map((c) => (
            <ChangeOutcome key={c.id} change={c} canManage={canManage} />
          ))}
          <p>
            <Link to={`/orgs/${org.slug}/sso/versions`}>Every applied version</Link>
          </p>
        </section>
      ) : null}

      {draft ? (
        <section className="card stack" aria-labelledby="draft-title">
          <h3 id="draft-title">Draft</h3>
          <p className="hint">
            Version {draft.version}, saved by {draft.author} at <Time value={draft.updatedAt} />.
          </p>
          <dl className="facts">
            <dt>Identity provider</dt>
            <dd>
              {draft.idp} ({draft.protocol === "saml" ? "SAML 2.0" : "OpenID Connect"})
            </dd>
            <dt>{draft.protocol === "saml" ? "IdP entity ID" : "Issuer"}</dt>
            <dd>
              <code>{draft.entityIdOrIssuer}</code>
            </dd>
            <dt>Sign-in URL</dt>
            <dd>
              <code>{draft.signInUrl}</code>
            </dd>
            {draft.clientId ? (
              <>
                <dt>Client ID</dt>
                <dd>
                  <code>{draft.clientId}</code>
                </dd>
                <dt>Client secret</dt>
                <dd>{draft.secretStored ? "stored encrypted (never shown)" : "none (front channel)"}</dd>
              </>
            ) : null}
            <dt>Source</dt>
            <dd>{draft.source}</dd>
            <dt>Check</dt>
            <dd>
              {draft.warnings
                ? `passed with ${draft.warnings} acknowledged ${draft.warnings === 1 ? "warning" : "warnings"}`
                : "passed"}
            </dd>
          </dl>
          {draft.certificates.length ? (
            <>
              <h4>Certificates</h4>
              <CertificateTable certificates={draft.certificates} />
            </>
          ) : null}
        </section>
      ) : null}

      {applied ? (
        <section className="card stack" aria-labelledby="applied-title">
          <h3 id="applied-title">Applied configuration</h3>
          <p className="hint">
            Version {applied.version}, applied at <Time value={applied.appliedAt} />.
          </p>
          <dl className="facts">
            <dt>Protocol</dt>
            <dd>{applied.protocol === "saml" ? "SAML 2.0" : "OpenID Connect"}</dd>
            {applied.issuer ? (
              <>
                <dt>Issuer</dt>
                <dd>
                  <code>{applied.issuer}</code>
                </dd>
              </>
            ) : null}
            {applied.signInUrl ? (
              <>
                <dt>Sign-in URL</dt>
                <dd>
                  <code>{applied.signInUrl}</code>
                </dd>
              </>
            ) : null}
          </dl>
          {applied.certificates.length ? (
            <ul className="plain">
              {applied.certificates.map((c) => (
                <li key={c.fingerprintSha256}>
                  Signing certificate {c.subject}: expires <Time value={c.notAfter} />{" "}
                  {c.expired ? <span className="badge error">expired</span> : `(${c.daysLeft} days left)`}
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : !draft ? (
        <p className="empty-state">Nothing is configured yet.</p>
      ) : null}
    </div>
  );
}

export const meta: MetaFunction<typeof loader> = ({ matches }) => [{ title: sectionTitle(matches, "Single sign-on") }];
