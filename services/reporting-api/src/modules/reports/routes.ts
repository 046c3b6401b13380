import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { writeContextOf } from '../../plugins/auth.js';
import { acceptFileForms, fileFormContent, uploadedFile } from '../../plugins/uploads.js';
import { problemResponses, ref, StringEnum, withExample } from '../../schemas/common.js';
import { AgencyCode } from '../agencies/schemas.js';
import { PeriodIdParams } from '../periods/schemas.js';
import { ReportEvidenceSchema } from '../documents/schemas.js';
import { keyOf } from './keys.js';
import { ImportQuery, ImportSummarySchema, ReportParams } from './value-schemas.js';
import {
  CompletenessSchema,
  ExpectedAgenciesBodySchema,
  ExpectedAgenciesSchema,
  ReportListQuery,
  ReportListSchema,
  ReportPatchSchema,
  ReportSchema,
  ReturnBodySchema,
} from './schemas.js';
import { XLSX_TYPE } from './workbook.js';

const tags = ['reports'];
const writers = ['admin', 'agency'] as const;
const admins = ['admin'] as const;
const MAX_ANNEX_FILE = 10 * 1024 * 1024;

/** A file answer, documented under both media types it can take. */
const annexFile = Type.Unsafe<string | Buffer>({
  description: 'The annex table: CSV (UTF-8 with a byte-order mark) or an XLSX workbook, as asked by format',
  content: { 'text/csv': { schema: { type: 'string' } }, [XLSX_TYPE]: { schema: { type: 'string', format: 'binary' } } },
});
const FormatQuery = { format: Type.Optional(StringEnum(['csv', 'xlsx'] as const, { default: 'xlsx' })) };

export const reportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const reports = app.services.reports;
  const annex = app.services.annex;
  const evidence = app.services.evidence;

  // Annex files arrive as raw bytes (CSV text or an XLSX zip); only in this plugin.
  app.addContentTypeParser(['text/csv', XLSX_TYPE, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_ANNEX_FILE }, (_request, body, done) =>
    done(null, body),
  );

  app.get(
    '/v1/reports',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listReports',
        summary: 'List reports',
        description: 'Filter by period, agency and state; cursor-paginated.',
        querystring: ReportListQuery,
        response: { 200: ref(ReportListSchema, 'A page of reports'), ...problemResponses(400) },
      },
    },
    async (request) => reports.list(request.query),
  );

  app.get(
    '/v1/reports/:periodId/:agencyCode',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getReport',
        summary: 'Get a report: state, narrative, evidence, timeliness, transitions',
        description: 'A report nobody has started is a draft with no values.',
        params: ReportParams,
        response: { 200: ref(ReportSchema, 'The report'), ...problemResponses(400, 404) },
      },
    },
    async (request) => reports.get(keyOf(request.params)),
  );

  app.patch(
    '/v1/reports/:periodId/:agencyCode',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'updateReport',
        summary: 'Write a report’s narrative and evidence',
        description: 'Only while the report is a draft or returned (REPORT_SUBMITTED, REPORT_ACCEPTED otherwise).',
        params: ReportParams,
        body: withExample(ref(ReportPatchSchema, 'The narrative by section, and the documents cited'), {
          narrative: {
            III: 'Năm 2023, Ban Quản lý các khu công nghiệp tiếp nhận 103 hồ sơ TTHC (102 hồ sơ một cửa, 01 hồ sơ liên thông), đã trả kết quả 99 hồ sơ, trong đó 98 hồ sơ trước hạn và 01 hồ sơ trễ hạn.',
          },
        }),
        response: { 200: ref(ReportSchema, 'The report as it is now'), ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request) => reports.update(writeContextOf(request), keyOf(request.params), request.body),
  );

  app.post(
    '/v1/reports/:periodId/:agencyCode/submit',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'submitReport',
        summary: 'Submit a report',
        description:
          'Runs the template’s blocking rules; if any fails the submission is refused (422 REPORT_BLOCKED) with the findings. The first submission’s time decides timeliness.',
        params: ReportParams,
        response: { 200: ref(ReportSchema, 'The report, submitted'), ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request) => reports.submit(writeContextOf(request), keyOf(request.params)),
  );

  app.post(
    '/v1/reports/:periodId/:agencyCode/accept',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'acceptReport',
        summary: 'Accept a submitted report',
        params: ReportParams,
        response: { 200: ref(ReportSchema, 'The report, accepted'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => reports.accept(writeContextOf(request), keyOf(request.params)),
  );

  app.post(
    '/v1/reports/:periodId/:agencyCode/return',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'returnReport',
        summary: 'Return a report to its agency, with a reason',
        description: 'From submitted or accepted; the agency can then correct and submit again.',
        params: ReportParams,
        body: withExample(ref(ReturnBodySchema, 'Why the report goes back'), {
          reason: 'Đề nghị bổ sung thuyết minh mục II.2: số VBQPPL đã rà soát (0) khác số VBQPPL phải rà soát (6).',
        }),
        response: { 200: ref(ReportSchema, 'The report, returned to the agency'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => reports.return(writeContextOf(request), keyOf(request.params), request.body.reason),
  );

  app.post(
    '/v1/reports/:periodId/:agencyCode/reopen',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'reopenReport',
        summary: 'Reopen a report (back to draft)',
        description: 'An admin puts a submitted, accepted or returned report back to draft; recorded as a transition.',
        params: ReportParams,
        querystring: Type.Object(
          {
            reason: Type.Optional(
              Type.String({
                maxLength: 2000,
                description: 'Why (kept with the transition)',
                examples: ['Mở lại để cơ quan cập nhật số liệu mục III.7 theo Hệ thống thông tin một cửa điện tử'],
              }),
            ),
          },
          { additionalProperties: false },
        ),
        response: { 200: ref(ReportSchema, 'The report, reopened as a draft'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => reports.reopen(writeContextOf(request), keyOf(request.params), request.query.reason ?? null),
  );

  app.get(
    '/v1/reports/:periodId/:agencyCode/annex',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'exportReportAnnex',
        summary: 'Export a report as the official annex table (CSV or XLSX)',
        description:
          'STT | Chỉ tiêu thống kê | Đơn vị tính | Kết quả thống kê | Ghi chú, in template order, sections as header rows, numbers written the Vietnamese way (1.473; 98,9), codes as reported. supplementary=true adds the rows the printed annex does not have.',
        params: ReportParams,
        querystring: Type.Object({ ...FormatQuery, supplementary: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        response: { 200: annexFile, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const file = await annex.exportReport(keyOf(request.params), request.query.format ?? 'xlsx', { supplementary: request.query.supplementary ?? false });
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
    },
  );

  // Forms only here: other routes of the plugin keep refusing multipart bodies.
  await app.register(async (scope) => {
    await acceptFileForms(scope, MAX_ANNEX_FILE);
    scope.withTypeProvider<TypeBoxTypeProvider>().post(
      '/v1/reports/:periodId/:agencyCode/annex',
      {
        config: { access: writers, bulk: true },
        bodyLimit: MAX_ANNEX_FILE,
        schema: {
          tags,
          operationId: 'importReportAnnex',
          summary: 'Import a filled annex table (CSV or XLSX)',
          description:
            'Send the file as the body (Content-Type text/csv or the XLSX type), or as an HTML form (multipart/form-data, `curl -F file=@phu-luc.xlsx`) with the file as the part named file; CSV or XLSX is told from the bytes. ' +
            'Rows are matched to indicators by name (spacing, case and diacritics ignored) and by STT; Vietnamese numbers are read ("1.473", "98,9%", "21 (lượt người)", "03"; blank is not reported); codes from the number or the label ("Có" → 1). ' +
            'The answer is the same import summary as bulk submission, with the file’s row numbers. Atomic by default: an unmatched or unreadable row refuses the file (422 SUBMISSION_REJECTED) and nothing is written.',
          params: ReportParams,
          querystring: ImportQuery,
          body: Type.Unsafe<Buffer>({
            content: {
              'text/csv': { schema: { type: 'string', format: 'binary', description: 'The table as CSV (UTF-8; , or ; between fields)' } },
              [XLSX_TYPE]: { schema: { type: 'string', format: 'binary', description: 'An XLSX workbook' } },
              ...fileFormContent('The annex table: a CSV file or an XLSX workbook'),
            },
          }),
          response: {
            200: ref(ImportSummarySchema, 'What the file changed, row by row (the same summary as bulk submission)'),
            ...problemResponses(400, 404, 409, 413, 415, 422),
          },
        },
      },
      async (request) => {
        const upload = await uploadedFile(request, `Send the file as text/csv or ${XLSX_TYPE}, or a form with a file part`);
        return annex.importReport(writeContextOf(request), keyOf(request.params), upload.bytes, {
          dryRun: request.query.dryRun ?? false,
          atomic: request.query.atomic ?? true,
        });
      },
    );
  });

  app.get(
    '/v1/periods/:id/completeness',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getPeriodCompleteness',
        summary: 'Who reported, on time or late, and who is missing',
        description:
          'Against the agencies expected in the period: each one’s state and submission time, on time or late against the deadline (a day in Vietnam), and the missing; counts and rates overall and by agency kind.',
        params: PeriodIdParams,
        response: { 200: ref(CompletenessSchema, 'Who reported, on time or late, and who is missing'), ...problemResponses(400, 404) },
      },
    },
    async (request) => reports.completeness(request.params.id),
  );

  app.get(
    '/v1/periods/:id/expected-agencies',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getExpectedAgencies',
        summary: 'The agencies expected to report in a period',
        params: PeriodIdParams,
        response: { 200: ref(ExpectedAgenciesSchema, 'The agencies expected to report'), ...problemResponses(400, 404) },
      },
    },
    async (request) => reports.expected(request.params.id),
  );

  app.put(
    '/v1/periods/:id/expected-agencies',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'setExpectedAgencies',
        summary: 'Set the agencies expected to report in a period',
        description: 'Replaces the list with the named agencies plus every active agency of the given kinds (e.g. all departments and districts).',
        params: PeriodIdParams,
        body: withExample(ref(ExpectedAgenciesBodySchema, 'The agencies and agency kinds expected to report'), { kinds: ['department', 'district'] }),
        response: { 200: ref(ExpectedAgenciesSchema, 'The agencies expected to report, as now set'), ...problemResponses(400, 404) },
      },
    },
    async (request) => reports.setExpected(request.params.id, request.body),
  );

  app.get(
    '/v1/periods/:id/annex',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'exportPeriodAnnex',
        summary: 'The province’s annex for a period (CSV or XLSX)',
        description:
          'mode=side-by-side: every expected agency in its own column; mode=rollup: one column rolled up over the agency’s subtree by each indicator’s roll-up rule.',
        params: PeriodIdParams,
        querystring: Type.Object(
          { ...FormatQuery, agency: Type.Optional(AgencyCode), mode: Type.Optional(StringEnum(['side-by-side', 'rollup'] as const, { default: 'rollup' })) },
          { additionalProperties: false },
        ),
        response: { 200: annexFile, ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const file = await annex.exportPeriod(request.params.id, {
        agency: request.query.agency ?? 'UBND-ST',
        mode: request.query.mode ?? 'rollup',
        format: request.query.format ?? 'xlsx',
      });
      return reply.type(file.contentType).header('content-disposition', `attachment; filename="${file.filename}"`).send(file.body);
    },
  );

  app.get(
    '/v1/reports/:periodId/:agencyCode/evidence',
    {
      config: { access: 'read' },
      schema: {
        tags: ['documents'],
        operationId: 'getReportEvidence',
        summary: 'The documents a report cites, as a whole and for each value',
        description: 'indicator limits the values to one indicator: that value’s evidence.',
        params: ReportParams,
        querystring: Type.Object({ indicator: Type.Optional(Type.String({ maxLength: 40, examples: ['I.1.1'] })) }, { additionalProperties: false }),
        response: { 200: ref(ReportEvidenceSchema, 'The documents the report and its values cite'), ...problemResponses(400, 404) },
      },
    },
    async (request) => evidence.of(keyOf(request.params), request.query.indicator),
  );
};
