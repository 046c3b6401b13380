import { and, asc, eq, gt, inArray, isNull, like, sql, type SQL } from 'drizzle-orm';
import { queryRows, type Tx } from '../../db/connection.js';
import { LOCKS } from '../../db/locks.js';
import { agencies } from '../../db/schema.js';
import { escapeLike, foldForSearch } from '../../domain/search-text.js';
import type { Agency, AgencyTreeNode } from './schemas.js';

type Row = typeof agencies.$inferSelect;
type Kind = Row['kind'];

export function toAgency(row: Row): Agency {
  return {
    code: row.code,
    name: row.name,
    shortName: row.shortName,
    kind: row.kind,
    parentCode: row.parentCode,
    active: row.active,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

export function agencySearchKey(a: { code: string; name: string; shortName?: string | null }): string {
  return foldForSearch([a.name, a.shortName ?? '', a.code].join(' '));
}

export async function findAgency(db: Tx, code: string): Promise<Row | undefined> {
  const [row] = await db.select().from(agencies).where(eq(agencies.code, code));
  return row;
}

export async function findAgencies(db: Tx, codes: string[]): Promise<Map<string, Row>> {
  if (codes.length === 0) return new Map();
  const rows = await db.select().from(agencies).where(inArray(agencies.code, codes));
  return new Map(rows.map((r) => [r.code, r]));
}

/** The codes of an agency and everything below it. */
export async function subtreeCodes(db: Tx, root: string): Promise<Set<string>> {
  const rows = await queryRows<{ code: string }>(
    db,
    sql`
    with recursive tree(code) as (
      select code from agencies where code = ${root}
      union
      select a.code from agencies a join tree t on a.parent_code = t.code
    )
    select code from tree`,
  );
  return new Set(rows.map((r) => r.code));
}

export interface AgencyFilter {
  kind?: Kind | undefined;
  /** A parent's code, or null for top-level agencies. */
  parent?: string | null | undefined;
  q?: string | undefined;
  active?: boolean | undefined;
  afterCode?: string | undefined;
  limit: number;
}

export async function listAgencies(db: Tx, f: AgencyFilter): Promise<Row[]> {
  const where: SQL[] = [];
  if (f.kind) where.push(eq(agencies.kind, f.kind));
  if (f.parent === null) where.push(isNull(agencies.parentCode));
  else if (f.parent !== undefined) where.push(eq(agencies.parentCode, f.parent));
  if (f.active !== undefined) where.push(eq(agencies.active, f.active));
  if (f.q) {
    // Every word must occur somewhere in the folded name, short name or code, in any order.
    for (const word of foldForSearch(f.q).split(' ').filter(Boolean)) {
      where.push(like(agencies.searchKey, `%${escapeLike(word)}%`));
    }
  }
  if (f.afterCode) where.push(gt(agencies.code, f.afterCode));
  return db
    .select()
    .from(agencies)
    .where(and(...where))
    .orderBy(asc(agencies.code))
    .limit(f.limit);
}

export async function insertAgency(db: Tx, values: typeof agencies.$inferInsert): Promise<Row> {
  const [row] = await db.insert(agencies).values(values).returning();
  return row!;
}

export async function updateAgency(db: Tx, code: string, values: Partial<typeof agencies.$inferInsert>): Promise<Row> {
  const [row] = await db
    .update(agencies)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(agencies.code, code))
    .returning();
  return row!;
}

export async function setActive(db: Tx, codes: string[], active: boolean): Promise<Row[]> {
  if (codes.length === 0) return [];
  return db.update(agencies).set({ active, updatedAt: new Date() }).where(inArray(agencies.code, codes)).returning();
}

/**
 * The agency and all its descendants, depth-first with siblings by code. The recursion carries the path
 * of codes, which orders the result and would stop a cycle if one ever got in.
 */
export async function subtree(db: Tx, root: string): Promise<AgencyTreeNode[]> {
  const nodes = await queryRows<{ code: string; depth: number; path: string[] }>(
    db,
    sql`
    with recursive tree(code, depth, path) as (
      select code, 0, array[code] from agencies where code = ${root}
      union all
      select a.code, t.depth + 1, t.path || a.code
      from agencies a join tree t on a.parent_code = t.code
      where not a.code = any(t.path)
    )
    select code, depth, path from tree`,
  );
  if (nodes.length === 0) return [];
  const rows = await db
    .select()
    .from(agencies)
    .where(
      inArray(
        agencies.code,
        nodes.map((n) => n.code),
      ),
    );
  const byCode = new Map(rows.map((r) => [r.code, r]));
  return nodes
    .map((n) => ({ n, key: n.path.join('\u0000') }))
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map(({ n }) => ({ ...toAgency(byCode.get(n.code)!), depth: Number(n.depth) }));
}

/** True when `code` is `root` or lies below it. Walks up from `code`, so the cost is the depth of the tree. */
export async function isWithinSubtree(db: Tx, root: string, code: string): Promise<boolean> {
  const [row] = await queryRows<{ found: boolean }>(
    db,
    sql`
    with recursive up(code, parent_code, depth) as (
      select code, parent_code, 0 from agencies where code = ${code}
      union all
      select a.code, a.parent_code, u.depth + 1 from agencies a join up u on a.code = u.parent_code where u.depth < 64
    )
    select exists(select 1 from up where code = ${root}) as found`,
  );
  return Boolean(row?.found);
}

/** Serialises changes to the shape of the tree, so two concurrent re-parentings cannot close a cycle. */
export async function lockAgencyTree(db: Tx): Promise<void> {
  await db.execute(sql`select pg_advisory_xact_lock(${LOCKS.agencyTree})`);
}
