/**
 * Brings the reporting-month roll-up of dossier counts (dossier_monthly) up to date off the request path. Ingestion
 * only marks the months it touched; reads roll marked months up from the raw rows (repository.ts, monthlyRows), so
 * they are right whether or not a refresh has run, and never write. This refresher recomputes the marked months
 * soon after pushes commit, so reads go back to the cheap roll-up.
 *
 * Refreshes are debounced and coalesced (a nightly run pushes many batches back to back: one refresh follows them,
 * at most maxWaitMs after the first), and worked off in chunks of marks, one short transaction each, so a large
 * backlog never holds ingestion up for long. Each chunk runs under a transaction advisory lock taken with
 * pg_try_advisory_xact_lock: with several instances on one database only one refreshes at a time, and an instance
 * that does not get the lock just stops (whoever holds it is doing the work; any marks left are taken next time).
 * A failure is logged and retried later; it never reaches a request or the process.
 */
import { sql } from 'drizzle-orm';
import type { FastifyBaseLogger } from 'fastify';
import { queryRows, type Database } from '../../db/connection.js';
import { LOCKS } from '../../db/locks.js';
import { refreshMonthly } from './repository.js';

export interface RollupRefresherOptions {
  /** A pino (Fastify) logger: failures go to error, refreshes that did work to debug. */
  log: Pick<FastifyBaseLogger, 'error' | 'debug'>;
  /** Quiet time after the last schedule() before refreshing (default 2 s). */
  debounceMs?: number;
  /** Longest a schedule() waits while pushes keep coming (default 30 s). */
  maxWaitMs?: number;
  /** Marks taken per transaction (default 2 000). */
  chunkSize?: number;
  /** After a failure, the next attempt (default 60 s). */
  retryMs?: number;
}

/** What one refresh did: whether it held the lock (it skipped otherwise) and how many marks it took. */
export interface RefreshOutcome {
  locked: boolean;
  taken: number;
}

export interface RollupRefresher {
  /** A push committed: refresh soon. Cheap; calls in a burst make one refresh. Never throws. */
  schedule(): void;
  /** One refresh now (at start-up: marks left by a previous run, or by pushes another instance took). */
  start(): void;
  /** No more refreshes; resolves when the one in flight (if any) has finished its chunk. */
  stop(): Promise<void>;
  /**
   * Resolves when no refresh is running or due; one waiting out its debounce runs at once. A retry after a failure
   * is not waited for.
   */
  idle(): Promise<void>;
  /** Runs a refresh now and tells what it did (tests, scripts). Rejects on failure. */
  refresh(): Promise<RefreshOutcome>;
}

export function createRollupRefresher(database: Pick<Database, 'db'>, options: RollupRefresherOptions): RollupRefresher {
  const debounceMs = options.debounceMs ?? 2_000;
  const maxWaitMs = options.maxWaitMs ?? 30_000;
  const chunkSize = options.chunkSize ?? 2_000;
  const retryMs = options.retryMs ?? 60_000;
  const log = options.log;

  let timer: NodeJS.Timeout | undefined;
  /** The timer is a retry after a failure, not a debounce: idle() does not wait for it (it may fail again). */
  let retrying = false;
  /** When the oldest schedule() not yet served came, for maxWaitMs. */
  let dueSince: number | undefined;
  let running: Promise<unknown> | undefined;
  /** schedule() came while a refresh ran: what it wrote may be after that refresh's chunks. */
  let again = false;
  let stopped = false;

  /** One chunk in its own transaction: undefined when another instance holds the lock. */
  async function chunk(): Promise<number | undefined> {
    return database.db.transaction(async (tx) => {
      const [row] = await queryRows<{ locked: boolean }>(tx, sql`select pg_try_advisory_xact_lock(${LOCKS.dossierRollup}::bigint) as locked`);
      if (!row?.locked) return undefined;
      return refreshMonthly(tx, { limit: chunkSize });
    });
  }

  async function refreshAll(): Promise<RefreshOutcome> {
    let taken = 0;
    for (;;) {
      const n = await chunk();
      if (n === undefined) return { locked: taken > 0, taken };
      taken += n;
      // Stopping between chunks is safe: what is left stays marked.
      if (n < chunkSize || stopped) return { locked: true, taken };
    }
  }

  function arm(delay: number, retry = false): void {
    if (stopped) return;
    if (timer) clearTimeout(timer);
    retrying = retry;
    timer = setTimeout(fire, delay);
    // A pending refresh must not keep a process that is otherwise done alive.
    timer.unref();
  }

  function fire(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
    retrying = false;
    dueSince = undefined;
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    const run = refreshAll().then(
      (outcome) => {
        if (outcome.taken > 0) log.debug({ taken: outcome.taken }, 'dossier roll-up refreshed');
        return true;
      },
      (err: unknown) => {
        log.error({ err }, 'dossier roll-up refresh failed; reads stay right from the raw rows, retrying later');
        return false;
      },
    );
    running = run.then((ok) => {
      running = undefined;
      if (again) {
        again = false;
        schedule();
      } else if (!ok) arm(retryMs, true);
    });
  }

  function schedule(): void {
    if (stopped) return;
    if (running) {
      again = true;
      return;
    }
    const now = Date.now();
    dueSince ??= now;
    arm(Math.max(0, Math.min(debounceMs, dueSince + maxWaitMs - now)));
  }

  return {
    schedule,
    start() {
      if (!stopped) fire();
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
      await running;
    },
    async idle() {
      while (running || (timer && !retrying)) {
        if (!running) fire();
        await running;
      }
    },
    async refresh() {
      // Behind any refresh in flight, so a caller's own refresh sees what that one left.
      await running;
      return refreshAll();
    },
  };
}
