import { Type, type Static } from 'typebox';
import { RULE_OPS, RULE_SEVERITIES } from '../../domain/report.js';
import { SUBMISSION_ROW_CODES } from '../../domain/row-codes.js';
import { PERIOD_KINDS } from '../../domain/periods.js';
import { VALUE_AUDIT_ACTIONS } from '../../domain/value-audit.js';
import { CursorPageQuery, OneOfTypes, Page, ref, StringEnum, withExample } from '../../schemas/common.js';
import { AgencyCode } from '../agencies/schemas.js';
import { PeriodId } from '../periods/schemas.js';
import { IndicatorCode } from '../templates/schemas.js';

const Value = Type.Union([Type.Number(), Type.String({ maxLength: 10000 }), Type.Null()], {
  description: 'A number (counts, percents, codes such as 1 for "Có"), text for text indicators, or null for a blank cell (not reported, which is not 0)',
});
const Note = Type.Union([Type.String({ maxLength: 10000 }), Type.Null()], { description: 'Ghi chú. Omitted: the stored note stays; null: cleared' });
const Evidence = Type.Array(Type.String({ format: 'uuid' }), {
  maxItems: 100,
  uniqueItems: true,
  description: 'Ids of documents cited as evidence. Omitted: the stored links stay; []: cleared',
});

export const ValueInputSchema = Type.Object(
  {
    indicator: Type.String({ maxLength: 40, description: 'Indicator code, e.g. III.7.2' }),
    value: Value,
    note: Type.Optional(Note),
    evidence: Type.Optional(Evidence),
  },
  { $id: 'ValueInput', additionalProperties: false },
);

export const ReportValuesBodySchema = Type.Object(
  { values: Type.Array(ref(ValueInputSchema), { minItems: 1, maxItems: 5000 }) },
  { $id: 'ReportValuesBody', additionalProperties: false },
);
export type ReportValuesBody = Static<typeof ReportValuesBodySchema>;

export const BatchValueInputSchema = Type.Object(
  {
    period: Type.String({ maxLength: 10 }),
    agency: Type.String({ maxLength: 40 }),
    indicator: Type.String({ maxLength: 40 }),
    value: Value,
    note: Type.Optional(Note),
    evidence: Type.Optional(Evidence),
  },
  { $id: 'BatchValueInput', additionalProperties: false },
);

export const BatchValuesBodySchema = Type.Object(
  { values: Type.Array(ref(BatchValueInputSchema), { minItems: 1, maxItems: 50000 }) },
  { $id: 'BatchValuesBody', additionalProperties: false },
);
export type BatchValuesBody = Static<typeof BatchValuesBodySchema>;

export const SubmitQuery = Type.Object(
  {
    dryRun: Type.Optional(Type.Boolean({ default: false, description: 'Check and report, write nothing' })),
    atomic: Type.Optional(
      Type.Boolean({ default: false, description: 'All or nothing: any refused row refuses the whole submission (422 SUBMISSION_REJECTED)' }),
    ),
  },
  { additionalProperties: false },
);

export const ImportQuery = Type.Object(
  {
    dryRun: SubmitQuery.properties.dryRun,
    atomic: Type.Optional(
      Type.Boolean({ default: true, description: 'All or nothing (the default for files): any unmatched or unreadable row refuses the file' }),
    ),
  },
  { additionalProperties: false },
);

export const SubmissionRowCodeSchema = StringEnum(SUBMISSION_ROW_CODES, {
  $id: 'SubmissionRowCode',
  description: 'Why a row was refused (ROW_UNMATCHED and VALUE_UNREADABLE come from file imports)',
});

export const ConflictSchema = Type.Object(
  {
    index: Type.Integer({ description: 'Position of the row in the payload (for a file import: its row number)' }),
    row: Type.Optional(Type.Integer({ description: 'For a file import: the row number in the file' })),
    indicator: Type.String(),
    period: Type.Optional(Type.String()),
    agency: Type.Optional(Type.String()),
    code: ref(SubmissionRowCodeSchema),
    message: Type.String(),
  },
  { $id: 'Conflict', additionalProperties: false },
);

const Operand = Type.Object({ expression: Type.String(), value: Type.Union([Type.Number(), Type.Null()]) }, { additionalProperties: false });

export const FindingSchema = Type.Object(
  {
    period: Type.Optional(Type.String()),
    agency: Type.Optional(Type.String()),
    rule: Type.String({
      description: 'The rule’s code; DERIVED_MISMATCH: a reported figure disagrees with its own formula; COUNTS_MISMATCH: with the dossier counts',
    }),
    severity: StringEnum(RULE_SEVERITIES),
    message: Type.String(),
    indicators: Type.Array(Type.String()),
    left: Operand,
    op: StringEnum(RULE_OPS),
    right: Operand,
  },
  { $id: 'Finding', additionalProperties: false },
);

export const ImportSummarySchema = Type.Object(
  {
    dryRun: Type.Boolean(),
    atomic: Type.Boolean(),
    written: Type.Boolean({ description: 'Whether anything was written' }),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    rejected: Type.Integer(),
    conflicts: Type.Array(ref(ConflictSchema)),
    findings: Type.Array(ref(FindingSchema), { description: 'Rule findings on the report(s) as they stand after the submission' }),
  },
  { $id: 'ImportSummary', additionalProperties: false },
);
export type ImportSummary = Static<typeof ImportSummarySchema>;

export const CellStatusSchema = StringEnum(['reported', 'counted', 'derived', 'not_applicable', 'missing_input'] as const, {
  $id: 'CellStatus',
  description:
    'reported: as the agency sent it (null = a blank cell); counted: from the dossier counts (nothing reported); derived: computed from its inputs; not_applicable: a rate whose denominator is 0; missing_input: an input was not reported',
});

export const FromCountsSchema = Type.Object(
  {
    value: Type.Integer(),
    source: Type.Literal('dossier-counts'),
    systems: Type.Array(Type.String(), { description: 'The one-stop-shop systems that counted' }),
    asOf: Type.String({ format: 'date-time', description: 'The newest snapshot counted' }),
  },
  { $id: 'FromCounts', additionalProperties: false, description: 'The figure computed from the dossier counts of the agency in the period’s window' },
);

export const DerivedSchema = Type.Object(
  {
    value: OneOfTypes<number | null>(['number', 'null']),
    status: StringEnum(['derived', 'not_applicable', 'missing_input'] as const),
    missing: Type.Optional(Type.Array(Type.String())),
  },
  { $id: 'Derived', additionalProperties: false, description: 'The value computed from the formula, rounded to the indicator’s decimals' },
);

export const ValueItemSchema = Type.Object(
  {
    period: Type.String(),
    agency: Type.String(),
    indicator: Type.String(),
    value: OneOfTypes<number | string | null>(['number', 'string', 'null']),
    status: ref(CellStatusSchema),
    derived: Type.Optional(ref(DerivedSchema)),
    fromCounts: Type.Optional(ref(FromCountsSchema)),
    note: OneOfTypes<string | null>(['string', 'null']),
    evidence: Type.Array(Type.String()),
    updatedAt: OneOfTypes<string | null>(['string', 'null'], { format: 'date-time' }),
    updatedBy: OneOfTypes<string | null>(['string', 'null'], { description: 'API key id of the last writer' }),
  },
  { $id: 'ValueItem', additionalProperties: false },
);
export type ValueItem = Static<typeof ValueItemSchema>;

export const ReportValuesSchema = Type.Object(
  { period: Type.String(), agency: Type.String(), template: Type.String(), items: Type.Array(ref(ValueItemSchema)) },
  { $id: 'ReportValues', additionalProperties: false },
);

export const ValuePageSchema = Page(ValueItemSchema, { $id: 'ValuePage' });

export const ReportFindingsSchema = Type.Object(
  {
    period: Type.String(),
    agency: Type.String(),
    template: Type.String(),
    findings: Type.Array(ref(FindingSchema)),
    skipped: Type.Array(Type.Object({ rule: Type.String(), missing: Type.Array(Type.String()) }, { additionalProperties: false }), {
      description: 'Rules not checked because an input was not reported',
    }),
  },
  { $id: 'ReportFindings', additionalProperties: false },
);

export const ValueAuditEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actorKeyId: Type.Union([Type.String(), Type.Null()]),
    requestId: Type.Union([Type.String(), Type.Null()]),
    period: Type.String(),
    agency: Type.String(),
    indicator: Type.String(),
    action: StringEnum(VALUE_AUDIT_ACTIONS),
    oldValue: Type.Union([Type.Number(), Type.String(), Type.Null()]),
    newValue: Type.Union([Type.Number(), Type.String(), Type.Null()]),
    oldNote: Type.Union([Type.String(), Type.Null()]),
    newNote: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ValueAuditEntry', additionalProperties: false },
);
export const ValueAuditPageSchema = Page(ValueAuditEntrySchema, { $id: 'ValueAuditPage' });

export const RollupItemSchema = Type.Object(
  {
    indicator: Type.String(),
    value: Type.Union([Type.Number(), Type.Null()]),
    status: StringEnum(['derived', 'not_applicable', 'missing_input', 'not_aggregated'] as const, {
      description:
        'derived: rolled up; not_applicable: a recomputed rate over a zero denominator; missing_input: no agency reported it; not_aggregated: the indicator does not roll up (text, choices, rates without counts)',
    }),
    rollup: Type.String({ description: 'The roll-up rule applied' }),
    agencies: Type.Integer({ description: 'Agencies that contributed' }),
    inputs: Type.Optional(Type.Record(Type.String(), Type.Union([Type.Number(), Type.Null()]), { description: 'For recompute: the summed inputs' })),
  },
  { $id: 'RollupItem', additionalProperties: false },
);

export const RollupResultSchema = Type.Object(
  { period: Type.String(), agency: Type.String(), template: Type.String(), agenciesInTree: Type.Integer(), items: Type.Array(ref(RollupItemSchema)) },
  { $id: 'IndicatorRollup', additionalProperties: false },
);

export const SeriesSchema = Type.Object(
  {
    indicator: Type.String(),
    agency: Type.String(),
    subtree: Type.Boolean(),
    items: Type.Array(
      Type.Object(
        {
          period: Type.String(),
          value: Type.Union([Type.Number(), Type.String(), Type.Null()]),
          status: Type.String({ description: 'As for values (one agency) or roll-ups (a subtree); not_reported when the agency has nothing for the period' }),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'Series', additionalProperties: false },
);

const StringList = (description: string, pattern?: string) =>
  Type.Array(Type.String({ maxLength: 40, ...(pattern && { pattern }) }), { maxItems: 200, description });

export const ValuesQuery = Type.Object(
  {
    period: Type.Optional(withExample(StringList('Period ids; repeat the parameter for several'), ['2023'])),
    agency: Type.Optional(Type.String({ maxLength: 40, examples: ['BQL-KCN'] })),
    subtree: Type.Optional(Type.Boolean({ default: false, description: 'With agency: the agency and every agency below it' })),
    indicator: Type.Optional(StringList('Indicator codes; repeat for several')),
    section: Type.Optional(Type.String({ pattern: '^[IVXLC]+(\\.[0-9]+)*$', description: 'A section or item: III, III.7', examples: ['III.7'] })),
    limit: Type.Optional(
      Type.Integer({ minimum: 1, maximum: 200, default: 50, description: 'Reports (period × agency) per page; a page holds whole reports' }),
    ),
    cursor: CursorPageQuery.cursor,
  },
  { additionalProperties: false },
);
export type ValuesQuery = Static<typeof ValuesQuery>;

export const RollupQuery = Type.Object(
  {
    period: PeriodId,
    agency: AgencyCode,
    indicator: Type.Optional(StringList('Indicator codes; all when omitted')),
    section: ValuesQuery.properties.section,
  },
  { additionalProperties: false },
);

export const SeriesQuery = Type.Object(
  {
    indicator: IndicatorCode,
    agency: AgencyCode,
    kind: Type.Optional(StringEnum(PERIOD_KINDS, { default: 'year' })),
    fromYear: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, examples: [2022] })),
    toYear: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, examples: [2024] })),
    subtree: Type.Optional(Type.Boolean({ default: false })),
  },
  { additionalProperties: false },
);

export const ReportParams = Type.Object(
  { periodId: PeriodId, agencyCode: Type.String({ maxLength: 40, examples: ['BQL-KCN'] }) },
  { additionalProperties: false },
);
export const ReportValueParams = Type.Object(
  // I.9 (Nhiệm vụ khác): a seeded 0 that becomes not reported; no rule and no other example reads it.
  { periodId: PeriodId, agencyCode: Type.String({ maxLength: 40, examples: ['BQL-KCN'] }), indicator: Type.String({ maxLength: 40, examples: ['I.9'] }) },
  { additionalProperties: false },
);

export const valueSchemas = [
  SubmissionRowCodeSchema,
  ValueInputSchema,
  ReportValuesBodySchema,
  BatchValueInputSchema,
  BatchValuesBodySchema,
  ConflictSchema,
  FindingSchema,
  ImportSummarySchema,
  CellStatusSchema,
  FromCountsSchema,
  DerivedSchema,
  ValueItemSchema,
  ReportValuesSchema,
  ValuePageSchema,
  ReportFindingsSchema,
  ValueAuditEntrySchema,
  ValueAuditPageSchema,
  RollupItemSchema,
  RollupResultSchema,
  SeriesSchema,
];
