import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import express, { Router, type Request, type Response } from "express";
import type { Interaction } from "oidc-provider";
import type { TenantContext } from "../context.js";
import { handler } from "../management/async-handler.js";
import { verifyPassword } from "../passwords.js";
import { DATABASE_CONNECTION_NAME } from "../seed.js";
import type { TenantConnection } from "../store.js";
import {
  admitToOrganization,
  checkConnectionForClient,
  checkConnectionForOrganization,
  LoginError,
  resolveOrganization,
} from "./organizations.js";
import { finishConsented, finishRefused, finishSignedIn } from "./interaction-endings.js";
import { errorPage, loginPage, sendPage } from "./pages.js";
import { INTERACTION_PATH, type TenantProvider } from "./provider.js";

/**
 * Universal login (`/u/login?state=<interaction>`): the database-connection form, the consent
 * step (implicit), and the hand-off to enterprise connections (`connection=` on /authorize).
 * CSRF: the interaction cookie is SameSite=Lax and scoped to this path, and the form carries an
 * HMAC of the interaction id that a cross-site page cannot know.
 */

/** Hook for enterprise connections (brokering); returns false when it does not handle the strategy. */
export type BrokerStart = (
  req: Request,
  res: Response,
  interaction: Interaction,
  connection: TenantConnection,
) => Promise<boolean>;

export const WRONG_CREDENTIALS = "Wrong email or password.";

export function universalLoginRouter(ctx: TenantContext, tp: TenantProvider, broker?: BrokerStart): Router {
  const router = Router();
  const csrfKey = randomBytes(32);
  const csrfFor = (uid: string) => createHmac("sha256", csrfKey).update(uid).digest("base64url");
  const csrfOk = (uid: string, sent: unknown) => {
    if (typeof sent !== "string") return false;
    const a = Buffer.from(csrfFor(uid));
    const b = Buffer.from(sent);
    return a.length === b.length && timingSafeEqual(a, b);
  };
  const { provider } = tp;

  const expired = (res: Response) =>
    sendPage(
      res,
      400,
      errorPage(
        "Login session expired",
        "This login page is no longer valid: it expired, was already used, or was opened in another browser.",
        "Go back to the application and sign in again.",
      ),
    );

  async function details(req: Request, res: Response): Promise<Interaction | undefined> {
    try {
      const interaction = await provider.interactionDetails(req, res);
      if (typeof req.query.state === "string" && req.query.state !== interaction.uid) return undefined;
      return interaction;
    } catch {
      return undefined;
    }
  }

  async function fail(req: Request, res: Response, err: unknown): Promise<void> {
    if (!(err instanceof LoginError)) throw err;
    await finishRefused(provider, req, res, err.error, err.description);
  }

  function databaseConnection(): TenantConnection {
    const c = ctx.store.connectionByName(DATABASE_CONNECTION_NAME);
    if (!c) throw new LoginError("server_error", "the tenant has no database connection");
    return c;
  }

  function render(
    res: Response,
    interaction: Interaction,
    status = 200,
    view: { email?: string; error?: string } = {},
  ) {
    const clientId = String(interaction.params.client_id ?? "");
    const client = ctx.store.client(clientId);
    const org = resolveOrganization(ctx.store, interaction.params.organization);
    const connections = ctx.store.state.connections
      .filter((c) => c.strategy !== "auth0" && c.show_as_button !== false && c.enabled_clients.includes(clientId))
      .filter((c) => !org || org.enabled_connections.some((e) => e.connection_id === c.id && e.show_as_button))
      .map((c) => ({
        label: `Continue with ${c.display_name || c.name}`,
        href: `${INTERACTION_PATH}/connection?state=${encodeURIComponent(interaction.uid)}&connection=${encodeURIComponent(c.name)}`,
      }));
    sendPage(
      res,
      status,
      loginPage({
        action: `${INTERACTION_PATH}?state=${encodeURIComponent(interaction.uid)}`,
        csrf: csrfFor(interaction.uid),
        clientName: client?.name ?? "the application",
        organizationName: org?.display_name,
        // Auth0 fills the e-mail from `login_hint`.
        email:
          view.email ?? (typeof interaction.params.login_hint === "string" ? interaction.params.login_hint : undefined),
        error: view.error,
        connections: broker ? connections : [],
      }),
    );
  }

  async function startConnection(req: Request, res: Response, interaction: Interaction, name: string) {
    const clientId = String(interaction.params.client_id ?? "");
    const connection = ctx.store.connectionByName(name);
    if (!connection) throw new LoginError("invalid_request", "the connection was not found");
    checkConnectionForClient(connection, clientId);
    const org = resolveOrganization(ctx.store, interaction.params.organization);
    if (org) checkConnectionForOrganization(org, connection);
    if (connection.strategy === "auth0") return render(res, interaction);
    if (broker && (await broker(req, res, interaction, connection))) return;
    throw new LoginError("invalid_request", `the connection strategy ${connection.strategy} is not supported here`);
  }

  router.get(
    INTERACTION_PATH,
    handler(async (req, res) => {
      const interaction = await details(req, res);
      if (!interaction) return expired(res);
      try {
        if (interaction.prompt.name === "login") {
          const name = interaction.params.connection;
          if (typeof name === "string" && name) return await startConnection(req, res, interaction, name);
          checkConnectionForClient(databaseConnection(), String(interaction.params.client_id ?? ""));
          return render(res, interaction);
        }
        // Consent: an existing session whose grant could not be made silently (organization rules).
        const accountId = interaction.session?.accountId;
        if (!accountId) throw new LoginError("server_error", "no signed-in user for the consent step");
        const org = resolveOrganization(ctx.store, interaction.params.organization);
        const user = ctx.store.user(accountId);
        const connection = user ? ctx.store.connectionByName(user.connection) : undefined;
        if (org && connection) admitToOrganization(ctx.store, org, connection, accountId);
        const grantId = await tp.createGrant({
          clientId: String(interaction.params.client_id),
          accountId,
          scope: String(interaction.params.scope ?? "openid"),
          orgId: org?.id,
        });
        await finishConsented(provider, req, res, grantId);
      } catch (err) {
        await fail(req, res, err);
      }
    }),
  );

  router.get(
    `${INTERACTION_PATH}/connection`,
    handler(async (req, res) => {
      const interaction = await details(req, res);
      if (!interaction || interaction.prompt.name !== "login") return expired(res);
      try {
        await startConnection(req, res, interaction, String(req.query.connection ?? ""));
      } catch (err) {
        await fail(req, res, err);
      }
    }),
  );

  router.post(
    INTERACTION_PATH,
    express.urlencoded({ extended: false, limit: "16kb" }),
    handler(async (req, res) => {
      const interaction = await details(req, res);
      const body = (req.body ?? {}) as Record<string, unknown>;
      if (!interaction || interaction.prompt.name !== "login") return expired(res);
      if (!csrfOk(interaction.uid, body._csrf)) {
        return sendPage(
          res,
          403,
          errorPage("Form expired", "The login form could not be verified.", "Reload the page and try again."),
        );
      }
      const email = typeof body.email === "string" ? body.email.trim().slice(0, 320) : "";
      const password = typeof body.password === "string" ? body.password : "";
      if (!email || !password) {
        return render(res, interaction, 400, { email, error: "Enter your email address and password." });
      }
      try {
        const clientId = String(interaction.params.client_id ?? "");
        const connection = databaseConnection();
        checkConnectionForClient(connection, clientId);
        const user = ctx.store.userByEmail(connection.name, email);
        // Hash even for unknown users so that timing does not tell which e-mails exist.
        const ok = verifyPassword(password, user?.password_hash ?? "scrypt$AAAAAAAAAAAAAAAAAAAAAA==$AAAA");
        if (!user || !ok) return render(res, interaction, 400, { email, error: WRONG_CREDENTIALS });
        const org = resolveOrganization(ctx.store, interaction.params.organization);
        if (org) admitToOrganization(ctx.store, org, connection, user.user_id);
        const grantId = await tp.createGrant({
          clientId,
          accountId: user.user_id,
          scope: String(interaction.params.scope ?? "openid"),
          orgId: org?.id,
        });
        await finishSignedIn(provider, req, res, user.user_id, grantId);
      } catch (err) {
        await fail(req, res, err);
      }
    }),
  );

  return router;
}
