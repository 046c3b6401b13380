/**
 * What a database failure means for a client, from the driver's error alone. Both drivers (pg, PGlite) and
 * Drizzle's wrapper (DrizzleQueryError, whose message carries the SQL and is never shown) are looked through.
 *
 * Three kinds matter beyond a SQLSTATE's own meaning:
 * - unavailable: the server cannot be reached or the connection was lost mid-request (no SQLSTATE at all: pg says
 *   "Connection terminated unexpectedly"), the server is shutting down, out of connections, or read-only (25006,
 *   a failover in progress, or a replica);
 * - timeout: statement_timeout (57014), lock_timeout (55P03), or no pooled connection came free in time;
 * - anything else with a SQLSTATE: the constraint or value classes the problems plugin maps, else an internal error.
 */

export type DatabaseFailure = { kind: 'unavailable' } | { kind: 'timeout'; what: 'statement' | 'lock' | 'pool' } | { kind: 'sqlstate'; code: string };

type DriverError = { code?: unknown; severity?: unknown; routine?: unknown; detail?: unknown; cause?: unknown; message?: unknown };

/** Messages pg and pg-pool give for a lost or refused connection, which carry no SQLSTATE. */
const LOST_CONNECTION = /^(Connection terminated|Client has encountered a connection error|Client was closed|Cannot use a pool after calling end)/;
const POOL_TIMEOUT = /^timeout exceeded when trying to connect/;
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

export function classifyDatabaseError(error: unknown): DatabaseFailure | undefined {
  for (let e = error as DriverError | undefined, depth = 0; e && typeof e === 'object' && depth < 5; e = e.cause as DriverError | undefined, depth++) {
    const code = e.code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) && (e.severity || e.routine || e.detail !== undefined)) {
      if (code === '57014') return { kind: 'timeout', what: 'statement' };
      if (code === '55P03') return { kind: 'timeout', what: 'lock' };
      // 08: connection exceptions; 57P01-3: admin/crash shutdown, cannot connect now; 53: out of resources; 25006: read-only.
      if (/^(08|57P0[1-3]|53)/.test(code) || code === '25006') return { kind: 'unavailable' };
      return { kind: 'sqlstate', code };
    }
    if (typeof code === 'string' && NETWORK_CODES.has(code)) return { kind: 'unavailable' };
    const message = typeof e.message === 'string' ? e.message : '';
    if (POOL_TIMEOUT.test(message)) return { kind: 'timeout', what: 'pool' };
    if (LOST_CONNECTION.test(message)) return { kind: 'unavailable' };
  }
  return undefined;
}
