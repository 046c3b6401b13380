import { and, asc, desc, eq, gte, inArray, like, lte, sql, type SQL } from 'drizzle-orm';
import type { Tx } from '../../db/connection.js';
import { LOCKS } from '../../db/locks.js';
import { agencies, documentFiles, documents, reportEvidence, valueEvidence } from '../../db/schema.js';
import { documentTypeInfo, type DocumentType } from '../../domain/document-types.js';
import { citationOf, referenceOf } from '../../domain/documents.js';
import { symbolIssuer } from '../../domain/citations.js';
import { escapeLike, foldForSearch } from '../../domain/search-text.js';
import type { Document, DocumentFile } from './schemas.js';

export type DocumentRow = typeof documents.$inferSelect;
export type DocumentInsert = typeof documents.$inferInsert;
/** A document row with what its view needs from elsewhere. */
export type DocumentRecord = DocumentRow & { issuerAgencyName: string | null; issuerAgencyShortName: string | null; fileCount: number };

export function toDocument(row: DocumentRecord): Document {
  const type = row.type;
  return {
    id: row.id,
    type,
    typeName: documentTypeInfo(type).name,
    number: row.number,
    symbol: row.symbol,
    reference: referenceOf(row),
    citation: citationOf({ ...row, type }),
    year: row.year,
    issuedOn: row.issuedOn,
    issuer: symbolIssuer(type, row.symbol),
    issuerAgencyCode: row.issuerAgencyCode,
    issuerName: row.issuerAgencyCode ? row.issuerAgencyName : row.issuerName,
    summary: row.summary,
    url: row.url,
    tags: row.tags,
    ownerAgencyCode: row.ownerAgencyCode,
    fileCount: row.fileCount,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The names an agency goes by as an issuer: its code, name and short name. */
export const namesOfAgency = (a: { code: string; name: string | null; shortName: string | null }): string[] =>
  [a.code, a.name, a.shortName].filter((n): n is string => !!n);

/** Names the issuer goes by, for the duplicate check. */
export const issuerNamesOf = (row: Pick<DocumentRecord, 'issuerAgencyCode' | 'issuerAgencyName' | 'issuerAgencyShortName' | 'issuerName'>): string[] =>
  row.issuerAgencyCode
    ? namesOfAgency({ code: row.issuerAgencyCode, name: row.issuerAgencyName, shortName: row.issuerAgencyShortName })
    : row.issuerName
      ? [row.issuerName]
      : [];

/** foldForSearch of the issuer's abbreviation in the symbol and its name (not an agency's): what the issuer filter reads. */
export function documentIssuerKey(d: { type: DocumentType; symbol: string; issuerNames: string[] }): string {
  return foldForSearch([symbolIssuer(d.type, d.symbol) ?? '', ...d.issuerNames].join(' | '));
}

export function documentSearchKey(d: {
  type: DocumentType;
  number: string;
  symbol: string;
  issuedOn: string | null;
  summary?: string | null;
  tags?: string[];
  issuerNames: string[];
}): string {
  return foldForSearch([citationOf(d), ...d.issuerNames, d.summary ?? '', ...(d.tags ?? [])].join(' '));
}

const fileCount = sql<number>`(select count(*)::int from ${documentFiles} where ${documentFiles.documentId} = ${documents.id})`;

function selectRecords(db: Tx) {
  return db
    .select({ document: documents, issuerAgencyName: agencies.name, issuerAgencyShortName: agencies.shortName, fileCount })
    .from(documents)
    .leftJoin(agencies, eq(agencies.code, documents.issuerAgencyCode));
}
const flatten = (r: { document: DocumentRow; issuerAgencyName: string | null; issuerAgencyShortName: string | null; fileCount: number }): DocumentRecord => ({
  ...r.document,
  issuerAgencyName: r.issuerAgencyName,
  issuerAgencyShortName: r.issuerAgencyShortName,
  fileCount: Number(r.fileCount),
});

export async function findDocuments(db: Tx, ids: string[]): Promise<Map<string, DocumentRecord>> {
  if (ids.length === 0) return new Map();
  const rows = await selectRecords(db).where(inArray(documents.id, ids));
  return new Map(rows.map((r) => [r.document.id, flatten(r)]));
}

export async function findByIdentityKeys(db: Tx, keys: string[]): Promise<DocumentRecord[]> {
  if (keys.length === 0) return [];
  return (await selectRecords(db).where(inArray(documents.identityKey, keys)).orderBy(asc(documents.createdAt))).map(flatten);
}

export async function lockDocument(db: Tx, id: string): Promise<void> {
  await db.select({ id: documents.id }).from(documents).where(eq(documents.id, id)).for('update');
}

/** Serialises registrations of one identity across transactions and instances (two scripts registering at once). */
export async function lockIdentities(db: Tx, keys: string[]): Promise<void> {
  const sorted = [...new Set(keys)].sort();
  if (sorted.length === 0) return;
  await db.execute(
    sql`select count(pg_advisory_xact_lock(${LOCKS.documentIdentity}::int, hashtext(k))) from (select k from unnest(${sql.param(sorted)}::text[]) as k order by k) as ordered`,
  );
}

export interface DocumentFilter {
  words: string[];
  numbers: string[];
  type?: DocumentType | undefined;
  issuerAgency?: string | undefined;
  issuerWords: string[];
  from?: string | undefined;
  to?: string | undefined;
  year?: number | undefined;
  tag?: string | undefined;
  after?: { rank: number; issuedOn: string; id: string } | undefined;
  limit: number;
}

/**
 * Newest first (issue date, undated last), documents whose number is one of the query's numbers ahead of the
 * rest: "ke hoach 01" (or "ke hoach 1") puts Kế hoạch số 01 before a Kế hoạch dated in January. Keyset-paginated
 * on that order.
 */
export async function listDocuments(db: Tx, f: DocumentFilter): Promise<Array<DocumentRecord & { rank: number; sortDate: string }>> {
  const where: SQL[] = [];
  if (f.type) where.push(eq(documents.type, f.type));
  if (f.from) where.push(gte(documents.issuedOn, f.from));
  if (f.to) where.push(lte(documents.issuedOn, f.to));
  if (f.year) where.push(eq(documents.year, f.year));
  if (f.tag) where.push(sql`${f.tag} = any(${documents.tags})`);
  if (f.issuerAgency) where.push(eq(documents.issuerAgencyCode, f.issuerAgency));
  // An agency's names are read from the agency (its search key), not copied into the document's keys.
  const agencyKey = sql`coalesce(${agencies.searchKey}, '')`;
  for (const word of f.issuerWords) where.push(like(sql`${documents.issuerKey} || ' ' || ${agencyKey}`, `%${escapeLike(word)}%`));
  for (const word of f.words) where.push(like(sql`${documents.searchKey} || ' ' || ${agencyKey}`, `%${escapeLike(word)}%`));
  const rank = f.numbers.length
    ? sql<number>`(case when ltrim(split_part(${documents.number}, '/', 1), '0') in (${sql.join(
        f.numbers.map((n) => sql`${n.replace(/^0+/, '')}`),
        sql`, `,
      )}) then 0 else 1 end)`
    : sql<number>`cast(1 as integer)`; // not a bare 1: ORDER BY 1 would mean the first column
  const sortDate = sql<string>`coalesce(${documents.issuedOn}, date '0001-01-01')::text`;
  if (f.after) {
    where.push(
      sql`((${rank}) > ${f.after.rank} or ((${rank}) = ${f.after.rank} and (${sortDate}::date < ${f.after.issuedOn}::date or (${sortDate}::date = ${f.after.issuedOn}::date and ${documents.id} > ${f.after.id}::uuid))))`,
    );
  }
  const rows = await db
    .select({ document: documents, issuerAgencyName: agencies.name, issuerAgencyShortName: agencies.shortName, fileCount, rank, sortDate })
    .from(documents)
    .leftJoin(agencies, eq(agencies.code, documents.issuerAgencyCode))
    .where(and(...where))
    .orderBy(asc(rank), desc(sortDate), asc(documents.id))
    .limit(f.limit);
  return rows.map((r) => ({ ...flatten(r), rank: Number(r.rank), sortDate: r.sortDate }));
}

export async function insertDocument(db: Tx, row: DocumentInsert): Promise<string> {
  const [created] = await db.insert(documents).values(row).returning({ id: documents.id });
  return created!.id;
}

export async function updateDocument(db: Tx, id: string, values: Partial<DocumentInsert>): Promise<void> {
  await db
    .update(documents)
    .set({ ...values, updatedAt: new Date() })
    .where(eq(documents.id, id));
}

export async function deleteDocument(db: Tx, id: string): Promise<void> {
  await db.delete(documents).where(eq(documents.id, id));
}

export async function agencyNames(db: Tx) {
  return db.select({ code: agencies.code, name: agencies.name, shortName: agencies.shortName }).from(agencies);
}

// ---- Where a document is cited --------------------------------------------------------------------------

export async function citationsOf(db: Tx, id: string) {
  const reports = await db
    .select({ periodId: reportEvidence.periodId, agencyCode: reportEvidence.agencyCode })
    .from(reportEvidence)
    .where(eq(reportEvidence.documentId, id))
    .orderBy(asc(reportEvidence.periodId), asc(reportEvidence.agencyCode));
  const values = await db
    .select({ periodId: valueEvidence.periodId, agencyCode: valueEvidence.agencyCode, indicator: valueEvidence.indicatorCode })
    .from(valueEvidence)
    .where(eq(valueEvidence.documentId, id))
    .orderBy(asc(valueEvidence.periodId), asc(valueEvidence.agencyCode), asc(valueEvidence.indicatorCode));
  return { reports, values };
}

/** The documents a report cites, as a whole and for each value (optionally one indicator's). */
export async function evidenceLinks(db: Tx, key: { periodId: string; agencyCode: string }, indicator?: string) {
  const report = await db
    .select({ documentId: reportEvidence.documentId })
    .from(reportEvidence)
    .where(and(eq(reportEvidence.periodId, key.periodId), eq(reportEvidence.agencyCode, key.agencyCode)));
  const values = await db
    .select({ indicator: valueEvidence.indicatorCode, documentId: valueEvidence.documentId })
    .from(valueEvidence)
    .where(
      and(
        eq(valueEvidence.periodId, key.periodId),
        eq(valueEvidence.agencyCode, key.agencyCode),
        indicator === undefined ? undefined : eq(valueEvidence.indicatorCode, indicator),
      ),
    )
    .orderBy(asc(valueEvidence.indicatorCode), asc(valueEvidence.createdAt));
  return { report: report.map((r) => r.documentId), values };
}

/** The ids among `ids` that name no registered document. */
export async function missingDocuments(db: Tx, ids: string[]): Promise<Set<string>> {
  const unique = [...new Set(ids)];
  if (unique.length === 0) return new Set();
  const found = await db.select({ id: documents.id }).from(documents).where(inArray(documents.id, unique));
  const known = new Set(found.map((r) => r.id));
  return new Set(unique.filter((id) => !known.has(id)));
}

// ---- Files ----------------------------------------------------------------------------------------------

export type FileRow = Omit<typeof documentFiles.$inferSelect, 'content'>;

const fileColumns = {
  id: documentFiles.id,
  documentId: documentFiles.documentId,
  filename: documentFiles.filename,
  contentType: documentFiles.contentType,
  sizeBytes: documentFiles.sizeBytes,
  sha256: documentFiles.sha256,
  createdBy: documentFiles.createdBy,
  createdAt: documentFiles.createdAt,
};

export const toFile = (row: FileRow): DocumentFile => ({
  id: row.id,
  documentId: row.documentId,
  filename: row.filename,
  contentType: row.contentType,
  size: row.sizeBytes,
  sha256: row.sha256,
  createdAt: row.createdAt.toISOString(),
});

export async function listFiles(db: Tx, documentId: string): Promise<FileRow[]> {
  return db
    .select(fileColumns)
    .from(documentFiles)
    .where(eq(documentFiles.documentId, documentId))
    .orderBy(asc(documentFiles.createdAt), asc(documentFiles.id));
}

export async function findFile(db: Tx, documentId: string, fileId: string): Promise<FileRow | undefined> {
  const [row] = await db
    .select(fileColumns)
    .from(documentFiles)
    .where(and(eq(documentFiles.documentId, documentId), eq(documentFiles.id, fileId)));
  return row;
}

export async function fileContent(db: Tx, fileId: string): Promise<Buffer | undefined> {
  const [row] = await db.select({ content: documentFiles.content }).from(documentFiles).where(eq(documentFiles.id, fileId));
  return row?.content;
}

export async function insertFile(db: Tx, row: typeof documentFiles.$inferInsert): Promise<FileRow> {
  const [created] = await db.insert(documentFiles).values(row).returning(fileColumns);
  return created!;
}

export async function deleteFile(db: Tx, fileId: string): Promise<void> {
  await db.delete(documentFiles).where(eq(documentFiles.id, fileId));
}
