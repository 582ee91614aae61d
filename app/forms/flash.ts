/**
 * A flash message: what the page says once, after a POST-redirect-GET. Written by an action with
 * redirectWithFlash (flash.server.ts), read and cleared by the root loader, shown by <FlashNotice>.
 */
export interface Flash {
  tone: "ok" | "error";
  message: string;
  /** A setup link just created: shown once, on the page the action redirected to. */
  setupLink?: { url: string; org?: string; role: string; expiresAt: string; maxUses: number };
}
