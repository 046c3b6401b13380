/**
 * Ingestion of dossier counts from one-stop-shop systems. Scripts push every night and retry on any network error,
 * so a push must be safe to repeat: rows are upserted on (agency, procedure, day, source) and a row older than the
 * stored snapshot (by asOf) is ignored and counted stale; the same batch twice changes nothing; with an
 * Idempotency-Key the first answer comes back for a repeated key. Each row is checked on its own (no negative
 * counts, the identities of domain/dossiers.ts, known agency and procedure, the key's scope) and refused with its
 * index, while the valid rows are stored, unless the push is atomic.
 */
import { createHash } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { allowLongStatements, type Db, type Tx } from '../../db/connection.js';
import { LOCKS } from '../../db/locks.js';
import { idempotencyKeys } from '../../db/schema.js';
import { checkCounts, COUNT_FIELDS, type CountField } from '../../domain/dossiers.js';
import { rate } from '../../domain/rate.js';
import type { Principal } from '../../domain/roles.js';
import { ProblemError } from '../../errors.js';
import type { Metrics } from '../../metrics.js';
import { requireAgency } from '../agencies/lookup.js';
import { findAgencies, subtreeCodes } from '../agencies/repository.js';
import { requirePeriod } from '../periods/lookup.js';
import { findProcedures } from '../procedures/repository.js';
import * as repo from './repository.js';
import type { DossierCountInput, IngestSummary } from './schemas.js';

const ROUTE = 'PUT /v1/dossier-counts';

export interface DossierServiceDeps {
  /**
   * Called after an ingestion that wrote rows has committed (rollup-refresher's schedule). It must not throw; if it
   * does, the error is swallowed: the push is stored, and the marks keep reads right until a later refresh.
   */
  afterCommit?: () => void;
  /** Counts the rows of each committed push by outcome (not a replayed answer: nothing was written again). */
  metrics?: Pick<Metrics, 'dossierRowsIngested'>;
  /** Statement timeout for a push's transaction, ms: a nightly export may carry a hundred thousand rows. */
  bulkStatementTimeoutMs?: number;
}

export function createDossierService(db: Db, deps: DossierServiceDeps = {}) {
  /** Readable names for group keys: agency and procedure names; fields and months are their own label. */
  async function labelsOf(groupBy: repo.GroupBy, keys: string[]): Promise<Map<string, string>> {
    if (groupBy === 'agency') return new Map([...(await findAgencies(db, keys)).values()].map((a) => [a.code, a.name]));
    if (groupBy === 'procedure') return new Map([...(await findProcedures(db, keys)).values()].map((p) => [p.code, p.name]));
    return new Map();
  }

  /** The summary, and the agencies whose stored rows changed (their counts watermark moves on). */
  async function ingestIn(
    tx: Tx,
    principal: Principal | undefined,
    inputs: DossierCountInput[],
    atomic: boolean,
  ): Promise<{ summary: IngestSummary; changed: Set<string> }> {
    const conflicts: IngestSummary['conflicts'] = [];
    const rows: Array<repo.CountRow & { index: number }> = [];
    const seen = new Set<string>();
    inputs.forEach((input, index) => {
      const row = {
        index,
        agencyCode: input.agency,
        procedureCode: input.procedure,
        day: input.date,
        source: input.source,
        asOf: new Date(input.asOf),
        counts: Object.fromEntries(COUNT_FIELDS.map((f) => [f, input[f] ?? null])),
      };
      const problem = checkCounts(row.counts);
      if (problem) return conflicts.push({ index, code: problem.code, message: problem.message });
      if (seen.has(repo.keyOf(row))) return conflicts.push({ index, code: 'DUPLICATE_ROW', message: `${repo.keyOf(row)} appears more than once in the batch` });
      seen.add(repo.keyOf(row));
      rows.push(row);
    });

    const agencies = await findAgencies(tx, [...new Set(rows.map((r) => r.agencyCode))]);
    const procedures = await findProcedures(tx, [...new Set(rows.map((r) => r.procedureCode))]);
    // ingest and admin keys push for any agency; an agency key for its own subtree.
    const scope = principal?.role === 'agency' && principal.agencyCode ? await subtreeCodes(tx, principal.agencyCode) : undefined;
    const valid = rows.filter((r) => {
      if (!agencies.has(r.agencyCode)) conflicts.push({ index: r.index, code: 'AGENCY_NOT_FOUND', message: `No agency has the code ${r.agencyCode}` });
      else if (!procedures.has(r.procedureCode))
        conflicts.push({ index: r.index, code: 'PROCEDURE_NOT_FOUND', message: `No procedure has the code ${r.procedureCode}` });
      else if (scope && !scope.has(r.agencyCode))
        conflicts.push({ index: r.index, code: 'FORBIDDEN', message: `This key may not push counts for ${r.agencyCode}` });
      else return true;
      return false;
    });

    const stored = await repo.loadStored(tx, valid);
    let created = 0;
    let updated = 0;
    let unchanged = 0;
    let stale = 0;
    const writes: repo.CountRow[] = [];
    for (const row of valid) {
      const old = stored.get(repo.keyOf(row));
      if (!old) {
        created++;
        writes.push(row);
      } else if (old.asOf.getTime() > row.asOf.getTime()) stale++;
      else if (COUNT_FIELDS.every((f) => (old.counts[f] ?? null) === (row.counts[f] ?? null))) {
        unchanged++;
        // A newer snapshot with the same counts still moves as_of on, so older deliveries stay stale.
        if (old.asOf.getTime() < row.asOf.getTime()) writes.push(row);
      } else {
        updated++;
        writes.push(row);
      }
    }
    conflicts.sort((a, b) => a.index - b.index);
    const summary: IngestSummary = { atomic, created, updated, unchanged, stale, rejected: conflicts.length, conflicts };
    if (atomic && conflicts.length > 0) {
      throw new ProblemError('SUBMISSION_REJECTED', `${conflicts.length} of ${inputs.length} rows were refused; nothing was written`, {
        extra: { summary },
        errors: conflicts.slice(0, 1000).map((c) => ({ in: 'body', pointer: `/counts/${c.index}`, message: `${c.code}: ${c.message}` })),
      });
    }
    await repo.upsertCounts(tx, writes);
    await repo.markMonthsDirty(tx, writes);
    // A newer snapshot with the same counts changes what a report shows too (its counts' asOf), so every write counts.
    return { summary, changed: new Set(writes.map((w) => w.agencyCode)) };
  }

  /** One ingestion's transaction; the counts watermark is bumped last, so its hot rows are locked the shortest time. */
  async function ingestTx(principal: Principal | undefined, inputs: DossierCountInput[], options: { atomic: boolean; idempotencyKey?: string | undefined }) {
    return db.transaction(async (tx) => {
      if (deps.bulkStatementTimeoutMs) await allowLongStatements(tx, deps.bulkStatementTimeoutMs);
      const key = principal && options.idempotencyKey;
      const hash = key
        ? createHash('sha256')
            .update(JSON.stringify({ atomic: options.atomic, inputs }))
            .digest('hex')
        : '';
      if (key) {
        // Two requests with the same key wait for each other, so the second sees the first's answer.
        await tx.execute(sql`select pg_advisory_xact_lock(${LOCKS.idempotencyKey}, hashtext(${`${principal.keyId}|${key}`}))`);
        const where = and(eq(idempotencyKeys.principalKeyId, principal.keyId), eq(idempotencyKeys.route, ROUTE), eq(idempotencyKeys.key, key));
        const [kept] = await tx.select().from(idempotencyKeys).where(where);
        if (kept) {
          if (kept.requestHash !== hash)
            throw new ProblemError('IDEMPOTENCY_KEY_REUSED', `Idempotency-Key ${key} was used for a different request; use a new key`);
          return { summary: kept.response as IngestSummary, replayed: true, changed: new Set<string>() };
        }
      }
      const { summary, changed } = await ingestIn(tx, principal, inputs, options.atomic);
      if (key)
        await tx.insert(idempotencyKeys).values({ principalKeyId: principal.keyId, route: ROUTE, key, requestHash: hash, statusCode: 200, response: summary });
      await repo.bumpCountVersions(tx, changed);
      return { summary, replayed: false, changed };
    });
  }

  return {
    /** Totals and rates over a period's cut-off window or a date range, for an agency's subtree, optionally grouped. */
    async stats(query: {
      period?: string | undefined;
      from?: string | undefined;
      to?: string | undefined;
      agency?: string | undefined;
      groupBy?: repo.GroupBy | undefined;
      source?: string | undefined;
    }) {
      let from = query.from;
      let to = query.to;
      if (query.period) {
        ({ startsOn: from, endsOn: to } = await requirePeriod(db, query.period));
      }
      if (!from || !to) {
        throw new ProblemError('VALIDATION_FAILED', 'Give a period, or both from and to', {
          errors: [{ in: 'querystring', pointer: query.from ? '/to' : '/from', message: 'required without period' }],
        });
      }
      if (to < from)
        throw new ProblemError('VALIDATION_FAILED', `The window ends (${to}) before it starts (${from})`, {
          errors: [{ in: 'querystring', pointer: '/to', message: 'before from' }],
        });
      if (query.agency) await requireAgency(db, query.agency);
      const groupBy = query.groupBy ?? 'none';
      const window = { from, to, root: query.agency, source: query.source };
      const [overall] = await repo.windowTotals(db, { ...window, groupBy: 'none' });
      const groups = groupBy === 'none' ? [] : await repo.windowTotals(db, { ...window, groupBy });
      const labels = await labelsOf(
        groupBy,
        groups.map((g) => g.key),
      );
      const zero = Object.fromEntries(COUNT_FIELDS.map((f) => [f, 0])) as Record<CountField, number>;
      return {
        from,
        to,
        agency: query.agency ?? null,
        groupBy,
        total: { totals: overall?.totals ?? zero, rates: ratesOf(overall?.totals ?? zero) },
        groups: groups.map((g) => ({ key: g.key, label: labels.get(g.key) ?? g.key, totals: g.totals, rates: ratesOf(g.totals) })),
      };
    },

    /**
     * Ingests a batch. With an Idempotency-Key, the first successful answer is kept (per API key) and returned for a
     * repeated key; a repeated key with a different body is refused. Refusals are not kept: nothing was written,
     * so sending again is safe.
     */
    async ingest(
      principal: Principal | undefined,
      inputs: DossierCountInput[],
      options: { atomic: boolean; idempotencyKey?: string | undefined },
    ): Promise<{ summary: IngestSummary; replayed: boolean }> {
      const { summary, replayed, changed } = await ingestTx(principal, inputs, options);
      if (!replayed) deps.metrics?.dossierRowsIngested(summary);
      if (changed.size > 0 && deps.afterCommit) {
        try {
          deps.afterCommit();
        } catch {
          // The push is committed; a refresh that cannot be scheduled now is done by a later one.
        }
      }
      return { summary, replayed };
    },
  };
}

/** The rates of Quyết định 766/QĐ-TTg and of the annex, each with both terms; null over nothing. */
export function ratesOf(t: Record<CountField, number>) {
  const resolved = t.resolvedEarly + t.resolvedOnTime + t.resolvedLate;
  return {
    onTime: rate(t.resolvedEarly + t.resolvedOnTime, resolved),
    progress766: rate(t.resolvedEarly + t.resolvedOnTime + t.pendingWithin, resolved + t.pendingWithin + t.pendingOverdue),
    online: rate(t.receivedOnline, t.receivedNew),
    postal: rate(t.receivedPostal, t.receivedNew),
  };
}

export type DossierService = ReturnType<typeof createDossierService>;
