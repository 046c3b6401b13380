/**
 * Configuration from the environment, validated once at start. A bad value stops the process with a message
 * that names the variable, what it must be and what it got.
 */
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { DEFAULT_TIMEOUTS } from './db/connection.js';
import { parseCorsOrigins, type CorsOrigins } from './plugins/cors.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const LOG_FORMATS = ['json', 'pretty'] as const;

const BooleanString = Type.Union([Type.Literal('true'), Type.Literal('false')]);

export const ConfigEnv = Type.Object({
  PORT: Type.Optional(Type.String({ pattern: '^[0-9]{1,5}$', description: 'an integer from 1 to 65535' })),
  HOST: Type.Optional(Type.String({ minLength: 1, description: 'an interface address' })),
  DATABASE_URL: Type.Optional(Type.String({ pattern: '^postgres(ql)?://', description: 'a postgres:// URL' })),
  DATA_DIR: Type.Optional(Type.String({ minLength: 1, description: 'a folder path' })),
  LOG_LEVEL: Type.Optional(Type.Enum(LOG_LEVELS, { description: `one of ${LOG_LEVELS.join(', ')}` })),
  ADMIN_API_KEY: Type.Optional(Type.String({ minLength: 24, description: 'at least 24 characters' })),
  PUBLIC_READ: Type.Optional(BooleanString),
  SEED: Type.Optional(Type.Union([Type.Literal('auto'), BooleanString], { description: "'auto', 'true' or 'false'" })),
  BODY_LIMIT: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'a size in bytes' })),
  DOCUMENT_FILE_LIMIT: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$', description: 'a size in bytes' })),
  RATE_LIMIT_MAX: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'requests per minute per client, 0 = off' })),
  DB_POOL_MAX: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$', description: 'a positive integer' })),
  TRUST_PROXY: Type.Optional(BooleanString),
  LOG_FORMAT: Type.Optional(Type.Enum(LOG_FORMATS, { description: `one of ${LOG_FORMATS.join(', ')}` })),
  AUTH_FAILURE_LIMIT: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'failed authentications per minute per address, 0 = off' })),
  DB_STATEMENT_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'milliseconds, 0 = none' })),
  DB_LOCK_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'milliseconds, 0 = none' })),
  DB_POOL_ACQUIRE_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$', description: 'a positive number of milliseconds' })),
  DB_POOL_MAX_WAITING: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'requests queued for a connection before shedding load, 0 = never' })),
  BULK_STATEMENT_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[0-9]+$', description: 'milliseconds, 0 = none' })),
  REQUEST_TIMEOUT_MS: Type.Optional(Type.String({ pattern: '^[1-9][0-9]*$', description: 'a positive number of milliseconds' })),
  METRICS_TOKEN: Type.Optional(Type.String({ minLength: 24, description: 'at least 24 characters' })),
  CORS_ORIGINS: Type.Optional(
    Type.String({
      pattern: '^(\\*|https?://[^/,\\s]+/?(\\s*,\\s*https?://[^/,\\s]+/?)*)$',
      description: "'*' or comma-separated origins such as https://dashboard.example.vn",
    }),
  ),
});

export interface Config {
  port: number;
  host: string;
  databaseUrl: string | undefined;
  dataDir: string;
  logLevel: (typeof LOG_LEVELS)[number];
  adminApiKey: string | undefined;
  publicRead: boolean;
  /** Load demo data on start: always, never, or (auto) only on an empty embedded database. */
  seed: 'auto' | 'true' | 'false';
  bodyLimit: number;
  /** Largest file attached to a document. */
  documentFileLimit: number;
  rateLimitMax: number;
  dbPoolMax: number;
  trustProxy: boolean;
  /** Origins whose pages may call the API from a browser; undefined: none. */
  corsOrigins: CorsOrigins | undefined;
  /** JSON lines for machines; pretty (pino-pretty) for a person at a terminal. Default: pretty on a TTY. */
  logFormat: (typeof LOG_FORMATS)[number];
  /** Failed authentications per minute per client address before it meets 429; 0 = no limit. */
  authFailureLimit: number;
  /** Limits on slow database work, per connection (ms, 0 = none). */
  db: { statementTimeoutMs: number; lockTimeoutMs: number; acquireTimeoutMs: number; maxWaiting: number; bulkStatementTimeoutMs: number };
  /** Longest a request may take from routing to its answer, ms (bulk routes allow the bulk statement timeout). */
  requestTimeoutMs: number;
  /** A bearer token that may read /metrics besides admin keys; undefined: admin keys only. */
  metricsToken: string | undefined;
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, stdoutIsTty = Boolean(process.stdout.isTTY)): Config {
  // Only the variables we know; empty strings count as unset (a common shell/compose artefact).
  const known: Record<string, string> = {};
  for (const key of Object.keys(ConfigEnv.properties)) {
    const value = env[key];
    if (value !== undefined && value !== '') known[key] = value;
  }
  if (!Value.Check(ConfigEnv, known)) {
    const problems = [...Value.Errors(ConfigEnv, known)].map((e) => {
      const name = e.instancePath.replace(/^\//, '');
      const property = (ConfigEnv.properties as Record<string, { description?: string }>)[name];
      const expected = property?.description ?? e.message;
      return `${name} must be ${expected} (got ${JSON.stringify(known[name])})`;
    });
    throw new ConfigError(`Invalid configuration: ${[...new Set(problems)].join('; ')}`);
  }
  const e = known;
  const port = Number(e.PORT ?? 3000);
  if (port < 1 || port > 65535) throw new ConfigError(`Invalid configuration: PORT must be an integer from 1 to 65535 (got "${e.PORT}")`);
  return {
    port,
    host: e.HOST ?? '127.0.0.1',
    databaseUrl: e.DATABASE_URL,
    dataDir: e.DATA_DIR ?? './data',
    logLevel: e.LOG_LEVEL ?? 'info',
    adminApiKey: e.ADMIN_API_KEY,
    publicRead: e.PUBLIC_READ === 'true',
    seed: e.SEED ?? 'auto',
    bodyLimit: Number(e.BODY_LIMIT ?? 10 * 1024 * 1024),
    documentFileLimit: Number(e.DOCUMENT_FILE_LIMIT ?? 20 * 1024 * 1024),
    rateLimitMax: Number(e.RATE_LIMIT_MAX ?? 1200),
    dbPoolMax: Number(e.DB_POOL_MAX ?? 10),
    trustProxy: e.TRUST_PROXY === 'true',
    corsOrigins: parseCorsOrigins(e.CORS_ORIGINS),
    logFormat: e.LOG_FORMAT ?? (stdoutIsTty ? 'pretty' : 'json'),
    authFailureLimit: Number(e.AUTH_FAILURE_LIMIT ?? 30),
    db: {
      statementTimeoutMs: Number(e.DB_STATEMENT_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.statementMs),
      lockTimeoutMs: Number(e.DB_LOCK_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.lockMs),
      acquireTimeoutMs: Number(e.DB_POOL_ACQUIRE_TIMEOUT_MS ?? DEFAULT_TIMEOUTS.acquireMs),
      maxWaiting: Number(e.DB_POOL_MAX_WAITING ?? 100),
      bulkStatementTimeoutMs: Number(e.BULK_STATEMENT_TIMEOUT_MS ?? 120_000),
    },
    requestTimeoutMs: Number(e.REQUEST_TIMEOUT_MS ?? 30_000),
    metricsToken: e.METRICS_TOKEN,
  };
}
