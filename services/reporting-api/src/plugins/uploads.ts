/**
 * File uploads in the two shapes clients send them: the raw bytes as the body with the file's own Content-Type
 * (scripts, the typed client), or an HTML form / `curl -F file=@…` as multipart/form-data with one part named
 * `file`. Both give the route the same { bytes, contentType, filename }, so the size cap and content checks are
 * the same whichever way a file comes. Forms are accepted only where `acceptFileForms` is registered, in the
 * upload route's own plugin; every other route still refuses them.
 */
import multipart from '@fastify/multipart';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ProblemError } from '../errors.js';

export const FORM_TYPE = 'multipart/form-data';
export const FILE_FIELD = 'file';

export interface UploadedFile {
  bytes: Buffer;
  /** The media type the client gave the file: the body's Content-Type, or the form part's. */
  contentType: string;
  /** The name the form gave the file; raw bodies carry none. */
  filename: string | undefined;
}

/** Lets this plugin's routes take multipart/form-data; a file over `fileLimit` bytes answers 413. */
export async function acceptFileForms(app: FastifyInstance, fileLimit: number): Promise<void> {
  await app.register(multipart, {
    throwFileSizeLimit: true,
    // One file and a few small text fields (Swagger UI and browsers may add some): nothing else is read.
    limits: { fileSize: fileLimit, files: 1, fields: 10, fieldSize: 1024, parts: 11, headerPairs: 100 },
  });
}

/** The multipart body of an OpenAPI request body: one binary part named `file`. */
export function fileFormContent(description: string) {
  return {
    [FORM_TYPE]: {
      schema: {
        type: 'object',
        properties: { [FILE_FIELD]: { type: 'string', format: 'binary', description } },
        required: [FILE_FIELD],
      },
    },
  };
}

/** The uploaded file of a raw-body or form request; `refusal` says what to send when neither is there. */
export async function uploadedFile(request: FastifyRequest, refusal: string): Promise<UploadedFile> {
  if (Buffer.isBuffer(request.body)) {
    const contentType = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    return { bytes: request.body, contentType, filename: undefined };
  }
  if (!request.isMultipart?.()) throw new ProblemError('UNSUPPORTED_MEDIA_TYPE', refusal);
  const part = await request.file();
  if (!part || part.fieldname !== FILE_FIELD) {
    throw new ProblemError('VALIDATION_FAILED', `The form has no file part named "${FILE_FIELD}"`, {
      errors: [{ in: 'body', pointer: `/${FILE_FIELD}`, message: 'required: the file, as a form part named file' }],
    });
  }
  // toBuffer throws a 413 once the part passes fileSize, before more is read.
  const bytes = await part.toBuffer();
  return { bytes, contentType: part.mimetype.toLowerCase(), filename: part.filename || undefined };
}
