import { randomBytes } from "node:crypto";
import express from "express";
import { exportJWK, generateKeyPair, type JWK } from "jose";
import Provider, { type Adapter, type AdapterPayload } from "oidc-provider";
import { errorPage, esc, page, sendPage } from "../login/pages.js";
import { listenLocal } from "./listen.js";
import { DEMO_IDP_PASSWORD, type DemoIdpUser } from "./saml-idp.js";

/**
 * A demo OpenID provider on its own origin (npm start: :4030), built on oidc-provider: discovery
 * at `/.well-known/openid-configuration`, a login form, seeded users, and one confidential demo
 * client whose redirect URIs are the tenant's `/login/callback`.
 */

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
  close(): Promise<void>;
}

function memoryAdapter(): new (name: string) => Adapter {
  const store = new Map<string, AdapterPayload>();
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

  const provider = new Provider(url, {
    adapter: memoryAdapter(),
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
  <button type="submit">Sign in</button>
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
      await provider.interactionFinished(
        req,
        res,
        { consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: true },
      );
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
      const user = OIDC_DEMO_USERS.find((u) => u.email.toLowerCase() === (body.email ?? "").trim().toLowerCase());
      if (!user || body.password !== DEMO_IDP_PASSWORD) {
        return sendPage(res, 400, form(interaction.uid, "Wrong email or password.", body.email ?? ""));
      }
      const grant = new provider.Grant({ accountId: user.id, clientId: String(interaction.params.client_id) });
      grant.addOIDCScope(String(interaction.params.scope ?? "openid"));
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId: user.id }, consent: { grantId: await grant.save() } },
        { mergeWithLastSubmission: false },
      );
    } catch (err) {
      if ((err as Error).name === "SessionNotFound") {
        return sendPage(res, 400, errorPage("Sign-in expired", "Start the sign-in again from the application."));
      }
      next(err);
    }
  });
  app.use(provider.callback());
  server.on("request", app);

  return {
    url,
    issuer: url,
    discoveryUrl: `${url}/.well-known/openid-configuration`,
    client: { clientId: OIDC_DEMO_CLIENT_ID, clientSecret: OIDC_DEMO_CLIENT_SECRET },
    users: OIDC_DEMO_USERS,
    password: DEMO_IDP_PASSWORD,
    close,
  };
}
