import { Type, type Static } from 'typebox';
import { REPORT_STATES } from '../../domain/report-states.js';
import { Page, ref, StringEnum } from '../../schemas/common.js';
import { AgencyKindSchema } from '../agencies/schemas.js';
import { PeriodId } from '../periods/schemas.js';

export const ReportStateSchema = StringEnum(REPORT_STATES, {
  $id: 'ReportState',
  description: 'draft → submitted → accepted, or returned (with a reason) → draft … submitted again',
});

export const TransitionSchema = Type.Object(
  {
    from: Type.String(),
    to: Type.String(),
    at: Type.String({ format: 'date-time' }),
    actorKeyId: Type.Union([Type.String(), Type.Null()]),
    reason: Type.Union([Type.String(), Type.Null()]),
  },
  { $id: 'ReportTransition', additionalProperties: false },
);

export const ReportSchema = Type.Object(
  {
    period: Type.String(),
    agency: Type.String(),
    state: ref(ReportStateSchema),
    narrative: Type.Record(Type.String(), Type.String(), { description: 'Text per section (I–VII or any heading), markdown allowed' }),
    evidence: Type.Array(Type.String(), { description: 'Ids of documents the report cites' }),
    values: Type.Integer({ description: 'How many values are stored' }),
    firstSubmittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
    dueOn: Type.String({ format: 'date' }),
    timeliness: Type.Union([Type.Literal('on_time'), Type.Literal('late'), Type.Null()], {
      description: 'From the first submission against the deadline, as a day in Vietnam',
    }),
    returnReason: Type.Union([Type.String(), Type.Null()]),
    transitions: Type.Array(ref(TransitionSchema)),
    updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'Report', additionalProperties: false },
);
export type Report = Static<typeof ReportSchema>;

export const ReportPatchSchema = Type.Object(
  {
    narrative: Type.Optional(Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 200_000 }), { maxProperties: 50 })),
    evidence: Type.Optional(Type.Array(Type.String({ format: 'uuid' }), { maxItems: 500, uniqueItems: true })),
  },
  { $id: 'ReportPatch', additionalProperties: false, minProperties: 1 },
);
export type ReportPatch = Static<typeof ReportPatchSchema>;

export const ReturnBodySchema = Type.Object(
  { reason: Type.String({ minLength: 1, maxLength: 5000, description: 'Why the report goes back to the agency' }) },
  { $id: 'ReturnReport', additionalProperties: false },
);

export const ReportListSchema = Page(
  Type.Object(
    {
      period: Type.String(),
      agency: Type.String(),
      state: ref(ReportStateSchema),
      firstSubmittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
      updatedAt: Type.String({ format: 'date-time' }),
    },
    { additionalProperties: false },
  ),
  { $id: 'ReportList' },
);

const Rate = Type.Object(
  {
    numerator: Type.Integer(),
    denominator: Type.Integer(),
    value: Type.Union([Type.Number(), Type.Null()], { description: 'Percent, 2 decimals; null when nothing is expected' }),
  },
  { additionalProperties: false },
);
const Tally = {
  expected: Type.Integer(),
  submitted: Type.Integer({ description: 'Submitted or accepted' }),
  accepted: Type.Integer(),
  onTime: Type.Integer(),
  late: Type.Integer(),
  missing: Type.Integer({ description: 'Expected, not submitted (no report, a draft, or returned)' }),
  submittedRate: Rate,
  onTimeRate: Rate,
};

export const CompletenessSchema = Type.Object(
  {
    period: Type.String(),
    dueOn: Type.String({ format: 'date' }),
    ...Tally,
    byKind: Type.Array(Type.Object({ kind: ref(AgencyKindSchema), ...Tally }, { additionalProperties: false })),
    agencies: Type.Array(
      Type.Object(
        {
          code: Type.String(),
          name: Type.String(),
          kind: ref(AgencyKindSchema),
          state: Type.Union([ref(ReportStateSchema), Type.Literal('none')], { description: 'none: nothing filed yet' }),
          firstSubmittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          submittedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
          timeliness: Type.Union([Type.Literal('on_time'), Type.Literal('late'), Type.Null()]),
        },
        { additionalProperties: false },
      ),
    ),
    missingAgencies: Type.Array(Type.String(), { description: 'Codes of the expected agencies that have not submitted' }),
  },
  { $id: 'Completeness', additionalProperties: false },
);

export const ExpectedAgenciesBodySchema = Type.Object(
  {
    agencies: Type.Optional(Type.Array(Type.String({ maxLength: 40 }), { maxItems: 5000, uniqueItems: true })),
    kinds: Type.Optional(Type.Array(ref(AgencyKindSchema), { maxItems: 5, uniqueItems: true, description: 'Every active agency of these kinds' })),
  },
  {
    $id: 'ExpectedAgenciesBody',
    additionalProperties: false,
    minProperties: 1,
    description: 'Replaces the list: the named agencies plus every active agency of the kinds',
  },
);
export const ExpectedAgenciesSchema = Type.Object(
  { period: Type.String(), agencies: Type.Array(Type.String()) },
  { $id: 'ExpectedAgencies', additionalProperties: false },
);

export const ReportListQuery = Type.Object(
  {
    period: Type.Optional(PeriodId),
    agency: Type.Optional(Type.String({ maxLength: 40, examples: ['BQL-KCN'] })),
    state: Type.Optional(ref(ReportStateSchema)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    cursor: Type.Optional(Type.String({ maxLength: 200 })),
  },
  { additionalProperties: false },
);

export const reportSchemas = [
  ReportStateSchema,
  TransitionSchema,
  ReportSchema,
  ReportPatchSchema,
  ReturnBodySchema,
  ReportListSchema,
  CompletenessSchema,
  ExpectedAgenciesBodySchema,
  ExpectedAgenciesSchema,
];
