import { createCookieSessionStorage, redirect, type SessionStorage } from "@remix-run/node";
import { cookieSecret } from "../services/identity/session.server";
import { getEnv } from "../services/platform/env.server";
import { singleton } from "../services/platform/singleton.server";
import type { Flash } from "./flash";

/**
 * Flash messages after POST-redirect-GET, in a cookie of their own (ADR 010): signed with the
 * session cookie's secret, httpOnly, SameSite=Lax, `__Host-` and Secure outside local mode, for
 * five minutes at most, and cleared by the first page that shows it. A cookie rather than a row:
 * it needs no database, works for a visitor without a session, and a setup link's token (shown
 * once) never lands in the database, which keeps only its hash.
 */

const FLASH_MAX_AGE_SECONDS = 300;

const storage = singleton("flash-storage", () => ({ current: undefined as SessionStorage | undefined }));

function flashStorage(): SessionStorage {
  const secure = !getEnv().localMode;
  storage.current ??= createCookieSessionStorage({
    cookie: {
      name: secure ? "__Host-portal_flash" : "portal_flash",
      httpOnly: true,
      sameSite: "lax",
      secure,
      path: "/",
      maxAge: FLASH_MAX_AGE_SECONDS,
      secrets: [cookieSecret],
    },
  });
  return storage.current;
}

/** The path a form posted to, as the place to come back to (`.data` and `?index` of Remix dropped). */
export function samePage(request: Request): string {
  const url = new URL(request.url);
  const path = url.pathname.replace(/\.data$/, "").replace(/\/_root$/, "/") || "/";
  url.searchParams.delete("index");
  url.searchParams.delete("_data");
  const search = url.searchParams.toString();
  return search ? `${path}?${search}` : path;
}

/** A redirect (303) to a path of the portal, carrying a flash message for the page there. */
export async function redirectWithFlash(to: string, flash: Flash, init: { headers?: HeadersInit } = {}) {
  if (!to.startsWith("/") || to.startsWith("//")) throw new Error(`redirectWithFlash: not a local path: ${to}`);
  const storage = flashStorage();
  const session = await storage.getSession();
  session.flash("flash", flash);
  const headers = new Headers(init.headers);
  headers.append("Set-Cookie", await storage.commitSession(session));
  return redirect(to, { status: 303, headers });
}

/** The request's flash message, if any, and the Set-Cookie header that clears it. */
export async function takeFlash(request: Request): Promise<{ flash: Flash | null; headers: Headers }> {
  const headers = new Headers();
  const cookie = request.headers.get("cookie");
  if (!cookie?.includes("portal_flash=")) return { flash: null, headers };
  const storage = flashStorage();
  const session = await storage.getSession(cookie);
  const flash = (session.get("flash") as Flash | undefined) ?? null;
  headers.append("Set-Cookie", await storage.destroySession(session));
  return { flash, headers };
}
