/** The official documents as DOCX: one report (Nghị định 30/2020 layout), and the province's summary of a period. */
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { problemResponses } from '../../schemas/common.js';
import { AgencyCode } from '../agencies/schemas.js';
import { PeriodIdParams } from '../periods/schemas.js';
import { createDocumentService, DOCX_TYPE, type DocxFile } from './document.js';
import { keyOf } from './keys.js';
import { ReportParams } from './value-schemas.js';

const tags = ['reports'];

const docxFile = (description: string) => Type.Unsafe<Buffer>({ description, content: { [DOCX_TYPE]: { schema: { type: 'string', format: 'binary' } } } });

export const reportDocumentRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const documents = createDocumentService({
    reader: app.services.reader,
    reports: app.services.reports,
    dashboards: app.services.dashboards,
    agencies: app.services.agencies,
  });
  const disposition = (file: DocxFile) => `attachment; filename="${file.filename}"`;

  app.get(
    '/v1/reports/:periodId/:agencyCode/document',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'exportReportDocument',
        summary: 'The report as an official document (DOCX, Nghị định 30/2020 layout)',
        description:
          'A4, Times New Roman: the issuing body and national motto, number and date, BÁO CÁO with its trích yếu, Kính gửi, the narrative by section, Nơi nhận and the signer, then the annex table (numbers written the Vietnamese way). ' +
          'From the report’s document metadata (PATCH document); what is not set takes its default or is printed as dots.',
        params: ReportParams,
        response: { 200: docxFile('The report as a Word document'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const file = await documents.report(keyOf(request.params));
      return reply.type(file.contentType).header('content-disposition', disposition(file)).send(file.body);
    },
  );

  app.get(
    '/v1/periods/:id/summary-document',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'exportPeriodSummaryDocument',
        summary: 'The province’s summary of a period for Sở Nội vụ (DOCX)',
        description:
          'Same layout as the report document: who reported (on time, late, missing, against the expected agencies), the roll-up over the tree of agency, and the blocking and warning findings of each report that holds values (drafts included).',
        params: PeriodIdParams,
        querystring: Type.Object(
          {
            agency: Type.Optional({ ...AgencyCode, description: 'Root of the roll-up (default UBND-ST)' }),
            issuer: Type.Optional({ ...AgencyCode, description: 'The issuing agency (default SNV); its parent is the cơ quan chủ quản' }),
          },
          { additionalProperties: false },
        ),
        response: { 200: docxFile('The summary as a Word document'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const file = await documents.summary(request.params.id, { agency: request.query.agency ?? 'UBND-ST', issuer: request.query.issuer ?? 'SNV' });
      return reply.type(file.contentType).header('content-disposition', disposition(file)).send(file.body);
    },
  );
};
