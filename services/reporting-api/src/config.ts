/**
 * Configuration from the environment, validated once at start. A bad value stops the process with a message
 * that names the variable, what it must be and what it got.
 */
import { Type } from 'typebox';
import { Value } from 'typebox/value';
import { parseCorsOrigins, type CorsOrigins } from './plugins/cors.js';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

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
}

export class ConfigError extends Error {}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
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
  };
}
