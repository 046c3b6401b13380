import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CursorPageQuery, problemResponses, ref } from '../../schemas/common.js';
import { decodeCursor, encodeCursor } from '../../schemas/cursor.js';
import { listAudit } from './repository.js';
import { AuditPageSchema } from './schemas.js';

const isIdCursor = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/v1/audit', {
    config: { access: ['admin'] },
    schema: {
      tags: ['audit'],
      operationId: 'listAuditEntries',
      summary: 'Read the audit trail',
      description: 'Newest first. Filter by entity (agency, period, api-key) and its id.',
      querystring: Type.Object(
        { entity: Type.Optional(Type.String({ maxLength: 50, examples: ['template'] })), entityId: Type.Optional(Type.String({ maxLength: 200, examples: ['CCHC-2023'] })), ...CursorPageQuery },
        { additionalProperties: false },
      ),
      response: { 200: ref(AuditPageSchema, 'A page of audit entries, newest first'), ...problemResponses(400) },
    },
  }, async (request) => {
    const limit = request.query.limit ?? 100;
    const rows = await listAudit(app.database.db, {
      entity: request.query.entity,
      entityId: request.query.entityId,
      beforeId: request.query.cursor ? decodeCursor(request.query.cursor, isIdCursor) : undefined,
      limit: limit + 1,
    });
    const page = rows.slice(0, limit);
    return {
      items: page.map((r) => ({ ...r, at: r.at.toISOString() })),
      nextCursor: rows.length > limit ? encodeCursor(page.at(-1)!.id) : null,
    };
  });
};
