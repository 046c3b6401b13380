import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../plugins/auth.js';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import {
  NewProcedureSchema,
  ProcedureBulkResultSchema,
  ProcedureBulkSchema,
  ProcedureListQuery,
  ProcedurePageSchema,
  ProcedureParams,
  ProcedurePatchSchema,
  ProcedureSchema,
} from './schemas.js';

const tags = ['procedures'];
const admins = ['admin'] as const;
/** A procedure by code; `example` is the code Swagger UI pre-fills (a seeded one no dossier count refers to). */
const procedureParams = (example: string) => Type.Object({ code: Type.String({ maxLength: 40, examples: [example] }) }, { additionalProperties: false });

export const procedureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const procedures = app.services.procedures;

  app.get(
    '/v1/procedures',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listProcedures',
        summary: 'List administrative procedures',
        description:
          'Filter by field, resolving agency, online level, status and inter-agency; q searches code, name and field ignoring diacritics ("nghiem thu cong trinh"). Ordered by code; cursor-paginated.',
        querystring: ProcedureListQuery,
        response: { 200: ref(ProcedurePageSchema, 'A page of procedures'), ...problemResponses(400) },
      },
    },
    async (request) => procedures.list(request.query),
  );

  app.get(
    '/v1/procedures/:code',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getProcedure',
        summary: 'Get a procedure',
        params: ProcedureParams,
        response: { 200: ref(ProcedureSchema, 'The procedure'), ...problemResponses(400, 404) },
      },
    },
    async (request) => procedures.get(request.params.code),
  );

  app.post(
    '/v1/procedures',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'createProcedure',
        summary: 'Add a procedure to the catalogue',
        body: withExample(ref(NewProcedureSchema, 'The procedure to add'), {
          code: 'DEMO-BQL-36',
          name: 'Cấp Giấy chứng nhận đăng ký đầu tư đối với dự án không thuộc diện chấp thuận chủ trương đầu tư (dữ liệu mẫu)',
          field: 'Đầu tư',
          agencyCode: 'BQL-KCN',
          onlineLevel: 'full',
          interAgency: false,
          feeBearing: false,
          demo: true,
        }),
        response: { 201: ref(ProcedureSchema, 'The procedure, created'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await procedures.create(actorOf(request), request.body)),
  );

  app.put(
    '/v1/procedures',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'upsertProcedures',
        summary: 'Create or replace many procedures (catalogue import)',
        description: 'All or nothing. Answers how many were created, updated and unchanged; the same payload twice is all unchanged.',
        body: withExample(ref(ProcedureBulkSchema, 'The procedures to create or replace, all or nothing'), {
          procedures: [
            {
              code: 'DEMO-BQL-37',
              name: 'Thủ tục mẫu 37 thuộc lĩnh vực môi trường (dữ liệu mẫu)',
              field: 'Môi trường',
              agencyCode: 'BQL-KCN',
              onlineLevel: 'full',
              interAgency: false,
              feeBearing: false,
              demo: true,
            },
            {
              code: 'DEMO-BQL-38',
              name: 'Thủ tục mẫu 38 thuộc lĩnh vực lao động (dữ liệu mẫu)',
              field: 'Lao động',
              agencyCode: 'BQL-KCN',
              onlineLevel: 'partial',
              interAgency: false,
              feeBearing: true,
              demo: true,
            },
          ],
        }),
        response: { 200: ref(ProcedureBulkResultSchema, 'How many procedures were created, updated and unchanged'), ...problemResponses(400, 404) },
      },
    },
    async (request) => procedures.bulkUpsert(actorOf(request), request.body.procedures),
  );

  app.patch(
    '/v1/procedures/:code',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'updateProcedure',
        summary: 'Change a procedure, or abolish it',
        description: 'To abolish: status abolished with abolishedOn and the deciding document in abolishedBy. Setting status active again clears them.',
        params: procedureParams('DEMO-BQL-35'),
        body: withExample(ref(ProcedurePatchSchema, 'The fields to change'), {
          status: 'abolished',
          abolishedOn: '2023-10-03',
          abolishedBy: 'Quyết định số 2421/QĐ-UBND ngày 03/10/2023 của UBND tỉnh Sóc Trăng',
        }),
        response: { 200: ref(ProcedureSchema, 'The procedure as it is now'), ...problemResponses(400, 404) },
      },
    },
    async (request) => procedures.update(actorOf(request), request.params.code, request.body),
  );

  app.delete(
    '/v1/procedures/:code',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'deleteProcedure',
        summary: 'Delete a procedure entered by mistake',
        description: 'A procedure that data refers to cannot be deleted (REFERENCE_CONFLICT): abolish it instead.',
        params: procedureParams('DEMO-BQL-34'),
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      await procedures.remove(actorOf(request), request.params.code);
      return reply.code(204).send(null);
    },
  );
};
