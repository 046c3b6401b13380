import type { Tx } from '../../db/connection.js';
import type { Principal } from '../../domain/roles.js';
import { ProblemError } from '../../errors.js';
import { assertMayWriteFor } from '../agencies/scope.js';
import { findDocuments, lockDocument, type DocumentRecord } from './repository.js';

/**
 * The document with this id, or 404 DOCUMENT_NOT_FOUND. `lock` holds its row until the transaction ends, so two
 * corrections (or a correction and a deletion) of one document apply one after the other, each to what the
 * other left.
 */
export async function requireDocument(db: Tx, id: string, options: { lock?: boolean } = {}): Promise<DocumentRecord> {
  if (options.lock) await lockDocument(db, id);
  const row = (await findDocuments(db, [id])).get(id);
  if (!row) throw new ProblemError('DOCUMENT_NOT_FOUND', `No document has the id ${id}`);
  return row;
}

/**
 * Who may change a document and its files: admins; an agency key when its agency's subtree registered it. A
 * document an admin registered is the province's; agencies cite it but do not change it.
 */
export async function assertMayChangeDocument(db: Tx, principal: Principal | undefined, document: DocumentRecord): Promise<void> {
  if (principal?.role === 'admin') return;
  if (!document.ownerAgencyCode) throw new ProblemError('FORBIDDEN', 'Only an admin may change a document an admin registered');
  await assertMayWriteFor(db, principal, document.ownerAgencyCode);
}
