import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import Provider, { type Account, type Grant, type KoaContextLike } from "oidc-provider";
import type { TenantContext } from "../context.js";
import { adapterFactory } from "./adapter.js";
import { LoginError, resolveOrganization } from "./organizations.js";
import { errorPage, PAGE_CSP } from "./pages.js";

/**
 * The tenant's OpenID provider: node-oidc-provider 8 (see docs/decisions/003-oidc-provider-8.md)
 * configured with Auth0's paths — `/authorize`, `/oauth/token`, `/userinfo`,
 * `/.well-known/jwks.json`, `/oidc/logout` — the issuer `${baseUrl}/`, RS256 ID tokens carrying
 * `email`, `email_verified`, `name`, … and `org_id`, and code flow with optional PKCE.
 * The login and consent steps are the tenant's own pages (universal-login.ts): consent is
 * implicit, as for Auth0's first-party applications.
 */

export const INTERACTION_PATH = "/u/login";

export interface TenantProvider {
  provider: Provider;
  /** Creates the grant for a finished login, remembering its organization for the `org_id` claim. */
  createGrant(opts: { clientId: string; accountId: string; scope: string; orgId?: string }): Promise<string>;
}

/** Scopes the tenant knows (oidc-provider drops the others from grants). */
const SCOPES = ["openid", "profile", "email", "offline_access"];

// One RS256 key per process, made on first use: RSA key generation takes hundreds of
// milliseconds on a busy machine, and test files start a tenant each.
let signingKey: Promise<Record<string, unknown>> | undefined;
function signingJwk(): Promise<Record<string, unknown>> {
  signingKey ??= generateKeyPair("RS256", { extractable: true, modulusLength: 2048 }).then(async ({ privateKey }) => ({
    ...(await exportJWK(privateKey)),
    kid: randomBytes(12).toString("base64url"),
    use: "sig",
    alg: "RS256",
  }));
  return signingKey;
}

export async function createTenantProvider(ctx: TenantContext): Promise<TenantProvider> {
  const jwk = await signingJwk();
  const orgOfGrant = new Map<string, string>();

  // Auth0 shows an error page with its own wording for a callback URL that is not allowed.
  const renderError = async (koa: KoaContextLike, out: Record<string, unknown>, _error: Error) => {
    koa.type = "html";
    // Same headers as the tenant's own pages: no scripts, no framing (sendPage in pages.ts).
    koa.set("Content-Security-Policy", PAGE_CSP);
    koa.set("Cache-Control", "no-store");
    const error = String(out.error ?? "server_error");
    const description = String(out.error_description ?? "");
    if (error === "invalid_redirect_uri") {
      koa.body = errorPage(
        "Callback URL mismatch",
        "Callback URL mismatch. The provided redirect_uri is not in the list of allowed callback URLs.",
        "Add the URL to the application's Allowed Callback URLs, or use one that is listed.",
      );
    } else {
      koa.body = errorPage("Something went wrong", `${error}: ${description}`);
    }
  };

  const findAccount = async (
    _koa: KoaContextLike,
    sub: string,
    token?: { grantId?: string },
  ): Promise<Account | undefined> => {
    const user = ctx.store.user(sub);
    if (!user) return undefined;
    const orgId = token?.grantId ? orgOfGrant.get(token.grantId) : undefined;
    return {
      accountId: sub,
      claims: () => ({
        sub: user.user_id,
        // Brokered users may come without an e-mail (SAML attributes are the IdP's choice).
        ...(user.email ? { email: user.email, email_verified: user.email_verified } : {}),
        name: user.name,
        nickname: user.email ? user.email.split("@")[0] : undefined,
        given_name: user.given_name,
        family_name: user.family_name,
        updated_at: user.updated_at,
        ...(orgId ? { org_id: orgId } : {}),
      }),
    };
  };

  const createGrant: TenantProvider["createGrant"] = async ({ clientId, accountId, scope, orgId }) => {
    const grant: Grant = new provider.Grant({ clientId, accountId });
    grant.addOIDCScope(
      scope
        .split(" ")
        .filter((s) => SCOPES.includes(s))
        .join(" "),
    );
    const id = await grant.save();
    if (orgId) orgOfGrant.set(id, orgId);
    return id;
  };

  // Auth0 keeps an SSO session: a second /authorize for a signed-in user goes straight back to
  // the application. Here that means creating the grant without a consent step, when the
  // organization rules allow it; otherwise the consent prompt reaches universal-login.ts, which
  // reports the problem to the application.
  const loadExistingGrant = async (koa: KoaContextLike): Promise<Grant | undefined> => {
    const oidc = koa.oidc;
    const fromResult = oidc.result?.consent?.grantId;
    if (fromResult) return provider.Grant.find(fromResult);
    const accountId = oidc.session?.accountId;
    const clientId = oidc.client?.clientId;
    if (!accountId || !clientId) return undefined;
    const params = oidc.params ?? {};
    let orgId: string | undefined;
    try {
      const org = resolveOrganization(ctx.store, params.organization);
      if (org && !org.members.includes(accountId)) return undefined;
      orgId = org?.id;
    } catch (err) {
      if (err instanceof LoginError) return undefined;
      throw err;
    }
    const id = await createGrant({ clientId, accountId, scope: String(params.scope ?? "openid"), orgId });
    return provider.Grant.find(id);
  };

  const provider = new Provider(ctx.issuer, {
    adapter: adapterFactory(ctx.store),
    jwks: { keys: [jwk] },
    cookies: {
      // The portal and the demo IdPs share the `localhost` cookie jar (cookies ignore ports).
      names: { session: "auth0", interaction: "_auth0_interaction", resume: "_auth0_resume", state: "_auth0_state" },
      keys: [randomBytes(32).toString("base64url")],
    },
    routes: {
      authorization: "/authorize",
      token: "/oauth/token",
      userinfo: "/userinfo",
      jwks: "/.well-known/jwks.json",
      end_session: "/oidc/logout",
      revocation: "/oauth/revoke",
    },
    scopes: SCOPES,
    claims: {
      openid: ["sub", "org_id"],
      email: ["email", "email_verified"],
      profile: ["name", "nickname", "given_name", "family_name", "updated_at"],
    },
    // Auth0 puts the profile claims in the ID token of the code flow too.
    conformIdTokenClaims: false,
    extraParams: ["organization", "connection", "audience", "screen_hint", "invitation"],
    responseTypes: ["code"],
    pkce: { methods: ["S256"], required: () => false },
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: { enabled: true },
    },
    interactions: {
      url: (_koa: unknown, interaction: { uid: string }) => `${INTERACTION_PATH}?state=${interaction.uid}`,
    },
    ttl: {
      AccessToken: 86_400,
      AuthorizationCode: 600,
      IdToken: 36_000,
      Interaction: 3_600,
      Session: 3 * 86_400,
      Grant: 3 * 86_400,
      RefreshToken: 30 * 86_400,
    },
    findAccount,
    loadExistingGrant,
    renderError,
    clientBasedCORS: () => true,
    allowOmittingSingleRegisteredRedirectUri: false,
  });
  provider.proxy = true;
  return { provider, createGrant };
}
