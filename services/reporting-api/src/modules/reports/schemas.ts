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

const Text = (maxLength: number, description: string, example?: string) =>
  Type.Union([Type.String({ maxLength, description, ...(example && { examples: [example] }) }), Type.Null()]);
const Lines = (maxItems: number, description: string, examples: string[]) =>
  Type.Union([Type.Array(Type.String({ maxLength: 300 }), { maxItems, description, examples: [examples] }), Type.Null()]);

/**
 * What the report's official document (GET …/document, a DOCX in the layout of Nghị định 30/2020/NĐ-CP) needs
 * beyond values and narrative. Every field is optional: an unset one takes its default (the agency's parent and name
 * for the issuing body, a trích yếu from the period, the template's section names) or is printed as dots, as on a
 * blank form. PATCH merges it field by field; null clears a field.
 */
export const ReportDocumentSchema = Type.Object(
  {
    number: Type.Optional(Text(50, 'Số và ký hiệu', '15/BC-BQL')),
    place: Type.Optional(Text(100, 'Địa danh (default: from the agency’s name)', 'Sóc Trăng')),
    issuedOn: Type.Optional(Type.Union([Type.String({ format: 'date', description: 'Ngày ban hành' }), Type.Null()])),
    governingBody: Type.Optional(Text(200, 'Cơ quan chủ quản (default: the agency’s parent); printed upper case', 'UBND TỈNH SÓC TRĂNG')),
    issuer: Type.Optional(Text(200, 'Cơ quan ban hành (default: the agency’s name); printed upper case, bold', 'BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP')),
    title: Type.Optional(
      Text(500, 'Trích yếu (default: Kết quả thực hiện công tác cải cách hành chính <period>)', 'Kết quả thực hiện công tác cải cách hành chính năm 2023'),
    ),
    recipients: Type.Optional(Lines(20, 'Kính gửi', ['Sở Nội vụ tỉnh Sóc Trăng'])),
    opening: Type.Optional(Text(5000, 'The paragraph before section I (căn cứ, purpose)')),
    closing: Type.Optional(Text(2000, 'The paragraph after the last section (default: Trên đây là báo cáo …./.)')),
    distribution: Type.Optional(Lines(30, 'Nơi nhận', ['Như trên;', 'Lưu: VT.'])),
    signer: Type.Optional(
      Type.Union([
        Type.Object(
          {
            authority: Type.Optional(Text(100, 'Quyền hạn (KT., TL., TM. … with the head’s title), upper case', 'KT. TRƯỞNG BAN')),
            position: Type.Optional(Text(100, 'Chức vụ of the signer, upper case', 'PHÓ TRƯỞNG BAN')),
            name: Type.Optional(Text(100, 'Họ và tên', 'Nguyễn Văn A')),
          },
          { additionalProperties: false },
        ),
        Type.Null(),
      ]),
    ),
    sectionTitles: Type.Optional(
      Type.Union([
        Type.Record(Type.String({ maxLength: 40 }), Type.String({ maxLength: 500 }), {
          maxProperties: 50,
          description: 'Title of each narrative section, by its key (default: the template’s section name)',
          examples: [{ I: 'CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH' }],
        }),
        Type.Null(),
      ]),
    ),
  },
  { $id: 'ReportDocument', additionalProperties: false },
);
export type ReportDocument = Static<typeof ReportDocumentSchema>;

export const ReportSchema = Type.Object(
  {
    period: Type.String(),
    agency: Type.String(),
    state: ref(ReportStateSchema),
    narrative: Type.Record(Type.String(), Type.String(), { description: 'Text per section (I–VII or any heading), markdown allowed' }),
    evidence: Type.Array(Type.String(), { description: 'Ids of documents the report cites' }),
    document: ref(ReportDocumentSchema),
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
    document: Type.Optional(ref(ReportDocumentSchema, 'Document metadata, merged field by field (null clears a field)')),
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
  ReportDocumentSchema,
  ReportSchema,
  ReportPatchSchema,
  ReturnBodySchema,
  ReportListSchema,
  CompletenessSchema,
  ExpectedAgenciesBodySchema,
  ExpectedAgenciesSchema,
];
