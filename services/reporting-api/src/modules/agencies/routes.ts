import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { writeContextOf } from '../../plugins/auth.js';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import { AgencyCodeParams, AgencyListQuery, AgencyPageSchema, AgencyPatchSchema, AgencySchema, AgencySubtreeSchema, NewAgencySchema } from './schemas.js';

const tags = ['agencies'];
const writers = ['admin', 'agency'] as const;

export const agencyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const agencies = app.services.agencies;

  app.get(
    '/v1/agencies',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listAgencies',
        summary: 'List agencies',
        description:
          'Filter by kind, parent and a search text that ignores diacritics and case ("so noi vu" finds "Sở Nội vụ"). Ordered by code; cursor-paginated.',
        querystring: AgencyListQuery,
        response: { 200: ref(AgencyPageSchema, 'A page of agencies, in code order'), ...problemResponses(400) },
      },
    },
    async (request) => agencies.list(request.query),
  );

  app.get(
    '/v1/agencies/:code',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getAgency',
        summary: 'Get an agency',
        params: AgencyCodeParams,
        response: { 200: ref(AgencySchema, 'The agency'), ...problemResponses(400, 404) },
      },
    },
    async (request) => agencies.get(request.params.code),
  );

  app.get(
    '/v1/agencies/:code/subtree',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getAgencySubtree',
        summary: 'Get an agency with its whole subtree',
        description: 'The agency (depth 0) and every agency below it, depth-first, siblings ordered by code.',
        params: AgencyCodeParams,
        response: { 200: ref(AgencySubtreeSchema, 'The agency and every agency below it'), ...problemResponses(400, 404) },
      },
    },
    async (request) => agencies.subtree(request.params.code),
  );

  app.post(
    '/v1/agencies',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'createAgency',
        summary: 'Create an agency',
        description: 'Only an admin creates a top-level agency; an agency key creates agencies below its own.',
        body: withExample(ref(NewAgencySchema, 'The agency to create'), {
          code: 'BQL-KCN-QLDN',
          name: 'Phòng Quản lý doanh nghiệp',
          shortName: 'Phòng QLDN',
          kind: 'unit',
          parentCode: 'BQL-KCN',
        }),
        response: { 201: ref(AgencySchema, 'The agency, created'), ...problemResponses(400, 409, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await agencies.create(writeContextOf(request), request.body)),
  );

  app.patch(
    '/v1/agencies/:code',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'updateAgency',
        summary: 'Update an agency',
        description:
          'Changes name, short name, kind, parent or active. A parent that would make a cycle answers 409 AGENCY_CYCLE. An agency key may not move or (de)activate its own agency.',
        params: AgencyCodeParams,
        body: withExample(ref(AgencyPatchSchema, 'The fields to change'), { shortName: 'BQL các KCN tỉnh Sóc Trăng' }),
        response: { 200: ref(AgencySchema, 'The agency as it is now'), ...problemResponses(400, 404, 409, 422) },
      },
    },
    async (request) => agencies.update(writeContextOf(request), request.params.code, request.body),
  );

  app.post(
    '/v1/agencies/:code/deactivate',
    {
      config: { access: writers },
      schema: {
        tags,
        operationId: 'deactivateAgency',
        summary: 'Deactivate an agency',
        description:
          'An inactive agency keeps its history but reports no more. Refused with AGENCY_HAS_ACTIVE_CHILDREN while agencies below it are active, unless cascade=true deactivates the whole subtree.',
        // A seeded leaf unit that no other example uses.
        params: Type.Object({ code: Type.String({ maxLength: 40, examples: ['SNV-CCVTLT'] }) }, { additionalProperties: false }),
        querystring: Type.Object({ cascade: Type.Optional(Type.Boolean({ default: false })) }, { additionalProperties: false }),
        response: {
          200: Type.Object(
            { deactivated: Type.Array(ref(AgencySchema)) },
            { additionalProperties: false, description: 'The agencies deactivated: this one, and its subtree with cascade' },
          ),
          ...problemResponses(400, 404, 409),
        },
      },
    },
    async (request) => agencies.deactivate(writeContextOf(request), request.params.code, request.query.cascade ?? false),
  );
};
