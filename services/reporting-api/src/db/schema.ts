/**
 * The one Drizzle schema, for PostgreSQL and PGlite alike. Columns are snake_case; repositories map rows
 * to the API's camelCase shapes. drizzle-kit generates migrations/ from this file.
 */
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  date,
  doublePrecision,
  foreignKey,
  index,
  integer,
  jsonb,
  numeric,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
  type AnyPgColumn,
} from 'drizzle-orm/pg-core';
import { AGENCY_KINDS } from '../domain/agencies.js';
import { DOCUMENT_TYPE_CODES } from '../domain/document-types.js';
import { ROLLUPS, VALUE_TYPES } from '../domain/indicators.js';
import { PERIOD_KINDS, PERIOD_STATES } from '../domain/periods.js';
import { ONLINE_LEVELS, PROCEDURE_STATUSES } from '../domain/procedures.js';
import { RULE_OPS, RULE_SEVERITIES } from '../domain/report.js';
import { REPORT_STATES } from '../domain/report-states.js';
import { ROLES } from '../domain/roles.js';
import { VALUE_AUDIT_ACTIONS } from '../domain/value-audit.js';

/**
 * `column in ('a','b',…)` for a check constraint over one of the domain's lists. The values are inlined, not bound:
 * a constraint is DDL, and drizzle-kit compares its text with the last snapshot, so it must read exactly as the
 * migrations wrote it. The lists are the code's own constants, never input.
 */
const isOneOf = (column: AnyPgColumn, values: readonly string[]) => sql`${column} in (${sql.raw(values.map((v) => `'${v}'`).join(','))})`;

export const agencies = pgTable(
  'agencies',
  {
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    shortName: text('short_name'),
    kind: text('kind', { enum: AGENCY_KINDS }).notNull(),
    parentCode: text('parent_code').references((): AnyPgColumn => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    active: boolean('active').notNull().default(true),
    /** foldForSearch(name + shortName + code): diacritic- and case-insensitive search. */
    searchKey: text('search_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('agencies_parent_idx').on(t.parentCode),
    check('agencies_kind_check', isOneOf(t.kind, AGENCY_KINDS)),
    check('agencies_not_own_parent', sql`${t.parentCode} is distinct from ${t.code}`),
  ],
);

export const periods = pgTable(
  'periods',
  {
    id: text('id').primaryKey(),
    kind: text('kind', { enum: PERIOD_KINDS }).notNull(),
    year: integer('year').notNull(),
    number: integer('number'),
    startsOn: date('starts_on', { mode: 'string' }).notNull(),
    endsOn: date('ends_on', { mode: 'string' }).notNull(),
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    state: text('state', { enum: PERIOD_STATES }).notNull().default('open'),
    /** The indicator template agencies report on in this period. */
    templateId: text('template_id').references((): AnyPgColumn => templates.id, { onUpdate: 'cascade', onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('periods_kind_window_idx').on(t.kind, t.startsOn, t.endsOn),
    index('periods_year_idx').on(t.year),
    check('periods_window_check', sql`${t.startsOn} <= ${t.endsOn}`),
    check('periods_state_check', isOneOf(t.state, PERIOD_STATES)),
  ],
);

export const apiKeys = pgTable(
  'api_keys',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    role: text('role', { enum: ROLES }).notNull(),
    agencyCode: text('agency_code').references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    /** SHA-256 of the whole key. Keys carry 256 random bits, so a fast unsalted hash is safe and lets us look them up. */
    keyHash: text('key_hash').notNull(),
    /** The first characters of the key, shown in lists so an admin can tell keys apart. */
    prefix: text('prefix').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid('created_by'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('api_keys_hash_idx').on(t.keyHash), check('api_keys_agency_binding', sql`(${t.role} = 'agency') = (${t.agencyCode} is not null)`)],
);

/** Who changed what: one row per create, update or delete, written in the same transaction as the change. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKeyId: uuid('actor_key_id'),
    requestId: text('request_id'),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    action: text('action').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId, t.id)],
);

/** An indicator template (biểu mẫu chỉ tiêu thống kê): data, versioned by id, owned by Sở Nội vụ. */
export const templates = pgTable('templates', {
  id: text('id').primaryKey(),
  name: text('name').notNull(),
  year: integer('year').notNull(),
  source: text('source'),
  copiedFrom: text('copied_from'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const indicators = pgTable(
  'indicators',
  {
    templateId: text('template_id')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    code: text('code').notNull(),
    /** Order of the row in the printed annex. */
    position: integer('position').notNull(),
    parentCode: text('parent_code'),
    level: integer('level').notNull(),
    /** The STT cell as printed ("I", "1", "" for unnumbered sub-items). */
    stt: text('stt').notNull(),
    name: text('name').notNull(),
    unit: text('unit'),
    valueType: text('value_type', { enum: VALUE_TYPES }).notNull(),
    options: jsonb('options').$type<Array<{ value: number; label: string }>>(),
    min: doublePrecision('min'),
    max: doublePrecision('max'),
    decimals: integer('decimals'),
    formula: text('formula'),
    overridable: boolean('overridable').notNull().default(false),
    rollup: text('rollup', { enum: ROLLUPS }).notNull().default('none'),
    heading: boolean('heading').notNull().default(false),
    /** False for supplementary rows the printed annex does not have (inputs a formula needs). */
    printed: boolean('printed').notNull().default(true),
    help: text('help'),
    /** A dossier count this indicator can be computed from (e.g. III.7.2 from resolved), for an agency and period. */
    fromCounts: text('from_counts'),
    searchKey: text('search_key').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.templateId, t.code] }),
    index('indicators_template_position_idx').on(t.templateId, t.position),
    index('indicators_code_idx').on(t.code),
  ],
);

/** Rules as data: left op right, checked on every submission and on demand. */
export const templateRules = pgTable(
  'template_rules',
  {
    templateId: text('template_id')
      .notNull()
      .references(() => templates.id, { onDelete: 'cascade', onUpdate: 'cascade' }),
    code: text('code').notNull(),
    position: integer('position').notNull(),
    left: text('left').notNull(),
    op: text('op', { enum: RULE_OPS }).notNull(),
    right: text('right').notNull(),
    severity: text('severity', { enum: RULE_SEVERITIES }).notNull(),
    message: text('message').notNull(),
  },
  (t) => [primaryKey({ columns: [t.templateId, t.code] })],
);

/**
 * What an agency reported for an indicator in a period. Only reported values are stored; derived values are
 * computed from these on every read, so they can never be stale. A row with a null value is a blank cell the
 * agency filled in (often with a note), which is not the same as 0.
 */
export const indicatorValues = pgTable(
  'indicator_values',
  {
    periodId: text('period_id')
      .notNull()
      .references(() => periods.id, { onUpdate: 'cascade', onDelete: 'restrict' }),
    agencyCode: text('agency_code')
      .notNull()
      .references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    indicatorCode: text('indicator_code').notNull(),
    templateId: text('template_id').notNull(),
    valueNum: numeric('value_num'),
    valueText: text('value_text'),
    note: text('note'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    createdBy: uuid('created_by'),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    updatedBy: uuid('updated_by'),
  },
  (t) => [
    primaryKey({ columns: [t.periodId, t.agencyCode, t.indicatorCode] }),
    index('indicator_values_indicator_idx').on(t.indicatorCode, t.periodId),
    foreignKey({ columns: [t.templateId, t.indicatorCode], foreignColumns: [indicators.templateId, indicators.code] })
      .onUpdate('cascade')
      .onDelete('restrict'),
  ],
);

/** Evidence: documents cited for a value. A cited document cannot be deleted. */
export const valueEvidence = pgTable(
  'value_evidence',
  {
    periodId: text('period_id').notNull(),
    agencyCode: text('agency_code').notNull(),
    indicatorCode: text('indicator_code').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references((): AnyPgColumn => documents.id, { onDelete: 'restrict' }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.periodId, t.agencyCode, t.indicatorCode, t.documentId] }),
    index('value_evidence_document_idx').on(t.documentId),
    foreignKey({
      columns: [t.periodId, t.agencyCode, t.indicatorCode],
      foreignColumns: [indicatorValues.periodId, indicatorValues.agencyCode, indicatorValues.indicatorCode],
    }).onDelete('cascade'),
  ],
);

/** The audit trail of values: every create, update and delete with old and new value and note. */
export const valueAudit = pgTable(
  'value_audit',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKeyId: uuid('actor_key_id'),
    requestId: text('request_id'),
    periodId: text('period_id').notNull(),
    agencyCode: text('agency_code').notNull(),
    indicatorCode: text('indicator_code').notNull(),
    action: text('action', { enum: VALUE_AUDIT_ACTIONS }).notNull(),
    oldValue: jsonb('old_value'),
    newValue: jsonb('new_value'),
    oldNote: text('old_note'),
    newNote: text('new_note'),
  },
  (t) => [index('value_audit_report_idx').on(t.periodId, t.agencyCode, t.indicatorCode, t.id)],
);

/**
 * A report: one agency's filing for one period. Its values live in indicator_values; this row holds the
 * narrative, the workflow state and when it was first and last submitted (timeliness counts the first).
 */
/** A report's document metadata as stored (see modules/reports/schemas.ts ReportDocument); every field optional. */
export interface ReportDocumentData {
  number?: string | null;
  place?: string | null;
  issuedOn?: string | null;
  governingBody?: string | null;
  issuer?: string | null;
  title?: string | null;
  recipients?: string[] | null;
  opening?: string | null;
  closing?: string | null;
  distribution?: string[] | null;
  signer?: { authority?: string | null; position?: string | null; name?: string | null } | null;
  sectionTitles?: Record<string, string> | null;
}

export const reports = pgTable(
  'reports',
  {
    periodId: text('period_id')
      .notNull()
      .references(() => periods.id, { onUpdate: 'cascade', onDelete: 'restrict' }),
    agencyCode: text('agency_code')
      .notNull()
      .references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    state: text('state', { enum: REPORT_STATES }).notNull().default('draft'),
    /** Narrative per section (I–VII, or any heading), markdown allowed. */
    narrative: jsonb('narrative').$type<Record<string, string>>().notNull().default({}),
    /**
     * What the official document (the DOCX built from the report) needs beyond values and narrative: number, place,
     * date, issuing body, trích yếu, recipients, distribution, signer, section titles. Unset fields take defaults.
     */
    document: jsonb('document').$type<ReportDocumentData>().notNull().default({}),
    firstSubmittedAt: timestamp('first_submitted_at', { withTimezone: true }),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    returnReason: text('return_reason'),
    /**
     * Bumped in the transaction of every change to the report: its values, their evidence, narrative, state. With
     * the template version and the agency's counts version it makes the ETag, so a 304 needs no body.
     */
    version: bigint('version', { mode: 'number' }).notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.periodId, t.agencyCode] }), check('reports_state_check', isOneOf(t.state, REPORT_STATES))],
);

/** Every state change of a report: who, when, from, to, why. */
export const reportTransitions = pgTable(
  'report_transitions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    periodId: text('period_id').notNull(),
    agencyCode: text('agency_code').notNull(),
    fromState: text('from_state').notNull(),
    toState: text('to_state').notNull(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKeyId: uuid('actor_key_id'),
    reason: text('reason'),
  },
  (t) => [
    index('report_transitions_report_idx').on(t.periodId, t.agencyCode, t.id),
    foreignKey({ columns: [t.periodId, t.agencyCode], foreignColumns: [reports.periodId, reports.agencyCode] }).onDelete('cascade'),
  ],
);

/** Documents a report cites as evidence. A cited document cannot be deleted. */
export const reportEvidence = pgTable(
  'report_evidence',
  {
    periodId: text('period_id').notNull(),
    agencyCode: text('agency_code').notNull(),
    documentId: uuid('document_id')
      .notNull()
      .references((): AnyPgColumn => documents.id, { onDelete: 'restrict' }),
  },
  (t) => [
    primaryKey({ columns: [t.periodId, t.agencyCode, t.documentId] }),
    index('report_evidence_document_idx').on(t.documentId),
    foreignKey({ columns: [t.periodId, t.agencyCode], foreignColumns: [reports.periodId, reports.agencyCode] }).onDelete('cascade'),
  ],
);

/** The agencies expected to report in a period (completeness is measured against them). */
export const expectedAgencies = pgTable(
  'expected_agencies',
  {
    periodId: text('period_id')
      .notNull()
      .references(() => periods.id, { onUpdate: 'cascade', onDelete: 'cascade' }),
    agencyCode: text('agency_code')
      .notNull()
      .references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
  },
  (t) => [primaryKey({ columns: [t.periodId, t.agencyCode] })],
);

/** The catalogue of administrative procedures (thủ tục hành chính, TTHC). */
export const procedures = pgTable(
  'procedures',
  {
    /** The national code (e.g. 1.009793), or a local code for demo data. */
    code: text('code').primaryKey(),
    name: text('name').notNull(),
    /** Lĩnh vực: Xây dựng, Đầu tư, Môi trường, Lao động, Việc làm, … */
    field: text('field').notNull(),
    agencyCode: text('agency_code').references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    onlineLevel: text('online_level', { enum: ONLINE_LEVELS }).notNull(),
    interAgency: boolean('inter_agency').notNull().default(false),
    feeBearing: boolean('fee_bearing').notNull().default(false),
    status: text('status', { enum: PROCEDURE_STATUSES }).notNull().default('active'),
    /** The document that abolished it, as cited (e.g. "Quyết định số 2421/QĐ-UBND ngày 03/10/2023"). */
    abolishedBy: text('abolished_by'),
    abolishedOn: date('abolished_on', { mode: 'string' }),
    /** Made-up data that completes a demo catalogue; never a real procedure. */
    demo: boolean('demo').notNull().default(false),
    searchKey: text('search_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('procedures_agency_idx').on(t.agencyCode),
    check('procedures_abolished_check', sql`(${t.status} = 'abolished') = (${t.abolishedOn} is not null)`),
  ],
);

/** The counts of DOMAIN.md, the same in the raw rows and in their monthly roll-up (a fresh builder for each table). */
const dossierCountColumns = () => ({
  receivedNew: integer('received_new'),
  carriedOver: integer('carried_over'),
  receivedOnline: integer('received_online'),
  receivedInPerson: integer('received_in_person'),
  receivedPostal: integer('received_postal'),
  resolved: integer('resolved'),
  resolvedEarly: integer('resolved_early'),
  resolvedOnTime: integer('resolved_on_time'),
  resolvedLate: integer('resolved_late'),
  pending: integer('pending'),
  pendingWithin: integer('pending_within'),
  pendingOverdue: integer('pending_overdue'),
  withdrawn: integer('withdrawn'),
});

/**
 * Dossier counts pushed by one-stop-shop systems: per agency, procedure, day and source system, the counts of a
 * snapshot taken at `as_of`. Flows (received, resolved, withdrawn) are the day's; stocks (carried over, pending)
 * stand at the start and the end of the day. A delivery older than the stored snapshot is ignored (stale), so
 * retries and out-of-order deliveries are safe. Counts a system does not report stay null.
 */
export const dossierCounts = pgTable(
  'dossier_counts',
  {
    agencyCode: text('agency_code')
      .notNull()
      .references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    procedureCode: text('procedure_code')
      .notNull()
      .references(() => procedures.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    day: date('day', { mode: 'string' }).notNull(),
    source: text('source').notNull(),
    ...dossierCountColumns(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.agencyCode, t.procedureCode, t.day, t.source] }),
    index('dossier_counts_day_idx').on(t.day, t.agencyCode),
    // One series' days (a month's rows for the roll-up's refresh and reads of marked months), whatever its sources.
    index('dossier_counts_series_idx').on(t.agencyCode, t.procedureCode, t.source, t.day),
  ],
);

/**
 * Per agency, a counter bumped by every ingestion that changed its dossier counts: the "counts watermark" of the
 * ETags of reports whose figures come from the counts. One row per agency, so a watermark read is one index probe.
 */
export const dossierCountVersions = pgTable('dossier_count_versions', {
  agencyCode: text('agency_code')
    .primaryKey()
    .references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'cascade' }),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
  changedAt: timestamp('changed_at', { withTimezone: true }).notNull().defaultNow(),
});

/** First answers kept for Idempotency-Key: a repeated key from the same API key gets the same answer. */
export const idempotencyKeys = pgTable(
  'idempotency_keys',
  {
    principalKeyId: uuid('principal_key_id').notNull(),
    route: text('route').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    statusCode: integer('status_code').notNull(),
    response: jsonb('response').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.principalKeyId, t.route, t.key] })],
);

/**
 * Dossier counts rolled up by reporting month: the Nghị định 09/2019 bucket from the 15th of one month to the 14th
 * of the next, named by the later month (2023-01 is 2022-12-15 .. 2023-01-14), so every period window is a union
 * of buckets. Flows are summed; carried over is the bucket's first day's, pending the last day's. Ingestion marks
 * the buckets it touches (dossier_monthly_dirty); reads take clean months from here and marked ones from the raw rows,
 * and a background refresher recomputes the marked months after ingestion commits.
 */
export const dossierMonthly = pgTable(
  'dossier_monthly',
  {
    agencyCode: text('agency_code').notNull(),
    procedureCode: text('procedure_code').notNull(),
    source: text('source').notNull(),
    bucket: text('bucket').notNull(),
    ...dossierCountColumns(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.agencyCode, t.procedureCode, t.source, t.bucket] }), index('dossier_monthly_bucket_idx').on(t.bucket, t.agencyCode)],
);

/** Reporting months whose roll-up is out of date: ingestion marks them, the roll-up refresher recomputes and clears them. */
export const dossierMonthlyDirty = pgTable(
  'dossier_monthly_dirty',
  {
    agencyCode: text('agency_code').notNull(),
    procedureCode: text('procedure_code').notNull(),
    source: text('source').notNull(),
    bucket: text('bucket').notNull(),
  },
  (t) => [primaryKey({ columns: [t.agencyCode, t.procedureCode, t.source, t.bucket] }), index('dossier_monthly_dirty_bucket_idx').on(t.bucket)],
);

/**
 * The registry of documents reports cite (văn bản). Identity is type, number, symbol, issuer and date or year;
 * `identity_key` holds the part that needs no judgement (type|number|symbol, folded) so a duplicate check is one
 * indexed lookup, and the service compares issuer and date among the few rows it finds.
 */
export const documents = pgTable(
  'documents',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    type: text('type', { enum: DOCUMENT_TYPE_CODES }).notNull(),
    number: text('number').notNull(),
    symbol: text('symbol').notNull(),
    year: integer('year'),
    issuedOn: date('issued_on', { mode: 'string' }),
    /** The issuing body when it is one of our agencies; otherwise its name in issuer_name. */
    issuerAgencyCode: text('issuer_agency_code').references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    issuerName: text('issuer_name'),
    summary: text('summary'),
    url: text('url'),
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    identityKey: text('identity_key').notNull(),
    /** foldForSearch of the citation as written, issuer name (an agency's is read from the agency), summary and tags. */
    searchKey: text('search_key').notNull(),
    /** foldForSearch of the issuer's abbreviation and name (an agency's is read from the agency): the issuer filter. */
    issuerKey: text('issuer_key').notNull(),
    /** The agency whose key registered it (it may change it); null when an admin did. */
    ownerAgencyCode: text('owner_agency_code').references(() => agencies.code, { onUpdate: 'cascade', onDelete: 'restrict' }),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('documents_identity_idx').on(t.identityKey),
    index('documents_type_date_idx').on(t.type, t.issuedOn),
    index('documents_issuer_idx').on(t.issuerAgencyCode),
    index('documents_issued_on_idx').on(t.issuedOn),
    check('documents_type_check', sql.raw(`type in (${DOCUMENT_TYPE_CODES.map((c) => `'${c}'`).join(',')})`)),
    check('documents_year_check', sql`${t.year} between 1945 and 2100`),
    check('documents_one_issuer', sql`${t.issuerAgencyCode} is null or ${t.issuerName} is null`),
  ],
);

/** Bytes as a Buffer on both drivers (PGlite hands back a Uint8Array). */
const bytea = customType<{ data: Buffer; driverData: Uint8Array }>({
  dataType: () => 'bytea',
  fromDriver: (value) => (Buffer.isBuffer(value) ? value : Buffer.from(value)),
});

/**
 * Files attached to a document, in the database: they commit and roll back with the document, are deleted with
 * it, are backed up with everything else, and need no shared disk between instances. The size cap keeps rows sane.
 */
export const documentFiles = pgTable(
  'document_files',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    documentId: uuid('document_id')
      .notNull()
      .references(() => documents.id, { onDelete: 'cascade' }),
    filename: text('filename').notNull(),
    contentType: text('content_type').notNull(),
    sizeBytes: integer('size_bytes').notNull(),
    sha256: text('sha256').notNull(),
    content: bytea('content').notNull(),
    createdBy: uuid('created_by'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('document_files_document_idx').on(t.documentId, t.createdAt),
    check('document_files_size_check', sql`${t.sizeBytes} = octet_length(${t.content})`),
  ],
);
