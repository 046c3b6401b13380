import { Type, type Static } from 'typebox';
import { COUNT_FIELDS } from '../../domain/dossiers.js';
import { INGEST_ROW_CODES } from '../../domain/row-codes.js';
import { IsoDate, ref, StringEnum, withExample } from '../../schemas/common.js';

const Count = Type.Optional(Type.Union([Type.Integer(), Type.Null()]));
const counts = Object.fromEntries(COUNT_FIELDS.map((f) => [f, Count])) as Record<(typeof COUNT_FIELDS)[number], typeof Count>;

export const DossierCountSchema = Type.Object(
  {
    agency: Type.String({ maxLength: 40 }),
    procedure: Type.String({ maxLength: 40, description: 'Procedure code' }),
    date: IsoDate('The day the counts are for'),
    source: Type.String({ minLength: 1, maxLength: 100, description: 'The system that counted, e.g. motcua-soctrang' }),
    asOf: Type.String({ format: 'date-time', description: 'When the snapshot was taken; an older one than stored is ignored (stale)' }),
    ...counts,
  },
  {
    $id: 'DossierCount',
    additionalProperties: false,
    description:
      'receivedNew, carriedOver; of the received: receivedOnline, receivedInPerson, receivedPostal (BCCI); resolved = resolvedEarly + resolvedOnTime + resolvedLate; pending = pendingWithin + pendingOverdue; withdrawn. Omit what the system does not count.',
  },
);
export type DossierCountInput = Static<typeof DossierCountSchema>;

export const DossierCountBatchSchema = Type.Object(
  { counts: Type.Array(ref(DossierCountSchema), { minItems: 1, maxItems: 50000 }) },
  { $id: 'DossierCountBatch', additionalProperties: false },
);

export const IngestRowCodeSchema = StringEnum(INGEST_ROW_CODES, {
  $id: 'IngestRowCode',
  description: 'Why a row was refused: a negative count, a broken identity, a repeated key, an unknown agency or procedure, or outside the key’s scope',
});

export const IngestConflictSchema = Type.Object(
  {
    index: Type.Integer({ description: 'Position of the row in the batch' }),
    line: Type.Optional(Type.Integer({ description: 'For a text/csv body: the row’s line in the file' })),
    code: ref(IngestRowCodeSchema),
    message: Type.String(),
  },
  { $id: 'IngestConflict', additionalProperties: false },
);

export const IngestSummarySchema = Type.Object(
  {
    atomic: Type.Boolean(),
    created: Type.Integer(),
    updated: Type.Integer(),
    unchanged: Type.Integer(),
    stale: Type.Integer({ description: 'Rows older (by asOf) than what is stored: ignored' }),
    rejected: Type.Integer(),
    conflicts: Type.Array(ref(IngestConflictSchema)),
  },
  { $id: 'IngestSummary', additionalProperties: false },
);
export type IngestSummary = Static<typeof IngestSummarySchema>;

export const IngestQuery = Type.Object(
  {
    atomic: Type.Optional(Type.Boolean({ default: false, description: 'All or nothing: any refused row refuses the batch (422)' })),
    source: Type.Optional(
      Type.String({ minLength: 1, maxLength: 100, description: 'text/csv only: the source of rows whose file has no source column or a blank cell' }),
    ),
    asOf: Type.Optional(
      Type.String({ format: 'date-time', description: 'text/csv only: the snapshot time of rows whose file has no asOf column or a blank cell' }),
    ),
  },
  { additionalProperties: false },
);

const RateSchema = Type.Object(
  {
    numerator: Type.Integer(),
    denominator: Type.Integer(),
    value: Type.Union([Type.Number(), Type.Null()], { description: 'Percent with 2 decimals; null when the denominator is 0' }),
  },
  { $id: 'Rate', additionalProperties: false },
);

const totals = Object.fromEntries(COUNT_FIELDS.map((f) => [f, Type.Integer()])) as Record<(typeof COUNT_FIELDS)[number], ReturnType<typeof Type.Integer>>;
export const DossierTotalsSchema = Type.Object(totals, {
  $id: 'DossierTotals',
  additionalProperties: false,
  description: 'Flows summed over the days of the window; stocks (carriedOver at the first day, pending* at the last day) per agency, procedure and source',
});

export const DossierRatesSchema = Type.Object(
  {
    onTime: ref(RateSchema, 'Resolved early or on time, over resolved'),
    progress766: ref(RateSchema, 'Quyết định 766/QĐ-TTg: early + on time + pending within the deadline, over all handled (resolved + pending)'),
    online: ref(RateSchema, 'Received online, over received'),
    postal: ref(RateSchema, 'Received by public postal service (BCCI), over received'),
  },
  { $id: 'DossierRates', additionalProperties: false },
);

export const DossierStatsSchema = Type.Object(
  {
    from: Type.String({ format: 'date' }),
    to: Type.String({ format: 'date' }),
    agency: Type.Union([Type.String(), Type.Null()]),
    groupBy: Type.String(),
    total: Type.Object({ totals: ref(DossierTotalsSchema), rates: ref(DossierRatesSchema) }, { additionalProperties: false }),
    groups: Type.Array(
      Type.Object(
        { key: Type.String(), label: Type.String(), totals: ref(DossierTotalsSchema), rates: ref(DossierRatesSchema) },
        { additionalProperties: false },
      ),
    ),
  },
  { $id: 'DossierStats', additionalProperties: false },
);

export const DossierStatsQuery = Type.Object(
  {
    period: Type.Optional(Type.String({ maxLength: 10, description: 'A reporting period: its cut-off window' })),
    from: Type.Optional(withExample(IsoDate('Window start (with to, instead of period)'), '2022-12-15')),
    to: Type.Optional(withExample(IsoDate('Window end, inclusive'), '2023-12-14')),
    agency: Type.Optional(Type.String({ maxLength: 40, description: 'This agency and its whole subtree (default: every agency)', examples: ['BQL-KCN'] })),
    groupBy: Type.Optional(StringEnum(['none', 'agency', 'procedure', 'field', 'month'] as const, { default: 'none', examples: ['procedure'] })),
    source: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false },
);

export const dossierSchemas = [
  IngestRowCodeSchema,
  RateSchema,
  DossierTotalsSchema,
  DossierRatesSchema,
  DossierStatsSchema,
  DossierCountSchema,
  DossierCountBatchSchema,
  IngestConflictSchema,
  IngestSummarySchema,
];
