/** POST /v1/reports/{period}/{agency}/document: a report written in Word, read into narrative, values and evidence. */
import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { writeContextOf } from '../../plugins/auth.js';
import { acceptFileForms, fileFormContent, uploadedFile } from '../../plugins/uploads.js';
import { problemResponses } from '../../schemas/common.js';
import { createDocumentImportService, DOCX_TYPE, ODT_TYPE } from './document-import.js';
import { DocumentImportQuery, DocumentImportResultSchema } from './document-import-schemas.js';
import { keyOf } from './keys.js';
import { ReportParams } from './value-schemas.js';

const writers = ['admin', 'agency'] as const;
const MAX_DOCUMENT_FILE = 20 * 1024 * 1024;

export const documentImportRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const { reports, annex, documents, values, reader } = app.services;
  const service = createDocumentImportService(app.database.db, { reports, annex, documents, values, reader });

  // Word files arrive as raw bytes; ODT is taken only to be refused with a clear problem. Only in this plugin.
  app.addContentTypeParser([DOCX_TYPE, ODT_TYPE, 'application/octet-stream'], { parseAs: 'buffer', bodyLimit: MAX_DOCUMENT_FILE }, (_request, body, done) =>
    done(null, body),
  );
  await acceptFileForms(app, MAX_DOCUMENT_FILE);

  app.withTypeProvider<TypeBoxTypeProvider>().post(
    '/v1/reports/:periodId/:agencyCode/document',
    {
      config: { access: writers, bulk: true },
      bodyLimit: MAX_DOCUMENT_FILE,
      schema: {
        tags: ['reports'],
        operationId: 'importReportDocument',
        summary: 'Import a report written in Word (DOCX): narrative, annex table, citations',
        description:
          'Send the DOCX as the body (its Content-Type, or application/octet-stream), or as an HTML form (multipart/form-data, `curl -F file=@bao-cao.docx`) with the file as the part named file. ' +
          'The narrative is split into sections by their headings ("I.", "II.", … at the start of a paragraph; sub-headings "1.", "2." stay inside) and written to the report’s narrative, as PATCH does (other sections stay). ' +
          'The Word table STT | Chỉ tiêu thống kê | Đơn vị tính | Kết quả thống kê | Ghi chú goes through the annex import: the same matching, summary, dry run and atomicity (an unmatched or unreadable row refuses the file, 422 SUBMISSION_REJECTED, and nothing is written). ' +
          'Citations are read from the narrative and from each row’s Ghi chú; register=true registers the documents and cites them as the report’s and the values’ evidence. ' +
          'ODT and other files answer 415 FILE_CONTENT_MISMATCH (save as .docx); a frozen report answers 409.',
        params: ReportParams,
        querystring: DocumentImportQuery,
        body: Type.Unsafe<Buffer>({
          content: {
            [DOCX_TYPE]: { schema: { type: 'string', format: 'binary', description: 'A Word document (DOCX)' } },
            ...fileFormContent('The report as a Word document (DOCX)'),
          },
        }),
        response: {
          200: DocumentImportResultSchema,
          ...problemResponses(400, 404, 409, 413, 415, 422),
        },
      },
    },
    async (request) => {
      const upload = await uploadedFile(request, `Send the file as ${DOCX_TYPE}, or a form with a file part`);
      return service.importDocument(writeContextOf(request), keyOf(request.params), upload.bytes, {
        dryRun: request.query.dryRun ?? false,
        atomic: request.query.atomic ?? true,
        register: request.query.register ?? false,
      });
    },
  );
};
