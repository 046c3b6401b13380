/**
 * Cross-origin access for dashboards that are web pages on another origin. Off unless CORS_ORIGINS names
 * origins (or `*`): a service that holds a province's figures should not be readable from any page by default.
 * Keys travel as bearer tokens, never cookies, so credentials stay off and `*` is safe to offer.
 */
import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

export type CorsOrigins = '*' | string[];

/** What a browser page may send beyond the CORS-safelisted headers. */
export const CORS_ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-None-Match', 'Idempotency-Key', 'x-request-id'];

/** What a page's script may read from an answer: paging, caching, retrying, downloads and replays. */
export const CORS_EXPOSED_HEADERS = [
  'ETag',
  'x-request-id',
  'Retry-After',
  'Location',
  'Content-Disposition',
  'Repr-Digest',
  'x-ratelimit-limit',
  'x-ratelimit-remaining',
  'x-ratelimit-reset',
  'idempotent-replayed',
];

/** CORS_ORIGINS: `*`, or origins separated by commas (scheme, host and port, as a browser sends Origin). */
export function parseCorsOrigins(value: string | undefined): CorsOrigins | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (value.trim() === '*') return '*';
  return value
    .split(',')
    .map((o) => o.trim().replace(/\/+$/, ''))
    .filter(Boolean);
}

export default fp<{ origins: CorsOrigins }>(
  async function corsPolicy(app: FastifyInstance, { origins }) {
    await app.register(cors, {
      origin: origins,
      methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
      allowedHeaders: CORS_ALLOWED_HEADERS,
      exposedHeaders: CORS_EXPOSED_HEADERS,
      credentials: false,
      // Browsers cache a preflight for at most 2 h (Chromium) anyway; 10 min keeps policy changes prompt.
      maxAge: 600,
      strictPreflight: true,
    });
  },
  { name: 'cors' },
);
