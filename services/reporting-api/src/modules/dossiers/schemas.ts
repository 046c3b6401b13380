import { Type, type Static } from 'typebox';
import { COUNT_FIELDS } from '../../domain/dossiers.js';
import { IsoDate, ref } from '../../schemas/common.js';

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

export const IngestConflictSchema = Type.Object(
  {
    index: Type.Integer(),
    code: Type.String({ description: 'NEGATIVE_COUNT, IDENTITY_RESOLVED, IDENTITY_PENDING, IDENTITY_RECEIVED, IDENTITY_BALANCE, DUPLICATE_ROW, AGENCY_NOT_FOUND, PROCEDURE_NOT_FOUND, FORBIDDEN' }),
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
  { atomic: Type.Optional(Type.Boolean({ default: false, description: 'All or nothing: any refused row refuses the batch (422)' })) },
  { additionalProperties: false },
);

export const dossierSchemas = [DossierCountSchema, DossierCountBatchSchema, IngestConflictSchema, IngestSummarySchema];
