import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { writeContextOf } from '../../plugins/auth.js';
import { CursorPageQuery, NOT_MODIFIED, problemResponses, ref, withExample } from '../../schemas/common.js';
import { answerConditional } from './conditional.js';
import { keyOf } from './keys.js';
import {
  BatchValuesBodySchema,
  ImportSummarySchema,
  ReportFindingsSchema,
  ReportParams,
  ReportValueParams,
  ReportValuesBodySchema,
  ReportValuesSchema,
  SubmitQuery,
  ValueAuditPageSchema,
} from './value-schemas.js';

const writers = ['admin', 'agency'] as const;

export const valueRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const values = app.services.values;

  app.put(
    '/v1/reports/:periodId/:agencyCode/values',
    {
      config: { access: writers },
      bodyLimit: 20 * 1024 * 1024,
      schema: {
        tags: ['values'],
        operationId: 'submitReportValues',
        summary: 'Submit values of one agency’s report (bulk upsert)',
        description:
          'Upserts on (period, agency, indicator) and answers an import summary: created, updated, unchanged, rejected, the conflicts (index, indicator, code, message) and the rule findings on the report as it then stands. ' +
          'The same payload twice answers all unchanged. dryRun=true checks and writes nothing; atomic=true writes all or nothing (422 SUBMISSION_REJECTED). ' +
          'A derived indicator is refused (INDICATOR_DERIVED) unless the template lets it be overridden; then both figures are kept and compared. ' +
          'A locked period refuses every write (PERIOD_LOCKED); a closed one refuses agencies (PERIOD_CLOSED).',
        params: ReportParams,
        querystring: SubmitQuery,
        // The rate as its inputs give it (98/99), which clears the seeded report's DERIVED_MISMATCH warning.
        body: withExample(ref(ReportValuesBodySchema, 'The values, one per indicator'), {
          values: [{ indicator: 'III.7.3', value: 98.99, note: 'Có 98/99 hồ sơ trả kết quả trước hẹn.' }],
        }),
        response: {
          200: ref(ImportSummarySchema, 'What was created, updated, unchanged or refused, with the rule findings'),
          ...problemResponses(400, 404, 409, 413, 422),
        },
      },
    },
    async (request) =>
      values.submitReport(writeContextOf(request), keyOf(request.params), request.body.values, {
        dryRun: request.query.dryRun ?? false,
        atomic: request.query.atomic ?? false,
      }),
  );

  app.put(
    '/v1/values',
    {
      config: { access: writers, bulk: true },
      bodyLimit: 50 * 1024 * 1024,
      schema: {
        tags: ['values'],
        operationId: 'submitValues',
        summary: 'Submit values for several agencies and periods (bulk upsert, for systems)',
        description:
          'Rows name their period and agency. Period, agency and role problems are per-row conflicts here (with period and agency in the conflict), so one bad report does not stop the others unless atomic=true.',
        querystring: SubmitQuery,
        body: withExample(ref(BatchValuesBodySchema, 'The values, each naming its period, agency and indicator'), {
          values: [
            { period: '2024-Q1', agency: 'BQL-KCN', indicator: 'III.7.1', value: 27 },
            { period: '2024-Q1', agency: 'BQL-KCN', indicator: 'III.7.2', value: 25 },
            { period: '2024-Q1', agency: 'SNV', indicator: 'III.7.1', value: 412 },
            { period: '2024-Q1', agency: 'SNV', indicator: 'III.7.2', value: 398 },
          ],
        }),
        response: {
          200: ref(ImportSummarySchema, 'What was created, updated, unchanged or refused, per report, with the rule findings'),
          ...problemResponses(400, 413, 422),
        },
      },
    },
    async (request) =>
      values.submitBatch(writeContextOf(request), request.body.values, { dryRun: request.query.dryRun ?? false, atomic: request.query.atomic ?? false }),
  );

  app.get(
    '/v1/reports/:periodId/:agencyCode/values',
    {
      config: { access: 'read' },
      schema: {
        tags: ['values'],
        operationId: 'getReportValues',
        summary: 'Read one agency’s report: reported and derived values',
        description:
          'In template order. Each value says whether it was reported, derived, not applicable (0/0) or lacks an input; an overridden derived figure carries the computed one beside it. ' +
          'The ETag is the report’s version stamp (its values, the template version, the agency’s dossier counts): send it back as If-None-Match and an unchanged report answers 304 without a body.',
        params: ReportParams,
        response: {
          200: ref(ReportValuesSchema, 'The report’s values, derived values and counted figures, in template order'),
          304: NOT_MODIFIED,
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request, reply) => {
      return answerConditional(reply, await values.read(keyOf(request.params), request.headers['if-none-match']));
    },
  );

  app.get(
    '/v1/reports/:periodId/:agencyCode/findings',
    {
      config: { access: 'read' },
      schema: {
        tags: ['values'],
        operationId: 'getReportFindings',
        summary: 'Check a report against its template’s rules',
        description: 'Every rule that fails, with both sides’ values, and the rules that could not be checked because an input was not reported.',
        params: ReportParams,
        response: { 200: ref(ReportFindingsSchema, 'The rule findings of the report as it stands'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => values.findings(keyOf(request.params)),
  );

  app.delete(
    '/v1/reports/:periodId/:agencyCode/values/:indicator',
    {
      config: { access: writers },
      schema: {
        tags: ['values'],
        operationId: 'deleteReportValue',
        summary: 'Delete a reported value',
        description: 'The indicator becomes not reported again (not 0). Audited.',
        params: ReportValueParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request, reply) => {
      await values.remove(writeContextOf(request), keyOf(request.params), request.params.indicator);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/reports/:periodId/:agencyCode/audit',
    {
      config: { access: 'read' },
      schema: {
        tags: ['values'],
        operationId: 'getReportAudit',
        summary: 'The audit trail of a report’s values',
        description: 'Every create, update and delete, newest first, with who, when, old and new value and note. Filter by indicator for one value’s history.',
        params: ReportParams,
        querystring: Type.Object(
          { indicator: Type.Optional(Type.String({ maxLength: 40, examples: ['I.9'] })), ...CursorPageQuery },
          { additionalProperties: false },
        ),
        response: { 200: ref(ValueAuditPageSchema, 'A page of changes to the report’s values, newest first'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => values.audit(keyOf(request.params), request.query),
  );
};
