/**
 * Files attached to a registered document (the signed PDF of a plan, the scanned decision). Bytes are kept in
 * PostgreSQL beside the document: an upload commits with its audit entry or not at all, deleting the document
 * deletes them, and every instance sees them without a shared disk. The size cap is enforced before a byte is
 * read into the handler (route bodyLimit), so an oversized upload stores nothing.
 */
import { createHash } from 'node:crypto';
import type { Db, Tx } from '../../db/connection.js';
import { fileTypeOf } from '../../domain/file-types.js';
import { ProblemError } from '../../errors.js';
import type { WriteContext } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import { assertMayChangeDocument, requireDocument } from './lookup.js';
import * as repo from './repository.js';
import type { DocumentFile } from './schemas.js';

export function createDocumentFileService(db: Db) {
  async function mustFindFile(
    tx: Tx,
    documentId: string,
    fileId: string,
    options: { lock?: boolean } = {},
  ): Promise<{ document: repo.DocumentRecord; file: repo.FileRow }> {
    const document = await requireDocument(tx, documentId, options);
    const file = await repo.findFile(tx, documentId, fileId);
    if (!file) throw new ProblemError('FILE_NOT_FOUND', `The document ${documentId} has no file ${fileId}`);
    return { document, file };
  }

  return {
    async list(documentId: string): Promise<{ items: DocumentFile[] }> {
      await requireDocument(db, documentId);
      return { items: (await repo.listFiles(db, documentId)).map(repo.toFile) };
    },

    async upload(ctx: WriteContext, documentId: string, upload: { filename: string; declaredType: string; bytes: Buffer }): Promise<DocumentFile> {
      if (upload.bytes.length === 0)
        throw new ProblemError('VALIDATION_FAILED', 'The file is empty', { errors: [{ in: 'body', pointer: '', message: 'no bytes' }] });
      const type = fileTypeOf(upload.declaredType, upload.filename, upload.bytes);
      if ('refused' in type) throw new ProblemError('FILE_CONTENT_MISMATCH', type.refused);
      const sha256 = createHash('sha256').update(upload.bytes).digest('hex');
      return db.transaction(async (tx) => {
        const document = await requireDocument(tx, documentId, { lock: true });
        await assertMayChangeDocument(tx, ctx.principal, document);
        const row = await repo.insertFile(tx, {
          documentId,
          filename: upload.filename.normalize('NFC'),
          contentType: type.contentType,
          sizeBytes: upload.bytes.length,
          sha256,
          content: upload.bytes,
          createdBy: ctx.principal?.keyId ?? null,
        });
        const file = repo.toFile(row);
        await recordAudit(tx, ctx.actor, { entity: 'document-file', entityId: file.id, action: 'create', after: file });
        return file;
      });
    },

    async download(documentId: string, fileId: string): Promise<{ file: DocumentFile; bytes: Buffer }> {
      const { file } = await mustFindFile(db, documentId, fileId);
      const bytes = await repo.fileContent(db, fileId);
      if (!bytes) throw new ProblemError('FILE_NOT_FOUND', `The document ${documentId} has no file ${fileId}`);
      return { file: repo.toFile(file), bytes };
    },

    async remove(ctx: WriteContext, documentId: string, fileId: string): Promise<void> {
      await db.transaction(async (tx) => {
        const { document, file } = await mustFindFile(tx, documentId, fileId, { lock: true });
        await assertMayChangeDocument(tx, ctx.principal, document);
        await repo.deleteFile(tx, fileId);
        await recordAudit(tx, ctx.actor, { entity: 'document-file', entityId: fileId, action: 'delete', before: repo.toFile(file) });
      });
    },
  };
}

export type DocumentFileService = ReturnType<typeof createDocumentFileService>;
