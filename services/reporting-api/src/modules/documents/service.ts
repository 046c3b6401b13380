/**
 * The registry of documents reports cite: register, change, find, delete (only when nothing cites it), and where
 * each is cited. Registration is deduplicated by domain/documents.ts under a lock per identity, so two scripts
 * registering the same plan at once get one row and the second a 409 with its id.
 */
import type { Db, Tx } from '../../db/connection.js';
import { extractCitations, type Citation } from '../../domain/citations.js';
import { DOCUMENT_TYPES, type DocumentType } from '../../domain/document-types.js';
import { identityKey, issuerKey, resolveYear, sameDocument, yearInNumber, type DocumentIdentity } from '../../domain/documents.js';
import { definedOnly } from '../../domain/patch.js';
import { foldForSearch } from '../../domain/search-text.js';
import { ProblemError, type FieldIssue } from '../../errors.js';
import { DEFAULT_PAGE_LIMIT } from '../../schemas/common.js';
import { decodeCursor } from '../../schemas/cursor.js';
import { fetchPage, mapPage, type CursorPage } from '../../schemas/paging.js';
import { findAgency } from '../agencies/repository.js';
import type { WriteContext } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import { assertMayChangeDocument, requireDocument } from './lookup.js';
import * as repo from './repository.js';
import { MAX_CITATIONS_RETURNED, type Document, type DocumentListQuery, type DocumentPatch, type NewDocument } from './schemas.js';

type Fields = {
  type: DocumentType;
  number: string;
  symbol: string;
  year: number | null;
  issuedOn: string | null;
  issuerAgencyCode: string | null;
  issuerName: string | null;
  summary: string | null;
  url: string | null;
  tags: string[];
};

/** More distinct documents than any report cites: a text past it is not a report's narrative. */
const MAX_REGISTERED_PER_TEXT = 2000;

type ExtractResult = {
  citations: Array<Citation & { documentId?: string }>;
  /** Every citation found, returned or not. */
  found: number;
  truncated: boolean;
  documents: number;
  registered?: { created: number; existing: number; skipped: number };
};

/** The answer's citations, cut to MAX_CITATIONS_RETURNED, with the flag that says so. */
function bounded(citations: ExtractResult['citations']): Pick<ExtractResult, 'citations' | 'found' | 'truncated'> {
  const truncated = citations.length > MAX_CITATIONS_RETURNED;
  return { citations: truncated ? citations.slice(0, MAX_CITATIONS_RETURNED) : citations, found: citations.length, truncated };
}

type Cursor = { rank: number; issuedOn: string; id: string };
const isCursor = (v: unknown): v is Cursor =>
  typeof v === 'object' &&
  v !== null &&
  Number.isInteger((v as Cursor).rank) &&
  typeof (v as Cursor).issuedOn === 'string' &&
  /^\d{4}-\d{2}-\d{2}$/.test((v as Cursor).issuedOn) &&
  typeof (v as Cursor).id === 'string' &&
  /^[0-9a-f-]{36}$/.test((v as Cursor).id);

/** Checks what a schema cannot: the year against the number and the date, one kind of issuer. */
function checkFields(f: Omit<Fields, 'year'> & { year?: number | null | undefined }): number | null {
  const issues: FieldIssue[] = [];
  const year = resolveYear(f);
  if ('conflict' in year)
    for (const field of year.conflict) issues.push({ in: 'body', pointer: `/${field}`, message: `the years of ${year.conflict.join(', ')} disagree` });
  if (f.issuerAgencyCode && f.issuerName) issues.push({ in: 'body', pointer: '/issuerName', message: 'give issuerAgencyCode or issuerName, not both' });
  if (issues.length) throw new ProblemError('VALIDATION_FAILED', 'The document’s fields disagree', { errors: issues });
  return 'year' in year ? year.year : null;
}

export function createDocumentService(db: Db) {
  async function issuerNames(tx: Tx, f: Pick<Fields, 'issuerAgencyCode' | 'issuerName'>): Promise<string[]> {
    if (f.issuerAgencyCode) {
      const agency = await findAgency(tx, f.issuerAgencyCode);
      if (!agency)
        throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${f.issuerAgencyCode}`, {
          errors: [{ in: 'body', pointer: '/issuerAgencyCode', message: 'no such agency' }],
        });
      return repo.namesOfAgency(agency);
    }
    return f.issuerName ? [f.issuerName] : [];
  }

  const identityOf = (f: Fields, names: string[]): DocumentIdentity => ({ ...f, issuerNames: names });
  const rowIdentity = (r: repo.DocumentRecord): DocumentIdentity => ({ ...r, type: r.type, issuerNames: repo.issuerNamesOf(r) });

  /** The registered document this one duplicates, if any. Call under lockIdentities. */
  async function findSame(tx: Tx, identity: DocumentIdentity, exceptId?: string): Promise<repo.DocumentRecord | undefined> {
    const candidates = await repo.findByIdentityKeys(tx, [identityKey(identity)]);
    return candidates.find((r) => r.id !== exceptId && sameDocument(identity, rowIdentity(r)));
  }

  const conflict = (existing: repo.DocumentRecord) =>
    new ProblemError('DOCUMENT_EXISTS', `This document is registered: ${repo.toDocument(existing).citation}`, { extra: { existingId: existing.id } });

  /** The stored keys. An agency's names are not copied in: searches read them from the agency, so a rename shows. */
  function keysOf(f: Fields) {
    const issuerNames = f.issuerName ? [f.issuerName] : [];
    return { identityKey: identityKey(f), searchKey: repo.documentSearchKey({ ...f, issuerNames }), issuerKey: repo.documentIssuerKey({ ...f, issuerNames }) };
  }

  async function insert(tx: Tx, ctx: WriteContext, f: Fields): Promise<repo.DocumentRecord> {
    const id = await repo.insertDocument(tx, {
      ...f,
      ...keysOf(f),
      ownerAgencyCode: ctx.principal?.role === 'agency' ? ctx.principal.agencyCode : null,
      createdBy: ctx.principal?.keyId ?? null,
    });
    const created = await requireDocument(tx, id);
    await recordAudit(tx, ctx.actor, { entity: 'document', entityId: id, action: 'create', after: repo.toDocument(created) });
    return created;
  }

  return {
    types: () => DOCUMENT_TYPES.map((t) => ({ ...t, abbreviations: [...t.abbreviations] })),

    async get(id: string): Promise<Document> {
      return repo.toDocument(await requireDocument(db, id));
    },

    async list(query: DocumentListQuery): Promise<CursorPage<Document>> {
      const words = query.q ? foldForSearch(query.q).split(' ').filter(Boolean) : [];
      const issuerIsAgency = query.issuer !== undefined && (await findAgency(db, query.issuer)) !== undefined;
      const page = await fetchPage(
        query.limit ?? DEFAULT_PAGE_LIMIT,
        (limit) =>
          repo.listDocuments(db, {
            words,
            numbers: words.filter((w) => /^\d+$/.test(w)),
            type: query.type,
            issuerAgency: issuerIsAgency ? query.issuer : undefined,
            issuerWords: query.issuer && !issuerIsAgency ? issuerKey(query.issuer).split(' ').filter(Boolean) : [],
            from: query.from,
            to: query.to,
            year: query.year,
            tag: query.tag,
            after: query.cursor ? decodeCursor(query.cursor, isCursor) : undefined,
            limit,
          }),
        (last) => ({ rank: last.rank, issuedOn: last.sortDate, id: last.id }),
      );
      return mapPage(page, repo.toDocument);
    },

    async create(ctx: WriteContext, input: NewDocument): Promise<Document> {
      const base = {
        type: input.type,
        number: input.number,
        symbol: input.symbol,
        issuedOn: input.issuedOn ?? null,
        issuerAgencyCode: input.issuerAgencyCode ?? null,
        issuerName: input.issuerName ?? null,
        summary: input.summary ?? null,
        url: input.url ?? null,
        tags: input.tags ?? [],
      };
      const fields: Fields = { ...base, year: checkFields({ ...base, year: input.year }) };
      return db.transaction(async (tx) => {
        const names = await issuerNames(tx, fields);
        await repo.lockIdentities(tx, [identityKey(fields)]);
        const existing = await findSame(tx, identityOf(fields, names));
        if (existing) throw conflict(existing);
        return repo.toDocument(await insert(tx, ctx, fields));
      });
    },

    async update(ctx: WriteContext, id: string, patch: DocumentPatch): Promise<Document> {
      return db.transaction(async (tx) => {
        const current = await requireDocument(tx, id, { lock: true });
        await assertMayChangeDocument(tx, ctx.principal, current);
        const given = definedOnly(patch);
        // One kind of issuer: naming one clears the other (naming both is refused below).
        if (given.issuerAgencyCode && given.issuerName === undefined) given.issuerName = null;
        if (given.issuerName && given.issuerAgencyCode === undefined) given.issuerAgencyCode = null;
        const merged = { ...current, ...given } as repo.DocumentRecord;
        const base = {
          type: merged.type,
          number: merged.number,
          symbol: merged.symbol,
          issuedOn: merged.issuedOn,
          issuerAgencyCode: merged.issuerAgencyCode,
          issuerName: merged.issuerName,
          summary: merged.summary,
          url: merged.url,
          tags: merged.tags,
        };
        // The year follows the number and the date; it is kept as it was only when neither carries one.
        const explicitYear = 'year' in given ? given.year : base.issuedOn || yearInNumber(base.number) !== null ? undefined : current.year;
        const fields: Fields = { ...base, year: checkFields({ ...base, year: explicitYear }) };
        const names = await issuerNames(tx, fields);
        await repo.lockIdentities(tx, [identityKey(fields)]);
        const existing = await findSame(tx, identityOf(fields, names), id);
        if (existing) throw conflict(existing);
        await repo.updateDocument(tx, id, { ...fields, ...keysOf(fields) });
        const after = repo.toDocument(await requireDocument(tx, id));
        await recordAudit(tx, ctx.actor, { entity: 'document', entityId: id, action: 'update', before: repo.toDocument(current), after });
        return after;
      });
    },

    /** Deletes the document and its files; refused while a report or value cites it. */
    async remove(ctx: WriteContext, id: string): Promise<void> {
      await db.transaction(async (tx) => {
        const current = await requireDocument(tx, id, { lock: true });
        await assertMayChangeDocument(tx, ctx.principal, current);
        const cited = await repo.citationsOf(tx, id);
        if (cited.reports.length + cited.values.length > 0) {
          throw new ProblemError(
            'DOCUMENT_CITED',
            `The document is cited by ${cited.reports.length} report(s) and ${cited.values.length} value(s); remove those links first`,
            { extra: { citedBy: cited } },
          );
        }
        await repo.deleteDocument(tx, id);
        await recordAudit(tx, ctx.actor, { entity: 'document', entityId: id, action: 'delete', before: repo.toDocument(current) });
      });
    },

    async citations(id: string) {
      await requireDocument(db, id);
      return { documentId: id, ...(await repo.citationsOf(db, id)) };
    },

    /**
     * Every citation in the text; with `register`, each cited document found in the registry or registered, in
     * one transaction. The most complete mention of a document (with its date) is registered, so a later
     * "QĐ số 766/QĐ-TTg" without a date joins the dated entry rather than making its own.
     */
    async extract(ctx: WriteContext, text: string, register: boolean): Promise<ExtractResult> {
      const citations: Array<Citation & { documentId?: string }> = extractCitations(text);
      // Group mentions of one document. Only mentions with the same identity key can be the same document, so
      // each is compared within its key's bucket: linear in the citations, however many documents they name.
      const buckets = new Map<string, Array<{ identity: DocumentIdentity; members: number[] }>>();
      const order = citations.map((_, i) => i).sort((a, b) => Number(!citations[a]!.issuedOn) - Number(!citations[b]!.issuedOn) || a - b);
      for (const i of order) {
        const c = citations[i]!;
        const identity: DocumentIdentity = { ...c, issuerNames: c.issuerName ? [c.issuerName] : [] };
        const key = identityKey(identity);
        const bucket = buckets.get(key) ?? buckets.set(key, []).get(key)!;
        const group = bucket.find((d) => sameDocument(d.identity, identity));
        if (group) group.members.push(i);
        else bucket.push({ identity, members: [i] });
      }
      const distinct = [...buckets.values()].flat();
      if (!register) return { ...bounded(citations), documents: distinct.length };
      if (distinct.length > MAX_REGISTERED_PER_TEXT) {
        throw new ProblemError('VALIDATION_FAILED', `The text cites ${distinct.length} documents; register at most ${MAX_REGISTERED_PER_TEXT} at once`, {
          errors: [
            {
              in: 'body',
              pointer: '/register',
              message: `more than ${MAX_REGISTERED_PER_TEXT} documents: extract without register, or send the text in parts`,
            },
          ],
        });
      }

      return db.transaction(async (tx) => {
        const resolveIssuer = await issuerResolver(tx);
        await repo.lockIdentities(tx, [...buckets.keys()]);
        let created = 0;
        let skipped = 0;
        for (const group of distinct) {
          const first = citations[group.members[0]!]!;
          // A citation that contradicts itself (28/2011/QĐ-UBND dated 2012) is reported, not registered.
          if ('conflict' in resolveYear(first)) {
            skipped++;
            continue;
          }
          const issuerName = group.members.map((i) => citations[i]!.issuerName).find((n) => n !== null) ?? null;
          const agency = issuerName ? resolveIssuer(issuerName) : undefined;
          const fields: Fields = {
            type: first.type,
            number: first.number,
            symbol: first.symbol,
            year: first.year,
            issuedOn: first.issuedOn,
            issuerAgencyCode: agency?.code ?? null,
            issuerName: agency ? null : issuerName,
            summary: null,
            url: null,
            tags: [],
          };
          const names = agency ? agency.names : fields.issuerName ? [fields.issuerName] : [];
          let row = await findSame(tx, identityOf(fields, names));
          if (!row) {
            row = await insert(tx, ctx, fields);
            created++;
          }
          for (const i of group.members) citations[i]!.documentId = row.id;
        }
        return { ...bounded(citations), documents: distinct.length, registered: { created, existing: distinct.length - created - skipped, skipped } };
      });
    },
  };

  /**
   * Matches a body named in the text ("UBND tỉnh", "Sở Nội vụ tỉnh Sóc Trăng") to one of our agencies: the same
   * name or short name, or the start of exactly one agency's.
   */
  async function issuerResolver(tx: Tx) {
    const named = (await repo.agencyNames(tx)).map((a) => ({
      code: a.code,
      names: repo.namesOfAgency(a),
      keys: [a.name, a.shortName].filter((n): n is string => !!n).map(issuerKey),
    }));
    return (name: string) => {
      const key = issuerKey(name);
      const exact = named.filter((a) => a.keys.includes(key));
      if (exact.length === 1) return exact[0];
      const prefixed = named.filter((a) => a.keys.some((k) => k.startsWith(`${key} `)));
      return prefixed.length === 1 ? prefixed[0] : undefined;
    };
  }
}

export type DocumentService = ReturnType<typeof createDocumentService>;
