/**
 * One database handle for both storage engines: a pg pool on a real PostgreSQL when DATABASE_URL is set,
 * otherwise embedded PGlite (a real Postgres compiled to WASM) persisted in DATA_DIR. Everything above this
 * file sees the same Drizzle `Db` type and never knows which engine it talks to.
 */
import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
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
}

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
}

export async function openDatabase(options: DatabaseOptions): Promise<Database> {
  return options.databaseUrl ? openPostgres(options.databaseUrl, options.poolMax ?? 10) : openPglite(options.dataDir ?? './data');
}

function openPostgres(databaseUrl: string, poolMax: number): Database {
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolMax });
  // An idle client that loses its server emits 'error'; without a listener that would crash the process.
  pool.on('error', () => {});
  const db = drizzlePg(pool, { schema }) as unknown as Db;
  const url = new URL(databaseUrl);
  return {
    db,
    engine: 'postgres',
    location: `postgres://${url.host}${url.pathname}`,
    async ping() {
      await pool.query('select 1');
    },
    // Idempotent: graceful shutdown and tests may both close it.
    async close() {
      if (!pool.ending) await pool.end();
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

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith('memory://');
  if (!inMemory) await mkdir(dataDir, { recursive: true });
  const client = await PGlite.create(inMemory ? undefined : dataDir);
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
    async read<T>(query: SQL | PreparedRead, options: { rowMode?: 'array' } = {}) {
      const { text, values } = toStatement(query);
      return (await client.query<T>(text, values, options)).rows;
    },
  };
}

/** Rows of a raw SQL query (recursive CTEs and the like); both drivers answer `{ rows }`. */
export async function queryRows<T>(db: Tx, query: SQL): Promise<T[]> {
  const result: unknown = await db.execute(query);
  return (result as { rows: T[] }).rows;
}
