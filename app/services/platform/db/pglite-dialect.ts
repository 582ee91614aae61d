import { protocol } from "@electric-sql/pglite";
import { prepareValue } from "pg/lib/utils.js";
import {
  CompiledQuery,
  PostgresAdapter,
  PostgresIntrospector,
  PostgresQueryCompiler,
  type DatabaseConnection,
  type Dialect,
  type Driver,
  type Kysely,
  type QueryResult,
  type TransactionSettings,
} from "kysely";
import type { PGliteSession } from "./pglite-thread";

/**
 * Kysely over PGlite. PGlite is one Postgres session (in a worker thread of this process:
 * pglite-thread.ts), so the driver hands out that one connection to one user at a time: a
 * transaction holds it until commit or rollback, and everything else waits. That gives the same
 * isolation a pool of real connections gives, which is what lets the same SQL (advisory locks,
 * SKIP LOCKED) run on both engines.
 */
export class PGliteDialect implements Dialect {
  constructor(private readonly pglite: PGliteSession) {}
  createAdapter() {
    return new PostgresAdapter();
  }
  createDriver(): Driver {
    return new PGliteDriver(this.pglite);
  }
  createQueryCompiler() {
    return new PostgresQueryCompiler();
  }
  createIntrospector(db: Kysely<unknown>) {
    return new PostgresIntrospector(db);
  }
}

class PGliteDriver implements Driver {
  private queue: Promise<void> = Promise.resolve();
  private readonly connection: PGliteConnection;

  constructor(private readonly pglite: PGliteSession) {
    this.connection = new PGliteConnection(pglite);
  }

  async init(): Promise<void> {
    await this.pglite.waitReady;
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    let release!: () => void;
    const previous = this.queue;
    this.queue = new Promise<void>((resolve) => (release = resolve));
    await previous;
    this.connection.release = release;
    return this.connection;
  }

  async beginTransaction(conn: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const isolation = settings.isolationLevel ? ` isolation level ${settings.isolationLevel}` : "";
    await conn.executeQuery(CompiledQuery.raw(`begin${isolation}`));
  }
  async commitTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("commit"));
  }
  async rollbackTransaction(conn: DatabaseConnection): Promise<void> {
    await conn.executeQuery(CompiledQuery.raw("rollback"));
  }
  async releaseConnection(conn: DatabaseConnection): Promise<void> {
    (conn as PGliteConnection).release?.();
  }
  async destroy(): Promise<void> {
    await this.queue;
    if (!this.pglite.closed) await this.pglite.close();
  }
}

/**
 * One query, sent to PGlite as one batch of extended-protocol messages, its parameters as text the
 * way node-postgres sends them (so the same SQL means the same on both engines), its rows parsed
 * by PGlite's own type parsers. `PGlite.query` sends Parse, Describe, Bind, Describe, Execute and
 * Sync as separate calls into the WebAssembly module and parses and plans the statement every time.
 * Here a statement is parsed once under a name (up to MAX_NAMED statements a database) and each
 * execution is one call: Bind, Describe, Execute, Sync. A schema change forgets the names, since
 * Postgres refuses a named statement whose result columns changed under it. ADR 017.
 */
class PGliteConnection implements DatabaseConnection {
  release: (() => void) | undefined;
  private readonly named = new Map<string, string>();
  private nextName = 0;
  constructor(private readonly pglite: PGliteSession) {}

  async executeQuery<R>(compiled: CompiledQuery): Promise<QueryResult<R>> {
    const { sql } = compiled;
    const changesSchema = SCHEMA_CHANGE.test(sql);
    let name = this.named.get(sql);
    const parseNow = name === undefined;
    if (parseNow && !changesSchema && this.named.size < MAX_NAMED) this.named.set(sql, (name = `k${this.nextName++}`));
    const message = batch([
      ...(parseNow ? [serialize.parse({ name, text: sql, types: [] })] : []),
      serialize.bind({ statement: name, values: compiled.parameters.map(asText) }),
      serialize.describe({ type: "P" }),
      serialize.execute({}),
      serialize.sync(),
    ]);
    // A schema change forgets every name, after the statement (ADR 017).
    const forgetAll = changesSchema && this.named.size > 0;
    if (forgetAll) this.named.clear();
    // A statement that failed is parsed afresh next time (it may not exist under its name).
    const forgetThis = parseNow && name !== undefined;
    try {
      const result = await this.pglite.query(message, {
        onError: forgetThis ? batch([serialize.close({ type: "S", name }), serialize.sync()]) : undefined,
        after: forgetAll ? batch([serialize.query("deallocate all")]) : undefined,
      });
      return {
        rows: result.rows as R[],
        numAffectedRows: result.affectedRows !== undefined ? BigInt(result.affectedRows) : undefined,
      };
    } catch (error) {
      if (forgetThis) this.named.delete(sql);
      // As PGlite.query reports it: the statement with the database's error.
      if (error instanceof Error) Object.assign(error, { query: sql });
      throw error;
    }
  }

  // eslint-disable-next-line require-yield
  async *streamQuery<R>(): AsyncIterableIterator<QueryResult<R>> {
    throw new Error("Streaming queries are not supported on PGlite");
  }
}

/** Named statements kept per database: beyond this many, statements are parsed on every call. */
const MAX_NAMED = 1000;
/** Statements that may change what a named statement reads or returns (migrations, tests). */
const SCHEMA_CHANGE = /^\s*(create|alter|drop|comment|grant|revoke|reindex|cluster|vacuum|discard|deallocate|do)\b/i;

const serialize = protocol.serialize;

/** A parameter as node-postgres sends it: text (dates, arrays and objects as Postgres reads them). */
function asText(value: unknown): string | null {
  const prepared: unknown = prepareValue(value);
  if (prepared === null || prepared === undefined) return null;
  if (prepared instanceof Uint8Array) return `\\x${Buffer.from(prepared).toString("hex")}`;
  return String(prepared);
}

function batch(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}
