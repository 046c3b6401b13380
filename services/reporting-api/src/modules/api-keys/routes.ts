import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import { actorOf } from '../../plugins/auth.js';
import { problemResponses, ref, withExample } from '../../schemas/common.js';
import { ApiKeyListSchema, ApiKeySchema, CreatedApiKeySchema, NewApiKeySchema } from './schemas.js';

const tags = ['api-keys'];
const admins = ['admin'] as const;
const KeyIdParams = Type.Object({ id: Type.String({ format: 'uuid' }) }, { additionalProperties: false });

export const apiKeyRoutes: FastifyPluginAsyncTypebox = async (app) => {
  const apiKeys = app.services.apiKeys;

  app.get(
    '/v1/api-keys',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'listApiKeys',
        summary: 'List API keys',
        description: 'Never shows secrets, only their prefixes.',
        response: { 200: ref(ApiKeyListSchema, 'Every API key, without secrets') },
      },
    },
    async () => ({ items: await apiKeys.list() }),
  );

  app.get(
    '/v1/api-keys/:id',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'getApiKey',
        summary: 'Get an API key',
        params: KeyIdParams,
        response: { 200: ref(ApiKeySchema, 'The API key, without its secret'), ...problemResponses(400, 404) },
      },
    },
    async (request) => apiKeys.get(request.params.id),
  );

  app.post(
    '/v1/api-keys',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'createApiKey',
        summary: 'Create an API key',
        description: 'The secret is in this answer only; the service keeps its SHA-256 hash. An agency key is bound to one agency (agencyCode).',
        body: withExample(ref(NewApiKeySchema, 'Who the key is for, its role and, for the agency role, its agency'), {
          name: 'Văn phòng Ban Quản lý các khu công nghiệp',
          role: 'agency',
          agencyCode: 'BQL-KCN',
        }),
        response: { 201: ref(CreatedApiKeySchema, 'The key and its secret, shown this once'), ...problemResponses(400, 404, 422) },
      },
    },
    async (request, reply) => reply.code(201).send(await apiKeys.create(actorOf(request), request.body)),
  );

  app.delete(
    '/v1/api-keys/:id',
    {
      config: { access: admins },
      schema: {
        tags,
        operationId: 'revokeApiKey',
        summary: 'Revoke an API key',
        description:
          'Takes effect at once on this instance and within 10 s on others. Idempotent. The last active admin key cannot be revoked (LAST_ADMIN_KEY).',
        params: KeyIdParams,
        response: { 200: ref(ApiKeySchema, 'The API key, revoked'), ...problemResponses(400, 404, 409) },
      },
    },
    async (request) => apiKeys.revoke(actorOf(request), request.params.id),
  );
};
