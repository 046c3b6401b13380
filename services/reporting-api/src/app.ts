/**
 * buildApp: registers everything the service does and listens to nothing. server.ts listens; tests inject.
 */
import { randomUUID } from 'node:crypto';
import etag from '@fastify/etag';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type { Database } from './db/connection.js';
import { createServices, type Services } from './services.js';
import { agencyRoutes } from './modules/agencies/routes.js';
import { agencySchemas } from './modules/agencies/schemas.js';
import { apiKeyRoutes } from './modules/api-keys/routes.js';
import { apiKeySchemas } from './modules/api-keys/schemas.js';
import { auditRoutes } from './modules/audit/routes.js';
import { auditSchemas } from './modules/audit/schemas.js';
import { documentRoutes } from './modules/documents/routes.js';
import { documentSchemas } from './modules/documents/schemas.js';
import { healthRoutes } from './modules/health/routes.js';
import { periodRoutes } from './modules/periods/routes.js';
import { periodSchemas } from './modules/periods/schemas.js';
import { dossierRoutes } from './modules/dossiers/routes.js';
import { dossierSchemas } from './modules/dossiers/schemas.js';
import { procedureRoutes } from './modules/procedures/routes.js';
import { procedureSchemas } from './modules/procedures/schemas.js';
import { reportRoutes } from './modules/reports/routes.js';
import { reportSchemas } from './modules/reports/schemas.js';
import { templateRoutes } from './modules/templates/routes.js';
import { templateSchemas } from './modules/templates/schemas.js';
import { dashboardRoutes } from './modules/reports/dashboard-routes.js';
import { valueRoutes } from './modules/reports/value-routes.js';
import { valueSchemas } from './modules/reports/value-schemas.js';
import auth from './plugins/auth.js';
import corsPolicy, { type CorsOrigins } from './plugins/cors.js';
import openapi from './plugins/openapi.js';
import problems from './plugins/problems.js';
import { serverErrorOptions } from './plugins/server-errors.js';
import { sharedSchemas } from './schemas/common.js';
import { createValidatorCompiler } from './schemas/validation.js';

export interface AppOptions {
  database: Database;
  /** Reads without a key (dashboards on a trusted network). */
  publicRead?: boolean;
  /** Largest accepted request body, bytes. */
  bodyLimit?: number;
  /** Largest file attached to a document, bytes (default 20 MiB). */
  documentFileLimit?: number;
  /** Requests per minute per client (API key, else address); 0 turns limiting off. */
  rateLimitMax?: number;
  trustProxy?: boolean;
  /** Origins whose pages may call the API from a browser (CORS); unset: none. */
  corsOrigins?: CorsOrigins | undefined;
  logger?: FastifyServerOptions['logger'];
}

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    services: Services;
  }
}

export const DEFAULT_DOCUMENT_FILE_LIMIT = 20 * 1024 * 1024;

/** Accept a caller's x-request-id when it is a sane token (it goes into logs); otherwise make one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEFAULT_LOGGER: FastifyServerOptions['logger'] = {
  level: 'info',
  redact: { paths: ['req.headers.authorization', 'headers.authorization', 'secret'], censor: '[redacted]' },
};

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? DEFAULT_LOGGER,
    // Errors before routing (bad URL, over-long parameter, malformed request) answer problems too.
    ...serverErrorOptions,
    bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024,
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: false,
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  app.decorate('database', options.database);
  app.decorate('services', createServices(options.database, { log: app.log }));
  app.addHook('onReady', async () => app.services.dossierRollup.start());
  app.addHook('onClose', async () => app.services.dossierRollup.stop());
  const schemas = [
    ...sharedSchemas,
    ...agencySchemas,
    ...periodSchemas,
    ...apiKeySchemas,
    ...auditSchemas,
    ...templateSchemas,
    ...valueSchemas,
    ...reportSchemas,
    ...procedureSchemas,
    ...dossierSchemas,
    ...documentSchemas,
  ];
  for (const schema of schemas) app.addSchema(schema);
  app.setValidatorCompiler(createValidatorCompiler(schemas));

  // A callback hook, not an async one: it runs on every answer, and needs no promise.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', String(request.id));
    done(null, payload);
  });

  await app.register(problems);
  // Weak ETags on every 200 GET; a matching If-None-Match answers 304 (dashboards poll).
  await app.register(etag, { weak: true });
  // The API answers JSON only; Swagger UI's page needs inline scripts, so no Content-Security-Policy.
  // With CORS origins configured, answers may be read cross-origin, so the resource policy must allow it.
  await app.register(helmet, {
    contentSecurityPolicy: false,
    crossOriginResourcePolicy: { policy: options.corsOrigins ? 'cross-origin' : 'same-origin' },
  });
  if (options.corsOrigins) await app.register(corsPolicy, { origins: options.corsOrigins });
  if ((options.rateLimitMax ?? 1200) > 0) {
    await app.register(rateLimit, {
      max: options.rateLimitMax ?? 1200,
      timeWindow: '1 minute',
      // Per key when there is one (scripts behind one NAT stay apart), else per address.
      keyGenerator: (request) => request.headers.authorization ?? request.ip,
    });
  }
  await app.register(auth, { resolveKey: (secret) => app.services.apiKeys.resolve(secret), publicRead: options.publicRead ?? false });
  await app.register(openapi);

  await app.register(healthRoutes);
  await app.register(agencyRoutes);
  await app.register(periodRoutes);
  await app.register(apiKeyRoutes);
  await app.register(auditRoutes);
  await app.register(templateRoutes);
  await app.register(valueRoutes);
  await app.register(dashboardRoutes);
  await app.register(reportRoutes);
  await app.register(procedureRoutes);
  await app.register(dossierRoutes);
  await app.register(documentRoutes, { fileLimit: options.documentFileLimit ?? DEFAULT_DOCUMENT_FILE_LIMIT });
  return app;
}
