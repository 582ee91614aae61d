import type { MetaFunction } from "@remix-run/node";
import { useRouteLoaderData } from "@remix-run/react";
import { Link } from "~/components/link";
import type { loader as rootLoader } from "~/root";

/**
 * The way in: signed out, sign in (or open the setup link you were sent); signed in, your
 * organization's single sign-on page (/orgs/<slug>/sso), or the support console.
 */
function WayIn() {
  const viewer = useRouteLoaderData<typeof rootLoader>("root")?.viewer;
  if (!viewer) {
    return (
      <div className="card way-in">
        <h2>Start here</h2>
        <p>
          <a className="button" href="/auth/login?returnTo=%2Forgs">
            Sign in
          </a>
        </p>
        <p className="hint">Were you sent a setup link? Open it: it signs you in and adds you to your organization.</p>
      </div>
    );
  }
  return (
    <div className="card way-in">
      <h2>Start here</h2>
      {viewer.orgs.length > 0 ? (
        <ul className="org-list">
          {viewer.orgs.map((o) => (
            <li key={o.slug}>
              <Link to={`/orgs/${o.slug}/sso`}>Single sign-on for {o.name}</Link>
            </li>
          ))}
        </ul>
      ) : null}
      {viewer.support ? (
        <p>
          <Link to="/support">Support console</Link>
        </p>
      ) : null}
      {viewer.orgs.length === 0 && !viewer.support ? (
        <p>You are not in an organization yet. Ask your vendor for a setup link, then open it.</p>
      ) : null}
      <p className="hint">
        An organization&apos;s single sign-on page walks you through picking your identity provider, its metadata or
        discovery URL and the validation report; its other tabs hold its members, setup links and audit log.
      </p>
    </div>
  );
}

export default function Home() {
  return (
    <section className="hero" aria-labelledby="home-title">
      <h1 id="home-title">Set up single sign-on for your organization</h1>
      <p className="lead">
        Connect your identity provider — Okta, Microsoft Entra ID, Google Workspace, AD FS, OneLogin, PingFederate,
        JumpCloud, Keycloak, or any SAML 2.0 or OpenID Connect provider — without e-mailing metadata files back and
        forth.
      </p>
      <ol className="steps">
        <li>
          <strong>Pick your identity provider</strong> and copy the values it needs.
        </li>
        <li>
          <strong>Upload its metadata</strong> or give its discovery URL, and read the validation report.
        </li>
        <li>
          <strong>Test the login</strong> before you go live. Roll back at any time.
        </li>
      </ol>
      <WayIn />
    </section>
  );
}

export const meta: MetaFunction = () => [
  { title: "SSO Portal" },
  { name: "description", content: "Self-service single sign-on set-up" },
];
