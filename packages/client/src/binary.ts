/**
 * Routes whose bodies are files. openapi-fetch serialises bodies as JSON and parses answers as JSON unless told
 * otherwise, so these helpers pass the bytes through (`bodySerializer`), set the file's Content-Type, and read
 * answers with `parseAs: 'arrayBuffer'`; callers give and get bytes with no casts.
 */
import type { CchcClient } from './client.js';
import { filenameOf } from './content-disposition.js';
import { base64ToHex, sha256Hex } from './digest.js';
import { failureOf } from './problem.js';
import type { DocumentFile, ImportSummary } from './types.js';

export type FileInput = Blob | Uint8Array | ArrayBuffer;
export type AnnexFormat = 'csv' | 'xlsx';

export const ANNEX_TYPES: Record<AnnexFormat, string> = {
  csv: 'text/csv',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** Thrown when downloaded bytes do not have the SHA-256 the service announced (or it announced none). */
export class IntegrityError extends Error {
  readonly expected: string | undefined;
  readonly actual: string;

  constructor(message: string, expected: string | undefined, actual: string) {
    super(message);
    this.name = 'IntegrityError';
    this.expected = expected;
    this.actual = actual;
  }
}

function toBlob(file: FileInput, type: string): Blob {
  if (file instanceof Blob) return file.type === type ? file : new Blob([file], { type });
  if (file instanceof ArrayBuffer) return new Blob([file], { type });
  // A view over a SharedArrayBuffer is not a valid BlobPart: only that case is copied.
  return new Blob([file.buffer instanceof ArrayBuffer ? (file as Uint8Array<ArrayBuffer>) : new Uint8Array(file)], { type });
}

// The body is already the Blob to send; openapi-fetch's default would JSON.stringify it.
const asIs = <T>(body: T): T => body;

/** Imports a filled annex table (CSV or XLSX) into a report; atomic by default on the service's side. */
export async function importAnnex(
  client: CchcClient,
  input: { periodId: string; agencyCode: string; file: FileInput; format: AnnexFormat; dryRun?: boolean; atomic?: boolean },
): Promise<ImportSummary> {
  const type = ANNEX_TYPES[input.format];
  const { data, error, response } = await client.POST('/v1/reports/{periodId}/{agencyCode}/annex', {
    params: {
      path: { periodId: input.periodId, agencyCode: input.agencyCode },
      query: { ...(input.dryRun !== undefined && { dryRun: input.dryRun }), ...(input.atomic !== undefined && { atomic: input.atomic }) },
    },
    body: toBlob(input.file, type),
    bodySerializer: asIs,
    headers: { 'content-type': type },
  });
  if (error !== undefined || !response.ok || data === undefined) throw failureOf(error, response);
  return data;
}

/** Exports a report as the official annex table. */
export async function exportAnnex(
  client: CchcClient,
  input: { periodId: string; agencyCode: string; format: AnnexFormat; supplementary?: boolean },
): Promise<{ bytes: Uint8Array<ArrayBuffer>; filename: string | undefined; contentType: string }> {
  const { data, error, response } = await client.GET('/v1/reports/{periodId}/{agencyCode}/annex', {
    params: {
      path: { periodId: input.periodId, agencyCode: input.agencyCode },
      query: { format: input.format, ...(input.supplementary !== undefined && { supplementary: input.supplementary }) },
    },
    parseAs: 'arrayBuffer',
  });
  if (error !== undefined || !response.ok) throw failureOf(error, response);
  const bytes = new Uint8Array(data ?? new ArrayBuffer(0));
  return { bytes, filename: filenameOf(response.headers.get('content-disposition')), contentType: typeOf(response) };
}

/** Attaches a file to a document; checks that the service stored the bytes that were sent (its SHA-256). */
export async function uploadDocumentFile(
  client: CchcClient,
  input: { documentId: string; file: FileInput; contentType: string; filename: string },
): Promise<DocumentFile> {
  const blob = toBlob(input.file, input.contentType);
  const { data, error, response } = await client.POST('/v1/documents/{id}/files', {
    params: { path: { id: input.documentId }, query: { filename: input.filename } },
    body: blob,
    bodySerializer: asIs,
    headers: { 'content-type': input.contentType },
  });
  if (error !== undefined || !response.ok || data === undefined) throw failureOf(error, response);
  const sent = await sha256Hex(await blob.arrayBuffer());
  if (data.sha256 !== sent) {
    throw new IntegrityError(`The service stored ${data.sha256}, but the bytes sent hash to ${sent}`, data.sha256, sent);
  }
  return data;
}

/**
 * Downloads a file and checks its bytes against the SHA-256 the service sends (Repr-Digest, else a strong ETag).
 * Throws IntegrityError when they differ, or when neither header is there to check against.
 */
export async function downloadDocumentFile(
  client: CchcClient,
  input: { documentId: string; fileId: string },
): Promise<{ bytes: Uint8Array<ArrayBuffer>; sha256: string; contentType: string; filename: string | undefined }> {
  const { data, error, response } = await client.GET('/v1/documents/{id}/files/{fileId}', {
    params: { path: { id: input.documentId, fileId: input.fileId } },
    parseAs: 'arrayBuffer',
  });
  if (error !== undefined || !response.ok) throw failureOf(error, response);
  const bytes = new Uint8Array(data ?? new ArrayBuffer(0));
  const sha256 = await sha256Hex(bytes);
  const expected = announcedSha256(response.headers);
  if (expected === undefined) {
    throw new IntegrityError('The answer carries no SHA-256 (Repr-Digest or ETag) to check the bytes against', undefined, sha256);
  }
  if (expected !== sha256) throw new IntegrityError(`The bytes hash to ${sha256}, the service announced ${expected}`, expected, sha256);
  return { bytes, sha256, contentType: typeOf(response), filename: filenameOf(response.headers.get('content-disposition')) };
}

/**
 * The hex SHA-256 announced by Repr-Digest (RFC 9530, `sha-256=:base64:`) or by a strong ETag of 64 hex digits.
 * A weak ETag (W/…) says only "equivalent", so it is not used.
 */
export function announcedSha256(headers: Headers): string | undefined {
  const digest = /(?:^|,)\s*sha-256=:([A-Za-z0-9+/=]+):/i.exec(headers.get('repr-digest') ?? '');
  if (digest) return base64ToHex(digest[1]!);
  const etag = /^"([0-9a-f]{64})"$/i.exec(headers.get('etag')?.trim() ?? '');
  return etag?.[1]!.toLowerCase();
}

function typeOf(response: Response): string {
  return (response.headers.get('content-type') ?? 'application/octet-stream').split(';')[0]!.trim();
}
