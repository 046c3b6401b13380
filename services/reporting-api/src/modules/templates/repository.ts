import { and, asc, count, eq, sql } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { indicators, indicatorValues, templateRules, templates } from '../../db/schema.js';
import type { Indicator, Rule, Template } from './schemas.js';

type TemplateRow = typeof templates.$inferSelect;
export type IndicatorRow = typeof indicators.$inferSelect;
export type IndicatorInsert = typeof indicators.$inferInsert;
type RuleRow = typeof templateRules.$inferSelect;

export function toTemplate(row: TemplateRow, counts: { indicators: number; rules: number }): Template {
  return {
    id: row.id,
    name: row.name,
    year: row.year,
    source: row.source,
    copiedFrom: row.copiedFrom,
    indicatorCount: counts.indicators,
    ruleCount: counts.rules,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function toIndicator(row: IndicatorRow): Indicator {
  return {
    code: row.code,
    stt: row.stt,
    level: row.level,
    parentCode: row.parentCode,
    position: row.position,
    valueType: row.valueType,
    heading: row.heading,
    printed: row.printed,
    name: row.name,
    unit: row.unit,
    options: row.options ?? null,
    min: row.min,
    max: row.max,
    decimals: row.decimals,
    formula: row.formula,
    overridable: row.overridable,
    rollup: row.rollup,
    help: row.help,
    fromCounts: (row.fromCounts as Indicator['fromCounts']) ?? null,
  };
}

export function toRule(row: RuleRow): Rule {
  return { code: row.code, left: row.left, op: row.op, right: row.right, severity: row.severity, message: row.message };
}

export async function findTemplate(db: Tx, id: string): Promise<TemplateRow | undefined> {
  const [row] = await db.select().from(templates).where(eq(templates.id, id));
  return row;
}

export async function listTemplates(db: Tx): Promise<Array<{ row: TemplateRow; indicators: number; rules: number }>> {
  const rows = await db.select().from(templates).orderBy(asc(templates.year), asc(templates.id));
  const indicatorCounts = await db.select({ id: indicators.templateId, n: count() }).from(indicators).groupBy(indicators.templateId);
  const ruleCounts = await db.select({ id: templateRules.templateId, n: count() }).from(templateRules).groupBy(templateRules.templateId);
  const ic = new Map(indicatorCounts.map((r) => [r.id, r.n]));
  const rc = new Map(ruleCounts.map((r) => [r.id, r.n]));
  return rows.map((row) => ({ row, indicators: ic.get(row.id) ?? 0, rules: rc.get(row.id) ?? 0 }));
}

export async function countsOf(db: Tx, id: string): Promise<{ indicators: number; rules: number }> {
  const [i] = await db.select({ n: count() }).from(indicators).where(eq(indicators.templateId, id));
  const [r] = await db.select({ n: count() }).from(templateRules).where(eq(templateRules.templateId, id));
  return { indicators: i?.n ?? 0, rules: r?.n ?? 0 };
}

export async function templateIndicators(db: Tx, id: string): Promise<IndicatorRow[]> {
  return db.select().from(indicators).where(eq(indicators.templateId, id)).orderBy(asc(indicators.position));
}

export async function templateRulesOf(db: Tx, id: string): Promise<RuleRow[]> {
  return db.select().from(templateRules).where(eq(templateRules.templateId, id)).orderBy(asc(templateRules.position), asc(templateRules.code));
}

export async function insertTemplate(db: Tx, row: typeof templates.$inferInsert): Promise<TemplateRow> {
  const [inserted] = await db.insert(templates).values(row).returning();
  return inserted!;
}

export async function insertIndicators(db: Tx, rows: IndicatorInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.insert(indicators).values(rows.slice(i, i + 500));
}

export async function insertRules(db: Tx, rows: Array<typeof templateRules.$inferInsert>): Promise<void> {
  for (let i = 0; i < rows.length; i += 500) await db.insert(templateRules).values(rows.slice(i, i + 500));
}

/** Marks a change. updated_at strictly increases (even within one millisecond): it versions cached compilations. */
export async function touchTemplate(db: Tx, id: string, values: Partial<typeof templates.$inferInsert> = {}): Promise<TemplateRow> {
  const [row] = await db
    .update(templates)
    .set({ ...values, updatedAt: sql`greatest(now(), ${templates.updatedAt} + interval '1 millisecond')` })
    .where(eq(templates.id, id))
    .returning();
  return row!;
}

export async function updateIndicatorRow(db: Tx, id: string, code: string, values: Partial<IndicatorInsert>): Promise<IndicatorRow> {
  const [row] = await db
    .update(indicators)
    .set(values)
    .where(and(eq(indicators.templateId, id), eq(indicators.code, code)))
    .returning();
  return row!;
}

export async function upsertRule(db: Tx, row: typeof templateRules.$inferInsert): Promise<RuleRow> {
  const [saved] = await db
    .insert(templateRules)
    .values(row)
    .onConflictDoUpdate({
      target: [templateRules.templateId, templateRules.code],
      set: { left: row.left, op: row.op, right: row.right, severity: row.severity, message: row.message },
    })
    .returning();
  return saved!;
}

export async function deleteRule(db: Tx, id: string, code: string): Promise<boolean> {
  const deleted = await db
    .delete(templateRules)
    .where(and(eq(templateRules.templateId, id), eq(templateRules.code, code)))
    .returning({ code: templateRules.code });
  return deleted.length > 0;
}

export async function nextRulePosition(db: Tx, id: string): Promise<number> {
  const [row] = await db
    .select({ max: sql<number | null>`max(${templateRules.position})` })
    .from(templateRules)
    .where(eq(templateRules.templateId, id));
  return Number(row?.max ?? -1) + 1;
}

/** True when any value was reported against the template (its value types are then fixed). */
export async function hasValues(db: Tx, id: string, indicatorCode?: string): Promise<boolean> {
  const where = indicatorCode ? and(eq(indicatorValues.templateId, id), eq(indicatorValues.indicatorCode, indicatorCode)) : eq(indicatorValues.templateId, id);
  const [row] = await db.select({ one: sql<number>`1` }).from(indicatorValues).where(where).limit(1);
  return row !== undefined;
}
