/**
 * Local mode's test login and go-live, timed over plain HTTP (no browser, no think time): the
 * built portal in this process (PGlite in memory, the local tenant, the demo IdPs), a SAML version
 * staged for Acme, Alice signed in.
 *
 * - test-login round trip: "Test login" → tenant → demo SAML IdP login → SAML response → tenant →
 *   /test-login/callback (code exchange, profile read, checks, row written) → result page;
 * - go-live: the "Go live" POST → the first demo-application sign-in through the live connection
 *   that succeeds (polled), i.e. until the vendor's application accepts the organization's users.
 *
 *   npm run bench:test-login [-- --runs 20 --no-write]
 *
 * Writes the figures into the "## Test login and go live" section of BENCHMARKS.md.
 */
import "./quiet-env";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { benchOptions } from "../harness/bench-options";
import { startDemoIdps } from "../local-tenant/demo-idps/index";
import { sessionCookieFor } from "../harness/portal-requests";
import { ensureBuilt } from "../server/build";
import { startPortal } from "../server/portal";
import { demoSamlIdpLogin, HttpBrowser, samlPostForm } from "../harness/http-browser";
import { enqueueStagedApply } from "~/services/go-live/stages.server";
import { openMigrated } from "~/services/platform/db.server";

const options = benchOptions({ runs: 20 }, ["no-write"]);
const RUNS = options.runs;

ensureBuilt(() => undefined);
const open = await openMigrated({ engine: "pglite", dataDir: null });
const portal = await startPortal({ port: 0, database: { open }, localTenant: { port: 0 } });
const idps = await startDemoIdps({ tenantUrl: portal.tenant!.url });
const db = open.db;
const org = await db.selectFrom("organizations").selectAll().where("slug", "=", "acme").executeTakeFirstOrThrow();
const scope = {
  kind: "system" as const,
  actor: "bench",
  org: { id: org.id, slug: org.slug, name: org.name, auth0OrgId: org.auth0_org_id },
};
await enqueueStagedApply(db, scope, {
  connection: {
    protocol: "saml",
    strategy: "samlp",
    version: 1,
    displayName: "Acme",
    options: { metadataUrl: idps.saml.metadataUrl },
  },
});
for (;;) {
  const open = await db
    .selectFrom("apply_jobs")
    .select("id")
    .where("status", "in", ["queued", "running"])
    .executeTakeFirst();
  if (!open) break;
  await new Promise((r) => setTimeout(r, 20));
}
// Signed in as Alice, Acme's administrator, without the login page (the sign-in is not what is measured).
const session = await sessionCookieFor(db, "alice@acme.test");

/** Through the demo SAML IdP from `start` until `done(url)`; returns the URL reached. */
async function samlSignIn(browser: HttpBrowser, start: string, done: (u: string) => boolean): Promise<string> {
  const toIdp = await browser.follow(start, (u) => u.startsWith(idps.saml.url) && u.includes("/sso?"));
  const loginPage = await browser.follow(toIdp.url, () => false);
  const html = await loginPage.res!.text();
  const posted = await demoSamlIdpLogin(browser, idps.saml, html, "ada@saml-idp.test");
  const form = samlPostForm(await posted.text());
  const back = await browser.submit(
    form.action,
    { SAMLResponse: form.SAMLResponse, RelayState: form.RelayState },
    done,
  );
  return back.url;
}

const testTimes: number[] = [];
for (let i = 0; i < RUNS; i++) {
  const browser = new HttpBrowser();
  browser.setCookie(portal.url, session);
  const t0 = performance.now();
  const url = await samlSignIn(browser, `${portal.url}/orgs/acme/sso/test-login`, (u) =>
    /\/orgs\/acme\/sso\/tests\/[0-9a-f-]{36}$/.test(u),
  );
  if (!url.includes("/sso/tests/")) throw new Error(`test login did not finish at a result: ${url}`);
  testTimes.push(performance.now() - t0);
}
const passed = await db.selectFrom("test_logins").select("status").where("status", "=", "passed").execute();
if (passed.length !== RUNS) throw new Error(`expected ${RUNS} passing tests, got ${passed.length}`);

// Go live, then sign in to the demo application until it works.
const goLiveStart = performance.now();
const res = await fetch(`${portal.url}/orgs/acme/sso/live`, {
  method: "POST",
  headers: { cookie: session, origin: portal.url, "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ intent: "go-live" }),
  redirect: "manual",
});
if (res.status !== 303) throw new Error(`go live answered ${res.status}`);
let attempts = 0;
let goLiveMs = 0;
for (;;) {
  attempts++;
  const browser = new HttpBrowser();
  const start = await browser.request(`${portal.url}/demo-app/start?org=acme`);
  const location = start.headers.get("location") ?? "";
  if (location.startsWith(portal.tenant!.url)) {
    const url = await samlSignIn(browser, location, (u) => u === `${portal.url}/demo-app`).catch(() => "");
    if (url === `${portal.url}/demo-app`) {
      // React puts a comment between "You are " and the name in server-rendered HTML.
      const page = (await (await browser.request(url)).text()).replace(/<!-- -->/g, "");
      if (page.includes("You are Ada Lovelace")) {
        goLiveMs = performance.now() - goLiveStart;
        break;
      }
    }
  }
  if (attempts > 500) throw new Error("the demo application never accepted the user");
  await new Promise((r) => setTimeout(r, 10));
}

await idps.close();
await portal.close();

const sorted = [...testTimes].sort((a, b) => a - b);
const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
const fmt = (ms: number) => `${Math.round(ms)} ms`;
const machine = `${cpus()[0]?.model ?? "cpu"} ×${availableParallelism()}, load ${loadavg()[0]!.toFixed(1)}`;
const lines = [
  `Measured ${new Date().toISOString().slice(0, 16).replace("T", " ")} UTC on ${machine} (\`npm run bench:test-login -- --runs ${RUNS}\`).`,
  "",
  "| what | figure |",
  "| --- | --- |",
  `| test-login round trip (Test login → demo SAML IdP → result recorded), ${RUNS} runs | median ${fmt(pct(50))}, p90 ${fmt(pct(90))}, max ${fmt(sorted[sorted.length - 1]!)} |`,
  `| Go live → the demo application accepts Acme's users (apply job + first successful sign-in) | ${fmt(goLiveMs)} (${attempts} sign-in attempt${attempts === 1 ? "" : "s"}) |`,
  "",
  "No think time: the demo IdP's form is posted at once. The figures are the portal's, the local",
  "tenant's and the demo IdP's own work on one shared machine.",
];
console.log(lines.join("\n"));
if (!options["no-write"]) {
  const file = new URL("../BENCHMARKS.md", import.meta.url);
  const text = readFileSync(file, "utf8");
  const heading = "## Test login and go live";
  const section = `${heading}\n\n${lines.join("\n")}\n`;
  const at = text.indexOf(heading);
  const next = at >= 0 ? text.indexOf("\n## ", at + heading.length) : -1;
  const updated =
    at < 0
      ? `${text.trimEnd()}\n\n${section}`
      : `${text.slice(0, at)}${section}${next >= 0 ? text.slice(next + 1) : ""}`;
  writeFileSync(file, updated);
}
process.exit(0);
