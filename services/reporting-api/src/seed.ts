/**
 * Demo data: the province's agencies around the reference report (seed/agencies.json), the indicator template
 * of the reference annex (seed/templates/), every reporting period of 2022–2024 bound to it, and the reference
 * agency's 2023 annual values as reported (seed/demo/). Templates and values go through the same services as
 * the API, so the seed is checked like any submission. The documents the reference report cites are registered
 * by the citation extractor, and each demo value cites as evidence the documents its note names. Idempotent:
 * what exists is left as it is.
 */
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { and, count, inArray, isNull } from 'drizzle-orm';
import { periodsOfYear } from './domain/periods.js';
import { extractCitations } from './domain/citations.js';
import { sameDocument } from './domain/documents.js';
import type { Principal } from './domain/roles.js';
import type { Actor } from './domain/actor.js';
import { agencySearchKey } from './modules/agencies/repository.js';
import { findTemplate } from './modules/templates/repository.js';
import type { NewTemplate } from './modules/templates/schemas.js';
import type { DossierCountInput } from './modules/dossiers/schemas.js';
import { loadReports } from './modules/reports/values-repository.js';
import { createServices, type Services } from './services.js';
import type { NewProcedure } from './modules/procedures/schemas.js';
import { findProcedures } from './modules/procedures/repository.js';
import { newPeriodRow } from './modules/periods/service.js';
import type { Database, Db } from './db/connection.js';
import { agencies, expectedAgencies, periods } from './db/schema.js';

/** The service's seed/ seen from this source file; in the bundle (dist/*.js), the copy the build puts in dist/. */
export const SEED_DIR = fileURLToPath(new URL(import.meta.url.endsWith('.ts') ? '../seed/' : './seed/', import.meta.url));
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

const SYSTEM: Actor = { keyId: null, requestId: 'seed' };
const SEED_PRINCIPAL: Principal = { keyId: '00000000-0000-0000-0000-000000000000', name: 'seed', role: 'admin', agencyCode: null };
export const DEMO_TEMPLATE = 'CCHC-2023';

interface DemoValues {
  agency: string;
  period: string;
  values: Array<{ indicator: string; value: number | string | null; note?: string }>;
}

export async function seedDatabase(
  database: Database,
  services: Services = createServices(database),
): Promise<{ agencies: number; periods: number; templates: number; procedures: number; values: number; documents: number }> {
  const { db } = database;
  const base = await seedAgenciesAndPeriods(db);
  const templateService = services.templates;
  let templatesCreated = 0;
  for (const file of (await readdir(`${SEED_DIR}templates`)).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(await readFile(`${SEED_DIR}templates/${file}`, 'utf8')) as NewTemplate;
    if (await findTemplate(db, doc.id)) continue;
    await templateService.create(SYSTEM, doc);
    templatesCreated++;
  }
  // Periods seeded before templates existed get the demo template.
  await db
    .update(periods)
    .set({ templateId: DEMO_TEMPLATE })
    .where(and(inArray(periods.year, SEED_YEARS), isNull(periods.templateId)));

  let proceduresCreated = 0;
  const procedureService = services.procedures;
  for (const file of (await readdir(`${SEED_DIR}procedures`)).filter((f) => f.endsWith('.json')).sort()) {
    const doc = JSON.parse(await readFile(`${SEED_DIR}procedures/${file}`, 'utf8')) as { procedures: NewProcedure[] };
    // Only the missing ones: an administrator's later changes to a seeded procedure stay.
    const existing = await findProcedures(
      db,
      doc.procedures.map((p) => p.code),
    );
    const fresh = doc.procedures.filter((p) => !existing.has(p.code));
    if (fresh.length) proceduresCreated += (await procedureService.bulkUpsert(SYSTEM, fresh)).created;
  }

  const values = services.values;
  let valuesCreated = 0;
  // Dossier counts go through ingestion too; repeating them is a no-op (same snapshot, all unchanged).
  const dossiers = services.dossiers;
  for (const file of (await readdir(`${SEED_DIR}demo`)).filter((f) => f.endsWith('dossier-counts.json')).sort()) {
    const doc = JSON.parse(await readFile(`${SEED_DIR}demo/${file}`, 'utf8')) as { counts: DossierCountInput[] };
    await dossiers.ingest(SEED_PRINCIPAL, doc.counts, { atomic: true });
  }

  // The documents the reference report cites, registered by the extractor itself (repeating it registers nothing).
  const documents = services.documents;
  const reference = await documents.extract(
    { principal: SEED_PRINCIPAL, actor: SYSTEM },
    await readFile(`${SEED_DIR}reference/cchc-report-2023.txt`, 'utf8'),
    true,
  );
  const registered = reference.citations.flatMap((c) => (c.documentId ? [{ identity: { ...c, issuerNames: [] }, id: c.documentId }] : []));
  /** The registered documents a demo note cites: its evidence. */
  const evidenceOf = (note: string) => [
    ...new Set(extractCitations(note).flatMap((c) => registered.find((r) => sameDocument(r.identity, { ...c, issuerNames: [] }))?.id ?? [])),
  ];

  for (const file of (await readdir(`${SEED_DIR}demo`)).filter((f) => f.endsWith('-values.json')).sort()) {
    const demo = JSON.parse(await readFile(`${SEED_DIR}demo/${file}`, 'utf8')) as DemoValues;
    // A report that has values is the agencies' own by now: the demo never overwrites it.
    if ((await loadReports(db, [{ periodId: demo.period, agencyCode: demo.agency }])).length > 0) continue;
    const summary = await values.submitReport(
      { principal: SEED_PRINCIPAL, actor: SYSTEM },
      { periodId: demo.period, agencyCode: demo.agency },
      demo.values.map((v) => ({ indicator: v.indicator, value: v.value, ...(v.note !== undefined && { note: v.note, evidence: evidenceOf(v.note) }) })),
      { dryRun: false, atomic: true },
    );
    valuesCreated += summary.created;
  }
  return { ...base, templates: templatesCreated, procedures: proceduresCreated, values: valuesCreated, documents: reference.registered?.created ?? 0 };
}

async function seedAgenciesAndPeriods(db: Db): Promise<{ agencies: number; periods: number }> {
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
    // Every department and district is expected to report in every new demo period.
    const expected = seedAgencies.filter((a) => a.kind === 'department' || a.kind === 'district').map((a) => a.code);
    const expectedRows = insertedPeriods.flatMap((p) => expected.map((agencyCode) => ({ periodId: p.id, agencyCode })));
    if (expectedRows.length) await tx.insert(expectedAgencies).values(expectedRows).onConflictDoNothing();
    return { agencies: insertedAgencies.length, periods: insertedPeriods.length };
  });
}
