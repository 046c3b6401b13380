import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../plugins/auth.js';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import {
  type NewTemplate,
  CopyTemplateSchema,
  IndicatorListSchema,
  IndicatorParams,
  IndicatorPatchSchema,
  IndicatorSchema,
  NewTemplateSchema,
  RuleBodySchema,
  RuleListSchema,
  RuleSchema,
  TemplateListSchema,
  TemplateParams,
  TemplatePatchSchema,
  TemplateSchema,
} from './schemas.js';

const tags = ['templates'];
const admins = ['admin'] as const;
/** A rule of a template; `example` is the rule code Swagger UI pre-fills. */
const ruleParams = (example: string) =>
  Type.Object(
    { id: Type.String({ maxLength: 40, examples: ['CCHC-2023'] }), code: Type.String({ pattern: '^[A-Z0-9][A-Za-z0-9._-]{0,59}$', examples: [example] }) },
    { additionalProperties: false },
  );

/** A small template of its own: the dossier results of section III.7, quarter by quarter. */
const NEW_TEMPLATE_EXAMPLE: NewTemplate = {
  id: 'CCHC-TTHC-2025',
  name: 'Thống kê kết quả giải quyết thủ tục hành chính hằng quý',
  year: 2025,
  source: 'Mục III.7 Phụ lục thống kê số liệu cải cách hành chính',
  indicators: [
    { code: 'III', stt: 'III', level: 1, parentCode: null, valueType: 'section', name: 'Cải cách thủ tục hành chính', rollup: 'none' },
    { code: 'III.7', stt: '7', level: 2, parentCode: 'III', valueType: 'section', heading: true, name: 'Kết quả giải quyết TTHC', rollup: 'none' },
    {
      code: 'III.7.1',
      stt: '',
      level: 3,
      parentCode: 'III.7',
      valueType: 'integer',
      name: 'Số lượng hồ sơ TTHC do cơ quan, đơn vị tiếp nhận',
      unit: 'Hồ sơ',
      min: 0,
      decimals: 0,
      rollup: 'sum',
      fromCounts: 'receivedNew',
    },
    {
      code: 'III.7.2',
      stt: '',
      level: 3,
      parentCode: 'III.7',
      valueType: 'integer',
      name: 'Số lượng hồ sơ TTHC do cơ quan, đơn vị trả kết quả',
      unit: 'Hồ sơ',
      min: 0,
      decimals: 0,
      rollup: 'sum',
      fromCounts: 'resolved',
    },
    {
      code: 'III.7.2.1',
      stt: '',
      level: 4,
      parentCode: 'III.7.2',
      valueType: 'integer',
      name: 'Số hồ sơ TTHC trả kết quả trước hạn',
      unit: 'Hồ sơ',
      min: 0,
      decimals: 0,
      rollup: 'sum',
      fromCounts: 'resolvedEarly',
    },
    {
      code: 'III.7.2.2',
      stt: '',
      level: 4,
      parentCode: 'III.7.2',
      valueType: 'integer',
      name: 'Số hồ sơ TTHC trả kết quả đúng hạn',
      unit: 'Hồ sơ',
      min: 0,
      decimals: 0,
      rollup: 'sum',
      fromCounts: 'resolvedOnTime',
    },
    {
      code: 'III.7.3',
      stt: '',
      level: 3,
      parentCode: 'III.7',
      valueType: 'percent',
      name: 'Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hẹn',
      unit: '%',
      min: 0,
      max: 100,
      decimals: 2,
      formula: '(III.7.2.1 + III.7.2.2) / III.7.2 * 100',
      rollup: 'recompute',
    },
  ],
  rules: [
    {
      code: 'R-III7-RETURNED-LE-RECEIVED',
      left: 'III.7.2',
      op: '<=',
      right: 'III.7.1',
      severity: 'warning',
      message: 'Số hồ sơ trả kết quả (III.7.2) lớn hơn số hồ sơ tiếp nhận (III.7.1); kiểm tra lại số hồ sơ kỳ trước chuyển sang.',
    },
  ],
};

export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const templates = app.services.templates;

  app.get(
    '/v1/templates',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listTemplates',
        summary: 'List indicator templates',
        response: { 200: ref(TemplateListSchema, 'Every indicator template') },
      },
    },
    async () => ({ items: await templates.list() }),
  );

  app.get(
    '/v1/templates/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getTemplate',
        summary: 'Get an indicator template',
        params: TemplateParams,
        response: { 200: ref(TemplateSchema, 'The template'), ...problemResponses(404) },
      },
    },
    async (request) => templates.get(request.params.id),
  );

  app.get(
    '/v1/templates/:id/indicators',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listTemplateIndicators',
        summary: 'List a template’s indicators in printed order',
        description:
          'The tree section → item → sub-item, flattened in the order of the printed annex (level and parentCode give the tree). Filter by section (e.g. III or III.7) and by a search text that ignores diacritics.',
        params: TemplateParams,
        querystring: Type.Object(
          {
            section: Type.Optional(Type.String({ pattern: '^[IVXLC]+(\\.[0-9]+)*$', examples: ['III.7'] })),
            q: Type.Optional(Type.String({ minLength: 1, maxLength: 200, examples: ['ho so'] })),
          },
          { additionalProperties: false },
        ),
        response: { 200: ref(IndicatorListSchema, 'The template’s indicators, in template order'), ...problemResponses(400, 404) },
      },
    },
    async (request) => ({ template: request.params.id, items: await templates.indicators(request.params.id, request.query) }),
  );

  app.get(
    '/v1/templates/:id/indicators/:code',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getTemplateIndicator',
        summary: 'Get one indicator',
        params: IndicatorParams,
        response: { 200: ref(IndicatorSchema, 'The indicator'), ...problemResponses(404) },
      },
    },
    async (request) => templates.indicator(request.params.id, request.params.code),
  );

  app.get(
    '/v1/templates/:id/rules',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listTemplateRules',
        summary: 'List a template’s rules',
        params: TemplateParams,
        response: { 200: ref(RuleListSchema, 'The template’s rules'), ...problemResponses(404) },
      },
    },
    async (request) => ({ template: request.params.id, items: await templates.rules(request.params.id) }),
  );

  app.post(
    '/v1/templates',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'createTemplate',
        summary: 'Create an indicator template',
        description:
          'A whole template: indicators in printed order (parents first) and rules. Formulas and rules are checked: they must read numeric indicators of the template and formulas may not form a cycle (TEMPLATE_INVALID).',
        body: withExample(ref(NewTemplateSchema, 'The whole template: indicators in printed order, and rules'), NEW_TEMPLATE_EXAMPLE),
        response: { 201: ref(TemplateSchema, 'The template, created'), ...problemResponses(400, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await templates.create(actorOf(request), request.body)),
  );

  app.post(
    '/v1/templates/:id/copy',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'copyTemplate',
        summary: 'Copy a template to a new year',
        description: 'Every indicator and rule of the template, under a new id, ready to be edited for the next year.',
        params: TemplateParams,
        body: withExample(ref(CopyTemplateSchema, 'The id, year and name of the copy'), {
          id: 'CCHC-2024',
          year: 2024,
          name: 'Thống kê số liệu và kết quả thực hiện công tác cải cách hành chính năm 2024',
        }),
        response: { 201: ref(TemplateSchema, 'The copy, created'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await templates.copy(actorOf(request), request.params.id, request.body)),
  );

  app.patch(
    '/v1/templates/:id',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'updateTemplate',
        summary: 'Rename a template or change its year or source',
        params: TemplateParams,
        body: withExample(ref(TemplatePatchSchema, 'The fields to change'), {
          name: 'Thống kê số liệu và kết quả thực hiện công tác cải cách hành chính năm 2023',
        }),
        response: { 200: ref(TemplateSchema, 'The template as it is now'), ...problemResponses(400, 404) },
      },
    },
    async (request) => templates.update(actorOf(request), request.params.id, request.body),
  );

  app.patch(
    '/v1/templates/:id/indicators/:code',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'updateTemplateIndicator',
        summary: 'Edit an indicator',
        description:
          'Name, unit, options, bounds, decimals, formula, overridable, roll-up, help. Options and bounds are fixed once values are reported (TEMPLATE_IN_USE): copy the template instead.',
        params: IndicatorParams,
        body: withExample(ref(IndicatorPatchSchema, 'The fields to change'), {
          help: 'Tỷ lệ = (số hồ sơ trả kết quả trước hạn + đúng hạn) / số hồ sơ trả kết quả × 100; để trống khi kỳ báo cáo không trả kết quả hồ sơ nào.',
        }),
        response: { 200: ref(IndicatorSchema, 'The indicator as it is now'), ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request) => templates.updateIndicator(actorOf(request), request.params.id, request.params.code, request.body),
  );

  app.put(
    '/v1/templates/:id/rules/:code',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'putTemplateRule',
        summary: 'Create or replace a rule',
        params: ruleParams('R-I2-UNITS-LE-SUBUNITS'),
        body: withExample(ref(RuleBodySchema, 'The rule: two expressions, how they compare, its severity and message'), {
          left: 'I.2.2',
          op: '<=',
          right: 'IV.1.2 + IV.1.4',
          severity: 'warning',
          message: 'Số đơn vị trực thuộc đã kiểm tra (I.2.2) không được lớn hơn số tổ chức hành chính và đơn vị sự nghiệp trực thuộc (IV.1.2 + IV.1.4).',
        }),
        response: { 200: ref(RuleSchema, 'The rule as it is now'), ...problemResponses(400, 404, 422) },
      },
    },
    async (request) => templates.putRule(actorOf(request), request.params.id, request.params.code, request.body),
  );

  app.delete(
    '/v1/templates/:id/rules/:code',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'deleteTemplateRule',
        summary: 'Delete a rule',
        params: ruleParams('R-V4-ACTUAL-GE-PLAN'),
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404) },
      },
    },
    async (request, reply) => {
      await templates.deleteRule(actorOf(request), request.params.id, request.params.code);
      return reply.code(204).send(null);
    },
  );
};
