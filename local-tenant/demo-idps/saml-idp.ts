import { randomBytes } from "node:crypto";
import { inflateRawSync } from "node:zlib";
import { DOMParser } from "@xmldom/xmldom";
import express from "express";
import { SignedXml } from "xml-crypto";
import { autoPostPage, errorPage, esc, page, sendPage } from "../login/pages.js";
import { HTTP_POST, HTTP_REDIRECT } from "../management/saml-metadata.js";
import { selfSignedCertificate, type CertifiedKey } from "../x509.js";
import { listenLocal } from "./listen.js";

/**
 * A demo SAML identity provider on its own origin (npm start: :4020): metadata at `/metadata`,
 * SSO at `/sso` (HTTP-Redirect and HTTP-POST), a login form, seeded users with e-mail, given and
 * family name and groups — and switches that make it misbehave, for tests and demos (each one a
 * failure a real IdP produces): sign with the wrong key, send an expired or a not-yet-valid
 * assertion, name the wrong audience or the wrong destination, send it unsigned, leave out the
 * e-mail, answer with an error status (NameID policy, user not assigned); "Cancel" on the form
 * answers as an IdP does when the user gives up. A switch is set for the whole IdP
 * (`setMisbehaviour`) or per login on the form.
 * Assertions are built and signed with xml-crypto (RSA-SHA256, exclusive c14n).
 */

export const SAML_MISBEHAVIOURS = [
  "none",
  "wrong-signing-key",
  "expired-assertion",
  "not-yet-valid",
  "wrong-audience",
  "wrong-destination",
  "unsigned-assertion",
  "missing-email",
  "nameid-policy-error",
  "user-not-assigned",
] as const;

const BEHAVIOUR_LABELS: Record<SamlMisbehaviour, string> = {
  none: "Behave normally",
  "wrong-signing-key": "Sign with the wrong key",
  "expired-assertion": "Send an expired assertion",
  "not-yet-valid": "Send an assertion not valid yet (clock ahead)",
  "wrong-audience": "Name the wrong audience",
  "wrong-destination": "Name the wrong destination (ACS URL)",
  "unsigned-assertion": "Send the assertion unsigned",
  "missing-email": "Leave out the e-mail",
  "nameid-policy-error": "Refuse the requested NameID format",
  "user-not-assigned": "User not assigned to the application",
};

/** Where a misconfigured IdP posts (an old ACS URL): only named in the response, never used. */
export const WRONG_DESTINATION = "https://old-sso.example.com/saml/acs";

const STATUS = "urn:oasis:names:tc:SAML:2.0:status";
/** Error answers: top-level code, sub-code, StatusMessage (none: Auth0 uses its fixed text). */
const ERROR_STATUSES: Partial<Record<SamlMisbehaviour | "cancel", [string, string, string?]>> = {
  // AD FS answers an unsupported NameIDPolicy like this, without a message.
  "nameid-policy-error": ["Requester", "InvalidNameIDPolicy"],
  "user-not-assigned": ["Responder", "RequestDenied", "The user is not assigned to this application."],
  // Shibboleth and others when the user cancels at the IdP.
  cancel: ["Responder", "AuthnFailed"],
};
export type SamlMisbehaviour = (typeof SAML_MISBEHAVIOURS)[number];

export const DEMO_IDP_PASSWORD = "Demo-IdP-2026";

export interface DemoIdpUser {
  id: string;
  email: string;
  given_name: string;
  family_name: string;
  groups: string[];
  /** Sent as `urn:oid:2.5.4.11` (ou), which no default mapping reads: for fieldsMap tests. */
  department?: string;
}

export const SAML_DEMO_USERS: DemoIdpUser[] = [
  {
    id: "saml-1001",
    email: "ada@saml-idp.test",
    given_name: "Ada",
    family_name: "Lovelace",
    groups: ["engineering", "admins"],
    department: "Analytical Engines",
  },
  {
    id: "saml-1002",
    email: "grace@saml-idp.test",
    given_name: "Grace",
    family_name: "Hopper",
    groups: ["engineering"],
    department: "Compilers",
  },
];

export interface DemoSamlIdpOptions {
  port?: number;
  hostname?: string;
  /** Which AssertionConsumerService URLs the IdP will post to (default: any http(s) URL under /login/callback). */
  allowAcs?: (url: string) => boolean;
  now?: () => Date;
}

export interface DemoSamlIdp {
  url: string;
  metadataUrl: string;
  entityId: string;
  signingCert: CertifiedKey;
  users: DemoIdpUser[];
  password: string;
  setMisbehaviour(m: SamlMisbehaviour): void;
  close(): Promise<void>;
}

interface PendingRequest {
  id: string;
  acs: string;
  audience: string;
  relayState?: string;
  signed: boolean;
  expires: number;
}

const xmlText = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
const xmlAttr = (s: string) => xmlText(s).replace(/"/g, "&quot;");

function parseAuthnRequest(xml: string): { id: string; acs: string; issuer: string } {
  if (/<!DOCTYPE/i.test(xml)) throw new Error("DOCTYPE is not allowed");
  const doc = new DOMParser({ onError: () => undefined }).parseFromString(xml, "text/xml");
  const root = doc.documentElement;
  if (!root || root.localName !== "AuthnRequest") throw new Error("not an AuthnRequest");
  const issuer = root.getElementsByTagNameNS("urn:oasis:names:tc:SAML:2.0:assertion", "Issuer")[0]?.textContent?.trim();
  const id = root.getAttribute("ID");
  const acs = root.getAttribute("AssertionConsumerServiceURL");
  if (!id || !acs || !issuer) throw new Error("the AuthnRequest lacks ID, AssertionConsumerServiceURL or Issuer");
  return { id, acs, issuer };
}

// RSA key generation is synchronous and slow: once per process, shared by every demo SAML IdP
// started in it (the wrong key only when a test first asks for it).
let demoSigningKey: CertifiedKey | undefined;
let wrongKey: CertifiedKey | undefined;

export async function startDemoSamlIdp(options: DemoSamlIdpOptions = {}): Promise<DemoSamlIdp> {
  const { server, url, close } = await listenLocal(options.port, options.hostname);
  const entityId = `${url}/metadata`;
  const now = options.now ?? (() => new Date());
  const key = (demoSigningKey ??= selfSignedCertificate("Demo SAML IdP"));
  const allowAcs =
    options.allowAcs ??
    ((acs: string) => {
      try {
        const u = new URL(acs);
        return (u.protocol === "http:" || u.protocol === "https:") && u.pathname === "/login/callback";
      } catch {
        return false;
      }
    });
  let misbehaviour: SamlMisbehaviour = "none";
  const pending = new Map<string, PendingRequest>();

  const certBody = key.certBase64;
  const metadata = `<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="${xmlAttr(entityId)}">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol" WantAuthnRequestsSigned="false">
    <md:KeyDescriptor use="signing">
      <ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:X509Data><ds:X509Certificate>${certBody}</ds:X509Certificate></ds:X509Data></ds:KeyInfo>
    </md:KeyDescriptor>
    <md:NameIDFormat>urn:oasis:names:tc:SAML:2.0:nameid-format:persistent</md:NameIDFormat>
    <md:SingleSignOnService Binding="${HTTP_REDIRECT}" Location="${xmlAttr(`${url}/sso`)}"/>
    <md:SingleSignOnService Binding="${HTTP_POST}" Location="${xmlAttr(`${url}/sso`)}"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
`;

  function loginForm(token: string, req: PendingRequest, error?: string, email = "") {
    const options = SAML_MISBEHAVIOURS.map(
      (m) => `<option value="${m}"${m === misbehaviour ? " selected" : ""}>${esc(BEHAVIOUR_LABELS[m])}</option>`,
    ).join("");
    return page(
      "Demo SAML IdP: sign in",
      `<h1>Demo SAML IdP</h1>
<p class="muted">Signing in for <strong>${esc(req.audience)}</strong>${req.signed ? " (signed request)" : ""}.</p>
<div role="alert" aria-live="assertive">${error ? `<p class="alert">${esc(error)}</p>` : ""}</div>
<form method="post" action="/sso/login">
  <input type="hidden" name="request" value="${esc(token)}">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${esc(email)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <label for="behaviour">Test behaviour</label>
  <select id="behaviour" name="behaviour">${options}</select>
  <button type="submit">Sign in</button>
  <button type="submit" name="cancel" value="1" formnovalidate class="secondary">Cancel</button>
</form>
<p class="muted">Demo users: ${SAML_DEMO_USERS.map((u) => esc(u.email)).join(", ")}; password ${esc(DEMO_IDP_PASSWORD)}.</p>`,
    );
  }

  /** A Response with an error status and no assertion, as IdPs send when they refuse a login. */
  function errorResponse(req: PendingRequest, [code, sub, message]: [string, string, string?]): string {
    const xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
      ` ID="_${randomBytes(16).toString("hex")}" Version="2.0" IssueInstant="${now().toISOString()}" Destination="${xmlAttr(req.acs)}" InResponseTo="${xmlAttr(req.id)}">` +
      `<saml:Issuer>${xmlText(entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="${STATUS}:${code}"><samlp:StatusCode Value="${STATUS}:${sub}"/></samlp:StatusCode>` +
      `${message ? `<samlp:StatusMessage>${xmlText(message)}</samlp:StatusMessage>` : ""}</samlp:Status>` +
      `</samlp:Response>`;
    return Buffer.from(xml).toString("base64");
  }

  function signedResponse(user: DemoIdpUser, req: PendingRequest, behaviour: SamlMisbehaviour): string {
    const failure = ERROR_STATUSES[behaviour];
    if (failure) return errorResponse(req, failure);
    const t = now().getTime();
    const iso = (ms: number) => new Date(ms).toISOString();
    const issued =
      behaviour === "expired-assertion" ? t - 2 * 3_600_000 : behaviour === "not-yet-valid" ? t + 2 * 3_600_000 : t;
    const notBefore = iso(issued - 60_000);
    const notOnOrAfter = iso(issued + 5 * 60_000);
    const audience = behaviour === "wrong-audience" ? "urn:auth0:some-other-tenant:some-connection" : req.audience;
    const responseId = `_${randomBytes(16).toString("hex")}`;
    const assertionId = `_${randomBytes(16).toString("hex")}`;
    const attr = (name: string, values: string[]) =>
      `<saml:Attribute Name="${xmlAttr(name)}" NameFormat="urn:oasis:names:tc:SAML:2.0:attrname-format:uri">${values
        .map((v) => `<saml:AttributeValue xsi:type="xs:string">${xmlText(v)}</saml:AttributeValue>`)
        .join("")}</saml:Attribute>`;
    const claims = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims";
    const attributes = [
      behaviour === "missing-email" ? "" : attr(`${claims}/emailaddress`, [user.email]),
      attr(`${claims}/givenname`, [user.given_name]),
      attr(`${claims}/surname`, [user.family_name]),
      attr(`${claims}/name`, [`${user.given_name} ${user.family_name}`]),
      attr("http://schemas.xmlsoap.org/claims/Group", user.groups),
      user.department ? attr("urn:oid:2.5.4.11", [user.department]) : "",
    ].join("");
    const xml =
      `<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
      ` ID="${responseId}" Version="2.0" IssueInstant="${iso(issued)}" Destination="${xmlAttr(behaviour === "wrong-destination" ? WRONG_DESTINATION : req.acs)}" InResponseTo="${xmlAttr(req.id)}">` +
      `<saml:Issuer>${xmlText(entityId)}</saml:Issuer>` +
      `<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>` +
      `<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" ID="${assertionId}" Version="2.0" IssueInstant="${iso(issued)}">` +
      `<saml:Issuer>${xmlText(entityId)}</saml:Issuer>` +
      `<saml:Subject><saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">${xmlText(user.id)}</saml:NameID>` +
      `<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer"><saml:SubjectConfirmationData InResponseTo="${xmlAttr(req.id)}" NotOnOrAfter="${notOnOrAfter}" Recipient="${xmlAttr(req.acs)}"/></saml:SubjectConfirmation></saml:Subject>` +
      `<saml:Conditions NotBefore="${notBefore}" NotOnOrAfter="${notOnOrAfter}"><saml:AudienceRestriction><saml:Audience>${xmlText(audience)}</saml:Audience></saml:AudienceRestriction></saml:Conditions>` +
      `<saml:AuthnStatement AuthnInstant="${iso(issued)}" SessionIndex="${assertionId}"><saml:AuthnContext><saml:AuthnContextClassRef>urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>` +
      `<saml:AttributeStatement>${attributes}</saml:AttributeStatement>` +
      `</saml:Assertion></samlp:Response>`;
    if (behaviour === "unsigned-assertion") return Buffer.from(xml).toString("base64");
    const signer =
      behaviour === "wrong-signing-key" ? (wrongKey ??= selfSignedCertificate("Demo SAML IdP (wrong key)")) : key;
    const sig = new SignedXml({
      privateKey: signer.privateKeyPem,
      publicCert: signer.certPem,
      signatureAlgorithm: "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
      canonicalizationAlgorithm: "http://www.w3.org/2001/10/xml-exc-c14n#",
    });
    sig.addReference({
      xpath: "//*[local-name(.)='Assertion']",
      transforms: ["http://www.w3.org/2000/09/xmldsig#enveloped-signature", "http://www.w3.org/2001/10/xml-exc-c14n#"],
      digestAlgorithm: "http://www.w3.org/2001/04/xmlenc#sha256",
    });
    sig.computeSignature(xml, {
      location: { reference: "//*[local-name(.)='Assertion']/*[local-name(.)='Issuer']", action: "after" },
    });
    return Buffer.from(sig.getSignedXml()).toString("base64");
  }

  const app = express();
  app.disable("x-powered-by");
  app.get("/metadata", (_req, res) => {
    res.type("application/samlmetadata+xml").send(metadata);
  });

  const receive = (
    samlRequest: unknown,
    relayState: unknown,
    deflated: boolean,
    signed: boolean,
    res: express.Response,
  ) => {
    if (typeof samlRequest !== "string" || !samlRequest) {
      return sendPage(res, 400, errorPage("Bad request", "Missing SAMLRequest."));
    }
    let parsed;
    try {
      const raw = Buffer.from(samlRequest, "base64");
      parsed = parseAuthnRequest((deflated ? inflateRawSync(raw) : raw).toString("utf8"));
    } catch (err) {
      return sendPage(
        res,
        400,
        errorPage("Bad request", `The SAMLRequest could not be read: ${(err as Error).message}`),
      );
    }
    if (!allowAcs(parsed.acs)) {
      return sendPage(res, 400, errorPage("Unknown service provider", `The demo IdP does not post to ${parsed.acs}.`));
    }
    const token = randomBytes(18).toString("base64url");
    const req: PendingRequest = {
      id: parsed.id,
      acs: parsed.acs,
      audience: parsed.issuer,
      relayState: typeof relayState === "string" ? relayState : undefined,
      signed,
      expires: Date.now() + 10 * 60_000,
    };
    pending.set(token, req);
    sendPage(res, 200, loginForm(token, req));
  };
  app.get("/sso", (req, res) =>
    receive(req.query.SAMLRequest, req.query.RelayState, true, typeof req.query.Signature === "string", res),
  );
  app.post("/sso", express.urlencoded({ extended: false, limit: "1mb" }), (req, res) => {
    const body = req.body as Record<string, unknown>;
    const signed =
      typeof body.SAMLRequest === "string" && Buffer.from(body.SAMLRequest, "base64").includes("SignatureValue");
    receive(body.SAMLRequest, body.RelayState, false, signed, res);
  });
  app.post("/sso/login", express.urlencoded({ extended: false, limit: "16kb" }), (req, res) => {
    const body = req.body as Record<string, string | undefined>;
    const token = body.request ?? "";
    const request = pending.get(token);
    if (!request || request.expires < Date.now()) {
      return sendPage(res, 400, errorPage("Sign-in expired", "Start the sign-in again from the application."));
    }
    const answer = (SAMLResponse: string) => {
      const fields: Record<string, string> = { SAMLResponse };
      if (request.relayState !== undefined) fields.RelayState = request.relayState;
      sendPage(res, 200, autoPostPage(request.acs, fields), { script: true });
    };
    if (body.cancel) {
      pending.delete(token);
      return answer(errorResponse(request, ERROR_STATUSES.cancel!));
    }
    const user = SAML_DEMO_USERS.find((u) => u.email.toLowerCase() === (body.email ?? "").trim().toLowerCase());
    if (!user || body.password !== DEMO_IDP_PASSWORD) {
      return sendPage(res, 400, loginForm(token, request, "Wrong email or password.", body.email ?? ""));
    }
    pending.delete(token);
    const behaviour = (SAML_MISBEHAVIOURS as readonly string[]).includes(body.behaviour ?? "")
      ? (body.behaviour as SamlMisbehaviour)
      : misbehaviour;
    answer(signedResponse(user, request, behaviour));
  });
  server.on("request", app);

  return {
    url,
    metadataUrl: `${url}/metadata`,
    entityId,
    signingCert: key,
    users: SAML_DEMO_USERS,
    password: DEMO_IDP_PASSWORD,
    setMisbehaviour: (m) => {
      misbehaviour = m;
    },
    close,
  };
}
