import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../plugins/auth.js';
import { problemResponses, ref } from '../../schemas/common.js';
import { NewProcedureSchema, ProcedureBulkResultSchema, ProcedureBulkSchema, ProcedureListQuery, ProcedurePageSchema, ProcedureParams, ProcedurePatchSchema, ProcedureSchema } from './schemas.js';

const tags = ['procedures'];
const admins = ['admin'] as const;

export const procedureRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const procedures = app.services.procedures;

  app.get('/v1/procedures', {
    config: { access: 'read' },
    schema: {
      tags,
      operationId: 'listProcedures',
      summary: 'List administrative procedures',
      description: 'Filter by field, resolving agency, online level, status and inter-agency; q searches code, name and field ignoring diacritics ("nghiem thu cong trinh"). Ordered by code; cursor-paginated.',
      querystring: ProcedureListQuery,
      response: { 200: ref(ProcedurePageSchema), ...problemResponses(400) },
    },
  }, async (request) => procedures.list(request.query));

  app.get('/v1/procedures/:code', {
    config: { access: 'read' },
    schema: { tags, operationId: 'getProcedure', summary: 'Get a procedure', params: ProcedureParams, response: { 200: ref(ProcedureSchema), ...problemResponses(400, 404) } },
  }, async (request) => procedures.get(request.params.code));

  app.post('/v1/procedures', {
    config: { access: admins },
    schema: { tags, operationId: 'createProcedure', summary: 'Add a procedure to the catalogue', body: ref(NewProcedureSchema), response: { 201: ref(ProcedureSchema), ...problemResponses(400, 404, 409) } },
  }, async (request, reply) => reply.code(201).send(await procedures.create(actorOf(request), request.body)));

  app.put('/v1/procedures', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'upsertProcedures',
      summary: 'Create or replace many procedures (catalogue import)',
      description: 'All or nothing. Answers how many were created, updated and unchanged; the same payload twice is all unchanged.',
      body: ref(ProcedureBulkSchema),
      response: { 200: ref(ProcedureBulkResultSchema), ...problemResponses(400, 404) },
    },
  }, async (request) => procedures.bulkUpsert(actorOf(request), request.body.procedures));

  app.patch('/v1/procedures/:code', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'updateProcedure',
      summary: 'Change a procedure, or abolish it',
      description: 'To abolish: status abolished with abolishedOn and the deciding document in abolishedBy. Setting status active again clears them.',
      params: ProcedureParams,
      body: ref(ProcedurePatchSchema),
      response: { 200: ref(ProcedureSchema), ...problemResponses(400, 404) },
    },
  }, async (request) => procedures.update(actorOf(request), request.params.code, request.body));

  app.delete('/v1/procedures/:code', {
    config: { access: admins },
    schema: {
      tags,
      operationId: 'deleteProcedure',
      summary: 'Delete a procedure entered by mistake',
      description: 'A procedure that data refers to cannot be deleted (REFERENCE_CONFLICT): abolish it instead.',
      params: ProcedureParams,
      response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404, 409) },
    },
  }, async (request, reply) => {
    await procedures.remove(actorOf(request), request.params.code);
    return reply.code(204).send(null);
  });
};
