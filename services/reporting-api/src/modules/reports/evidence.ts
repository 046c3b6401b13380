/**
 * The documents a report cites as evidence, as a whole and for each value. The links belong to the report; the
 * documents themselves are the registry's (documents module), read from there.
 */
import type { Db } from '../../db/connection.js';
import { evidenceLinks, findDocuments, toDocument } from '../documents/repository.js';
import { requireExisting, type ReportReader } from './context.js';
import type { ReportKey } from './keys.js';

export function createEvidenceService(db: Db, deps: { reader: ReportReader }) {
  return {
    /** `indicator` limits the values to one indicator: that value's evidence. */
    async of(key: ReportKey, indicator?: string) {
      requireExisting(await deps.reader.head(key));
      const links = await evidenceLinks(db, key, indicator);
      const docs = await findDocuments(db, [...links.report, ...links.values.map((v) => v.documentId)]);
      const view = (ids: string[]) => ids.flatMap((id) => (docs.has(id) ? [toDocument(docs.get(id)!)] : []));
      const byIndicator = new Map<string, string[]>();
      for (const v of links.values) byIndicator.set(v.indicator, [...(byIndicator.get(v.indicator) ?? []), v.documentId]);
      return { ...key, report: view(links.report), values: [...byIndicator].map(([code, ids]) => ({ indicator: code, documents: view(ids) })) };
    },
  };
}

export type EvidenceService = ReturnType<typeof createEvidenceService>;
