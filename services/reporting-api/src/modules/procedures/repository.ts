import { and, asc, eq, gt, inArray, like, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { procedures } from '../../db/schema.js';
import { escapeLike, foldForSearch } from '../../domain/search-text.js';
import type { Procedure } from './schemas.js';

export type ProcedureRow = typeof procedures.$inferSelect;
export type ProcedureInsert = typeof procedures.$inferInsert;

export function toProcedure(row: ProcedureRow): Procedure {
  return {
    code: row.code,
    name: row.name,
    field: row.field,
    agencyCode: row.agencyCode,
    onlineLevel: row.onlineLevel,
    interAgency: row.interAgency,
    feeBearing: row.feeBearing,
    status: row.status,
    abolishedBy: row.abolishedBy,
    abolishedOn: row.abolishedOn,
    demo: row.demo,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export const procedureSearchKey = (p: { code: string; name: string; field: string }) => foldForSearch(`${p.code} ${p.name} ${p.field}`);

export async function findProcedures(db: Tx, codes: string[]): Promise<Map<string, ProcedureRow>> {
  if (codes.length === 0) return new Map();
  const rows = await db.select().from(procedures).where(inArray(procedures.code, codes));
  return new Map(rows.map((r) => [r.code, r]));
}

export async function listProcedures(
  db: Tx,
  f: {
    q?: string | undefined;
    field?: string | undefined;
    agency?: string | undefined;
    onlineLevel?: ProcedureRow['onlineLevel'] | undefined;
    status?: ProcedureRow['status'] | undefined;
    interAgency?: boolean | undefined;
    afterCode?: string | undefined;
    limit: number;
  },
): Promise<ProcedureRow[]> {
  const where: SQL[] = [];
  if (f.field) where.push(eq(procedures.field, f.field));
  if (f.agency) where.push(eq(procedures.agencyCode, f.agency));
  if (f.onlineLevel) where.push(eq(procedures.onlineLevel, f.onlineLevel));
  if (f.status) where.push(eq(procedures.status, f.status));
  if (f.interAgency !== undefined) where.push(eq(procedures.interAgency, f.interAgency));
  for (const word of f.q ? foldForSearch(f.q).split(' ').filter(Boolean) : []) where.push(like(procedures.searchKey, `%${escapeLike(word)}%`));
  if (f.afterCode) where.push(gt(procedures.code, f.afterCode));
  return db
    .select()
    .from(procedures)
    .where(and(...where))
    .orderBy(asc(procedures.code))
    .limit(f.limit);
}

export async function insertProcedures(db: Tx, rows: ProcedureInsert[]): Promise<void> {
  for (let i = 0; i < rows.length; i += 1000) await db.insert(procedures).values(rows.slice(i, i + 1000));
}

export async function updateProcedure(db: Tx, code: string, values: Partial<ProcedureInsert>): Promise<ProcedureRow> {
  const [row] = await db
    .update(procedures)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(procedures.code, code))
    .returning();
  return row!;
}

export async function deleteProcedure(db: Tx, code: string): Promise<void> {
  await db.delete(procedures).where(eq(procedures.code, code));
}
