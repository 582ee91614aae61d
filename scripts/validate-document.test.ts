import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { parseArgs, runValidateCommand } from "./validate-document";

const ROOT = join(import.meta.dirname, "..");
const DIR = join(ROOT, "tests/fixtures/idp-documents");
const rows = readFileSync(join(DIR, "MANIFEST.tsv"), "utf8")
  .trim()
  .split("\n")
  .slice(1)
  .map((l) => l.split("\t"))
  .map((c) => ({ file: c[0]!, kind: c[1]!, expected: c[6]! }));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const code = await runValidateCommand(args, { stdout, stderr });
  return { code, out, err };
}

describe("npm run validate -- <file>", () => {
  for (const row of rows) {
    const exit = row.expected === "reject" ? 1 : 0;
    it(`${row.file}: exit ${exit}, human report and --json`, async () => {
      const human = await run([join(DIR, row.file), "--now", "2026-11-22"]);
      expect(human.code).toBe(exit);
      expect(human.out).toContain(row.expected === "reject" ? "Verdict: REFUSED" : "Verdict: OK");
      const json = await run([join(DIR, row.file), "--now=2026-11-22", "--json"]);
      expect(json.code).toBe(exit);
      const report = JSON.parse(json.out) as { verdict: string; kind: string };
      expect(report.verdict).toBe({ accept: "ok", warn: "warn", reject: "error" }[row.expected]);
      if (row.kind !== "hostile" && row.expected !== "reject") expect(report.kind).toBe(row.kind);
    });
  }

  it("--kind overrides detection; --entity-id picks from an aggregate", async () => {
    const asJwks = await run([join(DIR, "oidc-google.json"), "--kind", "jwks", "--json", "--now", "2026-11-22"]);
    expect(asJwks.code).toBe(1);
    expect(JSON.parse(asJwks.out)).toMatchObject({ kind: "jwks", errors: [{ code: "JWKS_MALFORMED" }] });
    const picked = await run([join(DIR, "saml-testshib-aggregate-1.xml"), "--entity-id", "https://sp.testshib.org/shibboleth-sp", "--now", "2026-11-22"]);
    expect(picked.code).toBe(1);
    expect(picked.out).toContain("NO_IDP_DESCRIPTOR");
  });

  it("without --now, dates are judged against the real clock", async () => {
    expect(parseArgs(["f"], () => new Date("2030-01-01T00:00:00Z"))).toMatchObject({ now: new Date("2030-01-01T00:00:00Z") });
  });

  it.each([
    [[], "Name a file or URL"],
    [["a.xml", "b.xml"], "one file or URL"],
    [["a.xml", "--kind", "pdf"], "--kind must be one of"],
    [["a.xml", "--now", "yesterday"], "--now needs an ISO date"],
    [["a.xml", "--entity-id"], "--entity-id needs a value"],
    [["a.xml", "--frobnicate"], "Unknown option --frobnicate"],
    [[join(DIR, "does-not-exist.xml")], "no such file"],
  ])("usage problem %j exits 2", async (args, message) => {
    const r = await run(args);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).toContain("Usage: npm run validate");
    expect(r.out).toBe("");
  });

  it("the npm script dispatches to the command (a real process)", () => {
    const child = spawnSync("npx", ["tsx", "scripts/validate.ts", join(DIR, "evil-billion-laughs-1.xml"), "--json"], { cwd: ROOT, encoding: "utf8" });
    expect(child.status).toBe(1);
    expect(JSON.parse(child.stdout)).toMatchObject({ verdict: "error", errors: [{ code: "XML_DTD_FORBIDDEN" }] });
    const ok = spawnSync("npx", ["tsx", "scripts/validate.ts", join(DIR, "saml-google-1.xml"), "--now", "2026-11-22"], { cwd: ROOT, encoding: "utf8" });
    expect(ok.status).toBe(0);
    expect(ok.stdout).toContain("Google Workspace");
  }, 30_000);
});
