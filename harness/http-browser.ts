/**
 * A minimal browser for login flows over plain HTTP: a cookie jar (per host, path-agnostic,
 * which is enough for the tenant's few cookies) and manual redirects, so that a test sees every
 * hop and can stop at an application's callback without a server behind it.
 */
export class HttpBrowser {
  private readonly cookies = new Map<string, Map<string, string>>();

  private jar(url: URL): Map<string, string> {
    let jar = this.cookies.get(url.hostname);
    if (!jar) this.cookies.set(url.hostname, (jar = new Map()));
    return jar;
  }

  /** A cookie the browser already holds (e.g. a session made without the login page). */
  setCookie(url: string, pair: string): void {
    const eq = pair.indexOf("=");
    this.jar(new URL(url)).set(pair.slice(0, eq), pair.slice(eq + 1));
  }

  cookieNames(url: string): string[] {
    return [...this.jar(new URL(url)).keys()];
  }

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const u = new URL(url);
    const jar = this.jar(u);
    const headers = new Headers(init.headers);
    if (jar.size) headers.set("cookie", [...jar].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fetch(u, { ...init, headers, redirect: "manual" });
    for (const line of res.headers.getSetCookie()) {
      const [pair, ...attrs] = line.split(";");
      const eq = pair!.indexOf("=");
      const name = pair!.slice(0, eq).trim();
      const value = pair!.slice(eq + 1).trim();
      const expired =
        attrs.some((a) => /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || attrs.some((a) => /^\s*max-age=0\b/i.test(a));
      if (expired || value === "") jar.delete(name);
      else jar.set(name, value);
    }
    return res;
  }

  /**
   * GETs `url` and follows redirects until `stop(url)` is true (that URL is returned, not
   * fetched) or a non-redirect answer arrives (its response is returned).
   */
  async follow(
    url: string,
    stop: (url: string) => boolean,
    init: RequestInit = {},
  ): Promise<{ url: string; res?: Response }> {
    let current = url;
    let req = init;
    for (let hop = 0; hop < 20; hop++) {
      if (stop(current)) return { url: current };
      const res = await this.request(current, req);
      const location = res.headers.get("location");
      if (res.status < 300 || res.status >= 400 || !location) return { url: current, res };
      current = new URL(location, current).href;
      req = {};
    }
    throw new Error(`too many redirects from ${url}`);
  }

  /** POSTs a form and follows the redirects that come back. */
  async submit(url: string, fields: Record<string, string>, stop: (url: string) => boolean) {
    const res = await this.request(url, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(fields),
    });
    const location = res.headers.get("location");
    if (res.status < 300 || res.status >= 400 || !location) return { url, res };
    return this.follow(new URL(location, url).href, stop);
  }
}

/** The value of a hidden input in an HTML page. */
export function hiddenInput(html: string, name: string): string | undefined {
  const m = new RegExp(`<input[^>]*name="${name}"[^>]*value="([^"]*)"`).exec(html);
  return m?.[1]
    ?.replace(/&amp;/g, "&")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">");
}

/**
 * Signs in on the demo SAML IdP's login page (its HTML `loginPage`) as `email`, with a test
 * misbehaviour ("none" for a good response) or "cancel"; returns the IdP's answer, whose
 * auto-posting form `samlPostForm` reads.
 */
export async function demoSamlIdpLogin(
  browser: HttpBrowser,
  idp: { url: string; password: string },
  loginPage: string,
  email: string,
  behaviour = "none",
): Promise<Response> {
  return browser.request(`${idp.url}/sso/login`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      request: hiddenInput(loginPage, "request")!,
      email,
      password: idp.password,
      ...(behaviour === "cancel" ? { cancel: "1" } : { behaviour }),
    }),
  });
}

/** The form a SAML IdP's page posts by itself to the service provider: where, and the SAML fields. */
export function samlPostForm(html: string): { action: string; SAMLResponse: string; RelayState: string } {
  return {
    action: /<form method="post" action="([^"]+)"/.exec(html)![1]!.replace(/&amp;/g, "&"),
    SAMLResponse: hiddenInput(html, "SAMLResponse")!,
    RelayState: hiddenInput(html, "RelayState")!,
  };
}
