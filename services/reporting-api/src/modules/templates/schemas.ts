import { Type, type Static } from 'typebox';
import { COUNT_FIELDS } from '../../domain/dossiers.js';
import { ROLLUPS, VALUE_TYPES } from '../../domain/indicators.js';
import { RULE_OPS, RULE_SEVERITIES } from '../../domain/report.js';
import { ref, StringEnum } from '../../schemas/common.js';

export const TemplateId = Type.String({ pattern: '^[A-Z0-9][A-Z0-9._-]{0,39}$', description: 'e.g. CCHC-2023', examples: ['CCHC-2023'] });
export const IndicatorCode = Type.String({
  pattern: '^[IVXLC]+(\\.[0-9]+){0,4}$',
  description: 'Section (roman numeral), item, sub-item: I, I.1, III.7.3, VII.3.1.1',
  examples: ['III.7.3'],
});

export const ValueTypeSchema = StringEnum(VALUE_TYPES, {
  $id: 'ValueType',
  description: 'section: a heading without value; integer: a count; decimal; percent (0–100); boolean and choice: a code among options; text',
});
export const RollupSchema = StringEnum(ROLLUPS, {
  $id: 'Rollup',
  description: 'How the indicator rolls up over agencies: sum (counts), recompute (the formula over summed inputs), avg, min, max, any, all (codes 1/0), none',
});
export const CodedOptionSchema = Type.Object(
  { value: Type.Integer(), label: Type.String({ minLength: 1, maxLength: 100 }) },
  { $id: 'CodedOption', additionalProperties: false, description: 'A coded answer: "Có = 1 Không = 0" is [{value:1,label:"Có"},{value:0,label:"Không"}]' },
);

const Expression = Type.String({
  minLength: 1,
  maxLength: 500,
  description: 'Arithmetic over indicator codes: codes, numbers, + - * / and parentheses',
  examples: ['I.1.2 / I.1.1 * 100'],
});
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

const indicatorEditable = {
  name: Type.String({ minLength: 1, maxLength: 1000, description: 'Exact Vietnamese name as printed (Chỉ tiêu thống kê)' }),
  unit: Type.Union([Type.String({ maxLength: 200 }), Type.Null()], { description: 'Đơn vị tính as printed' }),
  options: Type.Union([Type.Array(ref(CodedOptionSchema), { minItems: 2, maxItems: 20 }), Type.Null()]),
  min: NullableNumber,
  max: NullableNumber,
  decimals: Type.Union([Type.Integer({ minimum: 0, maximum: 6 }), Type.Null()]),
  formula: Type.Union([Expression, Type.Null()], { description: 'Set when the value is derived from other indicators' }),
  overridable: Type.Boolean({ description: 'A derived indicator that agencies may also report; both are shown and compared' }),
  rollup: ref(RollupSchema),
  help: Type.Union([Type.String({ maxLength: 2000 }), Type.Null()]),
  fromCounts: Type.Union([StringEnum(COUNT_FIELDS), Type.Null()], {
    description: 'The dossier count this figure can be computed from, for the agency and the period’s window (e.g. resolved for III.7.2)',
  }),
};

export const IndicatorSchema = Type.Object(
  {
    code: Type.String(),
    stt: Type.String({ description: 'The STT cell as printed ("I", "1", "" for unnumbered sub-items)' }),
    level: Type.Integer({ description: '1 section, 2 item, 3 sub-item, 4 below' }),
    parentCode: Type.Union([Type.String(), Type.Null()]),
    position: Type.Integer({ description: 'Order in the printed annex' }),
    valueType: ref(ValueTypeSchema),
    heading: Type.Boolean({ description: 'An item that only heads its sub-items' }),
    printed: Type.Boolean({ description: 'false for supplementary inputs the printed annex does not have' }),
    ...indicatorEditable,
  },
  { $id: 'Indicator', additionalProperties: false },
);
export type Indicator = Static<typeof IndicatorSchema>;

export const NewIndicatorSchema = Type.Object(
  {
    code: IndicatorCode,
    stt: Type.String({ maxLength: 20 }),
    level: Type.Integer({ minimum: 1, maximum: 5 }),
    parentCode: Type.Union([IndicatorCode, Type.Null()]),
    valueType: ref(ValueTypeSchema),
    heading: Type.Optional(Type.Boolean()),
    printed: Type.Optional(Type.Boolean()),
    name: indicatorEditable.name,
    unit: Type.Optional(indicatorEditable.unit),
    options: Type.Optional(indicatorEditable.options),
    min: Type.Optional(NullableNumber),
    max: Type.Optional(NullableNumber),
    decimals: Type.Optional(indicatorEditable.decimals),
    formula: Type.Optional(indicatorEditable.formula),
    overridable: Type.Optional(Type.Boolean()),
    rollup: Type.Optional(ref(RollupSchema)),
    help: Type.Optional(indicatorEditable.help),
    fromCounts: Type.Optional(indicatorEditable.fromCounts),
  },
  { $id: 'NewIndicator', additionalProperties: false },
);
export type NewIndicator = Static<typeof NewIndicatorSchema>;

export const IndicatorPatchSchema = Type.Partial(Type.Object(indicatorEditable), {
  $id: 'IndicatorPatch',
  additionalProperties: false,
  minProperties: 1,
  description: 'The value type, code and place in the tree are fixed once created',
});
export type IndicatorPatch = Static<typeof IndicatorPatchSchema>;

export const RuleSchema = Type.Object(
  {
    code: Type.String({ pattern: '^[A-Z0-9][A-Za-z0-9._-]{0,59}$' }),
    left: Expression,
    op: StringEnum(RULE_OPS, { description: 'both-or-neither: both sides non-zero, or both zero' }),
    right: Expression,
    severity: StringEnum(RULE_SEVERITIES, { description: 'blocking rules refuse a report’s submission' }),
    message: Type.String({ minLength: 1, maxLength: 1000 }),
  },
  { $id: 'Rule', additionalProperties: false },
);
export type Rule = Static<typeof RuleSchema>;

export const RuleBodySchema = Type.Object(
  { left: Expression, op: RuleSchema.properties.op, right: Expression, severity: RuleSchema.properties.severity, message: RuleSchema.properties.message },
  { $id: 'RuleBody', additionalProperties: false },
);

export const TemplateSchema = Type.Object(
  {
    id: Type.String(),
    name: Type.String(),
    year: Type.Integer(),
    source: Type.Union([Type.String(), Type.Null()]),
    copiedFrom: Type.Union([Type.String(), Type.Null()]),
    indicatorCount: Type.Integer(),
    ruleCount: Type.Integer(),
    createdAt: Type.String({ format: 'date-time' }),
    updatedAt: Type.String({ format: 'date-time' }),
  },
  { $id: 'Template', additionalProperties: false },
);
export type Template = Static<typeof TemplateSchema>;

export const NewTemplateSchema = Type.Object(
  {
    id: TemplateId,
    name: Type.String({ minLength: 1, maxLength: 500 }),
    year: Type.Integer({ minimum: 2000, maximum: 2100 }),
    source: Type.Optional(Type.Union([Type.String({ maxLength: 2000 }), Type.Null()])),
    indicators: Type.Array(ref(NewIndicatorSchema), { minItems: 1, maxItems: 5000, description: 'In printed order; parents before children' }),
    rules: Type.Optional(Type.Array(ref(RuleSchema), { maxItems: 5000 })),
  },
  { $id: 'NewTemplate', additionalProperties: false },
);
export type NewTemplate = Static<typeof NewTemplateSchema>;

export const TemplatePatchSchema = Type.Object(
  {
    name: Type.Optional(NewTemplateSchema.properties.name),
    year: Type.Optional(NewTemplateSchema.properties.year),
    source: NewTemplateSchema.properties.source,
  },
  { $id: 'TemplatePatch', additionalProperties: false, minProperties: 1 },
);

export const CopyTemplateSchema = Type.Object(
  { id: TemplateId, year: NewTemplateSchema.properties.year, name: Type.Optional(NewTemplateSchema.properties.name) },
  { $id: 'CopyTemplate', additionalProperties: false, description: 'The new template gets every indicator and rule of the original' },
);

export const TemplateListSchema = Type.Object({ items: Type.Array(ref(TemplateSchema)) }, { $id: 'TemplateList', additionalProperties: false });
export const IndicatorListSchema = Type.Object(
  { template: Type.String(), items: Type.Array(ref(IndicatorSchema)) },
  { $id: 'IndicatorList', additionalProperties: false },
);
export const RuleListSchema = Type.Object({ template: Type.String(), items: Type.Array(ref(RuleSchema)) }, { $id: 'RuleList', additionalProperties: false });

export const TemplateParams = Type.Object({ id: Type.String({ maxLength: 40, examples: ['CCHC-2023'] }) }, { additionalProperties: false });
export const IndicatorParams = Type.Object(
  { id: Type.String({ maxLength: 40, examples: ['CCHC-2023'] }), code: Type.String({ maxLength: 40, examples: ['III.7.3'] }) },
  { additionalProperties: false },
);

export const templateSchemas = [
  ValueTypeSchema,
  RollupSchema,
  CodedOptionSchema,
  IndicatorSchema,
  NewIndicatorSchema,
  IndicatorPatchSchema,
  RuleSchema,
  RuleBodySchema,
  TemplateSchema,
  NewTemplateSchema,
  TemplatePatchSchema,
  CopyTemplateSchema,
  TemplateListSchema,
  IndicatorListSchema,
  RuleListSchema,
];
