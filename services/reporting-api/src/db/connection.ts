/**
 * One database handle for both storage engines: a pg pool on a real PostgreSQL when DATABASE_URL is set,
 * otherwise embedded PGlite (a real Postgres compiled to WASM) persisted in DATA_DIR. Everything above this
 * file sees the same Drizzle `Db` type and never knows which engine it talks to.
 */
import { createHash } from 'node:crypto';
import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { fillPlaceholders, sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { PgDialect, type PgDatabase, type PgQueryResultHKT } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import pg from 'pg';
import * as schema from './schema.js';

export type Db = PgDatabase<PgQueryResultHKT, typeof schema>;
/** What a repository receives: the database or a transaction on it. */
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0] | Db;

export type DatabaseEngine = 'postgres' | 'pglite';

export interface Database {
  readonly db: Db;
  readonly engine: DatabaseEngine;
  /** Where the data lives, without credentials (for logs). */
  readonly location: string;
  /** Throws when the database cannot answer. */
  ping(): Promise<void>;
  close(): Promise<void>;
  /** Runs `work` with a single connection, for things that need session state (advisory locks). */
  withSession<T>(work: (db: Db) => Promise<T>): Promise<T>;
  /**
   * Rows of one read statement on the hot path, bypassing the ORM: on PostgreSQL a named statement, so each
   * connection parses and plans it once, and rows arrive as the driver parses them (no per-row mapping).
   */
  read<T>(query: SQL | PreparedRead, options?: { rowMode?: 'array' }): Promise<T[]>;
  /** How busy the pool is (metrics); PGlite has no pool and answers undefined. */
  poolStats(): PoolStats | undefined;
  /**
   * Calls `onMessage` for each NOTIFY on `channel`, from any instance, until the returned function is called. On
   * PostgreSQL a dedicated connection listens and reconnects by itself; `onGap` is called whenever notifications may
   * have been missed (the listening connection was lost, then came back), so the listener can drop what it cached.
   */
  listen(channel: string, handlers: { onMessage: (payload: string) => void; onGap: () => void }): Promise<() => Promise<void>>;
}

export interface PoolStats {
  max: number;
  total: number;
  idle: number;
  /** Requests waiting for a connection. */
  waiting: number;
}

/** Per-connection limits on slow work, in milliseconds (0 = none). */
export interface DatabaseTimeouts {
  /** A statement is cancelled after this long (SQLSTATE 57014). */
  statementMs: number;
  /** A wait for a row or table lock ends after this long (SQLSTATE 55P03). */
  lockMs: number;
  /** A request for a pooled connection fails after this long when every connection is busy. */
  acquireMs: number;
}

export const DEFAULT_TIMEOUTS: DatabaseTimeouts = { statementMs: 15_000, lockMs: 5_000, acquireMs: 5_000 };

/** The readiness probe's own budget: it must answer fast, outage or not. */
const PING_TIMEOUT_MS = 1_000;

const dialect = new PgDialect();

/** A stable statement name per SQL text, so each pooled connection prepares a text once. */
const statementNames = new Map<string, string>();
function statementName(text: string): string {
  let name = statementNames.get(text);
  if (!name) {
    name = `s${createHash('sha1').update(text).digest('base64url').slice(0, 16)}`;
    // Texts come from code, not input, so the map stays small; the cap only guards against a bug.
    if (statementNames.size < 1000) statementNames.set(text, name);
  }
  return name;
}

/** A hot-path statement turned to text once (with drizzle placeholders), and the values to fill them this time. */
export interface PreparedRead {
  statement: { name: string; text: string; params: unknown[] };
  values: Record<string, unknown>;
}

/**
 * Builds a statement's text once, for statements read on every request: the SQL is not rebuilt from its parts and
 * its name not looked up by its text each time.
 */
export function prepareRead(query: SQL): PreparedRead['statement'] {
  const { sql: text, params } = dialect.sqlToQuery(query);
  return { name: statementName(text), text, params };
}

function toStatement(query: SQL | PreparedRead): { name: string; text: string; values: unknown[] } {
  const { statement, values } = 'statement' in query ? query : { statement: prepareRead(query), values: {} };
  return { name: statement.name, text: statement.text, values: fillPlaceholders(statement.params, values) };
}

export interface DatabaseOptions {
  /** postgres://… ; absent means embedded PGlite. */
  databaseUrl?: string | undefined;
  /** PGlite data folder; `memory://` keeps it in memory (tests). */
  dataDir?: string;
  poolMax?: number;
  timeouts?: Partial<DatabaseTimeouts>;
  /** Where lost connections and listener troubles are told (default: nowhere). */
  log?: DatabaseLog;
}

export interface DatabaseLog {
  warn(object: object, message: string): void;
}

const silent: DatabaseLog = { warn() {} };

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl
    ? openPostgres(options.databaseUrl, options.poolMax ?? 10, { ...DEFAULT_TIMEOUTS, ...options.timeouts }, options.log ?? silent)
    : openPglite(options.dataDir ?? './data');
}

/**
 * Runs the rest of the caller's transaction with a longer statement timeout, for the few writes that may
 * legitimately take long (bulk imports). SET LOCAL ends with the transaction, so the pooled connection goes back
 * with the default.
 */
export async function allowLongStatements(tx: Tx, ms: number): Promise<void> {
  await tx.execute(sql`select set_config('statement_timeout', ${String(ms)}, true)`);
}

function openPostgres(databaseUrl: string, poolMax: number, timeouts: DatabaseTimeouts, log: DatabaseLog): Database {
  const connection = { connectionString: databaseUrl, keepAlive: true, application_name: 'cchc-reporting-api' };
  const pool = new pg.Pool({
    ...connection,
    max: poolMax,
    connectionTimeoutMillis: timeouts.acquireMs,
    ...(timeouts.statementMs > 0 && { statement_timeout: timeouts.statementMs }),
    ...(timeouts.lockMs > 0 && { lock_timeout: timeouts.lockMs }),
  });
  // A client emits 'error' when its server goes away, whether it sits idle in the pool or is checked out inside a
  // request's transaction; an 'error' nobody listens to would end the process. The pool's own 'error' covers idle
  // clients; each client gets a listener of its own for the time it is checked out. The request that held it fails
  // with the lost connection (a 503), and the pool discards the client when it is released.
  pool.on('error', (err) => log.warn({ err: { message: err.message } }, 'an idle database connection was lost'));
  pool.on('connect', (client) => {
    client.on('error', (err) => log.warn({ err: { message: err.message } }, 'a database connection was lost during a request'));
  });
  // The readiness probe has a pool of its own: it must not queue behind requests, and must give up quickly.
  const probe = new pg.Pool({ ...connection, max: 1, connectionTimeoutMillis: PING_TIMEOUT_MS, query_timeout: PING_TIMEOUT_MS, idleTimeoutMillis: 60_000 });
  probe.on('error', () => {});
  probe.on('connect', (client) => client.on('error', () => {}));
  const listeners = new Set<PgListener>();
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const url = new URL(databaseUrl);
  return {
    db,
    engine: 'postgres',
    location: `postgres://${url.host}${url.pathname}`,
    async ping() {
      await probe.query('select 1');
    },
    // Idempotent: graceful shutdown and tests may both close it.
    async close() {
      await Promise.all([...listeners].map((l) => l.stop()));
      if (!probe.ending) await probe.end();
      if (!pool.ending) await pool.end();
    },
    poolStats: () => ({ max: poolMax, total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }),
    async listen(channel, handlers) {
      const listener = new PgListener(connection, channel, handlers, log);
      listeners.add(listener);
      await listener.start();
      return async () => {
        listeners.delete(listener);
        await listener.stop();
      };
    },
    async withSession(work) {
      const client = await pool.connect();
      try {
        return await work(drizzlePg(client, { schema }));
      } finally {
        client.release();
      }
    },
    async read<T>(query: SQL | PreparedRead, options: { rowMode?: 'array' } = {}) {
      return (await pool.query({ ...toStatement(query), ...options })).rows as T[];
    },
  };
}

/**
 * PGlite copies its initial cluster with mode 0666 whatever the umask, so the data folder's files would be readable
 * by every user of the machine: folders go to 0700 and files to 0600, as a PostgreSQL server keeps its own.
 */
async function closeToOthers(dataDir: string): Promise<void> {
  await chmod(dataDir, 0o700);
  for (const entry of await readdir(dataDir, { recursive: true, withFileTypes: true })) {
    const path = join(entry.parentPath, entry.name);
    if (entry.isDirectory()) await chmod(path, 0o700);
    else if (entry.isFile()) await chmod(path, 0o600);
  }
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const client = await PGlite.create(inMemory ? undefined : dataDir);
  if (!inMemory) await closeToOthers(dataDir);
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    engine: 'pglite',
    location: inMemory ? 'pglite (in memory)' : `pglite ${dataDir}`,
    async ping() {
      await db.execute(sql`select 1`);
    },
    async close() {
      if (!client.closed) await client.close();
    },
    // PGlite has a single session already.
    withSession: (work) => work(db),
    poolStats: () => undefined,
    // One process owns an embedded database, so every NOTIFY comes from this process; the connection is never lost.
    async listen(channel, handlers) {
      const unlisten = await client.listen(channel, handlers.onMessage);
      // Shutdown may close the database before its listeners stop: a closed one has nothing left to unlisten.
      return async () => {
        if (!client.closed) await unlisten();
      };
    },
    async read<T>(query: SQL | PreparedRead, options: { rowMode?: 'array' } = {}) {
      const { text, values } = toStatement(query);
      return (await client.query<T>(text, values, options)).rows;
    },
  };
}

/**
 * LISTEN on a connection of its own (a pooled one would be handed to requests). When that connection is lost it
 * reconnects with backoff, up to every 5 s, and reports the gap: notifications sent meanwhile are gone.
 */
class PgListener {
  private client: pg.Client | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private failures = 0;

  constructor(
    private readonly connection: pg.ClientConfig,
    private readonly channel: string,
    private readonly handlers: { onMessage: (payload: string) => void; onGap: () => void },
    private readonly log: DatabaseLog,
  ) {}

  /** Resolves once listening, or once the first attempt failed (it keeps trying in the background). */
  async start(): Promise<void> {
    await this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const client = new pg.Client({ ...this.connection, connectionTimeoutMillis: 5_000 });
    client.on('error', () => this.lost(client));
    client.on('end', () => this.lost(client));
    client.on('notification', (message) => {
      if (message.channel === this.channel) this.handlers.onMessage(message.payload ?? '');
    });
    try {
      await client.connect();
      await client.query(`listen "${this.channel.replaceAll('"', '""')}"`);
      this.client = client;
      if (this.failures > 0) this.handlers.onGap();
      this.failures = 0;
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
      this.failures++;
      this.log.warn({ err: { message: (err as Error).message }, channel: this.channel }, 'cannot listen for database notifications; retrying');
      this.schedule();
    }
  }

  private lost(client: pg.Client): void {
    if (this.client !== client || this.stopped) return;
    this.client = undefined;
    this.failures++;
    this.handlers.onGap();
    this.log.warn({ channel: this.channel }, 'the connection listening for database notifications was lost; reconnecting');
    client.removeAllListeners('end');
    client.end().catch(() => {});
    this.schedule();
  }

  private schedule(): void {
    if (this.stopped || this.retry) return;
    const delay = Math.min(5_000, 100 * 2 ** Math.min(this.failures, 6));
    this.retry = setTimeout(() => {
      this.retry = undefined;
      void this.connect();
    }, delay);
    this.retry.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry) clearTimeout(this.retry);
    const client = this.client;
    this.client = undefined;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => {});
    }
  }
}

/** Rows of a raw SQL query (recursive CTEs and the like); both drivers answer `{ rows }`. */
export async function queryRows<T>(db: Tx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}
