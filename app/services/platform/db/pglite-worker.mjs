// The PGlite database in a worker thread, so that its WebAssembly runs beside the portal's event
// loop instead of on it (ADR 020). Plain JavaScript on purpose: it is loaded by Node as it is, from
// the source tree under tsx and vitest, and copied next to build/server/index.js by the Vite build
// (vite.config.ts), with no loader in the thread.
//
// It answers two requests from pglite-thread.ts: `query` (one batch of extended-protocol messages,
// its first result parsed with PGlite's own type parsers and sent back as rows) and `close`.
// Everything about sessions (who holds the one connection, transactions, statement names) stays
// on the portal's side; this file only runs what it is sent, one request at a time.
import { parentPort, workerData } from "node:worker_threads";
import { PGlite, messages, parse } from "@electric-sql/pglite";

const port = parentPort;
if (!port) throw new Error("pglite-worker.mjs runs as a worker thread (see pglite-thread.ts)");

const pglite = workerData.dataDir ? new PGlite(workerData.dataDir) : new PGlite();

pglite.waitReady.then(
  () => port.postMessage({ ready: true }),
  (error) => port.postMessage({ ready: false, error: describeError(error) }),
);

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
