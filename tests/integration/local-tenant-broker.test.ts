import { createVerify, X509Certificate } from "node:crypto";
import type * as oidc from "openid-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { demoOidcConnectionOptions, startDemoIdps, type DemoIdps } from "../../local-tenant/demo-idps/index.js";
import { startLocalTenant, type LocalTenant } from "../../local-tenant/server.js";
import { explainLoginFailure } from "../../app/services/test-login/failure-explanations.js";
import { demoSamlIdpLogin, HttpBrowser, hiddenInput, samlPostForm } from "../../harness/http-browser";
import {
  discoverTenantClient,
  finishAuthorization,
  managementToken,
  startAuthorization,
} from "../support/test-application.js";

/**
 * Enterprise brokering over plain HTTP: SAML and OIDC connections created through the Management
 * API against the demo IdPs, logins through the test-login application, and the checks that
 * must refuse bad answers.
 */

const APP = "http://app.test:3998";
const CALLBACK = `${APP}/test-login/callback`;
let tenant: LocalTenant;
let idps: DemoIdps;
let config: oidc.Configuration;
let token: string;

async function api(method: string, path: string, body?: unknown) {
  const res = await fetch(`${tenant.managementApiUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}

beforeAll(async () => {
  tenant = await startLocalTenant({ port: 0, portalUrl: APP });
  idps = await startDemoIdps({ tenantUrl: tenant.url });
  token = await managementToken(tenant);
  const enabled = [tenant.testLoginClient.clientId];
  await api("POST", "/connections", {
    name: "demo-saml",
    strategy: "samlp",
    options: { metadataUrl: idps.saml.metadataUrl, fieldsMap: { department: "urn:oid:2.5.4.11", nickname: "missing" } },
    enabled_clients: enabled,
  });
  await api("POST", "/connections", {
    name: "demo-oidc",
    strategy: "oidc",
    options: demoOidcConnectionOptions(idps.oidc),
    enabled_clients: enabled,
  });
  await api("POST", "/connections", {
    name: "oidc-wrong-secret",
    strategy: "oidc",
    options: { discovery_url: idps.oidc.discoveryUrl, client_id: idps.oidc.client.clientId, client_secret: "nope" },
    enabled_clients: enabled,
  });
  await api("POST", "/connections", {
    name: "saml-not-enabled",
    strategy: "samlp",
    options: { metadataUrl: idps.saml.metadataUrl },
  });
  config = await discoverTenantClient(tenant, tenant.testLoginClient);
});
afterAll(async () => {
  await idps?.close();
  await tenant?.close();
});

const atCallback = (url: string) => url.startsWith(CALLBACK);

function authorize(browser: HttpBrowser, connection: string, prompt = "login") {
  return startAuthorization(browser, config, CALLBACK, { connection, ...(prompt ? { prompt } : {}) });
}

/** Posts the SAML IdP's login form; returns the auto-post form (action and fields) it answers with. */
async function samlIdpLogin(browser: HttpBrowser, idpPage: { url: string; res?: Response }, behaviour = "none") {
  const html = await idpPage.res!.text();
  const res = await demoSamlIdpLogin(browser, idps.saml, html, "ada@saml-idp.test", behaviour);
  expect(res.status).toBe(200);
  return samlPostForm(await res.text());
}

async function samlLogin(behaviour = "none") {
  const browser = new HttpBrowser();
  const start = await authorize(browser, "demo-saml");
  expect(start.step.url.startsWith(`${idps.saml.url}/sso?`)).toBe(true);
  const form = await samlIdpLogin(browser, start.step, behaviour);
  const done = await browser.submit(
    form.action,
    { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState },
    atCallback,
  );
  return { ...start, browser, form, done };
}

const callbackParams = (url: string) => new URL(url).searchParams;

/** The cause the portal's test-login page names for the error a callback came back with. */
function causeNamedFor(protocol: "saml" | "oidc", params: URLSearchParams) {
  return explainLoginFailure({
    protocol,
    error: params.get("error")!,
    errorDescription: params.get("error_description")!,
  }).cause;
}

/** A demo-saml login whose SAML response is edited on its way back; the callback's parameters. */
async function postEditedSamlResponse(edit: (xml: string) => string) {
  const browser = new HttpBrowser();
  const start = await authorize(browser, "demo-saml");
  const form = await samlIdpLogin(browser, start.step);
  const xml = Buffer.from(form.SAMLResponse, "base64").toString("utf8");
  const edited = Buffer.from(edit(xml)).toString("base64");
  const done = await browser.submit(form.action, { SAMLResponse: edited, RelayState: form.RelayState }, atCallback);
  return { params: callbackParams(done.url), start };
}

describe("SAML connections", () => {
  it("logs a user in through the demo IdP (Redirect binding) with Auth0's user id and mapped attributes", async () => {
    const login = await samlLogin();
    expect(atCallback(login.done.url)).toBe(true);
    const tokens = await finishAuthorization(config, login.done.url, login);
    expect(tokens.claims()).toMatchObject({
      sub: "samlp|demo-saml|saml-1001",
      email: "ada@saml-idp.test",
      name: "Ada Lovelace",
      given_name: "Ada",
      family_name: "Lovelace",
    });
    const user = tenant.context.store.user("samlp|demo-saml|saml-1001")!;
    expect(user.connection).toBe("demo-saml");
    // fieldsMap: `department` from the ou attribute; a mapping to an absent attribute adds nothing.
    expect(user.idp_attributes).toMatchObject({ groups: ["engineering", "admins"], department: "Analytical Engines" });
    expect(user.idp_attributes).not.toHaveProperty("nickname");
  });

  // Auth0's words (research/auth0-login-errors.md), each explained as its own cause.
  it.each([
    [
      "wrong-signing-key",
      /^Invalid thumbprint \(configured: [0-9A-F]{40}\. calculated: [0-9A-F]{40}\)$/,
      "wrong-signing-certificate",
    ],
    ["expired-assertion", /^assertion has expired\.$/, "assertion-time"],
    ["not-yet-valid", /^assertion has expired\.$/, "assertion-time"],
    ["wrong-audience", /^Audience is invalid\. Configured: urn:auth0:local:demo-saml$/, "wrong-audience"],
    [
      "wrong-destination",
      /^Destination endpoint https:\/\/old-sso\.example\.com\/saml\/acs did not match http:\/\/.*\/login\/callback\?connection=demo-saml$/,
      "wrong-destination",
    ],
    ["unsigned-assertion", /^neither the response nor the assertion are signed$/, "unsigned-assertion"],
    [
      "nameid-policy-error",
      /^The request could not be performed due to an error on the part of the requester$/,
      "idp-refused-request",
    ],
    ["user-not-assigned", /^The user is not assigned to this application\.$/, "idp-user-not-assigned"],
    [
      "cancel",
      /^The responding provider was unable to successfully authenticate the principal$/,
      "idp-authentication-failed",
    ],
  ])("refuses a response with %s at the application's callback, explained", async (behaviour, message, cause) => {
    const { done, state } = await samlLogin(behaviour);
    const params = callbackParams(done.url);
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("error_description")).toMatch(message);
    expect(params.get("state")).toBe(state);
    expect(params.get("code")).toBeNull();
    expect(causeNamedFor("saml", params)).toBe(cause);
  });

  it("lets a response without an e-mail through, as Auth0 does, with no email claim", async () => {
    const login = await samlLogin("missing-email");
    const tokens = await finishAuthorization(config, login.done.url, login);
    expect(tokens.claims()?.sub).toBe("samlp|demo-saml|saml-1001");
    expect(tokens.claims()).not.toHaveProperty("email");
  });

  it("refuses a tampered or unsigned response, and never reads a signature-wrapped (XSW) assertion", async () => {
    const post = async (edit: (xml: string) => string) => (await postEditedSamlResponse(edit)).params;
    const tampered = await post((xml) => xml.replace(">saml-1001<", ">saml-1002<"));
    expect(tampered.get("error_description")).toMatch(/^Signature check errors/);

    const unsigned = await post((xml) => xml.replace(/<(ds:)?Signature[\s\S]*?<\/(ds:)?Signature>/, ""));
    expect(unsigned.get("error_description")).toBe("neither the response nor the assertion are signed");

    // XSW: a forged assertion carrying the real signature, the real assertion hidden elsewhere.
    const wrapped = await post((xml) => {
      const original = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
      const forged = original.replace(/ ID="[^"]+"/, ' ID="_forged"').replace(">saml-1001<", ">evil-9999<");
      return xml.replace(original, `${forged}<samlp:Extensions>${original}</samlp:Extensions>`);
    });
    expect(wrapped.get("error_description")).toMatch(/^Signature check errors: .*signature wrapping/);
    // The same with the hidden copy unsigned: the signature verifies, over the real assertion,
    // and only what it covers is read — the login is the real user's, never the forged one's.
    const hidden = await post((xml) => {
      const original = /<saml:Assertion[\s\S]*<\/saml:Assertion>/.exec(xml)![0];
      const forged = original.replace(/ ID="[^"]+"/, ' ID="_forged"').replace(">saml-1001<", ">evil-9999<");
      const bare = original.replace(/<(ds:)?Signature[\s\S]*?<\/(ds:)?Signature>/, "");
      return xml.replace(original, `${forged}<samlp:Extensions>${bare}</samlp:Extensions>`);
    });
    expect(hidden.get("error")).toBeNull();
    expect(hidden.get("code")).toBeTruthy();
    expect(tenant.context.store.user("samlp|demo-saml|evil-9999")).toBeUndefined();
  });

  it("reads the NameID as signed even when a comment splits it, and refuses a DOCTYPE (security review)", async () => {
    const post = postEditedSamlResponse;
    // Comments are outside the signature (exclusive c14n without comments): a reader that took the
    // first text node would see "saml-" and log in someone else.
    const commented = await post((xml) => {
      expect(xml).toContain(">saml-1001</saml:NameID>");
      return xml.replace(">saml-1001<", ">saml-<!---->1001<");
    });
    expect(commented.params.get("error")).toBeNull();
    const tokens = await finishAuthorization(config, `${CALLBACK}?${commented.params}`, commented.start);
    expect(tokens.claims()?.sub).toBe("samlp|demo-saml|saml-1001");
    expect(tenant.context.store.user("samlp|demo-saml|saml-")).toBeUndefined();

    const doctype = await post(
      (xml) => `<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x "saml-1002">]>${xml.replace(/^<\?xml[^>]*>/, "")}`,
    );
    expect(doctype.params.get("error_description")).toMatch(/DOCTYPE is not allowed/);
  });

  it("refuses a replayed response and a response to another login's request", async () => {
    const first = await samlLogin();
    expect(callbackParams(first.done.url).get("code")).toBeTruthy();
    const replay = await first.browser.submit(
      first.form.action,
      { SAMLResponse: first.form.SAMLResponse, RelayState: first.form.RelayState },
      atCallback,
    );
    expect(replay.res?.status).toBe(400);
    expect(await replay.res!.text()).toContain("does not belong to a login in progress");

    // Two logins in one browser; the IdP's answer to the first is posted with the second's RelayState.
    const browser = new HttpBrowser();
    const a = await authorize(browser, "demo-saml");
    const b = await authorize(browser, "demo-saml");
    const formA = await samlIdpLogin(browser, a.step);
    const formB = await samlIdpLogin(browser, b.step);
    const crossed = await browser.submit(
      formA.action,
      { SAMLResponse: formA.SAMLResponse, RelayState: formB.RelayState },
      atCallback,
    );
    expect(callbackParams(crossed.url).get("error_description")).toMatch(/^InResponseTo is invalid/);
  });

  it("sends a browser signed in with the database connection to the IdP when another connection is asked for", async () => {
    const browser = new HttpBrowser();
    const db = await authorize(browser, "Username-Password-Authentication", "");
    const html = await db.step.res!.text();
    const signedIn = await browser.submit(
      db.step.url,
      { _csrf: hiddenInput(html, "_csrf")!, email: "alice@acme.test", password: "Demo-Password-2026" },
      atCallback,
    );
    expect(callbackParams(signedIn.url).get("code")).toBeTruthy();
    const again = await authorize(browser, "Username-Password-Authentication", "");
    expect(callbackParams(again.step.url).get("code")).toBeTruthy(); // the SSO session
    const saml = await authorize(browser, "demo-saml", "");
    expect(saml.step.url.startsWith(`${idps.saml.url}/sso?`)).toBe(true);
  });

  it("refuses a connection that is not enabled for the application, at its callback", async () => {
    const browser = new HttpBrowser();
    const { step, state } = await authorize(browser, "saml-not-enabled");
    expect(atCallback(step.url)).toBe(true);
    expect(callbackParams(step.url).get("error")).toBe("invalid_request");
    expect(callbackParams(step.url).get("error_description")).toBe("the connection was disabled");
    expect(callbackParams(step.url).get("state")).toBe(state);
    const unknown = await authorize(new HttpBrowser(), "no-such-connection");
    expect(callbackParams(unknown.step.url).get("error_description")).toBe("the connection was not found");
  });

  it("serves SP metadata and signs the AuthnRequest when signSAMLRequest, and uses the POST binding when configured", async () => {
    const meta = await fetch(`${tenant.url}/samlp/metadata?connection=demo-saml`);
    expect(meta.status).toBe(200);
    const xml = await meta.text();
    expect(xml).toContain('entityID="urn:auth0:local:demo-saml"');
    expect(xml).toContain(`Location="${tenant.url}/login/callback?connection=demo-saml"`);
    const certB64 = /<ds:X509Certificate>([^<]+)</.exec(xml)![1]!;
    expect((await fetch(`${tenant.url}/samlp/metadata?connection=nope`)).status).toBe(404);

    const conn = (await api("GET", "/connections?name=demo-saml")) as unknown as {
      id: string;
      options: Record<string, unknown>;
    }[];
    const { id, options } = conn[0]!;
    // Values from metadata win over keys beside metadataUrl (Auth0), so patch without it.
    const { metadataUrl: _metadataUrl, ...rest } = options;
    await api("PATCH", `/connections/${id}`, { options: { ...rest, signSAMLRequest: true } });
    const signed = await authorize(new HttpBrowser(), "demo-saml");
    const u = new URL(signed.step.url);
    expect(u.searchParams.get("SigAlg")).toBe("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256");
    const raw = u.search.slice(1);
    const signedPart = raw.slice(0, raw.indexOf("&Signature="));
    const cert = new X509Certificate(Buffer.from(certB64, "base64"));
    expect(
      createVerify("RSA-SHA256").update(signedPart).verify(cert.publicKey, u.searchParams.get("Signature")!, "base64"),
    ).toBe(true);

    await api("PATCH", `/connections/${id}`, {
      options: { ...rest, protocolBinding: "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" },
    });
    const browser = new HttpBrowser();
    const post = await authorize(browser, "demo-saml");
    const page = await post.step.res!.text();
    expect(post.step.res!.status).toBe(200);
    expect(page).toContain(`action="${idps.saml.url}/sso"`);
    const toIdp = await browser.request(`${idps.saml.url}/sso`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        SAMLRequest: hiddenInput(page, "SAMLRequest")!,
        RelayState: hiddenInput(page, "RelayState")!,
      }),
    });
    expect(toIdp.status).toBe(200);
    expect(await toIdp.text()).toContain("Signing in for <strong>urn:auth0:local:demo-saml</strong>");
    await api("PATCH", `/connections/${id}`, { options: rest });
  });
});

describe("OIDC connections", () => {
  async function oidcLogin(connection: string, behaviour = "none") {
    const browser = new HttpBrowser();
    const start = await authorize(browser, connection);
    expect(start.step.url.startsWith(`${idps.oidc.url}/interaction/`)).toBe(true);
    const done = await browser.submit(
      start.step.url,
      behaviour === "cancel"
        ? { cancel: "1" }
        : { email: "alan@oidc-idp.test", password: idps.oidc.password, behaviour },
      atCallback,
    );
    return { ...start, done };
  }

  it.each([
    [
      "wrong-issuer",
      /^unexpected iss value, expected http:\/\/[^,]+, got: http:\/\/.*\/other-tenant\/v2\.0$/,
      "oidc-issuer-mismatch",
    ],
    [
      "reject-client-secret",
      /^server responded with a challenge in the WWW-Authenticate HTTP Header$/,
      "oidc-client-authentication",
    ],
    ["cancel", /^End-User aborted interaction$/, "user-cancelled"],
  ])("refuses a login with %s at the application's callback, explained", async (behaviour, message, cause) => {
    const { done } = await oidcLogin("demo-oidc", behaviour);
    const params = callbackParams(done.url);
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("error_description")).toMatch(message);
    expect(causeNamedFor("oidc", params)).toBe(cause);
  });

  it("lets an ID token without an e-mail through, with no email claim", async () => {
    const login = await oidcLogin("demo-oidc", "missing-email");
    const tokens = await finishAuthorization(config, login.done.url, login);
    expect(tokens.claims()?.sub).toBe("oidc|demo-oidc|oidc-2001");
    expect(tokens.claims()).not.toHaveProperty("email");
  });

  it("stops at the IdP's own page when it does not know the redirect URI: nobody comes back", async () => {
    idps.oidc.setMisbehaviour("unregistered-redirect-uri");
    try {
      const start = await authorize(new HttpBrowser(), "demo-oidc");
      expect(start.step.res?.status).toBe(400);
      const page = await start.step.res!.text();
      expect(page).toContain("redirect_uri did not match");
      expect(
        explainLoginFailure({ protocol: "oidc", error: "invalid_redirect_uri", errorDescription: page }).cause,
      ).toBe("wrong-redirect-uri");
    } finally {
      idps.oidc.setMisbehaviour("none");
    }
  });

  it("logs a user in through the demo OIDC IdP with a checked ID token", async () => {
    const login = await oidcLogin("demo-oidc");
    const tokens = await finishAuthorization(config, login.done.url, login);
    expect(tokens.claims()).toMatchObject({
      sub: "oidc|demo-oidc|oidc-2001",
      email: "alan@oidc-idp.test",
      email_verified: true,
      name: "Alan Turing",
    });
  });

  it("sends a failed code exchange back to the application as access_denied", async () => {
    const { done } = await oidcLogin("oidc-wrong-secret");
    const params = callbackParams(done.url);
    expect(params.get("error")).toBe("access_denied");
    expect(params.get("error_description")).toContain("invalid_client");
    expect(params.get("error_description")).not.toContain("nope");
  });
});
