/**
 * Demo data: the province's agencies around the reference report (seed/agencies.json) and every reporting
 * period of 2022–2024. Idempotent: what exists is left as it is, so seeding twice changes nothing.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { count } from 'drizzle-orm';
import { periodsOfYear } from '../domain/periods.js';
import { agencySearchKey } from '../modules/agencies/repository.js';
import { newPeriodRow } from '../modules/periods/service.js';
import type { Db } from './connection.js';
import { agencies, periods } from './schema.js';

export const SEED_DIR = fileURLToPath(new URL('../../seed/', import.meta.url));
export const SEED_YEARS = [2022, 2023, 2024];

interface SeedAgency {
  code: string;
  name: string;
  shortName: string | null;
  kind: (typeof agencies.$inferInsert)['kind'];
  parentCode: string | null;
}

export async function readSeedAgencies(): Promise<SeedAgency[]> {
  const file = JSON.parse(await readFile(`${SEED_DIR}agencies.json`, 'utf8')) as { agencies: SeedAgency[] };
  return file.agencies;
}

export async function isEmpty(db: Db): Promise<boolean> {
  const [row] = await db.select({ n: count() }).from(agencies);
  return (row?.n ?? 0) === 0;
}

export async function seedDatabase(db: Db): Promise<{ agencies: number; periods: number }> {
  const seedAgencies = await readSeedAgencies();
  return db.transaction(async (tx) => {
    // Parents are listed before their children in the file, so one insert keeps every foreign key valid.
    const insertedAgencies = await tx
      .insert(agencies)
      .values(seedAgencies.map((a) => ({ ...a, searchKey: agencySearchKey(a) })))
      .onConflictDoNothing()
      .returning({ code: agencies.code });
    // Past years are closed for reporting; the current demo years are open.
    const periodRows = SEED_YEARS.flatMap((year) => periodsOfYear(year).map((ref) => newPeriodRow(ref, { state: year < 2023 ? 'closed' : 'open' })));
    const insertedPeriods = await tx.insert(periods).values(periodRows).onConflictDoNothing().returning({ id: periods.id });
    return { agencies: insertedAgencies.length, periods: insertedPeriods.length };
  });
}
