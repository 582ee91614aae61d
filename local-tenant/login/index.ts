import type { Express, NextFunction, Request, Response } from "express";
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from "node:http";
import * as querystring from "node:querystring";
import { Readable } from "node:stream";
import type { TenantContext } from "../context.js";
import { createBroker } from "./broker.js";
import { cookieValue, logoutRouter } from "./logout.js";
import { errorPage, sendPage } from "./pages.js";
import { createTenantProvider, type TenantProvider } from "./provider.js";
import { universalLoginRouter } from "./universal-login.js";

/**
 * Logins: the OpenID provider (discovery, JWKS, /authorize, /oauth/token for the code and
 * refresh-token grants, /userinfo), universal login, /v2/logout, enterprise brokering and
 * /samlp/metadata. Mounted after the Management API, whose /oauth/token handler answers
 * client_credentials itself and passes the other grants on with the body already parsed (the
 * provider is handed a replay of the request: tokenRequestAsAuth0Accepts).
 */
export async function mountLogins(app: Express, ctx: TenantContext): Promise<void> {
  const tp = await createTenantProvider(ctx);
  const broker = createBroker(ctx, tp);
  app.use(universalLoginRouter(ctx, tp, broker.start));
  app.use(broker.router);
  app.use(logoutRouter(ctx, tp));
  app.get("/authorize", connectionNeedsItsOwnLogin(ctx, tp), offlineAccessWithoutConsentPrompt);
  const provider = tp.provider.callback();
  app.post("/oauth/token", tokenRequestAsAuth0Accepts(ctx, provider));
  app.use(provider);
  // Errors in the Express routes above: a plain page, never a stack trace.
  app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
    if (res.headersSent) return next(err);
    const type = (err as { type?: string } | null)?.type;
    if (type === "entity.too.large") {
      return sendPage(res, 413, errorPage("Request too large", "The form sent to the local tenant is too large."));
    }
    if (type === "entity.parse.failed" || type === "request.aborted") {
      return sendPage(res, 400, errorPage("Bad request", "The form sent to the local tenant could not be read."));
    }
    console.error("local tenant: login request failed:", err instanceof Error ? err.message : err);
    sendPage(res, 500, errorPage("Something went wrong", "The local tenant could not complete this request."));
  });
}

/**
 * Auth0 issues a refresh token for `offline_access` without a consent prompt; oidc-provider
 * (following OpenID Connect Core) drops the scope unless `prompt=consent`. Add the prompt: the
 * tenant's consent step is implicit (universal-login.ts), so the browser only makes one more hop.
 */
function offlineAccessWithoutConsentPrompt(req: Request, _res: Response, next: NextFunction) {
  // From req.url, not req.query: the middleware before this one may have rewritten the URL.
  const url = new URL(req.url, "http://tenant.invalid");
  const scope = (url.searchParams.get("scope") ?? "").split(" ");
  const prompt = (url.searchParams.get("prompt") ?? "").split(" ").filter(Boolean);
  if (scope.includes("offline_access") && !prompt.includes("consent") && !prompt.includes("none")) {
    url.searchParams.set("prompt", [...prompt, "consent"].join(" "));
    req.url = `${url.pathname}${url.search}`;
  }
  next();
}

/**
 * Auth0 accepts client credentials in the body or as HTTP Basic, and JSON or form bodies, for
 * every application; oidc-provider wants one registered method and form bodies. Turn what
 * Auth0 accepts into the form oidc-provider expects. The Management API's handler has already
 * read and parsed the body (it needed grant_type to know whose request this is), so the
 * provider gets a replay of the request whose body is that form, as an unread stream: it parses
 * it as it would a fresh request (no "already parsed request body" fallback and its warning).
 */
function tokenRequestAsAuth0Accepts(_ctx: TenantContext, provider: ProviderCallback) {
  return (req: Request, res: Response) => {
    const body = { ...((req.body ?? {}) as Record<string, unknown>) };
    const headers: IncomingHttpHeaders = { ...req.headers };
    const header = headers.authorization;
    if (header?.startsWith("Basic ") && body.client_secret === undefined) {
      const decoded = Buffer.from(header.slice(6), "base64").toString("utf8");
      const colon = decoded.indexOf(":");
      if (colon > 0) {
        body.client_id = decodeURIComponent(decoded.slice(0, colon));
        body.client_secret = decodeURIComponent(decoded.slice(colon + 1));
        delete headers.authorization;
      }
    }
    // What oidc-provider itself does with a body parsed upstream: plain string values only.
    const form = Buffer.from(querystring.stringify(body as querystring.ParsedUrlQueryInput));
    headers["content-type"] = "application/x-www-form-urlencoded";
    headers["content-length"] = String(form.length);
    delete headers["transfer-encoding"];
    delete headers["content-encoding"];
    provider(replayRequest(req, headers, form), res);
  };
}

type ProviderCallback = (req: IncomingMessage, res: ServerResponse) => void;

/** A request like `req` (method, URL, socket, HTTP version) with these headers and an unread body. */
function replayRequest(req: Request, headers: IncomingHttpHeaders, body: Buffer): IncomingMessage {
  const replay = Readable.from([body], { objectMode: false }) as Readable & Record<string, unknown>;
  Object.assign(replay, {
    headers,
    rawHeaders: Object.entries(headers).flatMap(([k, v]) =>
      Array.isArray(v) ? v.flatMap((x) => [k, x]) : [k, v ?? ""],
    ),
    method: req.method,
    url: req.url,
    originalUrl: req.originalUrl,
    baseUrl: req.baseUrl,
    httpVersion: req.httpVersion,
    httpVersionMajor: req.httpVersionMajor,
    httpVersionMinor: req.httpVersionMinor,
    socket: req.socket,
    connection: req.socket,
    complete: true,
  });
  return replay as unknown as IncomingMessage;
}

/**
 * `/authorize?connection=X` while the SSO session belongs to a user of another connection: Auth0
 * sends the browser to X rather than reusing the session, so ask the provider for a fresh login.
 */
function connectionNeedsItsOwnLogin(ctx: TenantContext, tp: TenantProvider) {
  const check = async (req: Request) => {
    const connection = typeof req.query.connection === "string" ? req.query.connection : "";
    const prompt = typeof req.query.prompt === "string" ? req.query.prompt.split(" ") : [];
    const sid = cookieValue(req, tp.provider.cookieName("session"));
    if (!connection || prompt.includes("login") || prompt.includes("none") || !sid) return;
    const session = await tp.provider.Session.find(sid);
    const user = session?.accountId ? ctx.store.user(session.accountId) : undefined;
    if (!user || user.connection === connection) return;
    const url = new URL(req.url, ctx.baseUrl);
    url.searchParams.set("prompt", [...prompt, "login"].filter(Boolean).join(" "));
    req.url = `${url.pathname}${url.search}`;
  };
  return (req: Request, _res: Response, next: NextFunction) => {
    check(req).then(() => next(), next);
  };
}
