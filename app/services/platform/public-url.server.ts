import { getEnv } from "./env.server";
import { singleton } from "./singleton.server";

/**
 * The portal's own public origin (no trailing slash): what the OIDC callback, the same-origin
 * check and setup links are built from. startPortal registers the URL it actually listens on
 * (tests use port 0); otherwise PUBLIC_URL, or http://localhost:<PORT>.
 */
const holder = singleton("public-url", () => ({ url: undefined as string | undefined }));

export function registerPublicUrl(url: string): void {
  holder.url = url.replace(/\/$/, "");
}

export function getPublicUrl(): string {
  return holder.url ?? getEnv().publicUrl;
}

export function getPublicOrigin(): string {
  return new URL(getPublicUrl()).origin;
}
