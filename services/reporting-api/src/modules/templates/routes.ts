import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../plugins/auth.js';
import { problemResponses, ref } from '../../schemas/common.js';
import {
  CopyTemplateSchema, IndicatorListSchema, IndicatorParams, IndicatorPatchSchema, IndicatorSchema, NewTemplateSchema, RuleBodySchema, RuleListSchema,
  RuleSchema, TemplateListSchema, TemplateParams, TemplatePatchSchema, TemplateSchema,
} from './schemas.js';

const tags = ['templates'];
const admins = ['admin'] as const;
const RuleParams = Type.Object({ id: Type.String({ maxLength: 40 }), code: Type.String({ pattern: '^[A-Z0-9][A-Za-z0-9._-]{0,59}$' }) }, { additionalProperties: false });

export const templateRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const templates = app.services.templates;

  app.get('/v1/templates', {
    config: { access: 'read' },
    schema: { tags, operationId: 'listTemplates', summary: 'List indicator templates', response: { 200: ref(TemplateListSchema) } },
  }, async () => ({ items: await templates.list() }));

  app.get('/v1/templates/:id', {
    config: { access: 'read' },
    schema: { tags, operationId: 'getTemplate', summary: 'Get an indicator template', params: TemplateParams, response: { 200: ref(TemplateSchema), ...problemResponses(404) } },
  }, async (request) => templates.get(request.params.id));

  app.get('/v1/templates/:id/indicators', {
    config: { access: 'read' },
    schema: {
      tags,
      operationId: 'listTemplateIndicators',
      summary: 'List a template’s indicators in printed order',
      description: 'The tree section → item → sub-item, flattened in the order of the printed annex (level and parentCode give the tree). Filter by section (e.g. III or III.7) and by a search text that ignores diacritics.',
      params: TemplateParams,
      querystring: Type.Object(
        { section: Type.Optional(Type.String({ pattern: '^[IVXLC]+(\\.[0-9]+)*$' })), q: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })) },
        { additionalProperties: false },
      ),
      response: { 200: ref(IndicatorListSchema), ...problemResponses(400, 404) },
    },
  }, async (request) => ({ template: request.params.id, items: await templates.indicators(request.params.id, request.query) }));

  app.get('/v1/templates/:id/indicators/:code', {
    config: { access: 'read' },
    schema: { tags, operationId: 'getTemplateIndicator', summary: 'Get one indicator', params: IndicatorParams, response: { 200: ref(IndicatorSchema), ...problemResponses(404) } },
  }, async (request) => templates.indicator(request.params.id, request.params.code));

  app.get('/v1/templates/:id/rules', {
    config: { access: 'read' },
    schema: { tags, operationId: 'listTemplateRules', summary: 'List a template’s rules', params: TemplateParams, response: { 200: ref(RuleListSchema), ...problemResponses(404) } },
  }, async (request) => ({ template: request.params.id, items: await templates.rules(request.params.id) }));

  app.post('/v1/templates', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'createTemplate',
      summary: 'Create an indicator template',
      description: 'A whole template: indicators in printed order (parents first) and rules. Formulas and rules are checked: they must read numeric indicators of the template and formulas may not form a cycle (TEMPLATE_INVALID).',
      body: ref(NewTemplateSchema),
      response: { 201: ref(TemplateSchema), ...problemResponses(400, 409, 422) },
    },
  }, async (request, reply) => reply.code(201).send(await templates.create(actorOf(request), request.body)));

  app.post('/v1/templates/:id/copy', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'copyTemplate',
      summary: 'Copy a template to a new year',
      description: 'Every indicator and rule of the template, under a new id, ready to be edited for the next year.',
      params: TemplateParams,
      body: ref(CopyTemplateSchema),
      response: { 201: ref(TemplateSchema), ...problemResponses(400, 404, 409) },
    },
  }, async (request, reply) => reply.code(201).send(await templates.copy(actorOf(request), request.params.id, request.body)));

  app.patch('/v1/templates/:id', {
    config: { access: admins },
    schema: { tags, operationId: 'updateTemplate', summary: 'Rename a template or change its year or source', params: TemplateParams, body: ref(TemplatePatchSchema), response: { 200: ref(TemplateSchema), ...problemResponses(400, 404) } },
  }, async (request) => templates.update(actorOf(request), request.params.id, request.body));

  app.patch('/v1/templates/:id/indicators/:code', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'updateTemplateIndicator',
      summary: 'Edit an indicator',
      description: 'Name, unit, options, bounds, decimals, formula, overridable, roll-up, help. Options and bounds are fixed once values are reported (TEMPLATE_IN_USE): copy the template instead.',
      params: IndicatorParams,
      body: ref(IndicatorPatchSchema),
      response: { 200: ref(IndicatorSchema), ...problemResponses(400, 404, 409, 422) },
    },
  }, async (request) => templates.updateIndicator(actorOf(request), request.params.id, request.params.code, request.body));

  app.put('/v1/templates/:id/rules/:code', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'putTemplateRule',
      summary: 'Create or replace a rule',
      params: RuleParams,
      body: ref(RuleBodySchema),
      response: { 200: ref(RuleSchema), ...problemResponses(400, 404, 422) },
    },
  }, async (request) => templates.putRule(actorOf(request), request.params.id, request.params.code, request.body));

  app.delete('/v1/templates/:id/rules/:code', {
    config: { access: admins },
    schema: { tags, operationId: 'deleteTemplateRule', summary: 'Delete a rule', params: RuleParams, response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404) } },
  }, async (request, reply) => {
    await templates.deleteRule(actorOf(request), request.params.id, request.params.code);
    return reply.code(204).send(null);
  });
};
