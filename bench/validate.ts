/**
 * Validator speed and memory, side by side with the parsers of two open-source peers on the same
 * documents in the same run: @boxyhq/saml20 `parseMetadata` (Ory Polis) and samlify's
 * `IdentityProvider({ metadata })`. Timings come from one child process that runs the libraries
 * interleaved, run by run (the machine's load then falls on all alike); peak memory (max RSS)
 * from one child process per library.
 *
 *   npm run bench:validate [-- --budget-ms 500 --runs 200]
 *
 * Documents: every SAML fixture (tests/fixtures/idp-documents), a generated ~1 MB aggregate (one
 * IdP among many SPs), and the OIDC/JWKS fixtures (ours only: the peers have no equivalent).
 * "ours" verifies metadata signatures; "ours, no sig" skips that (peers never verify), to compare
 * like with like. Prints a Markdown report for BENCHMARKS.md.
 */
import { spawnSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";

const DIR = join(import.meta.dirname, "../tests/fixtures/idp-documents");
const NOW = new Date("2026-11-22T00:00:00Z");
type Lib = "ours" | "ours-nosig" | "boxyhq" | "samlify";
const LIBS: Lib[] = ["ours", "ours-nosig", "boxyhq", "samlify"];

const { values } = parseArgs({
  options: {
    worker: { type: "string" },
    "budget-ms": { type: "string", default: "500" },
    runs: { type: "string", default: "200" },
  },
});
const BUDGET_MS = Number(values["budget-ms"]);
const MAX_RUNS = Number(values.runs);

interface Doc {
  name: string;
  kind: "saml" | "json";
  hostile: boolean;
  text: string;
}

/** One IdP (Google's entity) and as many SP entities as fit under 1 MB (the size cap). */
function aggregate(): string {
  const entity = (file: string) => {
    const xml = readFileSync(join(DIR, file), "utf8");
    return xml.slice(xml.indexOf("<EntityDescriptor")).replace(/<\/EntityDescriptor>[\s\S]*$/, "</EntityDescriptor>");
  };
  const idp = entity("saml-sp-only-1.xml").length > 0 ? readFileSync(join(DIR, "saml-google-1.xml"), "utf8") : "";
  const idpEntity = idp
    .slice(idp.indexOf("<md:EntityDescriptor"))
    .replace(/<\/md:EntityDescriptor>[\s\S]*$/, "</md:EntityDescriptor>");
  const sp = entity("saml-sp-only-1.xml");
  const head =
    '<?xml version="1.0" encoding="UTF-8"?>\n<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" xmlns:ds="http://www.w3.org/2000/09/xmldsig#">\n';
  const parts = [head, idpEntity, "\n"];
  let size = head.length + idpEntity.length;
  for (let i = 0; size < 1_000_000 - sp.length; i++) {
    const one = sp.replace(/entityID="[^"]*"/, `entityID="https://sp${i}.example.org/saml"`).replace(/ ID="[^"]*"/, "");
    parts.push(one, "\n");
    size += one.length + 1;
  }
  parts.push("</EntitiesDescriptor>\n");
  return parts.join("");
}

function documents(): Doc[] {
  const docs: Doc[] = readdirSync(DIR)
    .filter((f) => f.endsWith(".xml") || f.endsWith(".json"))
    .sort()
    .map((f) => ({
      name: f,
      kind: f.endsWith(".xml") ? "saml" : "json",
      hostile: f.startsWith("evil-"),
      text: readFileSync(join(DIR, f), "utf8"),
    }));
  docs.push({ name: "generated-aggregate-1mb.xml", kind: "saml", hostile: false, text: aggregate() });
  // Pathological input for the XML screen: 100,000 unclosed comments and processing instructions
  // (a backtracking screen would take seconds; it must stay linear). Moved here from a unit test.
  docs.push({
    name: "generated-pathological-markup.xml",
    kind: "saml",
    hostile: true,
    text: "<!--".repeat(100_000) + "<x>" + "<?".repeat(100_000),
  });
  return docs;
}

interface Result {
  name: string;
  runs: number;
  medianMs: number;
  p99Ms: number;
  outcome: string;
}

type Judge = (text: string, kind: Doc["kind"]) => Promise<string> | string;

async function judges(): Promise<Record<Lib, Judge>> {
  const { validateDocument, validateSamlMetadata } = await import("../app/validators/index.js");
  const mod = (await import("@boxyhq/saml20")) as unknown as {
    default?: { parseMetadata?: unknown };
    parseMetadata?: unknown;
  };
  const parseMetadata = (mod.parseMetadata ?? mod.default?.parseMetadata) as (
    xml: string,
    opts: object,
  ) => Promise<{ loginType?: string }>;
  const samlify = await import("samlify");
  const ours =
    (verifySignature: boolean): Judge =>
    (text, kind) =>
      kind === "saml"
        ? validateSamlMetadata(text, { now: NOW, verifySignature }).verdict
        : validateDocument(text, { now: NOW }).verdict;
  return {
    ours: ours(true),
    "ours-nosig": ours(false),
    boxyhq: async (text) => `parsed (${(await parseMetadata(text, {})).loginType ?? "?"})`,
    samlify: (text) =>
      `parsed (${samlify.IdentityProvider({ metadata: text }).entityMeta.getEntityID() ? "entityID" : "no entityID"})`,
  };
}

async function once(judge: Judge, doc: Doc): Promise<[number, string]> {
  const start = process.hrtime.bigint();
  let outcome: string;
  try {
    outcome = await judge(doc.text, doc.kind);
  } catch (err) {
    outcome = `throws: ${String((err as Error).message ?? err)
      .split("\n")[0]!
      .slice(0, 60)}`;
  }
  return [Number(process.hrtime.bigint() - start) / 1e6, outcome];
}

/**
 * Timing: all libraries in one process, interleaved run by run on each document, so the load of
 * this shared machine falls on all of them alike.
 */
async function timingWorker(): Promise<void> {
  const all = await judges();
  const out: Record<string, Result[]> = {};
  for (const doc of documents()) {
    const libs = LIBS.filter((l) => doc.kind === "saml" || l === "ours");
    for (const lib of libs) for (let i = 0; i < 5; i++) await once(all[lib], doc);
    const times = new Map<Lib, number[]>(libs.map((l) => [l, []]));
    const outcomes = new Map<Lib, string>();
    const began = performance.now();
    let rounds = 0;
    while (rounds < MAX_RUNS && (rounds < 10 || performance.now() - began < BUDGET_MS * libs.length)) {
      // Rotate who goes first: the first run after another library's allocations pays its GC.
      for (const lib of [...libs.slice(rounds % libs.length), ...libs.slice(0, rounds % libs.length)]) {
        const [ms, outcome] = await once(all[lib], doc);
        times.get(lib)!.push(ms);
        outcomes.set(lib, outcome);
      }
      rounds++;
    }
    for (const lib of libs) {
      const t = times.get(lib)!.sort((a, b) => a - b);
      const at = (q: number) => t[Math.min(t.length - 1, Math.ceil(q * t.length) - 1)]!;
      (out[lib] ??= []).push({
        name: doc.name,
        runs: t.length,
        medianMs: at(0.5),
        p99Ms: at(0.99),
        outcome: outcomes.get(lib)!,
      });
    }
  }
  process.stdout.write(JSON.stringify(out));
}

/** Memory: one library per process over every document (20 runs each); max RSS at the end. */
async function memoryWorker(lib: Lib): Promise<void> {
  const judge = (await judges())[lib];
  for (const doc of documents()) {
    if (doc.kind === "json" && lib !== "ours") continue;
    for (let i = 0; i < 20; i++) await once(judge, doc);
  }
  process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }));
}

function fmt(ms: number | undefined): string {
  if (ms === undefined) return "–";
  return ms < 0.1 ? ms.toFixed(3) : ms < 10 ? ms.toFixed(2) : ms.toFixed(1);
}

function main(): void {
  const docs = documents();
  const spawnWorker = (args: string[]) => {
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", import.meta.filename, ...args, "--budget-ms", String(BUDGET_MS), "--runs", String(MAX_RUNS)],
      {
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
      },
    );
    if (child.status !== 0) throw new Error(`worker ${args.join(" ")} failed: ${child.stderr}`);
    return JSON.parse(child.stdout) as unknown;
  };
  const timing = spawnWorker(["--worker", "timing"]) as Record<Lib, Result[]>;
  process.stderr.write("timing done\n");
  const byLib = new Map<Lib, { results: Map<string, Result>; maxRssMb: number }>();
  for (const lib of LIBS) {
    const { maxRssMb } = spawnWorker(["--worker", lib]) as { maxRssMb: number };
    byLib.set(lib, { results: new Map(timing[lib].map((r) => [r.name, r])), maxRssMb });
    process.stderr.write(`${lib} memory done\n`);
  }
  const get = (lib: Lib, name: string) => byLib.get(lib)!.results.get(name);
  const ratio = (a?: number, b?: number) =>
    a !== undefined && b !== undefined && b > 0 ? `${(a / b).toFixed(2)}×` : "–";
  const lines: string[] = [];
  lines.push(`- Date: ${new Date().toISOString().slice(0, 10)}`);
  lines.push(
    `- Machine: ${cpus().length} CPUs (${cpus()[0]?.model.trim()}); Node ${process.version}; 1-min load average before the run: ${loadavg()[0]!.toFixed(2)}`,
  );
  lines.push(
    `- Command: \`npm run bench:validate\` (per document: up to ${MAX_RUNS} interleaved rounds or ${BUDGET_MS} ms per library, after 5 warm-up runs each)`,
  );
  lines.push("", "### SAML metadata: median (p99) ms per document", "");
  lines.push(
    "| document | KB | ours | ours, no sig | @boxyhq/saml20 | samlify | ours ÷ boxyhq | ours ÷ samlify | ours, no sig ÷ boxyhq | ours, no sig ÷ samlify |",
  );
  lines.push("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  const typical = docs.filter((d) => d.kind === "saml" && !d.hostile && !d.name.startsWith("malformed"));
  for (const d of typical) {
    const [o, n, b, s] = LIBS.map((l) => get(l, d.name));
    lines.push(
      `| ${d.name} | ${(Buffer.byteLength(d.text) / 1024).toFixed(1)} | ${fmt(o?.medianMs)} (${fmt(o?.p99Ms)}) | ${fmt(n?.medianMs)} (${fmt(n?.p99Ms)}) | ${fmt(b?.medianMs)} (${fmt(b?.p99Ms)}) | ${fmt(s?.medianMs)} (${fmt(s?.p99Ms)}) | ${ratio(o?.medianMs, b?.medianMs)} | ${ratio(o?.medianMs, s?.medianMs)} | ${ratio(n?.medianMs, b?.medianMs)} | ${ratio(n?.medianMs, s?.medianMs)} |`,
    );
  }
  const geo = (lib: Lib, other: Lib) => {
    const rs = typical
      .filter((d) => !d.name.startsWith("generated"))
      .map((d) => get(lib, d.name)!.medianMs / get(other, d.name)!.medianMs);
    return Math.exp(rs.reduce((a, r) => a + Math.log(r), 0) / rs.length).toFixed(2);
  };
  lines.push(
    "",
    `Geometric mean of the median ratios over the real fixtures (not the generated aggregate): ours ÷ boxyhq **${geo("ours", "boxyhq")}×**, ours ÷ samlify **${geo("ours", "samlify")}×**; without signature verification: ÷ boxyhq **${geo("ours-nosig", "boxyhq")}×**, ÷ samlify **${geo("ours-nosig", "samlify")}×**.`,
  );
  lines.push("", "### Hostile and malformed documents: median (p99) ms until refused, and what each library did", "");
  lines.push("| document | ours | @boxyhq/saml20 | samlify |", "| --- | --- | --- | --- |");
  for (const d of docs.filter((x) => x.kind === "saml" && (x.hostile || x.name.startsWith("malformed")))) {
    const cell = (lib: Lib) => {
      const r = get(lib, d.name);
      return r ? `${fmt(r.medianMs)} (${fmt(r.p99Ms)}) ${r.outcome.replace(/\|/g, "/")}` : "–";
    };
    lines.push(`| ${d.name} | ${cell("ours")} | ${cell("boxyhq")} | ${cell("samlify")} |`);
  }
  const manifest = new Map(
    readFileSync(join(DIR, "MANIFEST.tsv"), "utf8")
      .trim()
      .split("\n")
      .slice(1)
      .map((l) => l.split("\t"))
      .map((c) => [c[0]!, c[6]!] as const),
  );
  lines.push("", "### Agreement with the manifest's verdicts (SAML and hostile documents)", "");
  lines.push(
    "A library agrees when it refuses (error, or throws) what the manifest rejects and takes what it accepts or warns about.",
    "",
  );
  lines.push("| document | manifest | ours | @boxyhq/saml20 | samlify |", "| --- | --- | --- | --- | --- |");
  const disagreements: Record<Lib, number> = { ours: 0, "ours-nosig": 0, boxyhq: 0, samlify: 0 };
  const samlDocs = docs.filter((d) => d.kind === "saml" && manifest.has(d.name));
  for (const d of samlDocs) {
    const expected = manifest.get(d.name)!;
    const cell = (lib: Lib) => {
      const outcome = get(lib, d.name)?.outcome ?? "";
      const refused = outcome === "error" || outcome.startsWith("throws");
      const agrees = refused === (expected === "reject");
      if (!agrees) disagreements[lib]++;
      return `${agrees ? "" : "**✗** "}${outcome.startsWith("throws") ? "throws" : outcome}`;
    };
    lines.push(`| ${d.name} | ${expected} | ${cell("ours")} | ${cell("boxyhq")} | ${cell("samlify")} |`);
  }
  lines.push(
    "",
    `Disagreements out of ${samlDocs.length}: ours ${disagreements.ours}, @boxyhq/saml20 ${disagreements.boxyhq}, samlify ${disagreements.samlify}.`,
  );
  lines.push(
    "",
    "### OIDC discovery and JWKS (ours only): median (p99) ms",
    "",
    "| document | median | p99 | verdict |",
    "| --- | ---: | ---: | --- |",
  );
  for (const d of docs.filter((x) => x.kind === "json")) {
    const r = get("ours", d.name)!;
    lines.push(`| ${d.name} | ${fmt(r.medianMs)} | ${fmt(r.p99Ms)} | ${r.outcome} |`);
  }
  lines.push(
    "",
    "### Peak memory (max RSS of each library's process, all documents)",
    "",
    "| library | MB |",
    "| --- | ---: |",
  );
  for (const lib of LIBS) lines.push(`| ${lib} | ${byLib.get(lib)!.maxRssMb.toFixed(0)} |`);
  process.stdout.write(`${lines.join("\n")}\n`);
}

if (values.worker === "timing") await timingWorker();
else if (values.worker) await memoryWorker(values.worker as Lib);
else main();
