/**
 * A fresh, migrated database for one test file, through the same code path as the service:
 * - TEST_DATABASE_URL or DATABASE_URL set: a new database is created beside it on that server and dropped
 *   at the end, so test files running in parallel never see each other's rows;
 * - neither set: embedded PGlite in memory (one instance per test process; STACK.md: ~700 MiB each).
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../src/db/connection.js';
import { migrateDatabase } from '../../src/db/migrate.js';

export const serverUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL || undefined;

async function adminQuery(server: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: server });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** `server` overrides the environment (the benchmarks pass theirs). */
export async function openTestDatabase(
  server: string | undefined = serverUrl,
): Promise<{ database: Database; url: string | undefined; drop: () => Promise<void> }> {
  if (!server) {
    const database = await openDatabase({ dataDir: 'memory://' });
    await migrateDatabase(database);
    return { database, url: undefined, drop: () => database.close() };
  }
  const name = `cchc_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  await adminQuery(server, `create database ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString(), poolMax: 5 });
  await migrateDatabase(database);
  return {
    database,
    url: url.toString(),
    async drop() {
      await database.close();
      await adminQuery(server, `drop database if exists ${name} with (force)`);
    },
  };
}
