import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { CursorPageQuery, DEFAULT_PAGE_LIMIT, problemResponses, ref } from '../../schemas/common.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage } from '../../schemas/paging.js';
import { listAudit } from './repository.js';
import { AuditPageSchema } from './schemas.js';

const isIdCursor = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) > 0;

export const auditRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/v1/audit',
    {
      config: { access: ['admin'] },
      schema: {
        tags: ['audit'],
        operationId: 'listAuditEntries',
        summary: 'Read the audit trail',
        description: 'Newest first. Filter by entity (agency, period, api-key) and its id.',
        querystring: Type.Object(
          {
            entity: Type.Optional(Type.String({ maxLength: 50, examples: ['template'] })),
            entityId: Type.Optional(Type.String({ maxLength: 200, examples: ['CCHC-2023'] })),
            ...CursorPageQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: ref(AuditPageSchema, 'A page of audit entries, newest first'), ...problemResponses(400) },
      },
    },
    async (request) => {
      const { query } = request;
      const page = await fetchPage(
        query.limit ?? DEFAULT_PAGE_LIMIT,
        (limit) =>
          listAudit(app.database.db, {
            entity: query.entity,
            entityId: query.entityId,
            beforeId: query.cursor ? decodeCursor(query.cursor, isIdCursor) : undefined,
            limit,
          }),
        (last) => last.id,
      );
      return mapPage(page, (r) => ({ ...r, at: r.at.toISOString() }));
    },
  );
};
