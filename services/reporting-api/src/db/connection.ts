/**
 * One database handle for both storage engines: a pg pool on a real PostgreSQL when DATABASE_URL is set,
 * otherwise embedded PGlite (a real Postgres compiled to WASM) persisted in DATA_DIR. Everything above this
 * file sees the same Drizzle `Db` type and never knows which engine it talks to.
 */
import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { sql, type SQL } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
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
        return await work(drizzlePg(client, { schema }) as unknown as Db);
      } finally {
        client.release();
      }
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
  };
}

/** Rows of a raw SQL query (recursive CTEs and the like); both drivers answer `{ rows }`. */
export async function queryRows<T>(db: Tx, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] };
  return result.rows;
}
