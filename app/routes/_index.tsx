import type { MetaFunction } from "@remix-run/node";

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
    </section>
  );
}

export const meta: MetaFunction = () => [
  { title: "SSO Portal" },
  { name: "description", content: "Self-service single sign-on set-up" },
];
