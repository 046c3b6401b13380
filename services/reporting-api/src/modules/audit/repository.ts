import { and, desc, eq, lt } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { auditLog } from '../../db/schema.js';
import type { Actor } from '../../domain/actor.js';

export interface AuditEntry {
  entity: string;
  entityId: string;
  action: string;
  before?: unknown;
  after?: unknown;
}

/** Records a change; call it inside the transaction that makes the change, so both land or neither does. */
export async function recordAudit(tx: Tx, actor: Actor, entry: AuditEntry): Promise<void> {
  await tx.insert(auditLog).values({
    actorKeyId: actor.keyId,
    requestId: actor.requestId,
    entity: entry.entity,
    entityId: entry.entityId,
    action: entry.action,
    before: entry.before ?? null,
    after: entry.after ?? null,
  });
}

export async function listAudit(db: Tx, filter: { entity?: string | undefined; entityId?: string | undefined; beforeId?: number | undefined; limit: number }) {
  const conditions = [];
  if (filter.entity) conditions.push(eq(auditLog.entity, filter.entity));
  if (filter.entityId) conditions.push(eq(auditLog.entityId, filter.entityId));
  if (filter.beforeId) conditions.push(lt(auditLog.id, filter.beforeId));
  return db
    .select()
    .from(auditLog)
    .where(conditions.length ? and(...conditions) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(filter.limit);
}
