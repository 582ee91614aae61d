/**
 * How long the setup wizard's "Check" takes, as the administrator waits for it: the POST of the
 * details step to the built portal (session, guard, form parsing, the fetch through the SSRF-safe
 * fetcher or the uploaded file, the validators, the progress row) until its 303 answer. Beside it,
 * the validation alone (judge* of idp-validation.server.ts, no HTTP, no database).
 *
 *   npm run bench:sso-check [-- --runs 40 --no-write]
 *
 * Cases: the demo SAML IdP's metadata URL, the demo OIDC IdP's discovery URL with its client, and
 * the largest fixture (saml-adfs-1.xml, 31 KB, signed) uploaded as a file. PGlite in memory, the
 * local tenant and both demo IdPs in this process. Writes "## SSO setup check" in BENCHMARKS.md.
 */
import "./quiet-env";
import { readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { join } from "node:path";
import { benchOptions } from "../harness/bench-options";
import { sessionCookieFor } from "../harness/portal-requests";
import { ensureBuilt } from "../server/build";
import { startPortal } from "../server/portal";
import {
  judgeMetadataDocument,
  judgeMetadataUrl,
  judgeOidcProvider,
} from "~/services/idp-documents/idp-validation.server";
import { openMigrated } from "~/services/platform/db.server";

const options = benchOptions({ runs: 40 }, ["no-write"]);
const RUNS = options.runs;
const LARGEST = "saml-adfs-1.xml";
const largest = readFileSync(join(import.meta.dirname, "../tests/fixtures/idp-documents", LARGEST));

ensureBuilt(() => undefined);
const open = await openMigrated({ engine: "pglite", dataDir: null });
const portal = await startPortal({
  port: 0,
  database: { open },
  localTenant: { port: 0, demoIdps: { samlPort: 0, oidcPort: 0 } },
});
const demo = portal.demoIdps!;
// Signed in as Alice, Acme's administrator, without the login page (the sign-in is not what is measured).
const cookie = await sessionCookieFor(open.db, "alice@acme.test");
const SETUP = `${portal.url}/orgs/acme/sso/setup`;

async function post(body: FormData | URLSearchParams): Promise<number> {
  const res = await fetch(SETUP, {
    method: "POST",
    headers: { cookie, origin: portal.url },
    body,
    redirect: "manual",
  });
  await res.arrayBuffer();
  return res.status;
}

const mapping = { emailAttribute: "email", givenNameAttribute: "", familyNameAttribute: "", groupsAttribute: "" };

interface Case {
  name: string;
  idp: string;
  body: () => FormData | URLSearchParams;
  direct: () => Promise<unknown>;
}
const CASES: Case[] = [
  {
    name: "SAML: demo IdP's metadata URL",
    idp: "saml",
    body: () =>
      new URLSearchParams({ intent: "saml-details", givenBy: "url", metadataUrl: demo.saml.metadataUrl, ...mapping }),
    direct: () => judgeMetadataUrl(demo.saml.metadataUrl),
  },
  {
    name: `SAML: largest fixture uploaded (${LARGEST}, ${Math.round(largest.length / 1024)} KB, signed)`,
    idp: "adfs",
    body: () => {
      const form = new FormData();
      for (const [k, v] of Object.entries({ intent: "saml-details", givenBy: "file", ...mapping })) form.append(k, v);
      form.append("metadataFile", new Blob([largest], { type: "application/xml" }), LARGEST);
      return form;
    },
    direct: async () => judgeMetadataDocument(largest),
  },
  {
    name: "OIDC: demo IdP's discovery URL and client (discovery + JWKS)",
    idp: "oidc",
    body: () =>
      new URLSearchParams({
        intent: "oidc-details",
        discoveryUrl: demo.oidc.discoveryUrl,
        clientId: demo.oidc.client.clientId,
        clientSecret: demo.oidc.client.clientSecret,
        clientType: "back_channel",
        ...mapping,
      }),
    direct: () =>
      judgeOidcProvider(demo.oidc.discoveryUrl, {
        clientId: demo.oidc.client.clientId,
        clientSecret: demo.oidc.client.clientSecret,
      }),
  },
];

function stats(ms: number[]): { median: string; p95: string } {
  const s = [...ms].sort((a, b) => a - b);
  const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))]!.toFixed(1);
  return { median: at(0.5), p95: at(0.95) };
}

async function time(fn: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await fn();
  return performance.now() - t;
}

const loadBefore = loadavg()[0]!.toFixed(2);
const rows: string[] = [];
for (const c of CASES) {
  const chosen = await post(new URLSearchParams({ intent: "choose-idp", idp: c.idp }));
  if (chosen !== 303) throw new Error(`choose-idp answered ${chosen}`);
  const first = await post(c.body());
  if (first !== 303) throw new Error(`${c.name}: the check answered ${first}, not 303`);
  const http: number[] = [];
  const direct: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    http.push(await time(() => post(c.body())));
    direct.push(await time(c.direct));
  }
  const h = stats(http);
  const d = stats(direct);
  rows.push(`| ${c.name} | ${h.median} | ${h.p95} | ${d.median} | ${d.p95} |`);
}
const loadAfter = loadavg()[0]!.toFixed(2);
await portal.close();
await open.close();

const section = `## SSO setup check

What an administrator waits for after pressing **Check** in the setup wizard (\`/orgs/<slug>/sso/setup\`):
the POST of the details step to the built portal until its 303 answer (session and guard, form and
upload parsing, the fetch through the SSRF-safe fetcher, the validators, the progress row), and the
validation alone (\`judgeMetadataUrl\` / \`judgeMetadataDocument\` / \`judgeOidcProvider\`, no HTTP
to the portal, no database). ${RUNS} runs per case, one after another, after one warm-up.

Measured ${new Date().toISOString().slice(0, 10)} on ${cpus()[0]?.model ?? "unknown CPU"} (${availableParallelism()} cores
available, shared; load average ${loadBefore} before, ${loadAfter} after), Node ${process.version}, PGlite in memory,
local tenant and demo IdPs in the same process.

\`npm run bench:sso-check -- --runs ${RUNS}\`

| case | Check, whole POST: median ms | p95 ms | validation alone: median ms | p95 ms |
| --- | ---: | ---: | ---: | ---: |
${rows.join("\n")}
`;

console.log(section);
if (!options["no-write"]) {
  const path = join(import.meta.dirname, "../BENCHMARKS.md");
  const doc = readFileSync(path, "utf8");
  const start = doc.indexOf("## SSO setup check");
  let next = start < 0 ? -1 : doc.indexOf("\n## ", start + 1);
  if (next >= 0) next += 1;
  const updated =
    start < 0
      ? `${doc.trimEnd()}\n\n${section}`
      : `${doc.slice(0, start)}${section}${next >= 0 ? `\n${doc.slice(next)}` : ""}`;
  writeFileSync(path, updated);
}
