/**
 * GET /metrics: the app's Prometheus registry (src/metrics.ts) in the text exposition format, and what only the HTTP
 * layer sees: the duration of every answer by route pattern and status, and the database pool's use, read at scrape
 * time.
 *
 * Access is its own (config.ownAuth, so the auth plugin leaves the route alone): `Authorization: Bearer
 * <METRICS_TOKEN>` for a Prometheus server, or an admin API key; anything else is a 401 or 403 problem. The route is
 * hidden from the OpenAPI document: it is an operational endpoint for the scraper, not part of the API the client is
 * generated from, and its answer is not JSON.
 *
 * Register it before the routes: the request hook applies to the routes registered after it.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import type { PoolStats } from '../db/connection.js';
import type { Principal } from '../domain/roles.js';
import { ProblemError } from '../errors.js';
import type { Metrics } from '../metrics.js';

export interface MetricsPluginOptions {
  metrics: Metrics;
  /** A bearer token that may scrape without an API key (METRICS_TOKEN); unset: admin keys only. */
  token?: string | undefined;
  /** The principal of an API key, or null when it is unknown or revoked (the api-keys service). */
  resolveKey: (secret: string) => Promise<Principal | null>;
  /** The database pool's use; undefined when there is no pool (PGlite), and then no pool gauges are exported. */
  poolStats: () => PoolStats | undefined;
}

/** Equal-length digests, so the comparison takes the same time whatever the secret's length or content. */
const digest = (secret: string) => createHash('sha256').update(secret).digest();

export default fp<MetricsPluginOptions>(
  async function metricsPlugin(app: FastifyInstance, options: MetricsPluginOptions) {
    const { metrics, poolStats } = options;
    const registry = metrics.registry;
    const tokenDigest = options.token ? digest(options.token) : undefined;

    app.addHook('onResponse', (request, reply, done) => {
      // The declared pattern, never the raw URL (ids would make a series each); unknown routes are one series.
      const route = request.routeOptions.url ?? 'unmatched';
      metrics.httpRequestDuration.observe({ method: request.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
      done();
    });

    if (poolStats()) {
      // Read at scrape time. pg's pool tells how many requests wait now, not how many waited, so waits are a gauge only.
      const stats = () => poolStats() ?? { max: 0, total: 0, idle: 0, waiting: 0 };
      new Gauge({
        name: 'cchc_db_pool_connections',
        help: 'Open connections of the database pool: idle, or busy (checked out by a request or job).',
        labelNames: ['state'] as const,
        registers: [registry],
        collect() {
          const s = stats();
          this.set({ state: 'idle' }, s.idle);
          this.set({ state: 'busy' }, s.total - s.idle);
        },
      });
      new Gauge({
        name: 'cchc_db_pool_max',
        help: 'The most connections the pool opens (DB_POOL_MAX).',
        registers: [registry],
        collect() {
          this.set(stats().max);
        },
      });
      new Gauge({
        name: 'cchc_db_pool_waiting',
        help: 'Requests waiting for a pooled connection now (every connection busy).',
        registers: [registry],
        collect() {
          this.set(stats().waiting);
        },
      });
      // Another app may serve the same registry later (tests): the gauges go with this one.
      app.addHook('onClose', async () => {
        for (const name of ['cchc_db_pool_connections', 'cchc_db_pool_max', 'cchc_db_pool_waiting']) registry.removeSingleMetric(name);
      });
    }

    async function authorize(request: FastifyRequest): Promise<void> {
      const header = request.headers.authorization;
      if (header === undefined) throw new ProblemError('UNAUTHENTICATED', 'Send METRICS_TOKEN or an admin API key as "Authorization: Bearer <token>"');
      const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
      if (!match) throw new ProblemError('UNAUTHENTICATED', 'The Authorization header must be "Bearer <token>"');
      const secret = match[1]!;
      if (tokenDigest && timingSafeEqual(digest(secret), tokenDigest)) return;
      const principal = await options.resolveKey(secret);
      if (!principal) throw new ProblemError('UNAUTHENTICATED', 'The token is not METRICS_TOKEN, nor a valid API key');
      if (principal.role !== 'admin')
        throw new ProblemError('FORBIDDEN', `A ${principal.role} key may not read metrics; it needs an admin key or METRICS_TOKEN`);
    }

    app.get(
      '/metrics',
      {
        config: { access: 'public', ownAuth: true, rateLimit: false },
        schema: { hide: true },
        onRequest: authorize,
      },
      async (_request, reply) => {
        reply.type(registry.contentType);
        return registry.metrics();
      },
    );
  },
  { name: 'metrics', dependencies: ['problems', 'auth'] },
);
