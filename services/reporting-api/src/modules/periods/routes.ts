import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { actorOf } from '../../plugins/auth.js';
import { Type } from 'typebox';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import {
  GeneratedPeriodsSchema,
  GeneratePeriodsSchema,
  NewPeriodSchema,
  PeriodContainingQuery,
  PeriodId,
  PeriodIdParams,
  PeriodListQuery,
  PeriodPageSchema,
  PeriodPatchSchema,
  PeriodSchema,
} from './schemas.js';

const tags = ['periods'];
const admins = ['admin'] as const;

export const periodRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const periods = app.services.periods;

  app.get(
    '/v1/periods',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'listPeriods',
        summary: 'List reporting periods',
        description: 'Filter by year, kind and state; ordered by id; cursor-paginated.',
        querystring: PeriodListQuery,
        response: { 200: ref(PeriodPageSchema, 'A page of reporting periods, in id order'), ...problemResponses(400) },
      },
    },
    async (request) => periods.list(request.query),
  );

  app.get(
    '/v1/periods/containing',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'findPeriodContaining',
        summary: 'Find the period of a kind that contains a date',
        description:
          'Uses the stored windows, overrides included. Under Nghị định 09/2019 a day from the 15th on belongs to the next month: 2023-12-15 is in year 2024.',
        querystring: PeriodContainingQuery,
        response: { 200: ref(PeriodSchema, 'The reporting period whose cut-off window holds the date'), ...problemResponses(400, 404) },
      },
    },
    async (request) => periods.containing(request.query.kind, request.query.date),
  );

  app.get(
    '/v1/periods/:id',
    {
      config: { access: 'read' },
      schema: {
        tags,
        operationId: 'getPeriod',
        summary: 'Get a reporting period',
        params: PeriodIdParams,
        response: { 200: ref(PeriodSchema, 'The reporting period'), ...problemResponses(400, 404) },
      },
    },
    async (request) => periods.get(request.params.id),
  );

  app.post(
    '/v1/periods',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'createPeriod',
        summary: 'Create a reporting period',
        description:
          'Kind and year come from the id. The window defaults to the cut-off window of Nghị định 09/2019 (15th of the month before the period starts to the 14th of its last month) and may be overridden; the deadline defaults to the 20th of the month the window ends in.',
        body: withExample(ref(NewPeriodSchema, 'The period to create: its id, and any window, deadline or template to set'), {
          id: '2025',
          templateId: 'CCHC-2023',
        }),
        response: { 201: ref(PeriodSchema, 'The reporting period, created'), ...problemResponses(400, 409) },
      },
    },
    async (request, reply) => reply.code(201).send(await periods.create(actorOf(request), request.body)),
  );

  app.post(
    '/v1/periods/generate',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'generatePeriods',
        summary: 'Create every period of a year',
        description:
          'The year, six months, nine months, four quarters and twelve months, with computed windows. Periods that exist are left as they are, so it is safe to repeat.',
        body: withExample(ref(GeneratePeriodsSchema, 'The year, and the template to bind its new periods to'), { year: 2025, templateId: 'CCHC-2023' }),
        response: { 200: ref(GeneratedPeriodsSchema, 'The periods of the year: those created and those that already existed'), ...problemResponses(400) },
      },
    },
    async (request) => periods.generateYear(actorOf(request), request.body.year, request.body.templateId),
  );

  app.patch(
    '/v1/periods/:id',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'updatePeriod',
        summary: 'Change a period’s window, deadline or state',
        description:
          'state: open → closed → locked; an admin may reopen (state open) a closed or locked period. A locked period refuses date changes (PERIOD_LOCKED) until reopened.',
        params: PeriodIdParams,
        body: withExample(ref(PeriodPatchSchema, 'The fields to change'), { dueOn: '2023-12-22' }),
        response: { 200: ref(PeriodSchema, 'The reporting period as it is now'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => periods.update(actorOf(request), request.params.id, request.body),
  );

  app.delete(
    '/v1/periods/:id',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'deletePeriod',
        summary: 'Delete a reporting period',
        description: 'Refused for a locked period (PERIOD_LOCKED) and for a period that data refers to (REFERENCE_CONFLICT).',
        // A seeded month that no data and no other example uses.
        params: Type.Object({ id: withExample(PeriodId, '2024-M06') }, { additionalProperties: false }),
        response: { 204: Type.Null({ description: 'Deleted' }), ...problemResponses(400, 404, 409) },
      },
    },
    async (request, reply) => {
      await periods.remove(actorOf(request), request.params.id);
      return reply.code(204).send(null);
    },
  );
};
