import { Type, type Static } from 'typebox';
import { PERIOD_ID_PATTERN, PERIOD_KINDS, PERIOD_STATES } from '../../domain/periods.js';
import { CursorPageQuery, IsoDate, Page, ref, StringEnum, withExample } from '../../schemas/common.js';

export const PeriodId = Type.String({
  pattern: PERIOD_ID_PATTERN,
  description: 'YYYY (year), YYYY-H1 (six months), YYYY-9M (nine months), YYYY-Q1..Q4, YYYY-M01..M12',
  examples: ['2023'],
});

export const PeriodKindSchema = StringEnum(PERIOD_KINDS, { $id: 'PeriodKind' });
export const PeriodStateSchema = StringEnum(PERIOD_STATES, {
  $id: 'PeriodState',
  description: 'open: agencies report; closed: reporting ended, admins may still correct; locked: frozen, every write refused',
});

export const PeriodSchema = Type.Object(
  {
    id: Type.String(),
    kind: ref(PeriodKindSchema),
    year: Type.Integer(),
    number: Type.Union([Type.Integer(), Type.Null()], { description: 'Quarter 1–4 or month 1–12; null for other kinds' }),
    startsOn: IsoDate('First day of the cut-off window'),
    endsOn: IsoDate('Last day of the cut-off window (figures are cut off on this day)'),
    dueOn: IsoDate('Submission deadline (hạn gửi báo cáo)'),
    state: ref(PeriodStateSchema),
    templateId: Type.Union([Type.String(), Type.Null()], { description: 'The indicator template agencies report on in this period' }),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Period', additionalProperties: false },
);
export type Period = Static<typeof PeriodSchema>;

export const NewPeriodSchema = Type.Object(
  {
    id: PeriodId,
    startsOn: Type.Optional(IsoDate('Overrides the computed window start')),
    endsOn: Type.Optional(IsoDate('Overrides the computed window end')),
    dueOn: Type.Optional(IsoDate('Defaults to the 20th of the month the window ends in')),
    state: Type.Optional(ref(PeriodStateSchema)),
    templateId: Type.Optional(Type.Union([Type.String({ maxLength: 40 }), Type.Null()])),
  },
  { $id: 'NewPeriod', additionalProperties: false },
);
export type NewPeriod = Static<typeof NewPeriodSchema>;

export const PeriodPatchSchema = Type.Object(
  {
    startsOn: Type.Optional(IsoDate()),
    endsOn: Type.Optional(IsoDate()),
    dueOn: Type.Optional(IsoDate()),
    state: Type.Optional(ref(PeriodStateSchema)),
    templateId: Type.Optional(
      Type.Union([Type.String({ maxLength: 40 }), Type.Null()], { description: 'Refused (TEMPLATE_IN_USE) once values are reported on another template' }),
    ),
  },
  { $id: 'PeriodPatch', additionalProperties: false, minProperties: 1 },
);
export type PeriodPatch = Static<typeof PeriodPatchSchema>;

export const PeriodPageSchema = Page(PeriodSchema, { $id: 'PeriodPage' });

export const GeneratePeriodsSchema = Type.Object(
  {
    year: Type.Integer({ minimum: 2000, maximum: 2100 }),
    templateId: Type.Optional(Type.String({ maxLength: 40, description: 'Bind the new periods to this template' })),
  },
  { $id: 'GeneratePeriods', additionalProperties: false },
);

export const GeneratedPeriodsSchema = Type.Object(
  {
    created: Type.Array(Type.String(), { description: 'Ids of the periods created now' }),
    existing: Type.Array(Type.String(), { description: 'Ids that already existed and were left as they were' }),
  },
  { $id: 'GeneratedPeriods', additionalProperties: false },
);

export const PeriodListQuery = Type.Object(
  {
    year: Type.Optional(Type.Integer({ minimum: 2000, maximum: 2100, examples: [2023] })),
    kind: Type.Optional(withExample(PeriodKindSchema, 'quarter')),
    state: Type.Optional(withExample(PeriodStateSchema, 'open')),
    ...CursorPageQuery,
  },
  { additionalProperties: false },
);
export type PeriodListQuery = Static<typeof PeriodListQuery>;

export const PeriodContainingQuery = Type.Object({ date: IsoDate('A day'), kind: withExample(PeriodKindSchema, 'month') }, { additionalProperties: false });

export const PeriodIdParams = Type.Object({ id: PeriodId }, { additionalProperties: false });

export const periodSchemas = [
  PeriodKindSchema,
  PeriodStateSchema,
  PeriodSchema,
  NewPeriodSchema,
  PeriodPatchSchema,
  PeriodPageSchema,
  GeneratePeriodsSchema,
  GeneratedPeriodsSchema,
];
