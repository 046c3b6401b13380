/**
 * Sheds load with 503 OVERLOADED (and Retry-After) while an answer would come too late anyway, through
 * @fastify/under-pressure: when more requests wait for a pooled database connection than the pool can serve before
 * they time out, or when the event loop is late for most of what it runs.
 *
 * The event-loop test is ours, not the library's maxEventLoopDelay: that one compares the mean delay of its last
 * sample, so a single long block (a PGlite migration at start, a big workbook parsed once) keeps the service
 * refusing everything for a second after the block is over, and a blocked interval with no sample at all counts as
 * infinitely late. Overload is the loop being late for most callbacks, check after check: the median delay since
 * the previous check must pass the limit in LATE_CHECKS checks in a row before requests are refused, and one check
 * below it lets them in again. One long block, at start or later, is not overload.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import type { PoolStats } from '../db/connection.js';
import { ProblemError } from '../errors.js';

export interface LoadSheddingOptions {
  poolStats: () => PoolStats | undefined;
  /** Requests waiting for a connection past which new ones are refused; 0 = never. */
  maxPoolWaiting: number;
  /** Median event-loop delay (ms) past which new requests are refused; 0 = never. */
  maxEventLoopDelayMs: number;
}

/** How often the pressure is assessed; between checks, requests see the last verdict (no cost per request). */
const CHECK_INTERVAL_MS = 250;
/** Checks in a row with a late loop that make overload (about a second of it). */
const LATE_CHECKS = 3;

export default fp<LoadSheddingOptions>(
  async function loadShedding(app: FastifyInstance, options: LoadSheddingOptions) {
    const loop = monitorEventLoopDelay({ resolution: 10 });
    let lateInARow = 0;
    if (options.maxEventLoopDelayMs > 0) loop.enable();
    app.addHook('onClose', async () => loop.disable());

    await app.register(underPressure, {
      healthCheck: async () => {
        const waiting = options.poolStats()?.waiting ?? 0;
        if (options.maxPoolWaiting > 0 && waiting > options.maxPoolWaiting) return false;
        if (options.maxEventLoopDelayMs <= 0) return true;
        const lateMs = loop.count > 0 ? loop.percentile(50) / 1e6 : 0;
        loop.reset();
        lateInARow = lateMs > options.maxEventLoopDelayMs ? lateInARow + 1 : 0;
        return lateInARow < LATE_CHECKS;
      },
      healthCheckInterval: CHECK_INTERVAL_MS,
      pressureHandler: (_request, reply) => {
        reply.header('retry-after', '2');
        throw new ProblemError('OVERLOADED', 'The service is overloaded; retry after Retry-After seconds');
      },
    });
  },
  { name: 'load-shedding', dependencies: ['problems'] },
);
