/**
 * The stable codes a bulk write gives each refused row (in `conflicts`), listed once so the API schema can
 * declare them as enums and a client can `switch` over them exhaustively. A code is never renamed or reused.
 */

/** Why a reported value is refused by the indicator's definition (domain/indicators.ts). */
export const VALUE_REFUSALS = [
  'VALUE_TYPE_MISMATCH',
  'VALUE_OUT_OF_RANGE',
  'VALUE_NOT_INTEGER',
  'VALUE_NOT_ALLOWED',
  'INDICATOR_NOT_REPORTABLE',
  'INDICATOR_DERIVED',
] as const;
export type ValueRefusal = (typeof VALUE_REFUSALS)[number];

/** Why a row of a value submission or an annex file is refused. */
export const SUBMISSION_ROW_CODES = [
  'ROW_UNMATCHED',
  'VALUE_UNREADABLE',
  ...VALUE_REFUSALS,
  'INDICATOR_UNKNOWN',
  'INDICATOR_NOT_IN_TEMPLATE',
  'DUPLICATE_ROW',
  'PERIOD_NOT_FOUND',
  'PERIOD_CLOSED',
  'PERIOD_LOCKED',
  'PERIOD_HAS_NO_TEMPLATE',
  'AGENCY_NOT_FOUND',
  'AGENCY_NOT_ACTIVE',
  'FORBIDDEN',
  'EVIDENCE_NOT_FOUND',
  'REPORT_SUBMITTED',
  'REPORT_ACCEPTED',
] as const;
export type SubmissionRowCode = (typeof SUBMISSION_ROW_CODES)[number];

/** Why a row of dossier counts breaks itself: a negative count or one of the identities (domain/dossiers.ts). */
export const COUNT_REFUSALS = ['NEGATIVE_COUNT', 'IDENTITY_RESOLVED', 'IDENTITY_PENDING', 'IDENTITY_RECEIVED', 'IDENTITY_BALANCE'] as const;
export type CountRefusal = (typeof COUNT_REFUSALS)[number];

/** Why a row of a dossier-count push is refused. */
export const INGEST_ROW_CODES = [...COUNT_REFUSALS, 'DUPLICATE_ROW', 'AGENCY_NOT_FOUND', 'PROCEDURE_NOT_FOUND', 'FORBIDDEN'] as const;
export type IngestRowCode = (typeof INGEST_ROW_CODES)[number];
