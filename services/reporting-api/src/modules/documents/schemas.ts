import { Type, type Static } from 'typebox';
import { DOCUMENT_FAMILIES, DOCUMENT_TYPE_CODES } from '../../domain/document-types.js';
import { CursorPageQuery, IsoDate, Page, ref, StringEnum, withExample } from '../../schemas/common.js';
import { AgencyCode } from '../agencies/schemas.js';

export const DocumentTypeSchema = StringEnum(DOCUMENT_TYPE_CODES, {
  $id: 'DocumentType',
  description:
    'The kind of document: Nghị định 30/2020 types (ke-hoach, quyet-dinh, …), cong-van, legal normative types (nghi-dinh, thong-tu, luat, …) and Party types (ket-luan, …). GET /v1/documents/types lists them with names and abbreviations.',
});

export const DocumentTypeInfoSchema = Type.Object(
  {
    code: ref(DocumentTypeSchema),
    name: Type.String({ description: 'Vietnamese name, e.g. Kế hoạch' }),
    family: StringEnum(DOCUMENT_FAMILIES),
    abbreviations: Type.Array(Type.String(), { description: 'As written in symbols, e.g. KH; none for công văn' }),
  },
  { $id: 'DocumentTypeInfo', additionalProperties: false },
);

const Number_ = Type.String({
  pattern: '^[0-9]{1,6}[a-z]?(/(194[5-9]|19[5-9][0-9]|20[0-9]{2}|2100))?$',
  description: 'The number as written; a normative document’s carries its year ("28/2011")',
  examples: ['01'],
});
/**
 * Latin letters with every Vietnamese one (Latin-1, Extended-A/B, Extended Additional), spelt as ranges: a JSON
 * Schema pattern is read without the `u` flag by other tools (spectral, most code generators), so `\p{L}` would
 * match no letter there.
 */
const LETTER = 'A-Za-z\\u00C0-\\u024F\\u1E00-\\u1EFF';
const Symbol_ = Type.String({
  pattern: `^[${LETTER}][${LETTER}0-9]*([-/][${LETTER}][${LETTER}0-9]*){0,6}$`,
  maxLength: 60,
  description: 'Ký hiệu as written: KH-BQL, QĐ-UBND, SNV-TTr (công văn: issuer-drafting unit), Party CT/TU',
  examples: ['KH-BQL'],
});
const Summary = Type.String({ minLength: 1, maxLength: 4000, description: 'Trích yếu' });
const Url = Type.String({ format: 'uri', pattern: '^https?://', maxLength: 2000 });
const Tags = Type.Array(Type.String({ minLength: 1, maxLength: 60 }), { maxItems: 20, uniqueItems: true });
const IssuerName = Type.String({ minLength: 1, maxLength: 300, description: 'The issuing body by name, when it is not one of our agencies' });

export const DocumentSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    type: ref(DocumentTypeSchema),
    typeName: Type.String({ description: 'Vietnamese name of the type' }),
    number: Type.String(),
    symbol: Type.String(),
    reference: Type.String({ description: 'Số, ký hiệu together: 01/KH-BQL, 28/2011/QĐ-UBND, 18-CT/TU' }),
    citation: Type.String({ description: 'How a report cites it: Kế hoạch số 01/KH-BQL ngày 05/01/2023' }),
    year: Type.Union([Type.Integer(), Type.Null()]),
    issuedOn: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    issuer: Type.Union([Type.String(), Type.Null()], { description: 'The issuer’s abbreviation, from the symbol' }),
    issuerAgencyCode: Type.Union([Type.String(), Type.Null()]),
    issuerName: Type.Union([Type.String(), Type.Null()], { description: 'The agency’s name when issuerAgencyCode is set' }),
    summary: Type.Union([Type.String(), Type.Null()]),
    url: Type.Union([Type.String(), Type.Null()]),
    tags: Type.Array(Type.String()),
    ownerAgencyCode: Type.Union([Type.String(), Type.Null()], { description: 'The agency whose key registered it; null: an admin' }),
    fileCount: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Document', additionalProperties: false },
);
export type Document = Static<typeof DocumentSchema>;

export const NewDocumentSchema = Type.Object(
  {
    type: ref(DocumentTypeSchema),
    number: Number_,
    symbol: Symbol_,
    year: Type.Optional(Type.Integer({ minimum: 1945, maximum: 2100, description: 'Needed only when there is no issue date and the number carries no year' })),
    issuedOn: Type.Optional(IsoDate('Ngày ban hành')),
    issuerAgencyCode: Type.Optional(AgencyCode),
    issuerName: Type.Optional(IssuerName),
    summary: Type.Optional(Summary),
    url: Type.Optional(Url),
    tags: Type.Optional(Tags),
  },
  {
    $id: 'NewDocument',
    additionalProperties: false,
    description:
      'The issuer is one of our agencies (issuerAgencyCode) or, when it is not, a name (issuerName); not both. The year must agree with the issue date and with the number.',
    examples: [
      {
        type: 'ke-hoach',
        number: '01',
        symbol: 'KH-BQL',
        issuedOn: '2023-01-05',
        issuerAgencyCode: 'BQL-KCN',
        summary: 'Kế hoạch thực hiện cải cách hành chính năm 2023',
      },
    ],
  },
);
export type NewDocument = Static<typeof NewDocumentSchema>;

const Nullable = <T extends Parameters<typeof Type.Optional>[0]>(schema: T) => Type.Optional(Type.Union([schema, Type.Null()]));
export const DocumentPatchSchema = Type.Object(
  {
    type: Type.Optional(ref(DocumentTypeSchema)),
    number: Type.Optional(Number_),
    symbol: Type.Optional(Symbol_),
    year: Nullable(Type.Integer({ minimum: 1945, maximum: 2100 })),
    issuedOn: Nullable(IsoDate()),
    issuerAgencyCode: Nullable(AgencyCode),
    issuerName: Nullable(IssuerName),
    summary: Nullable(Summary),
    url: Nullable(Url),
    tags: Type.Optional(Tags),
  },
  {
    $id: 'DocumentPatch',
    additionalProperties: false,
    minProperties: 1,
    description: 'null clears a field. Setting issuerAgencyCode clears issuerName and the other way round.',
  },
);
export type DocumentPatch = Static<typeof DocumentPatchSchema>;

export const DocumentPageSchema = Page(DocumentSchema, { $id: 'DocumentPage' });

export const DocumentListQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description:
          'Words to find in the citation, issuer, summary and tags, ignoring diacritics and case ("ke hoach 01 kh-bql"). A word that is a whole number ranks documents with that number first.',
        examples: ['ke hoach kh-bql'],
      }),
    ),
    type: Type.Optional(withExample(DocumentTypeSchema, 'ke-hoach')),
    issuer: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 300,
        description: 'An agency code, or words of the issuer’s name or abbreviation (ignoring diacritics)',
        examples: ['BQL'],
      }),
    ),
    from: Type.Optional(withExample(IsoDate('Issued on or after'), '2023-01-01')),
    to: Type.Optional(withExample(IsoDate('Issued on or before'), '2023-12-31')),
    year: Type.Optional(Type.Integer({ minimum: 1945, maximum: 2100, examples: [2023] })),
    tag: Type.Optional(Type.String({ maxLength: 60 })),
    ...CursorPageQuery,
  },
  { additionalProperties: false },
);
export type DocumentListQuery = Static<typeof DocumentListQuery>;

export const DocumentParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });
export const FileParams = Type.Object({ id: Type.String({ format: 'uuid' }), fileId: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const DocumentFileSchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    documentId: Type.String({ format: 'uuid' }),
    filename: Type.String(),
    contentType: Type.String(),
    size: Type.Integer({ description: 'Bytes' }),
    sha256: Type.String({ description: 'Hex SHA-256 of the bytes, as stored and as downloaded' }),
    createdAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'DocumentFile', additionalProperties: false },
);
export type DocumentFile = Static<typeof DocumentFileSchema>;

export const DocumentFileListSchema = Type.Object({ items: Type.Array(ref(DocumentFileSchema)) }, { $id: 'DocumentFileList', additionalProperties: false });

/**
 * A file's own name. No path separators, no control characters, and no bidirectional controls (U+202E and its kin), which make
 * "invoice\u202Efdp.exe" show as "invoiceexe.pdf" in a file list: such a name is refused, not silently changed.
 */
export const FILENAME_PATTERN = '^[^/\\\\\\x00-\\x1f\\x7f\\u061c\\u200e\\u200f\\u202a-\\u202e\\u2066-\\u2069]+$';
export const FILENAME_MAX = 255;

export const UploadQuery = Type.Object(
  {
    filename: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: FILENAME_MAX,
        pattern: FILENAME_PATTERN,
        description:
          'The file’s name (Vietnamese allowed), e.g. ke-hoach-01-KH-BQL.pdf. Required for a raw body; a form’s file part carries its own, which this overrides.',
        examples: ['ke-hoach-01-KH-BQL.pdf'],
      }),
    ),
  },
  { additionalProperties: false },
);

export const CitationSchema = Type.Object(
  {
    type: ref(DocumentTypeSchema),
    number: Type.String(),
    symbol: Type.String(),
    reference: Type.String(),
    year: Type.Union([Type.Integer(), Type.Null()]),
    issuer: Type.Union([Type.String(), Type.Null()], { description: 'Abbreviation from the symbol' }),
    issuedOn: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
    issuerName: Type.Union([Type.String(), Type.Null()], { description: 'The body named after "của", if any' }),
    text: Type.String({ description: 'Exactly as written in the input' }),
    start: Type.Integer({ description: 'Offset of text in the input, UTF-16 code units (JavaScript string index)' }),
    end: Type.Integer({ description: 'Exclusive end offset' }),
    documentId: Type.Optional(Type.String({ format: 'uuid', description: 'With register: the registry entry' })),
  },
  { $id: 'Citation', additionalProperties: false },
);

export const ExtractRequestSchema = Type.Object(
  {
    text: Type.String({ maxLength: 1_100_000, description: 'Vietnamese text: a report’s narrative, notes, up to about 1 MB' }),
    register: Type.Optional(
      Type.Boolean({ default: false, description: 'Also register each cited document, reusing registered ones (admin and agency keys)' }),
    ),
  },
  {
    $id: 'ExtractRequest',
    additionalProperties: false,
    examples: [{ text: 'Ban hành Kế hoạch số 01/KH-BQL ngày 05/01/2023 thực hiện CCHC; Công văn số 535/SNV-TTr ngày 11/3/2022 của Sở Nội vụ.' }],
  },
);

/**
 * Citations an extract answers at most, in text order. A real report cites a few hundred; a megabyte of one
 * citation repeated would otherwise answer several megabytes. Counts and registration still cover every citation.
 */
export const MAX_CITATIONS_RETURNED = 1000;

export const ExtractResultSchema = Type.Object(
  {
    citations: Type.Array(ref(CitationSchema), {
      maxItems: MAX_CITATIONS_RETURNED,
      description: `The citations in text order, at most the first ${MAX_CITATIONS_RETURNED} (see truncated)`,
    }),
    found: Type.Integer({ minimum: 0, description: 'Every citation in the text, returned or not' }),
    truncated: Type.Boolean({
      description: `True when the text has more citations than the ${MAX_CITATIONS_RETURNED} returned; counts and registration still cover all`,
    }),
    documents: Type.Integer({ description: 'Distinct documents among all the citations' }),
    registered: Type.Optional(
      Type.Object(
        {
          created: Type.Integer(),
          existing: Type.Integer(),
          skipped: Type.Integer({ description: 'Citations that contradict themselves (a number’s year against its date): returned, not registered' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'ExtractResult', additionalProperties: false },
);

export const DocumentCitationsSchema = Type.Object(
  {
    documentId: Type.String({ format: 'uuid' }),
    reports: Type.Array(Type.Object({ periodId: Type.String(), agencyCode: Type.String() }, { additionalProperties: false })),
    values: Type.Array(Type.Object({ periodId: Type.String(), agencyCode: Type.String(), indicator: Type.String() }, { additionalProperties: false })),
  },
  { $id: 'DocumentCitations', additionalProperties: false, description: 'Every report and value that cites the document as evidence' },
);

export const ReportEvidenceSchema = Type.Object(
  {
    periodId: Type.String(),
    agencyCode: Type.String(),
    report: Type.Array(ref(DocumentSchema), { description: 'Documents the report as a whole cites' }),
    values: Type.Array(Type.Object({ indicator: Type.String(), documents: Type.Array(ref(DocumentSchema)) }, { additionalProperties: false }), {
      description: 'Documents cited for each value, by indicator',
    }),
  },
  { $id: 'ReportEvidence', additionalProperties: false },
);

export const documentSchemas = [
  DocumentTypeSchema,
  DocumentTypeInfoSchema,
  DocumentSchema,
  NewDocumentSchema,
  DocumentPatchSchema,
  DocumentPageSchema,
  DocumentFileSchema,
  DocumentFileListSchema,
  CitationSchema,
  ExtractRequestSchema,
  ExtractResultSchema,
  DocumentCitationsSchema,
  ReportEvidenceSchema,
];
