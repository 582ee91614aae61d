/**
 * Management API latency and throughput of the local tenant: 50 concurrent clients, rate limits
 * off, the tenant in its own process (started through the CLI, as developers run it).
 *
 *   npm run bench:local-tenant [-- --seconds 10 --concurrency 50]
 *
 * Writes the figures into the "## Local tenant" section of BENCHMARKS.md.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { availableParallelism, cpus, loadavg } from "node:os";
import { benchOptions } from "../harness/bench-options";
import { readManagementCredentials } from "../local-tenant/management-credentials";
import { fetchManagementToken } from "../local-tenant/management-token";

const options = benchOptions({ seconds: 10, concurrency: 50 }, ["no-write"]);
const SECONDS = options.seconds;
const CONCURRENCY = options.concurrency;
const WARMUP_MS = 1000;

type Op = "get connection" | "list connections (take=50)" | "patch connection" | "list org connections";

async function startTenant(): Promise<{
  url: string;
  clientId: string;
  clientSecret: string;
  stop: () => Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "local-tenant/cli.ts", "--port", "0", "--rate-limit", "off"],
    {
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  let out = "";
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`local tenant exited with ${code}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      // The last line the CLI prints; the credentials file is written before it.
      if (out.includes("rate limit:")) resolve();
    });
  });
  // The secret is never printed: the CLI names the file that holds it (local-tenant/management-credentials.ts).
  const credentials = readManagementCredentials(/mgmt client secret:.*?\bin (\S+\.json)/.exec(out)![1]!);
  return {
    url: /listening on (\S+)/.exec(out)![1]!,
    clientId: credentials.client_id,
    clientSecret: credentials.client_secret,
    stop: () =>
      new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGINT");
      }),
  };
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

// The machine may be shared; the 1-minute load average before the run says how much.
const loadBefore = loadavg()[0]!.toFixed(2);
const tenant = await startTenant();
try {
  const api = `${tenant.url}/api/v2`;
  const access_token = await fetchManagementToken({
    tenantUrl: tenant.url,
    clientId: tenant.clientId,
    clientSecret: tenant.clientSecret,
  });
  const headers = { authorization: `Bearer ${access_token}`, "content-type": "application/json" };

  // A tenant the size of a busy portal: 60 SAML/OIDC connections, one organization using 10.
  const connectionIds: string[] = [];
  for (let i = 0; i < 60; i++) {
    const res = await fetch(`${api}/connections`, {
      method: "POST",
      headers,
      body: JSON.stringify({
        name: `bench-${i}`,
        strategy: i % 2 ? "samlp" : "oidc",
        options: { client_id: `c${i}`, signInEndpoint: "https://idp.test/sso" },
        metadata: { org: `org-${i}` },
      }),
    });
    connectionIds.push(((await res.json()) as { id: string }).id);
  }
  const org = (await (
    await fetch(`${api}/organizations`, { method: "POST", headers, body: JSON.stringify({ name: "bench-org" }) })
  ).json()) as { id: string };
  for (const id of connectionIds.slice(0, 10)) {
    await fetch(`${api}/organizations/${org.id}/enabled_connections`, {
      method: "POST",
      headers,
      body: JSON.stringify({ connection_id: id }),
    });
  }

  const ops: Array<{ op: Op; weight: number; run: (n: number) => Promise<Response> }> = [
    {
      op: "get connection",
      weight: 5,
      run: (n) => fetch(`${api}/connections/${connectionIds[n % connectionIds.length]}`, { headers }),
    },
    {
      op: "list connections (take=50)",
      weight: 2,
      run: () => fetch(`${api}/connections?include_totals=true&take=50`, { headers }),
    },
    {
      op: "patch connection",
      weight: 2,
      run: (n) =>
        fetch(`${api}/connections/${connectionIds[n % connectionIds.length]}`, {
          method: "PATCH",
          headers,
          body: JSON.stringify({
            display_name: `Bench ${n}`,
            options: { client_id: `c${n}`, signInEndpoint: "https://idp.test/sso" },
          }),
        }),
    },
    {
      op: "list org connections",
      weight: 1,
      run: () =>
        fetch(`${api}/organizations/${org.id}/enabled_connections?include_totals=true&page=0&per_page=50`, { headers }),
    },
  ];
  const schedule = ops.flatMap((o) => Array<typeof o>(o.weight).fill(o));

  async function phase(concurrency: number, seconds: number) {
    const samples = new Map<Op, number[]>(ops.map((o) => [o.op, []]));
    let errors = 0;
    let measured = 0;
    const warmEnd = performance.now() + WARMUP_MS;
    const end = warmEnd + seconds * 1000;
    let counter = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (performance.now() < end) {
          const n = counter++;
          const { op, run } = schedule[n % schedule.length]!;
          const t0 = performance.now();
          const res = await run(n);
          await res.arrayBuffer();
          const t1 = performance.now();
          if (t0 >= warmEnd && t1 <= end) {
            if (!res.ok) errors++;
            samples.get(op)!.push(t1 - t0);
            measured++;
          }
        }
      }),
    );
    const fmt = (ms: number) => ms.toFixed(2);
    const all = [...samples.values()].flat().sort((a, b) => a - b);
    const rows = [...samples.entries()].map(([op, xs]) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return `| ${op} | ${sorted.length} | ${fmt(percentile(sorted, 50))} | ${fmt(percentile(sorted, 99))} |`;
    });
    return {
      table: `| operation | requests | p50 ms | p99 ms |\n| --- | ---: | ---: | ---: |\n${rows.join("\n")}\n| **all** | ${all.length} | ${fmt(percentile(all, 50))} | ${fmt(percentile(all, 99))} |`,
      throughput: Math.round(measured / seconds),
      errors,
    };
  }

  const loaded = await phase(CONCURRENCY, SECONDS);
  const single = await phase(1, Math.min(SECONDS, 5));

  const cpuModel =
    /model name\s*:\s*(.+)/.exec(existsSync("/proc/cpuinfo") ? readFileSync("/proc/cpuinfo", "utf8") : "")?.[1] ??
    cpus()[0]?.model ??
    "unknown";
  const section = `## Local tenant

Management API of the local tenant (\`local-tenant/\`), rate limits off, ${CONCURRENCY} concurrent
clients (plain \`fetch\` with keep-alive) in one process against the tenant started through its CLI
in another; ${SECONDS} s measured after ${WARMUP_MS / 1000} s warm-up. Mix per 10 requests: 5 GET
/connections/{id}, 2 GET /connections?take=50 (60 connections), 2 PATCH /connections/{id} (full
options, persisted in memory), 1 GET /organizations/{id}/enabled_connections (10).

- Date: ${new Date().toISOString().slice(0, 10)}
- Machine: ${availableParallelism()} CPUs (nproc), ${cpuModel}; Node ${process.version}; 1-min load average before the run: ${loadBefore}
- Command: \`npm run bench:local-tenant\` (\`tsx bench/local-tenant.bench.ts --seconds ${SECONDS} --concurrency ${CONCURRENCY}\`)

### ${CONCURRENCY} concurrent clients

${loaded.table}

Throughput: **${loaded.throughput} requests/s**; non-2xx responses: ${loaded.errors}.

### 1 client (unloaded latency, ${Math.min(SECONDS, 5)} s)

${single.table}

Throughput: ${single.throughput} requests/s; non-2xx responses: ${single.errors}.
`;
  console.log(section);
  if (!options["no-write"]) {
    const file = "BENCHMARKS.md";
    const current = existsSync(file) ? readFileSync(file, "utf8") : "# Benchmarks\n";
    const re = /## Local tenant\n[\s\S]*?(?=\n## |$)/;
    const next = re.test(current)
      ? current.replace(re, section.trimEnd() + "\n")
      : `${current.trimEnd()}\n\n${section}`;
    writeFileSync(file, next);
    console.log(`written to ${file}`);
  }
} finally {
  await tenant.stop();
}
