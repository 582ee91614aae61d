import type { Response } from "express";

/**
 * The local tenant's few HTML pages (universal login, errors, SAML POST binding). Plain,
 * accessible markup; every interpolated string goes through `esc` — client names, connection
 * names and IdP-provided text are attacker-controlled in the portal's threat model.
 */

export function esc(value: unknown): string {
  return String(value ?? "").replace(
    /[&<>"'`]/g,
    (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;", "`": "&#96;" })[c]!,
  );
}

const STYLE = `
  *{box-sizing:border-box}
  body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f3f4f6;color:#111827}
  main{max-width:26rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:.5rem;box-shadow:0 1px 3px rgba(0,0,0,.15)}
  h1{font-size:1.4rem;margin:0 0 1rem}
  label{display:block;font-weight:600;margin-top:1rem}
  input{width:100%;padding:.55rem;border:1px solid #6b7280;border-radius:.3rem;font:inherit}
  input:focus,button:focus,a:focus{outline:3px solid #2563eb;outline-offset:2px}
  input[aria-invalid=true]{border-color:#b91c1c}
  button{margin-top:1.5rem;width:100%;padding:.65rem;border:0;border-radius:.3rem;background:#1d4ed8;color:#fff;font:inherit;font-weight:600;cursor:pointer}
  button.secondary{margin-top:.5rem;background:#fff;color:#1d4ed8;border:1px solid #1d4ed8}
  select{width:100%;padding:.5rem;border:1px solid #6b7280;border-radius:.3rem;font:inherit}
  .alert{background:#fef2f2;border:1px solid #b91c1c;color:#7f1d1d;padding:.75rem;border-radius:.3rem}
  .muted{color:#4b5563;font-size:.9rem}
  ul.connections{list-style:none;padding:0}
  ul.connections a{display:block;margin-top:.5rem;padding:.55rem;border:1px solid #1d4ed8;border-radius:.3rem;text-align:center;color:#1d4ed8;text-decoration:none}
`;

export function page(title: string, body: string): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>`;
}

/** The CSP of a page without scripts. */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'";

/** Security headers for every page the tenant renders (no scripts except the POST binding's). */
export function sendPage(res: Response, status: number, html: string, opts: { script?: boolean } = {}): void {
  res
    .status(status)
    .set({
      "Content-Type": "text/html; charset=utf-8",
      "Cache-Control": "no-store",
      "X-Frame-Options": "DENY",
      "X-Content-Type-Options": "nosniff",
      "Referrer-Policy": "no-referrer",
      // No form-action: Chromium applies it to the redirects that follow a form post, and a
      // login ends with a redirect to the application's callback on another origin.
      "Content-Security-Policy": `default-src 'none'; style-src 'unsafe-inline'; ${opts.script ? "script-src 'unsafe-inline'; " : ""}frame-ancestors 'none'; base-uri 'none'`,
    })
    .send(html);
}

export function errorPage(title: string, message: string, detail?: string): string {
  return page(
    title,
    `<h1>${esc(title)}</h1>
<div class="alert" role="alert"><p>${esc(message)}</p>${detail ? `<p class="muted">${esc(detail)}</p>` : ""}</div>`,
  );
}

export interface LoginFormView {
  action: string;
  csrf: string;
  clientName: string;
  email?: string;
  error?: string;
  organizationName?: string;
  /** Enterprise connections offered as buttons: [label, href]. */
  connections?: { label: string; href: string }[];
}

export function loginPage(v: LoginFormView): string {
  const errorId = "login-error";
  const invalid = v.error ? ` aria-invalid="true" aria-describedby="${errorId}"` : "";
  const buttons = v.connections?.length
    ? `<h2 class="muted">Or continue with</h2><ul class="connections">${v.connections
        .map((c) => `<li><a href="${esc(c.href)}">${esc(c.label)}</a></li>`)
        .join("")}</ul>`
    : "";
  return page(
    `Log in | ${v.clientName}`,
    `<h1>Log in to ${esc(v.clientName)}</h1>
${v.organizationName ? `<p class="muted">Organization: ${esc(v.organizationName)}</p>` : ""}
<div id="${errorId}" role="alert" aria-live="assertive">${v.error ? `<p class="alert">${esc(v.error)}</p>` : ""}</div>
<form method="post" action="${esc(v.action)}" novalidate>
  <input type="hidden" name="_csrf" value="${esc(v.csrf)}">
  <label for="email">Email address</label>
  <input id="email" name="email" type="email" autocomplete="username" required value="${esc(v.email ?? "")}"${invalid}${v.error ? "" : " autofocus"}>
  <label for="password">Password</label>
  <input id="password" name="password" type="password" autocomplete="current-password" required${invalid}${v.error ? " autofocus" : ""}>
  <button type="submit">Continue</button>
</form>
${buttons}`,
  );
}

/** SAML HTTP-POST binding: a form the browser submits on load (and a button without scripts). */
export function autoPostPage(action: string, fields: Record<string, string>, label = "Continue"): string {
  const inputs = Object.entries(fields)
    .map(([k, v]) => `<input type="hidden" name="${esc(k)}" value="${esc(v)}">`)
    .join("\n");
  return page(
    "Continuing sign-in",
    `<h1>Continuing sign-in…</h1>
<form method="post" action="${esc(action)}" id="post-binding">
${inputs}
<noscript><p>Scripts are off: press the button to continue.</p></noscript>
<button type="submit">${esc(label)}</button>
</form>
<script>document.getElementById("post-binding").submit()</script>`,
  );
}
