import { Type, type Static } from 'typebox';
import { ONLINE_LEVELS, PROCEDURE_STATUSES } from '../../domain/procedures.js';
import { CursorPageQuery, IsoDate, Page, ref, StringEnum, withExample } from '../../schemas/common.js';
import { AgencyCode } from '../agencies/schemas.js';

export const ProcedureCode = Type.String({
  pattern: '^[0-9A-Z][0-9A-Z.-]{1,39}$',
  description: 'The national code (e.g. 1.009793); demo data uses DEMO-… codes',
  examples: ['1.009793'],
});
export const OnlineLevelSchema = StringEnum(ONLINE_LEVELS, {
  $id: 'OnlineLevel',
  description: 'full: toàn trình (fully online); partial: một phần; none: not online',
});

const procedureProperties = {
  code: Type.String(),
  name: Type.String(),
  field: Type.String({ description: 'Lĩnh vực' }),
  agencyCode: Type.Union([Type.String(), Type.Null()], { description: 'The agency that resolves it' }),
  onlineLevel: ref(OnlineLevelSchema),
  interAgency: Type.Boolean({ description: 'Liên thông' }),
  feeBearing: Type.Boolean({ description: 'Carries a fee or charge' }),
  status: StringEnum(PROCEDURE_STATUSES),
  abolishedBy: Type.Union([Type.String(), Type.Null()], { description: 'The deciding document, as cited' }),
  abolishedOn: Type.Union([Type.String({ format: 'date' }), Type.Null()]),
  demo: Type.Boolean({ description: 'Made-up demo data, not a real procedure' }),
};

export const ProcedureSchema = Type.Object(
  { ...procedureProperties, createdAt: Type.String({ format: 'date-time' }), updatedAt: Type.String({ format: 'date-time' }) },
  { $id: 'Procedure', additionalProperties: false },
);
export type Procedure = Static<typeof ProcedureSchema>;

const Name = Type.String({ minLength: 1, maxLength: 1000 });
const Field = Type.String({ minLength: 1, maxLength: 200 });
const AbolishedBy = Type.Union([Type.String({ minLength: 1, maxLength: 500 }), Type.Null()]);

export const NewProcedureSchema = Type.Object(
  {
    code: ProcedureCode,
    name: Name,
    field: Field,
    agencyCode: Type.Optional(Type.Union([AgencyCode, Type.Null()])),
    onlineLevel: ref(OnlineLevelSchema),
    interAgency: Type.Optional(Type.Boolean()),
    feeBearing: Type.Optional(Type.Boolean()),
    status: Type.Optional(StringEnum(PROCEDURE_STATUSES)),
    abolishedBy: Type.Optional(AbolishedBy),
    abolishedOn: Type.Optional(Type.Union([IsoDate(), Type.Null()])),
    demo: Type.Optional(Type.Boolean()),
  },
  { $id: 'NewProcedure', additionalProperties: false, description: 'An abolished procedure needs abolishedOn (and should cite abolishedBy)' },
);
export type NewProcedure = Static<typeof NewProcedureSchema>;

export const ProcedurePatchSchema = Type.Object(
  {
    name: Type.Optional(Name),
    field: Type.Optional(Field),
    agencyCode: Type.Optional(Type.Union([AgencyCode, Type.Null()])),
    onlineLevel: Type.Optional(ref(OnlineLevelSchema)),
    interAgency: Type.Optional(Type.Boolean()),
    feeBearing: Type.Optional(Type.Boolean()),
    status: Type.Optional(StringEnum(PROCEDURE_STATUSES)),
    abolishedBy: Type.Optional(AbolishedBy),
    abolishedOn: Type.Optional(Type.Union([IsoDate(), Type.Null()])),
  },
  { $id: 'ProcedurePatch', additionalProperties: false, minProperties: 1 },
);
export type ProcedurePatch = Static<typeof ProcedurePatchSchema>;

export const ProcedureBulkSchema = Type.Object(
  { procedures: Type.Array(ref(NewProcedureSchema), { minItems: 1, maxItems: 10000 }) },
  { $id: 'ProcedureBulk', additionalProperties: false },
);
export const ProcedureBulkResultSchema = Type.Object(
  { created: Type.Integer(), updated: Type.Integer(), unchanged: Type.Integer() },
  { $id: 'ProcedureBulkResult', additionalProperties: false },
);

export const ProcedurePageSchema = Page(ProcedureSchema, { $id: 'ProcedurePage' });

export const ProcedureListQuery = Type.Object(
  {
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Search in code, name and field, ignoring diacritics and case',
        examples: ['nghiem thu cong trinh'],
      }),
    ),
    field: Type.Optional(Type.String({ maxLength: 200, examples: ['Xây dựng'] })),
    agency: Type.Optional(Type.String({ maxLength: 40, examples: ['BQL-KCN'] })),
    onlineLevel: Type.Optional(withExample(OnlineLevelSchema, 'full')),
    status: Type.Optional(StringEnum(PROCEDURE_STATUSES, { examples: ['active'] })),
    interAgency: Type.Optional(Type.Boolean({ examples: [false] })),
    ...CursorPageQuery,
  },
  { additionalProperties: false },
);
export type ProcedureListQuery = Static<typeof ProcedureListQuery>;

export const ProcedureParams = Type.Object({ code: Type.String({ maxLength: 40, examples: ['BQL-KCN.XD.01'] }) }, { additionalProperties: false });

export const procedureSchemas = [
  OnlineLevelSchema,
  ProcedureSchema,
  NewProcedureSchema,
  ProcedurePatchSchema,
  ProcedureBulkSchema,
  ProcedureBulkResultSchema,
  ProcedurePageSchema,
];
