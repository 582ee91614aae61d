// The PGlite database in a worker thread, so that its WebAssembly runs beside the portal's event
// loop instead of on it (ADR 020). Plain JavaScript on purpose: it is loaded by Node as it is, from
// the source tree under tsx and vitest, and copied next to build/server/index.js by the Vite build
// (vite.config.ts), with no loader in the thread.
//
// It answers three requests from pglite-thread.ts: `query` (one batch of extended-protocol messages,
// its first result parsed with PGlite's own type parsers and sent back as rows), `dump` (the data
// directory as a tarball written to a file, from which a later thread can start) and `close`.
// Everything about sessions (who holds the one connection, transactions, statement names) stays
// on the portal's side; this file only runs what it is sent, one request at a time.
import { Blob } from "node:buffer";
import { readFile, writeFile } from "node:fs/promises";
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, messages, parse } from "@electric-sql/pglite";

const port = parentPort;
if (!port) throw new Error("pglite-worker.mjs runs as a worker thread (see pglite-thread.ts)");

/**
 * A data directory on disk, a fresh database in memory (initdb: ~3.6 s), or one in memory loaded
 * from a `dump` tarball (~1 s; how the tests start theirs, ADR 024).
 */
async function open({ dataDir, snapshot }) {
  if (dataDir) return new PGlite(dataDir);
  if (!snapshot) return new PGlite();
  // Read here rather than sent by the portal's thread, which never needs those 40 MB.
  const tarball = await readFile(snapshot);
  return new PGlite({ loadDataDir: new Blob([tarball]) });
}

// Requests sent meanwhile wait in the port until the listener below is added.
let pglite;
try {
  pglite = await open(workerData);
  await pglite.waitReady;
  port.postMessage({ ready: true });
} catch (error) {
  port.postMessage({ ready: false, error: describeError(error) });
}

port.on("message", (request) => {
  handle(request).then(
    (reply) => port.postMessage({ id: request.id, ...reply, inTransaction: inTransaction() }),
    (error) => port.postMessage({ id: request.id, error: describeError(error), inTransaction: inTransaction() }),
  );
});

async function handle(request) {
  if (request.op === "close") {
    if (!pglite.closed) await pglite.close();
    return {};
  }
  if (request.op === "dump") {
    // Written out first, so that loading the tarball does not replay the write-ahead log.
    await pglite.exec("checkpoint");
    const tarball = await pglite.dumpDataDir("none");
    await writeFile(request.file, new Uint8Array(await tarball.arrayBuffer()));
    return {};
  }
  return pglite._runExclusiveQuery(async () => {
    try {
      const { messages } = await pglite.execProtocol(request.message, { syncToFs: false });
      const result = parse.parseResults(messages, pglite.parsers, { rowMode: "object" })[0];
      return { rows: result?.rows ?? [], affectedRows: result?.affectedRows };
    } catch (error) {
      if (request.onError) await pglite.execProtocol(request.onError, { syncToFs: false, throwOnError: false });
      throw error;
    } finally {
      if (request.after) await pglite.execProtocol(request.after, { syncToFs: false, throwOnError: false });
      // As PGlite.query does: what was written outside a transaction reaches the data directory now.
      if (!pglite.isInTransaction()) await pglite.syncToFs();
    }
  });
}

function inTransaction() {
  try {
    return !pglite.closed && pglite.isInTransaction();
  } catch {
    return false;
  }
}

/** An error as plain data: the message and every field Postgres reported (code, detail, constraint, …). */
function describeError(error) {
  if (!(error instanceof Error)) return { message: String(error), fields: {} };
  const fields = {};
  for (const [key, value] of Object.entries(error)) {
    if (value === undefined || ["string", "number", "boolean"].includes(typeof value)) fields[key] = value;
  }
  return {
    message: error.message,
    name: error.name,
    // A Postgres error (rebuilt as one on the other side), or a failure of PGlite itself.
    database: error instanceof messages.DatabaseError,
    fields,
    stack: error.stack,
  };
}
