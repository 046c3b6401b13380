import { and, asc, count, eq, isNull, sql } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { apiKeys } from '../../db/schema.js';
import type { Role } from '../../domain/roles.js';
import type { ApiKey } from './schemas.js';

type Row = typeof apiKeys.$inferSelect;

export function toApiKey(row: Row): ApiKey {
  return {
    id: row.id,
    name: row.name,
    role: row.role,
    agencyCode: row.agencyCode,
    prefix: row.prefix,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy,
    revokedAt: row.revokedAt ? row.revokedAt.toISOString() : null,
  };
}

export async function findApiKeyByHash(db: Tx, keyHash: string): Promise<Row | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash));
  return row;
}

export async function findApiKey(db: Tx, id: string): Promise<Row | undefined> {
  const [row] = await db.select().from(apiKeys).where(eq(apiKeys.id, id));
  return row;
}

export async function listApiKeys(db: Tx): Promise<Row[]> {
  return db.select().from(apiKeys).orderBy(asc(apiKeys.createdAt), asc(apiKeys.id));
}

export async function insertApiKey(
  db: Tx,
  values: { name: string; role: Role; agencyCode: string | null; keyHash: string; prefix: string; createdBy: string | null },
): Promise<Row> {
  const [row] = await db.insert(apiKeys).values(values).returning();
  return row!;
}

/** Other instances' key caches listen here (api-keys service); the payload is the key's hash. */
export const KEY_CHANGES_CHANNEL = 'cchc_api_key_changes';

/** Tells every instance a key changed; delivered when the caller's transaction commits, not before. */
export async function notifyKeyChanged(db: Tx, keyHash: string): Promise<void> {
  await db.execute(sql`select pg_notify(${KEY_CHANGES_CHANNEL}, ${keyHash})`);
}

export async function setRevoked(db: Tx, id: string, revokedAt: Date | null): Promise<Row | undefined> {
  const [row] = await db.update(apiKeys).set({ revokedAt }).where(eq(apiKeys.id, id)).returning();
  return row;
}

export async function countApiKeys(db: Tx, filter: { activeAdminsOnly?: boolean } = {}): Promise<number> {
  const where = filter.activeAdminsOnly ? and(eq(apiKeys.role, 'admin'), isNull(apiKeys.revokedAt)) : undefined;
  const [row] = await db.select({ n: count() }).from(apiKeys).where(where);
  return row?.n ?? 0;
}
