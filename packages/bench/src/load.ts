/**
 * One timed phase of an HTTP target under autocannon (in this process, so this process is the load generator):
 * a warm-up, then the measured run with the CPU of the target's server process, of PostgreSQL and of the load
 * generator taken around it (from /proc), per answered request.
 */
import autocannon from 'autocannon';
import { cpuBetween, sample } from './cpu.js';

export interface Target {
  key: string;
  label: string;
  url: string;
  headers: Record<string, string>;
  /** The status every answer should have; any other status, connection error or timeout counts as unexpected. */
  expectStatus: number;
  /** The server process that answers, for its CPU. */
  pid: number;
  /** The database its PostgreSQL backends are connected to, for theirs. */
  database: string;
}

export interface LoadOptions {
  connections: number;
  warmupSeconds: number;
  seconds: number;
}

export interface Phase {
  rps: number;
  p50: number;
  p99: number;
  answered: number;
  unexpected: number;
  /** CPU milliseconds per answered request; postgres is NaN when it cannot be told (a backend went backwards). */
  cpuMs: { server: number; postgres: number; loadGenerator: number };
}

const cannon = (target: Target, connections: number, duration: number) =>
  autocannon({ url: target.url, headers: target.headers, connections, duration, pipelining: 1 });

export async function runPhase(target: Target, options: LoadOptions): Promise<Phase> {
  if (options.warmupSeconds > 0) await cannon(target, options.connections, options.warmupSeconds);
  const before = sample({ server: target.pid }, target.database);
  const result = await cannon(target, options.connections, options.seconds);
  const { seconds } = cpuBetween(before, sample({ server: target.pid }, target.database));
  const statuses = Object.entries(result.statusCodeStats ?? {}).map(([code, s]) => [Number(code), s.count ?? 0] as const);
  const answered = statuses.reduce((n, [, count]) => n + count, 0);
  const expected = statuses.find(([code]) => code === target.expectStatus)?.[1] ?? 0;
  const perRequest = (s: number | undefined) => (s === undefined || s < 0 || answered === 0 ? Number.NaN : (s * 1000) / answered);
  return {
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    answered,
    unexpected: answered - expected + result.errors, // errors include timeouts
    cpuMs: { server: perRequest(seconds.server), postgres: perRequest(seconds.postgres), loadGenerator: perRequest(seconds.bench) },
  };
}
