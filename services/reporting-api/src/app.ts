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
import { documentImportRoutes } from './modules/reports/document-import-routes.js';
import { reportDocumentRoutes } from './modules/reports/document-routes.js';
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
import { ProblemError } from './errors.js';
import { loggerOptions, RequestLogController } from './logger.js';
import loadShedding from './plugins/load-shedding.js';
import metrics from './plugins/metrics.js';
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
  /** Failed authentications per minute per address (default 30); 0 turns it off. */
  authFailureLimit?: number;
  /** Longest a request may take, routing to answer, ms (default 30 s); bulk routes get bulkTimeoutMs. */
  requestTimeoutMs?: number;
  /** Statement and request time allowed to bulk imports, ms (default 120 s). */
  bulkTimeoutMs?: number;
  /** Requests queued for a pooled connection before the service sheds load with 503 (default 100; 0 = never). */
  maxPoolWaiting?: number;
  /** Median event-loop delay past which the service sheds load with 503, ms (default 1 000; 0 = never). */
  maxEventLoopDelayMs?: number;
  /** A bearer token that may read /metrics besides admin keys. */
  metricsToken?: string | undefined;
  /** False while the process is still migrating at start: requests other than the probes answer 503 until markReady(). */
  ready?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    database: Database;
    services: Services;
    /** The database is migrated and the service takes requests (server.ts calls it after start-up). */
    markReady(): void;
  }
  interface FastifyContextConfig {
    /** A bulk import: it may run up to the bulk timeout instead of the request timeout. */
    bulk?: boolean;
    /** Answers while the service starts or the database is away (health probes). */
    databaseFree?: boolean;
  }
}

export const DEFAULT_DOCUMENT_FILE_LIMIT = 20 * 1024 * 1024;
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
export const DEFAULT_BULK_TIMEOUT_MS = 120_000;

/** Accept a caller's x-request-id when it is a sane token (it goes into logs); otherwise make one. */
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export const DEFAULT_LOGGER: FastifyServerOptions['logger'] = loggerOptions('info');

/** Answers the health probes and /metrics even when the process is under pressure: they are how it is watched. */
const ALWAYS_ANSWER = { pressureHandler: () => undefined };

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? DEFAULT_LOGGER,
    // One line per request instead of two, with the principal (logger.ts).
    logController: new RequestLogController(),
    // Cooperative: the client gets a 503 REQUEST_TIMEOUT; the work itself is bounded by the statement timeout.
    handlerTimeout: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
    // A client that sends nothing for a minute, or takes over two to send its request, is dropped.
    connectionTimeout: 60_000,
    requestTimeout: 120_000,
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
  const bulkTimeoutMs = options.bulkTimeoutMs ?? DEFAULT_BULK_TIMEOUT_MS;
  app.decorate('services', createServices(options.database, { log: app.log, bulkStatementTimeoutMs: bulkTimeoutMs }));
  let ready = options.ready ?? true;
  // The roll-up refresher's first run takes marks a previous run left: once the schema is known to be there.
  app.addHook('onReady', async () => {
    if (ready) app.services.dossierRollup.start();
  });
  app.decorate('markReady', () => {
    if (ready) return;
    ready = true;
    app.services.dossierRollup.start();
  });
  app.addHook('onRoute', (route) => {
    if (route.config?.bulk) route.handlerTimeout = bulkTimeoutMs;
    if (route.config?.databaseFree || route.url === '/readyz' || route.url === '/metrics') route.config = { ...route.config, ...ALWAYS_ANSWER };
  });
  // Until start-up has migrated the database, only the probes answer (readyz says 503); nothing reads a half-made schema.
  app.addHook('onRequest', (request, _reply, done) => {
    if (ready || request.routeOptions.config.databaseFree) return done();
    // The problems plugin gives every 503 the database's Retry-After.
    done(new ProblemError('DATABASE_UNAVAILABLE', 'The service is starting and its database is not ready yet'));
  });
  app.addHook('onReady', async () => app.services.apiKeys.watchRevocations(options.database));
  app.addHook('onClose', async () => app.services.apiKeys.stopWatching());
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

  // Once shutdown begins, answers to requests still in flight close their keep-alive connections, so the server
  // can finish closing as soon as they are answered instead of waiting for idle clients to hang up.
  let closing = false;
  app.addHook('preClose', (done) => {
    closing = true;
    done();
  });
  // A callback hook, not an async one: it runs on every answer, and needs no promise.
  app.addHook('onSend', (request, reply, payload, done) => {
    reply.header('x-request-id', String(request.id));
    if (closing) reply.header('connection', 'close');
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
  await app.register(loadShedding, {
    poolStats: () => options.database.poolStats(),
    maxPoolWaiting: options.maxPoolWaiting ?? 100,
    maxEventLoopDelayMs: options.maxEventLoopDelayMs ?? 1_000,
  });
  await app.register(auth, {
    resolveKey: (secret) => app.services.apiKeys.resolve(secret),
    cachedKey: (secret) => app.services.apiKeys.cached(secret),
    publicRead: options.publicRead ?? false,
    failureLimit: options.authFailureLimit ?? 30,
  });
  if ((options.rateLimitMax ?? 1200) > 0) {
    // Route-level hooks run after the app's: auth has resolved the key by the time the limiter keys the request.
    await app.register(rateLimit, {
      max: options.rateLimitMax ?? 1200,
      timeWindow: '1 minute',
      // Per API key, however its header is spelt (scripts behind one NAT stay apart); without a valid key, per address.
      keyGenerator: (request) => (request.principal ? `key:${request.principal.keyId}` : `ip:${request.ip}`),
    });
  }
  await app.register(openapi);
  // After auth (it reads principals), before the routes (its timing hook must see them all).
  await app.register(metrics, {
    metrics: app.services.metrics,
    token: options.metricsToken,
    resolveKey: (secret) => app.services.apiKeys.resolve(secret),
    poolStats: () => options.database.poolStats(),
  });

  await app.register(healthRoutes);
  await app.register(agencyRoutes);
  await app.register(periodRoutes);
  await app.register(apiKeyRoutes);
  await app.register(auditRoutes);
  await app.register(templateRoutes);
  await app.register(valueRoutes);
  await app.register(dashboardRoutes);
  await app.register(reportRoutes);
  await app.register(reportDocumentRoutes);
  await app.register(documentImportRoutes);
  await app.register(procedureRoutes);
  await app.register(dossierRoutes);
  await app.register(documentRoutes, { fileLimit: options.documentFileLimit ?? DEFAULT_DOCUMENT_FILE_LIMIT });
  return app;
}
