import { Type } from 'typebox';
import { Page } from '../../schemas/common.js';

export const AuditEntrySchema = Type.Object(
  {
    id: Type.Integer(),
    at: Type.String({ format: 'date-time' }),
    actorKeyId: Type.Union([Type.String({ format: 'uuid' }), Type.Null()], {
      description: 'The API key that made the change; null for the system (bootstrap, seed)',
    }),
    requestId: Type.Union([Type.String(), Type.Null()]),
    entity: Type.String({ description: 'agency, period, api-key, …' }),
    entityId: Type.String(),
    action: Type.String({ description: 'create, update, deactivate, close, lock, reopen, revoke, delete, …' }),
    before: Type.Unknown(),
    after: Type.Unknown(),
  },
  { $id: 'AuditEntry', additionalProperties: false },
);

export const AuditPageSchema = Page(AuditEntrySchema, { $id: 'AuditPage' });

export const auditSchemas = [AuditEntrySchema, AuditPageSchema];
