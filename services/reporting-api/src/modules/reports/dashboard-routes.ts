import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { NOT_MODIFIED, problemResponses, ref } from '../../schemas/common.js';
import { answerConditional } from './conditional.js';
import { RollupQuery, RollupResultSchema, SeriesQuery, SeriesSchema, ValuePageSchema, ValuesQuery } from './value-schemas.js';

/** The dashboards' reads: values of many reports, roll-ups over a subtree, an indicator across periods. */
export const dashboardRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const dashboards = app.services.dashboards;

  app.get(
    '/v1/values',
    {
      config: { access: 'read' },
      schema: {
        tags: ['dashboards'],
        operationId: 'listValues',
        summary: 'Values for dashboards, filtered',
        description:
          'By period(s), agency (optionally its whole subtree), indicator(s) and section. Reported and derived values, each with its status. A page holds whole reports (period × agency); ETag / If-None-Match answer 304 when nothing changed.',
        querystring: ValuesQuery,
        response: { 200: ref(ValuePageSchema, 'A page of values'), 304: NOT_MODIFIED, ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      return answerConditional(reply, await dashboards.list(request.query, request.headers['if-none-match']));
    },
  );

  app.get(
    '/v1/rollups',
    {
      config: { access: 'read' },
      schema: {
        tags: ['dashboards'],
        operationId: 'getRollup',
        summary: 'Roll indicators up over an agency’s subtree',
        description:
          'Counts are summed; a rate is recomputed from the summed counts of its formula (never an average of percentages); codes roll up by any/all. ETag / If-None-Match answer 304.',
        querystring: RollupQuery,
        response: { 200: ref(RollupResultSchema, 'The indicators rolled up over the agency’s subtree'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => dashboards.rollup(request.query),
  );

  app.get(
    '/v1/series',
    {
      config: { access: 'read' },
      schema: {
        tags: ['dashboards'],
        operationId: 'getSeries',
        summary: 'An indicator across periods',
        description: 'One agency’s figure per period of a kind (default: years), or with subtree=true its subtree rolled up.',
        querystring: SeriesQuery,
        response: { 200: ref(SeriesSchema, 'The indicator’s values over the periods'), ...problemResponses(400, 404) },
      },
    },
    async (request) => dashboards.series(request.query),
  );
};
