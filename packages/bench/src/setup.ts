/**
 * A fresh benchmark database on a real PostgreSQL, migrated and seeded like the service's own start; and,
 * through the typed client once the service runs, a 200-agency tree (a root, 9 departments, 190 units) and the
 * periods the rounds write into.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { unwrap, type CchcClient } from '@cchc/client';
import { openDatabase } from '@cchc/reporting-api/db';
import { migrateDatabase } from '@cchc/reporting-api/migrate';
import { seedDatabase } from '@cchc/reporting-api/seed';

export const ROOT = 'BENCH';
export const TEMPLATE = 'CCHC-2023';

async function admin(url: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

export async function createBenchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `cchc_bench_${randomBytes(4).toString('hex')}`;
  await admin(serverUrl, `create database ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  const database = await openDatabase({ databaseUrl: url.toString() });
  await migrateDatabase(database);
  await seedDatabase(database.db);
  await database.close();
  return { url: url.toString(), drop: () => admin(serverUrl, `drop database if exists ${name} with (force)`) };
}

/** The tree and periods, created through the API as any other system would. Returns the agency codes. */
export async function createBenchData(client: CchcClient, periods: string[]): Promise<string[]> {
  const agencies: Array<{ code: string; name: string; kind: 'province' | 'department' | 'unit'; parentCode: string | null }> = [
    { code: ROOT, name: 'Tỉnh thử nghiệm', kind: 'province', parentCode: null },
  ];
  for (let d = 1; d <= 9; d++) agencies.push({ code: `B-D${d}`, name: `Sở thử nghiệm ${d}`, kind: 'department', parentCode: ROOT });
  for (let u = 1; u <= 190; u++) agencies.push({ code: `B-U${u}`, name: `Đơn vị thử nghiệm ${u}`, kind: 'unit', parentCode: `B-D${((u - 1) % 9) + 1}` });
  for (const body of agencies) await unwrap(client.POST('/v1/agencies', { body }));
  for (const id of periods) await unwrap(client.POST('/v1/periods', { body: { id, templateId: TEMPLATE } }));
  return agencies.map((a) => a.code);
}
