import { Type, type Static } from 'typebox';
import { ROLES } from '../../domain/roles.js';
import { ref, StringEnum } from '../../schemas/common.js';
import { AgencyCode } from '../agencies/schemas.js';

export const RoleSchema = StringEnum(ROLES, {
  $id: 'Role',
  description: 'admin: everything; agency: writes for its own agency subtree; ingest: pushes dossier counts; reader: read-only',
});

export const ApiKeySchema = Type.Object(
  {
    id: Type.String({ format: 'uuid' }),
    name: Type.String(),
    role: ref(RoleSchema),
    agencyCode: Type.Union([Type.String(), Type.Null()]),
    prefix: Type.String({ maxLength: 8, description: 'The first 8 characters of the key, to tell keys apart' }),
    createdAt: Type.String({ format: 'date-time' }),
    createdBy: Type.Union([Type.String({ format: 'uuid' }), Type.Null()]),
    revokedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { $id: 'ApiKey', additionalProperties: false },
);
export type ApiKey = Static<typeof ApiKeySchema>;

export const NewApiKeySchema = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 200, description: 'Who or what uses the key' }),
    role: ref(RoleSchema),
    agencyCode: Type.Optional(AgencyCode),
  },
  { $id: 'NewApiKey', additionalProperties: false, description: 'agencyCode is required for, and only for, the agency role' },
);
export type NewApiKey = Static<typeof NewApiKeySchema>;

export const CreatedApiKeySchema = Type.Object(
  {
    apiKey: ref(ApiKeySchema),
    secret: Type.String({ description: 'The key itself. Shown this once; only its hash is stored.' }),
  },
  { $id: 'CreatedApiKey', additionalProperties: false },
);

export const ApiKeyListSchema = Type.Object({ items: Type.Array(ref(ApiKeySchema)) }, { $id: 'ApiKeyList', additionalProperties: false });

export const apiKeySchemas = [RoleSchema, ApiKeySchema, NewApiKeySchema, CreatedApiKeySchema, ApiKeyListSchema];
