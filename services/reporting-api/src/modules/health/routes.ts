import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ProblemError } from '../../errors.js';
import { problemResponses } from '../../schemas/common.js';

const Status = Type.Object({ status: Type.String() }, { additionalProperties: false, description: 'The process is alive' });

export const healthRoutes: FastifyPluginAsyncTypebox = async (app) => {
  app.get(
    '/healthz',
    {
      config: { access: 'public', rateLimit: false, databaseFree: true },
      schema: {
        tags: ['health'],
        operationId: 'getLiveness',
        summary: 'Liveness: the process answers',
        description: 'For a container orchestrator’s liveness probe: answers without touching the database, so an outage does not restart healthy instances.',
        response: { 200: Status },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { access: 'public', rateLimit: false },
      schema: {
        tags: ['health'],
        operationId: 'getReadiness',
        summary: 'Readiness: the database answers',
        description: 'For a load balancer’s readiness probe: 200 while the database answers, 503 while it does not.',
        response: {
          200: Type.Object({ status: Type.String(), database: Type.String() }, { additionalProperties: false, description: 'Ready: the database answers' }),
          ...problemResponses(503),
        },
      },
    },
    async () => {
      try {
        await app.database.ping();
      } catch {
        throw new ProblemError('DATABASE_UNAVAILABLE', 'The database does not answer');
      }
      return { status: 'ready', database: app.database.engine };
    },
  );
};
