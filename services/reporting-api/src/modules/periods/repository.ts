import { and, asc, desc, eq, gt, gte, inArray, lte, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { indicatorValues, periods, templates } from '../../db/schema.js';
import type { Period } from './schemas.js';

type Row = typeof periods.$inferSelect;
export type PeriodInsert = typeof periods.$inferInsert;

export function toPeriod(row: Row): Period {
  return {
    id: row.id,
    kind: row.kind,
    year: row.year,
    number: row.number,
    startsOn: row.startsOn,
    endsOn: row.endsOn,
    dueOn: row.dueOn,
    state: row.state,
    templateId: row.templateId,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function findPeriod(db: Tx, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(periods).where(eq(periods.id, id));
  return row;
}

export async function listPeriods(
  db: Tx,
  f: { year?: number | undefined; kind?: Row['kind'] | undefined; state?: Row['state'] | undefined; afterId?: string | undefined; limit: number },
): Promise<Row[]> {
  const where: SQL[] = [];
  if (f.year !== undefined) where.push(eq(periods.year, f.year));
  if (f.kind) where.push(eq(periods.kind, f.kind));
  if (f.state) where.push(eq(periods.state, f.state));
  if (f.afterId) where.push(gt(periods.id, f.afterId));
  return db
    .select()
    .from(periods)
    .where(and(...where))
    .orderBy(asc(periods.id))
    .limit(f.limit);
}

/** Stored windows decide, not computed ones: an overridden window is the truth for its period. */
export async function findContaining(db: Tx, kind: Row['kind'], isoDay: string): Promise<Row | undefined> {
  const [row] = await db
    .select()
    .from(periods)
    .where(and(eq(periods.kind, kind), lte(periods.startsOn, isoDay), gte(periods.endsOn, isoDay)))
    .orderBy(desc(periods.startsOn))
    .limit(1);
  return row;
}

export async function insertPeriods(db: Tx, values: PeriodInsert[]): Promise<Row[]> {
  if (values.length === 0) return [];
  return db.insert(periods).values(values).onConflictDoNothing().returning();
}

export async function updatePeriod(db: Tx, id: string, values: Partial<PeriodInsert>): Promise<Row> {
  const [row] = await db
    .update(periods)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(periods.id, id))
    .returning();
  return row!;
}

export async function deletePeriod(db: Tx, id: string): Promise<void> {
  await db.delete(periods).where(eq(periods.id, id));
}

export async function periodHasValues(db: Tx, id: string): Promise<boolean> {
  const [row] = await db.select({ id: indicatorValues.periodId }).from(indicatorValues).where(eq(indicatorValues.periodId, id)).limit(1);
  return row !== undefined;
}

export type PeriodWithTemplate = Row & { templateUpdatedAt: Date | null };

/** Periods with their template's version stamp, in one query (the hot paths need both). */
export async function findPeriodsWithTemplate(db: Tx, ids: string[]): Promise<Map<string, PeriodWithTemplate>> {
  if (ids.length === 0) return new Map();
  const rows = await db
    .select({ period: periods, templateUpdatedAt: templates.updatedAt })
    .from(periods)
    .leftJoin(templates, eq(templates.id, periods.templateId))
    .where(inArray(periods.id, ids));
  return new Map(rows.map((r) => [r.period.id, { ...r.period, templateUpdatedAt: r.templateUpdatedAt }]));
}

export async function findPeriodWithTemplate(db: Tx, id: string): Promise<PeriodWithTemplate | undefined> {
  return (await findPeriodsWithTemplate(db, [id])).get(id);
}
