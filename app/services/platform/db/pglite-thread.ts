import { messages } from "@electric-sql/pglite";
import { Worker } from "node:worker_threads";

/** The first result of a query, as PGlite's parsers made it. */
export interface PGliteResult {
  rows: unknown[];
  affectedRows: number | undefined;
}

/** What the Kysely dialect needs of PGlite: one session that runs batches of protocol messages. */
export interface PGliteSession {
  readonly waitReady: Promise<void>;
  readonly closed: boolean;
  /**
   * Runs one batch of extended-protocol messages and parses its first result. `onError` is sent
   * when the batch fails, `after` in any case (both with errors ignored); then, outside a
   * transaction, the data directory is synced.
   */
  query(message: Uint8Array, cleanup?: { onError?: Uint8Array; after?: Uint8Array }): Promise<PGliteResult>;
  /** Whether the last query left a transaction open. */
  isInTransaction(): boolean;
  /** Closes the database once every query sent has been answered; what was written is on disk after. */
  close(): Promise<void>;
}

/**
 * The worker's entry: next to this file in the source tree, and next to build/server/index.js in
 * the Vite build (vite.config.ts copies it there), so the same relative URL finds it in both.
 */
export const PGLITE_WORKER_ENTRY = new URL("./pglite-worker.mjs", import.meta.url);

type Reply = { id: number; inTransaction: boolean } & (
  { rows: unknown[]; affectedRows: number | undefined; error?: undefined } | { error: WorkerError }
);
interface WorkerError {
  message: string;
  name?: string;
  database?: boolean;
  fields: Record<string, unknown>;
  stack?: string;
}

/**
 * PGlite in a worker thread (pglite-worker.mjs): its WebAssembly runs on another core, and the
 * portal's thread only sends the bytes of a query and receives its rows (ADR 020). The thread is
 * unreferenced while nothing is waiting on it, so an open database never keeps a process alive by
 * itself (as in-thread PGlite did not). If the thread dies, every query waiting on it, and every
 * later one, fails with the reason; nothing hangs.
 */
export class PGliteThread implements PGliteSession {
  readonly waitReady: Promise<void>;
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve(reply: Reply): void; reject(error: Error): void }>();
  private nextId = 0;
  private starting = true;
  private inTransaction = false;
  private failure: Error | undefined;
  private closing: Promise<void> | undefined;
  private settleReady!: { resolve(): void; reject(error: Error): void };

  /**
   * `dataDir`: PGlite's files there, or null for a database in memory. `snapshot` (in memory only):
   * a tarball written by `dump`, which the database starts from instead of a fresh initdb (ADR 024).
   */
  constructor(dataDir: string | null, options: { snapshot?: string; entry?: URL } = {}) {
    const { snapshot, entry = PGLITE_WORKER_ENTRY } = options;
    // The tests' databases: never a tarball unpacked into local mode's data directory.
    if (dataDir !== null && snapshot !== undefined)
      throw new Error("A PGlite snapshot starts only an in-memory database");
    this.waitReady = new Promise<void>((resolve, reject) => (this.settleReady = { resolve, reject }));
    // Whoever opens the database learns of a failed start from its first query; not unhandled here.
    this.waitReady.catch(() => {});
    // No loader in the thread (tsx, vitest): the entry is plain JavaScript.
    this.worker = new Worker(entry, { workerData: { dataDir, snapshot }, execArgv: [] });
    this.worker.on("message", (message: Reply | { ready: boolean; error?: WorkerError }) => this.onMessage(message));
    this.worker.on("error", (error) => this.fail(new Error(`The PGlite worker thread failed: ${error.message}`)));
    this.worker.on("messageerror", (error) =>
      this.fail(new Error(`The PGlite worker thread sent a message that could not be read: ${error.message}`)),
    );
    this.worker.on("exit", (code) => this.fail(new Error(`The PGlite worker thread exited (code ${code})`)));
  }

  get closed(): boolean {
    return this.closing !== undefined || this.failure !== undefined;
  }

  isInTransaction(): boolean {
    return this.inTransaction;
  }

  /** Milliseconds the thread's event loop has been active since it started (PGlite runs synchronously in it). */
  busyMs(): number {
    return this.worker.performance.eventLoopUtilization().active;
  }

  async query(message: Uint8Array, cleanup: { onError?: Uint8Array; after?: Uint8Array } = {}): Promise<PGliteResult> {
    if (this.closing) throw new Error("The PGlite database is closed");
    const reply = await this.send({ op: "query", message, ...cleanup }, [message, cleanup.onError, cleanup.after]);
    if (reply.error) throw asError(reply.error);
    return { rows: reply.rows, affectedRows: reply.affectedRows };
  }

  /**
   * Writes the database's files, checkpointed, as an uncompressed tarball (PGlite's `dumpDataDir`)
   * to `file`: what `snapshot` starts a later database from.
   */
  async dump(file: string): Promise<void> {
    if (this.closing) throw new Error("The PGlite database is closed");
    const reply = await this.send({ op: "dump", file }, []);
    if (reply.error) throw asError(reply.error);
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      try {
        if (!this.failure) {
          const reply = await this.send({ op: "close" }, []);
          if (reply.error) throw asError(reply.error);
        }
      } finally {
        await this.worker.terminate();
      }
    })();
    return this.closing;
  }

  private send(request: Record<string, unknown>, buffers: (Uint8Array | undefined)[]): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => this.pending.set(id, { resolve, reject }));
    // The batches were built for this call alone: hand their memory over instead of copying it.
    const transfer = buffers.filter((b): b is Uint8Array => b !== undefined && ownsItsBuffer(b)).map((b) => b.buffer);
    this.worker.postMessage({ id, ...request }, transfer as ArrayBuffer[]);
    this.updateRef();
    return reply;
  }

  private onMessage(message: Reply | { ready: boolean; error?: WorkerError }): void {
    if ("ready" in message) {
      this.starting = false;
      if (message.error) this.fail(new Error(`PGlite could not start: ${message.error.message}`));
      else this.settleReady.resolve();
      this.updateRef();
      return;
    }
    const waiting = this.pending.get(message.id);
    this.pending.delete(message.id);
    this.inTransaction = message.inTransaction;
    this.updateRef();
    waiting?.resolve(message);
  }

  private fail(error: Error): void {
    if (this.failure) return;
    // A thread that exits after it was asked to close is not a failure, unless a query still waited.
    if (this.closing && this.pending.size === 0) {
      this.failure = new Error("The PGlite database is closed");
      return;
    }
    this.failure = error;
    this.starting = false;
    this.settleReady.reject(error);
    for (const waiting of this.pending.values()) waiting.reject(error);
    this.pending.clear();
    void this.worker.terminate();
  }

  /** Keeps the process alive while it waits on the thread, and only then. */
  private updateRef(): void {
    if (this.starting || this.pending.size > 0) this.worker.ref();
    else this.worker.unref();
  }
}

function ownsItsBuffer(bytes: Uint8Array): boolean {
  return bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && !Buffer.isBuffer(bytes);
}

/** The error as PGlite raised it: a Postgres error keeps its class, message, code and other fields. */
function asError(described: WorkerError): Error {
  if (described.database) {
    const { length, name, ...fields } = described.fields;
    const error = new messages.DatabaseError(
      described.message,
      Number(length ?? 0),
      (name ?? "error") as ConstructorParameters<typeof messages.DatabaseError>[2],
    );
    return Object.assign(error, fields);
  }
  return new Error(`PGlite failed in its worker thread: ${described.message}`);
}
