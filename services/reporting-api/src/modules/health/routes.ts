import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../../errors.js';
import { problemResponses } from '../../schemas/common.js';

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get('/healthz', {
    config: { access: 'public', rateLimit: false },
    schema: { tags: ['health'], operationId: 'getLiveness', summary: 'Liveness: the process answers', response: { 200: Status } },
  }, async () => ({ status: 'ok' }));

  app.get('/readyz', {
    config: { access: 'public', rateLimit: false },
    schema: {
      tags: ['health'],
      operationId: 'getReadiness',
      summary: 'Readiness: the database answers',
      response: { 200: Type.Object({ status: Type.String(), database: Type.String() }, { additionalProperties: false }), ...problemResponses(503) },
    },
  }, async () => {
    try {
      await app.database.ping();
    } catch {
      throw new ProblemError('SERVICE_UNAVAILABLE', 'The database does not answer');
    }
    return { status: 'ready', database: app.database.engine };
  });
};
