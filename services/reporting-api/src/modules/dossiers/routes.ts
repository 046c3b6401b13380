import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses, ref } from '../../schemas/common.js';
import { DossierCountBatchSchema, DossierStatsQuery, DossierStatsSchema, IngestQuery, IngestSummarySchema } from './schemas.js';

export const dossierRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const dossiers = app.services.dossiers;

  app.put('/v1/dossier-counts', {
    config: { access: ['admin', 'ingest', 'agency'] },
    bodyLimit: 50 * 1024 * 1024,
    schema: {
      tags: ['dossiers'],
      operationId: 'ingestDossierCounts',
      summary: 'Push dossier counts (batches of up to 50 000 rows; safe to retry)',
      description:
        'Upserts on (agency, procedure, date, source). A row older than the stored snapshot (by asOf) is ignored and counted stale, so retries and out-of-order deliveries are safe; the same batch twice is all unchanged. ' +
        'With an Idempotency-Key header the first answer is returned for a repeated key (Idempotent-Replayed: true). Rows breaking an identity or naming an unknown agency or procedure are refused with their index; the others are stored unless atomic=true.',
      querystring: IngestQuery,
      headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' })) }),
      body: ref(DossierCountBatchSchema),
      response: { 200: ref(IngestSummarySchema), ...problemResponses(400, 413, 422) },
    },
  }, async (request, reply) => {
    const { summary, replayed } = await dossiers.ingest(request.principal, request.body.counts, { atomic: request.query.atomic ?? false, idempotencyKey: request.headers['idempotency-key'] });
    if (replayed) reply.header('idempotent-replayed', 'true');
    return summary;
  });

  app.get('/v1/dossier-stats', {
    config: { access: 'read' },
    schema: {
      tags: ['dossiers'],
      operationId: 'getDossierStats',
      summary: 'Dossier statistics: totals and rates for a period or a date range',
      description:
        'For a reporting period (its cut-off window) or from/to, over an agency and its whole subtree (default: every agency), optionally grouped by agency, procedure, field or month. ' +
        'Flows are summed over the days; stocks (carried over, pending) are taken at the first and last day. Rates carry numerator and denominator and are null when the denominator is 0: on time (early + on time over resolved), the 766 progress rate (early + on time + pending within the deadline, over resolved + pending), online and postal shares of received.',
      querystring: DossierStatsQuery,
      response: { 200: ref(DossierStatsSchema), ...problemResponses(400, 404) },
    },
  }, async (request) => dossiers.stats(request.query));
};
