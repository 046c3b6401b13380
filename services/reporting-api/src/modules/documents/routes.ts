import type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { ACCEPTED_UPLOAD_TYPES } from '../../domain/file-types.js';
import { withoutDiacritics } from '../../domain/search-text.js';
import { ProblemError } from '../../errors.js';
import { writeContextOf } from '../../plugins/auth.js';
import { acceptFileForms, fileFormContent, uploadedFile } from '../../plugins/uploads.js';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import {
  DocumentCitationsSchema,
  DocumentFileListSchema,
  DocumentFileSchema,
  DocumentListQuery,
  DocumentPageSchema,
  DocumentParams,
  DocumentPatchSchema,
  DocumentSchema,
  DocumentTypeInfoSchema,
  ExtractRequestSchema,
  ExtractResultSchema,
  FileParams,
  FILENAME_MAX,
  FILENAME_PATTERN,
  NewDocumentSchema,
  UploadQuery,
} from './schemas.js';

const tags = ['documents'];
const writers = ['admin', 'agency'] as const;

export interface DocumentRouteOptions {
  /** Largest file accepted, bytes. */
  fileLimit: number;
}

/** Bytes in and out, documented under every media type they may have (Swagger UI offers a file picker). */
const binary = { type: 'string', format: 'binary' } as const;
const fileContent = Object.fromEntries(ACCEPTED_UPLOAD_TYPES.map((t) => [t, { schema: binary }]));

/** A form part's file name, held to the same rule as the filename parameter; a raw body must name its file. */
function checkedFormFilename(name: string | undefined): string {
  const pointer = { in: 'querystring', pointer: '/filename' };
  if (name === undefined)
    throw new ProblemError('VALIDATION_FAILED', 'Name the file: ?filename=…', { errors: [{ ...pointer, message: 'required for a raw body' }] });
  if (name.length > FILENAME_MAX || !new RegExp(FILENAME_PATTERN).test(name)) {
    throw new ProblemError('VALIDATION_FAILED', 'The form’s file name has a folder or control characters, or is too long', {
      errors: [{ in: 'body', pointer: '/file', message: `filename must match ${FILENAME_PATTERN}, at most ${FILENAME_MAX} characters` }],
    });
  }
  return name;
}

/** RFC 6266: an ASCII fallback and the exact UTF-8 name, so "Kế hoạch 01.pdf" downloads under its own name. */
function contentDisposition(filename: string): string {
  const fallback = withoutDiacritics(filename).replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`;
}

export const documentRoutes: FastifyPluginAsyncTypebox<DocumentRouteOptions> = async (app, options) => {
  const documents = app.services.documents;
  const files = app.services.documentFiles;

  // Attachments arrive as raw bytes; only in this plugin. The route's bodyLimit answers 413 before reading more.
  app.addContentTypeParser(ACCEPTED_UPLOAD_TYPES, { parseAs: 'buffer', bodyLimit: options.fileLimit }, (_request, body, done) => done(null, body));

  app.get(
    '/v1/documents/types',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listDocumentTypes',
        summary: 'The document types, with Vietnamese names and symbol abbreviations',
        response: { 200: Type.Array(ref(DocumentTypeInfoSchema), { description: 'Every document type, with its Vietnamese name and abbreviation' }) },
      },
    },
    async () => documents.types(),
  );

  app.get(
    '/v1/documents',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listDocuments',
        summary: 'Find documents',
        description:
          'q finds words anywhere in the citation, issuer, summary and tags, without diacritics or case: "ke hoach 01 kh-bql" finds Kế hoạch số 01/KH-BQL. Filters: type, issuer (agency code or name words), issue dates from/to, year, tag. Newest first, a document whose number is a number in q first of all; cursor-paginated.',
        querystring: DocumentListQuery,
        response: { 200: ref(DocumentPageSchema, 'A page of documents, best match first when searching'), ...problemResponses(400) },
      },
    },
    async (request) => documents.list(request.query),
  );

  app.post(
    '/v1/documents',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'createDocument',
        summary: 'Register a document',
        description:
          'A document already registered (same type, number, symbol, issuer and date or year) answers 409 DOCUMENT_EXISTS with existingId. An unknown issuer or a missing date does not tell two records apart.',
        // Not one of the documents the seed registers from the reference report (those are of 2023 and before).
        body: withExample(ref(NewDocumentSchema, 'The document to register'), {
          type: 'ke-hoach',
          number: '03',
          symbol: 'KH-BQL',
          issuedOn: '2024-01-08',
          issuerAgencyCode: 'BQL-KCN',
          summary: 'Kế hoạch cải cách hành chính năm 2024 của Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng',
          tags: ['cải cách hành chính', '2024'],
        }),
        response: { 201: ref(DocumentSchema, 'The document, registered'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      const created = await documents.create(writeContextOf(request), request.body);
      return reply.code(201).header('location', `/v1/documents/${created.id}`).send(created);
    },
  );

  app.post(
    '/v1/documents/extract',
    {
      config: { access: ['admin', 'agency', 'reader'] },
      bodyLimit: 8 * 1024 * 1024,
      schema: {
        tags,
        operationId: 'extractCitations',
        summary: 'Find the documents a text cites',
        description:
          'Every citation in a Vietnamese text (a report’s narrative, notes): type, number, symbol, year, issuer abbreviation, ISO date, the exact text and its offsets. Reads "Kế hoạch số 01/KH-BQL ngày 05/01/2023", "Quyết định số 28/2011/QĐ-UBND", Party "Chỉ thị số 18-CT/TU", "ngày 05 tháng 01 năm 2023", lists joined by "," ";" "và", citations broken across lines or in parentheses. ' +
          'register=true (admin and agency keys) also registers each document, reusing one already registered, in one transaction; the issuer named after "của" is matched to our agencies.',
        body: withExample(ref(ExtractRequestSchema, 'The text to read citations from'), {
          text: 'Ban hành Kế hoạch số 01/KH-BQL ngày 05/01/2023 thực hiện CCHC; Công văn số 535/SNV-TTr ngày 11/3/2022 của Sở Nội vụ.',
        }),
        response: { 200: ref(ExtractResultSchema, 'The citations found, in text order, and what was registered'), ...problemResponses(400, 413) },
      },
    },
    async (request) => {
      const register = request.body.register ?? false;
      if (register && !writers.some((role) => role === request.principal?.role))
        throw new ProblemError('FORBIDDEN', 'Registering documents needs an admin or agency key; extraction alone does not');
      return documents.extract(writeContextOf(request), request.body.text, register);
    },
  );

  app.get(
    '/v1/documents/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getDocument',
        summary: 'Get a document',
        params: DocumentParams,
        response: { 200: ref(DocumentSchema, 'The document'), ...problemResponses(400, 404) },
      },
    },
    async (request) => documents.get(request.params.id),
  );

  app.patch(
    '/v1/documents/:id',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'updateDocument',
        summary: 'Correct a document’s record',
        description:
          'An agency key changes only documents its agency subtree registered. A change that makes it a duplicate of another answers 409 DOCUMENT_EXISTS with existingId.',
        params: DocumentParams,
        body: withExample(ref(DocumentPatchSchema, 'The fields to correct; null clears one'), {
          summary: 'Kế hoạch cải cách hành chính năm 2024 (bản đã sửa đổi, bổ sung)',
          tags: ['cải cách hành chính', 'kế hoạch'],
        }),
        response: { 200: ref(DocumentSchema, 'The document as it is now'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => documents.update(writeContextOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/documents/:id',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'deleteDocument',
        summary: 'Delete a document and its files',
        description: 'Refused while a report or value cites it (409 DOCUMENT_CITED, with citedBy).',
        params: DocumentParams,
        response: { 204: Type.Null({ description: 'Deleted, with its files' }), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      await documents.remove(writeContextOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/v1/documents/:id/citations',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getDocumentCitations',
        summary: 'Every report and value that cites the document',
        params: DocumentParams,
        response: { 200: ref(DocumentCitationsSchema, 'Every report and value citing the document'), ...problemResponses(400, 404) },
      },
    },
    async (request) => documents.citations(request.params.id),
  );

  app.get(
    '/v1/documents/:id/files',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listDocumentFiles',
        summary: 'The files attached to a document',
        params: DocumentParams,
        response: { 200: ref(DocumentFileListSchema, 'The document’s files'), ...problemResponses(400, 404) },
      },
    },
    async (request) => files.list(request.params.id),
  );

  // Forms only here: other routes of the plugin keep refusing multipart bodies.
  await app.register(async (scope) => {
    await acceptFileForms(scope, options.fileLimit);
    const uploads = scope.withTypeProvider<TypeBoxTypeProvider>();
    uploads.post(
      '/v1/documents/:id/files',
      {
        config: { access: writers, bulk: true },
        bodyLimit: options.fileLimit,
        schema: {
          tags,
          operationId: 'uploadDocumentFile',
          summary: 'Attach a file (PDF or office document)',
          description:
            `Send the bytes as the body with the file’s Content-Type (application/pdf, the Word, Excel, PowerPoint or OpenDocument types; application/octet-stream when the name’s extension says which) and its name in filename, ` +
            `or an HTML form (multipart/form-data, \`curl -F file=@ke-hoach.pdf\`) with the file as the part named file. Up to ${options.fileLimit} bytes; beyond that 413 PAYLOAD_TOO_LARGE and nothing is stored. ` +
            'Bytes that are not the type claimed answer 415 FILE_CONTENT_MISMATCH. The answer gives size and SHA-256.',
          params: DocumentParams,
          querystring: UploadQuery,
          body: Type.Unsafe<Buffer>({ content: { ...fileContent, ...fileFormContent('The file (PDF or office document)') } }),
          response: { 201: ref(DocumentFileSchema, 'The file, stored, with its size and SHA-256'), ...problemResponses(400, 404, 413, 415) },
        },
      },
      async (request, reply) => {
        const upload = await uploadedFile(
          request,
          `Send the file’s bytes with its Content-Type (${ACCEPTED_UPLOAD_TYPES.join(', ')}), or a form with a file part`,
        );
        const filename = request.query.filename ?? checkedFormFilename(upload.filename);
        const file = await files.upload(writeContextOf(request), request.params.id, { filename, declaredType: upload.contentType, bytes: upload.bytes });
        return reply.code(201).header('location', `/v1/documents/${file.documentId}/files/${file.id}`).send(file);
      },
    );
  });

  app.get(
    '/v1/documents/:id/files/:fileId',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'downloadDocumentFile',
        summary: 'Download a file, byte for byte as uploaded',
        description: 'ETag is the SHA-256 of the bytes; Repr-Digest carries it too (RFC 9530).',
        params: FileParams,
        response: { 200: Type.Unsafe<Buffer>({ description: 'The file', content: fileContent }), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      const { file, bytes } = await files.download(request.params.id, request.params.fileId);
      return reply
        .type(file.contentType)
        .header('content-length', bytes.length)
        .header('content-disposition', contentDisposition(file.filename))
        .header('etag', `"${file.sha256}"`)
        .header('repr-digest', `sha-256=:${Buffer.from(file.sha256, 'hex').toString('base64')}:`)
        .header('cache-control', 'private, max-age=0, must-revalidate')
        .send(bytes);
    },
  );

  app.delete(
    '/v1/documents/:id/files/:fileId',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'deleteDocumentFile',
        summary: 'Remove a file from a document',
        params: FileParams,
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      await files.remove(writeContextOf(request), request.params.id, request.params.fileId);
      return reply.code(204).send(null);
    },
  );
};
