import { Type, type Static } from 'typebox';
import { AGENCY_KINDS } from '../../domain/agencies.js';
import { CursorPageQuery, Page, ref, StringEnum, withExample } from '../../schemas/common.js';

export const AgencyCode = Type.String({
  pattern: '^[A-Z0-9][A-Z0-9._-]{0,39}$',
  description: 'Stable code: upper-case letters, digits, dot, dash, underscore (e.g. BQL-KCN)',
  examples: ['BQL-KCN'],
});

export const AgencyKindSchema = StringEnum(AGENCY_KINDS, {
  $id: 'AgencyKind',
  description:
    'province (UBND tỉnh), department (sở, ban, ngành), district (huyện, thị xã, thành phố), commune (xã, phường, thị trấn), unit (đơn vị trực thuộc)',
});

const AgencyName = Type.String({ minLength: 1, maxLength: 300, description: 'Official name in Vietnamese, with diacritics' });
const ShortName = Type.String({ minLength: 1, maxLength: 100 });

const agencyProperties = {
  code: Type.String(),
  name: Type.String(),
  shortName: Type.Union([Type.String(), Type.Null()]),
  kind: ref(AgencyKindSchema),
  parentCode: Type.Union([Type.String(), Type.Null()]),
  active: Type.Boolean(),
  createdAt: Type.String({ format: 'date-time' }),
  updatedAt: Type.String({ format: 'date-time' }),
};

export const AgencySchema = Type.Object(agencyProperties, { $id: 'Agency', additionalProperties: false });
export type Agency = Static<typeof AgencySchema>;

export const NewAgencySchema = Type.Object(
  {
    code: AgencyCode,
    name: AgencyName,
    shortName: Type.Optional(Type.Union([ShortName, Type.Null()])),
    kind: ref(AgencyKindSchema),
    parentCode: Type.Optional(Type.Union([AgencyCode, Type.Null()])),
  },
  { $id: 'NewAgency', additionalProperties: false },
);
export type NewAgency = Static<typeof NewAgencySchema>;

export const AgencyPatchSchema = Type.Object(
  {
    name: Type.Optional(AgencyName),
    shortName: Type.Optional(Type.Union([ShortName, Type.Null()])),
    kind: Type.Optional(ref(AgencyKindSchema)),
    parentCode: Type.Optional(Type.Union([AgencyCode, Type.Null()])),
    active: Type.Optional(Type.Boolean({ description: 'false deactivates (see deactivateAgency); true reactivates' })),
  },
  { $id: 'AgencyPatch', additionalProperties: false, minProperties: 1 },
);
export type AgencyPatch = Static<typeof AgencyPatchSchema>;

export const AgencyPageSchema = Page(AgencySchema, { $id: 'AgencyPage', nextCursor: 'Pass as cursor for the next page; null on the last page' });

export const AgencyTreeNodeSchema = Type.Object(
  { ...agencyProperties, depth: Type.Integer({ minimum: 0, description: '0 for the requested agency, 1 for its children, …' }) },
  { $id: 'AgencyTreeNode', additionalProperties: false },
);
export type AgencyTreeNode = Static<typeof AgencyTreeNodeSchema>;

export const AgencySubtreeSchema = Type.Object(
  {
    root: Type.String(),
    items: Type.Array(ref(AgencyTreeNodeSchema), { description: 'The agency and all its descendants, depth-first, siblings by code' }),
  },
  { $id: 'AgencySubtree', additionalProperties: false },
);

export const AgencyListQuery = Type.Object(
  {
    kind: Type.Optional(withExample(AgencyKindSchema, 'department')),
    parent: Type.Optional(Type.String({ maxLength: 40, description: "Children of this agency; 'none' for top-level agencies", examples: ['UBND-ST'] })),
    q: Type.Optional(
      Type.String({
        minLength: 1,
        maxLength: 200,
        description: 'Search in name, short name and code, ignoring diacritics and case',
        examples: ['ban quan ly'],
      }),
    ),
    active: Type.Optional(Type.Boolean({ examples: [true] })),
    ...CursorPageQuery,
  },
  { additionalProperties: false },
);
export type AgencyListQuery = Static<typeof AgencyListQuery>;

export const AgencyCodeParams = Type.Object({ code: Type.String({ maxLength: 40, examples: ['BQL-KCN'] }) }, { additionalProperties: false });

export const agencySchemas = [AgencyKindSchema, AgencySchema, NewAgencySchema, AgencyPatchSchema, AgencyPageSchema, AgencyTreeNodeSchema, AgencySubtreeSchema];
