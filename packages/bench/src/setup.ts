/**
 * A fresh benchmark database on a real PostgreSQL, migrated and seeded like the service's own start; and,
 * through the typed client once the service runs, a 200-agency tree (a root, 9 departments, 190 units) and the
 * periods the rounds write into.
 */
import { unwrap, type CchcClient } from '@cchc/client';
import { seedDatabase } from '@cchc/reporting-api/seed';
import { openTestDatabase } from '@cchc/reporting-api/testing/database';

export const ROOT = 'BENCH';
export const TEMPLATE = 'CCHC-2023';

/** A fresh database beside `serverUrl` (the same helper the tests use), migrated and seeded. */
export async function createBenchDatabase(serverUrl: string): Promise<{ url: string; drop(): Promise<void> }> {
  const { database, url, drop } = await openTestDatabase(serverUrl);
  await seedDatabase(database);
  return { url: url!, drop };
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
