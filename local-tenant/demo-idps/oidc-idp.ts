import { randomBytes } from "node:crypto";
import express from "express";
import { decodeJwt, exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from "jose";
import Provider, { type Adapter, type AdapterPayload } from "oidc-provider";
import { finishConsented, finishRefused, finishSignedIn } from "../login/interaction-endings.js";
import { errorPage, esc, page, sendPage } from "../login/pages.js";
import { listenLocal } from "./listen.js";
import { DEMO_IDP_PASSWORD, type DemoIdpUser } from "./saml-idp.js";

/**
 * A demo OpenID provider on its own origin (npm start: :4030), built on oidc-provider: discovery
 * at `/.well-known/openid-configuration`, a login form, seeded users, and one confidential demo
 * client whose redirect URIs are the tenant's `/login/callback`. Like the SAML IdP it can
 * misbehave, per login (the form's "Test behaviour") or for the whole IdP (`setMisbehaviour`):
 * an ID token from another issuer or without the e-mail, a token endpoint that refuses the
 * client's secret, a redirect URI it does not know (its own error page; nobody returns to the
 * application) — and "Cancel" answers `access_denied`, as an IdP does when the user gives up.
 */

export const OIDC_MISBEHAVIOURS = [
  "none",
  "wrong-issuer",
  "missing-email",
  "reject-client-secret",
  "unregistered-redirect-uri",
] as const;
export type OidcMisbehaviour = (typeof OIDC_MISBEHAVIOURS)[number];

const BEHAVIOUR_LABELS: Record<OidcMisbehaviour, string> = {
  none: "Behave normally",
  "wrong-issuer": "Issue the ID token under another issuer",
  "missing-email": "Leave out the e-mail",
  "reject-client-secret": "Refuse the client secret",
  "unregistered-redirect-uri": "Redirect URI not registered (next login)",
};

/** The issuer a misconfigured tenant signs with (e.g. Entra ID's tenant-specific issuer vs /common). */
export const WRONG_ISSUER_SUFFIX = "/other-tenant/v2.0";

export const OIDC_DEMO_USERS: DemoIdpUser[] = [
  { id: "oidc-2001", email: "alan@oidc-idp.test", given_name: "Alan", family_name: "Turing", groups: ["research"] },
  {
    id: "oidc-2002",
    email: "katherine@oidc-idp.test",
    given_name: "Katherine",
    family_name: "Johnson",
    groups: ["research", "flight"],
  },
];
export const OIDC_DEMO_CLIENT_ID = "demo-oidc-client";
export const OIDC_DEMO_CLIENT_SECRET = "demo-oidc-client-secret-not-for-production";

export interface DemoOidcIdpOptions {
  port?: number;
  hostname?: string;
  /** The demo client's redirect URIs, e.g. [`${tenant.url}/login/callback`]. */
  redirectUris: string[];
}

export interface DemoOidcIdp {
  url: string;
  issuer: string;
  discoveryUrl: string;
  client: { clientId: string; clientSecret: string };
  users: DemoIdpUser[];
  password: string;
  setMisbehaviour(m: OidcMisbehaviour): void;
  close(): Promise<void>;
}

function memoryAdapter(store: Map<string, AdapterPayload>): new (name: string) => Adapter {
  return class implements Adapter {
    constructor(private readonly name: string) {}
    private k(id: string) {
      return `${this.name}:${id}`;
    }
    async upsert(id: string, payload: AdapterPayload) {
      store.set(this.k(id), payload);
    }
    async find(id: string) {
      return store.get(this.k(id));
    }
    async findByUserCode() {
      return undefined;
    }
    async findByUid(uid: string) {
      for (const [k, v] of store) if (k.startsWith(`${this.name}:`) && v.uid === uid) return v;
      return undefined;
    }
    async consume(id: string) {
      const p = store.get(this.k(id));
      if (p) p.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      store.delete(this.k(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [k, v] of store) if (v.grantId === grantId) store.delete(k);
    }
  };
}

// One signing key per process, shared by every demo OIDC IdP started in it (each gets a copy).
let demoSigningJwk: Promise<JWK> | undefined;
async function newSigningJwk(): Promise<JWK> {
  const { privateKey } = await generateKeyPair("RS256", { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: "demo-oidc-1", use: "sig", alg: "RS256" };
}

export async function startDemoOidcIdp(options: DemoOidcIdpOptions): Promise<DemoOidcIdp> {
  const { server, url, close } = await listenLocal(options.port, options.hostname);
  const jwk = { ...(await (demoSigningJwk ??= newSigningJwk())) };
  const adapterStore = new Map<string, AdapterPayload>();
  let misbehaviour: OidcMisbehaviour = "none";
  /** The behaviour chosen for a login, by the grant it made (the code carries the grant id). */
  const behaviourByGrant = new Map<string, OidcMisbehaviour>();

  const provider = new Provider(url, {
    adapter: memoryAdapter(adapterStore),
    jwks: { keys: [jwk] },
    clients: [
      {
        client_id: OIDC_DEMO_CLIENT_ID,
        client_secret: OIDC_DEMO_CLIENT_SECRET,
        redirect_uris: options.redirectUris,
        grant_types: ["authorization_code"],
        response_types: ["code"],
        token_endpoint_auth_method: "client_secret_post",
      },
    ],
    cookies: {
      // Not the tenant's names: every localhost origin shares one cookie jar.
      names: {
        session: "demo_oidc_session",
        interaction: "demo_oidc_interaction",
        resume: "demo_oidc_resume",
        state: "demo_oidc_state",
      },
      keys: [randomBytes(32).toString("base64url")],
    },
    claims: {
      openid: ["sub"],
      email: ["email", "email_verified"],
      profile: ["name", "given_name", "family_name", "groups"],
    },
    conformIdTokenClaims: false,
    pkce: { methods: ["S256"], required: () => false },
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx, sub) => {
      const user = OIDC_DEMO_USERS.find((u) => u.id === sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        claims: () => ({
          sub,
          email: user.email,
          email_verified: true,
          name: `${user.given_name} ${user.family_name}`,
          given_name: user.given_name,
          family_name: user.family_name,
          groups: user.groups,
        }),
      };
    },
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = errorPage("Demo OIDC IdP error", `${String(out.error)}: ${String(out.error_description ?? "")}`);
    },
  });
  provider.proxy = true;

  const behaviourOptions = () =>
    OIDC_MISBEHAVIOURS.filter((m) => m !== "unregistered-redirect-uri")
      .map((m) => `<option value="${m}"${m === misbehaviour ? " selected" : ""}>${esc(BEHAVIOUR_LABELS[m])}</option>`)
      .join("");
  const form = (uid: string, error?: string, email = "") =>
    page(
      "Demo OIDC IdP: sign in",
      `<h1>Demo OIDC IdP</h1>
<div role="alert" aria-live="assertive">${error ? `<p class="alert">${esc(error)}</p>` : ""}</div>
<form method="post" action="/interaction/${esc(uid)}">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${esc(email)}">
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required>
  <label for="behaviour">Test behaviour</label>
  <select id="behaviour" name="behaviour">${behaviourOptions()}</select>
  <button type="submit">Sign in</button>
  <button type="submit" name="cancel" value="1" formnovalidate class="secondary">Cancel</button>
</form>
<p class="muted">Demo users: ${OIDC_DEMO_USERS.map((u) => esc(u.email)).join(", ")}; password ${esc(DEMO_IDP_PASSWORD)}.</p>`,
    );

  const app = express();
  app.disable("x-powered-by");
  app.get("/interaction/:uid", async (req, res, next) => {
    try {
      const interaction = await provider.interactionDetails(req, res);
      if (interaction.prompt.name === "login") return sendPage(res, 200, form(interaction.uid));
      const grant = new provider.Grant({
        accountId: interaction.session?.accountId,
        clientId: String(interaction.params.client_id),
      });
      grant.addOIDCScope(String(interaction.params.scope ?? "openid"));
      await finishConsented(provider, req, res, await grant.save());
    } catch (err) {
      if ((err as Error).name === "SessionNotFound") {
        return sendPage(res, 400, errorPage("Sign-in expired", "Start the sign-in again from the application."));
      }
      next(err);
    }
  });
  app.post("/interaction/:uid", express.urlencoded({ extended: false, limit: "16kb" }), async (req, res, next) => {
    try {
      const interaction = await provider.interactionDetails(req, res);
      const body = req.body as Record<string, string | undefined>;
      if (body.cancel) {
        return await finishRefused(provider, req, res, "access_denied", "End-User aborted interaction");
      }
      const user = OIDC_DEMO_USERS.find((u) => u.email.toLowerCase() === (body.email ?? "").trim().toLowerCase());
      if (!user || body.password !== DEMO_IDP_PASSWORD) {
        return sendPage(res, 400, form(interaction.uid, "Wrong email or password.", body.email ?? ""));
      }
      const grant = new provider.Grant({ accountId: user.id, clientId: String(interaction.params.client_id) });
      grant.addOIDCScope(String(interaction.params.scope ?? "openid"));
      const grantId = await grant.save();
      const behaviour = (OIDC_MISBEHAVIOURS as readonly string[]).includes(body.behaviour ?? "")
        ? (body.behaviour as OidcMisbehaviour)
        : misbehaviour;
      if (behaviour !== "none") behaviourByGrant.set(grantId, behaviour);
      await finishSignedIn(provider, req, res, user.id, grantId);
    } catch (err) {
      if ((err as Error).name === "SessionNotFound") {
        return sendPage(res, 400, errorPage("Sign-in expired", "Start the sign-in again from the application."));
      }
      next(err);
    }
  });
  // A client whose redirect URI is not registered: the IdP's own page, never a redirect back.
  app.get("/auth", (req, res, next) => {
    if (misbehaviour !== "unregistered-redirect-uri") return next();
    sendPage(
      res,
      400,
      errorPage(
        "Demo OIDC IdP error",
        `invalid_redirect_uri: redirect_uri did not match any of the client's registered redirect_uris (${String(req.query.redirect_uri ?? "")})`,
      ),
    );
  });
  // The token endpoint's misbehaviours, after oidc-provider answered: refuse the client, or
  // re-sign the ID token altered. (Inside the provider, so its own body parsing stays untouched.)
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method !== "POST" || ctx.path !== "/token" || ctx.status !== 200) return;
    const code = ctx.oidc?.params?.code;
    const grantId = typeof code === "string" ? adapterStore.get(`AuthorizationCode:${code}`)?.grantId : undefined;
    const behaviour = grantId ? behaviourByGrant.get(grantId) : undefined;
    if (behaviour === "reject-client-secret") {
      ctx.status = 401;
      ctx.set("WWW-Authenticate", `Basic realm="${url}", error="invalid_client"`);
      ctx.body = { error: "invalid_client", error_description: "client authentication failed" };
    } else if (behaviour === "wrong-issuer" || behaviour === "missing-email") {
      ctx.body = await alterIdToken(ctx.body as Record<string, unknown>, behaviour);
    }
  });
  async function alterIdToken(
    tokens: Record<string, unknown>,
    behaviour: OidcMisbehaviour,
  ): Promise<Record<string, unknown>> {
    if (typeof tokens.id_token !== "string") return tokens;
    const claims = decodeJwt(tokens.id_token);
    if (behaviour === "wrong-issuer") claims.iss = `${url}${WRONG_ISSUER_SUFFIX}`;
    if (behaviour === "missing-email") delete claims.email;
    tokens.id_token = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", kid: jwk.kid, typ: "JWT" })
      .sign(await importJWK(jwk, "RS256"));
    return { ...tokens };
  }
  app.use(provider.callback());
  server.on("request", app);

  return {
    url,
    issuer: url,
    discoveryUrl: `${url}/.well-known/openid-configuration`,
    client: { clientId: OIDC_DEMO_CLIENT_ID, clientSecret: OIDC_DEMO_CLIENT_SECRET },
    users: OIDC_DEMO_USERS,
    password: DEMO_IDP_PASSWORD,
    setMisbehaviour: (m) => {
      misbehaviour = m;
    },
    close,
  };
}
