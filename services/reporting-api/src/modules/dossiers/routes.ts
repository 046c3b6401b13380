import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type, type Static } from 'typebox';
import { ProblemError } from '../../errors.js';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import { countsFromCsv, withLines } from './csv-body.js';
import { DossierCountBatchSchema, DossierStatsQuery, DossierStatsSchema, IngestQuery, IngestSummarySchema, type IngestSummary } from './schemas.js';

const MAX_BATCH_BYTES = 50 * 1024 * 1024;

export const dossierRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const dossiers = app.services.dossiers;

  // One-stop-shop exports as they are (curl --data-binary @export.csv); only in this plugin.
  app.addContentTypeParser('text/csv', { parseAs: 'buffer', bodyLimit: MAX_BATCH_BYTES }, (_request, body, done) => done(null, body));

  app.put(
    '/v1/dossier-counts',
    {
      config: { access: ['admin', 'ingest', 'agency'], bulk: true },
      bodyLimit: MAX_BATCH_BYTES,
      schema: {
        tags: ['dossiers'],
        operationId: 'ingestDossierCounts',
        summary: 'Push dossier counts (batches of up to 50 000 rows; safe to retry)',
        description:
          'Upserts on (agency, procedure, date, source). A row older than the stored snapshot (by asOf) is ignored and counted stale, so retries and out-of-order deliveries are safe; the same batch twice is all unchanged. ' +
          'With an Idempotency-Key header the first answer is returned for a repeated key (Idempotent-Replayed: true). Rows breaking an identity or naming an unknown agency or procedure are refused with their index; the others are stored unless atomic=true. ' +
          'The batch is JSON, or a one-stop-shop export as text/csv (`curl -T export.csv -H "Content-Type: text/csv"`): a file with an unreadable line, or one breaking an identity, is refused whole (400, each line listed as /lines/N/field), and refused rows carry their file line.',
        querystring: IngestQuery,
        headers: Type.Object({ 'idempotency-key': Type.Optional(Type.String({ minLength: 1, maxLength: 200, pattern: '^[\\x21-\\x7e]+$' })) }),
        body: Type.Unsafe<Static<typeof DossierCountBatchSchema> | Buffer>({
          content: {
            'application/json': {
              schema: withExample(ref(DossierCountBatchSchema, 'The rows of counts, one per agency, procedure, day and source'), {
                counts: [
                  {
                    agency: 'BQL-KCN',
                    procedure: 'BQL-KCN.XD.01',
                    date: '2024-03-11',
                    source: 'motcua-soctrang',
                    asOf: '2024-03-12T01:00:00Z',
                    receivedNew: 2,
                    carriedOver: 0,
                    receivedOnline: 1,
                    receivedInPerson: 1,
                    receivedPostal: 0,
                    resolved: 2,
                    resolvedEarly: 2,
                    resolvedOnTime: 0,
                    resolvedLate: 0,
                    pending: 0,
                    pendingWithin: 0,
                    pendingOverdue: 0,
                    withdrawn: 0,
                  },
                  {
                    agency: 'BQL-KCN',
                    procedure: 'DEMO-BQL-01',
                    date: '2024-03-11',
                    source: 'motcua-soctrang',
                    asOf: '2024-03-12T01:00:00Z',
                    receivedNew: 1,
                    carriedOver: 1,
                    receivedOnline: 1,
                    receivedInPerson: 0,
                    receivedPostal: 0,
                    resolved: 1,
                    resolvedEarly: 0,
                    resolvedOnTime: 1,
                    resolvedLate: 0,
                    pending: 1,
                    pendingWithin: 1,
                    pendingOverdue: 0,
                    withdrawn: 0,
                  },
                ],
              }),
            },
            'text/csv': {
              schema: {
                type: 'string',
                format: 'binary',
                description:
                  'A one-stop-shop export: a header row (Vietnamese headers such as "Mã đơn vị", "Mã thủ tục", "Ngày", "Tiếp nhận mới", or the field names), then one line per agency, procedure, day and source; ' +
                  'Vietnamese numbers ("1.473"), dd/mm/yyyy dates, UTF-8 with or without a BOM, `,` or `;`. The column table is in the cchc command’s documentation.',
              },
            },
          },
        }),
        response: {
          200: ref(IngestSummarySchema, 'How many rows were created, updated, unchanged, stale or refused (with their index)'),
          ...problemResponses(400, 413, 422),
        },
      },
    },
    async (request, reply) => {
      const options = { atomic: request.query.atomic ?? false, idempotencyKey: request.headers['idempotency-key'] };
      const csv = Buffer.isBuffer(request.body) ? countsFromCsv(request.body, request.query) : undefined;
      // The body schema is a choice of media types; a request with no body and no Content-Type meets neither.
      if (request.body === undefined || request.body === null)
        throw new ProblemError('VALIDATION_FAILED', 'Send the counts as a JSON body {"counts": […]} or as text/csv', {
          errors: [{ in: 'body', pointer: '', message: 'required' }],
        });
      const counts = csv ? csv.counts : (request.body as Static<typeof DossierCountBatchSchema>).counts;
      const { summary, replayed } = await dossiers.ingest(request.principal, counts, options).catch((error: unknown) => {
        // An atomic refusal carries the summary: give its rows their lines too.
        if (csv && error instanceof ProblemError && error.extra?.summary) error.extra.summary = withLines(error.extra.summary as IngestSummary, csv.lines);
        throw error;
      });
      if (replayed) reply.header('idempotent-replayed', 'true');
      return csv ? withLines(summary, csv.lines) : summary;
    },
  );

  app.get(
    '/v1/dossier-stats',
    {
      config: { access: 'read' },
      schema: {
        tags: ['dossiers'],
        operationId: 'getDossierStats',
        summary: 'Dossier statistics: totals and rates for a period or a date range',
        description:
          'For a reporting period (its cut-off window) or from/to, over an agency and its whole subtree (default: every agency), optionally grouped by agency, procedure, field or month. ' +
          'Flows are summed over the days; stocks (carried over, pending) are taken at the first and last day. Rates carry numerator and denominator and are null when the denominator is 0: on time (early + on time over resolved), the 766 progress rate (early + on time + pending within the deadline, over resolved + pending), online and postal shares of received.',
        querystring: DossierStatsQuery,
        response: { 200: ref(DossierStatsSchema, 'Totals and rates over the window'), ...problemResponses(400, 404) },
      },
    },
    async (request) => dossiers.stats(request.query),
  );
};
