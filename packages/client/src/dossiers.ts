/**
 * Pushing dossier counts in batches. Each batch is one PUT /v1/dossier-counts with an Idempotency-Key derived from
 * its content, so a batch sent again (after a timeout, a crash, a resumed run) is answered from the service's record
 * of the first answer instead of being applied twice, and the client's retry policy may resend it freely. Batches go
 * one after another: the service takes each in one transaction, and order keeps resuming by batch index simple.
 */
import type { CchcClient } from './client.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './digest.js';
import { failureOf } from './problem.js';
import type { DossierCount, IngestConflict, IngestSummary } from './types.js';

export const DEFAULT_BATCH_SIZE = 5000;
/** The service's limit per request (DossierCountBatch.counts maxItems). */
export const MAX_BATCH_SIZE = 50_000;

export interface BatchProgress {
  /** The batch's index among all batches of `rows` (0-based). */
  index: number;
  /** How many batches `rows` makes. */
  batches: number;
  /** Rows in this batch. */
  rows: number;
  /** Rows up to and including this batch, counting the batches skipped by startBatch (for a progress bar over rows). */
  sent: number;
  /** The service's answer for this batch, conflict indices re-based to positions in `rows`. */
  summary: IngestSummary;
  /** Whether the service replayed a kept answer (Idempotent-Replayed: the batch had been applied before). */
  replayed: boolean;
}

export interface PushOptions {
  /** Rows per request (default 5000, at most 50 000). */
  batchSize?: number;
  /** Goes into every Idempotency-Key: a new prefix makes the same rows count as a new push. */
  keyPrefix?: string;
  /** Skip the batches before this index (their rows are neither sent nor counted), to resume an interrupted push. */
  startBatch?: number;
  /** All or nothing per batch: a refused row refuses its batch (422, thrown as ProblemError). */
  atomic?: boolean;
  /** Called after each batch, awaited before the next is sent. */
  onBatch?: (progress: BatchProgress) => void | Promise<void>;
}

export interface PushSummary {
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: number;
  /** Refused rows, `index` being the row's position in `rows`. */
  conflicts: IngestConflict[];
  /** Batches sent by this call (not those skipped by startBatch). */
  batches: number;
  /** Of those, how many the service answered from a kept answer. */
  replayedBatches: number;
}

/** The Idempotency-Key of one batch: hex SHA-256 over the prefix and the exact request (body text and atomic flag). */
export async function batchKey(keyPrefix: string, body: string, atomic: boolean): Promise<string> {
  return sha256Hex(`${keyPrefix}\n${atomic ? 'atomic' : 'partial'}\n${body}`);
}

/**
 * Pushes `rows` in batches and returns the merged summary. Throws ProblemError (with `batch`) when a batch is refused
 * as a whole, e.g. SUBMISSION_REJECTED with atomic; the batches before it stay applied.
 */
export async function pushDossierCounts(client: CchcClient, rows: readonly DossierCount[], options: PushOptions = {}): Promise<PushSummary> {
  const batchSize = options.batchSize ?? DEFAULT_BATCH_SIZE;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH_SIZE) {
    throw new RangeError(`batchSize must be an integer from 1 to ${MAX_BATCH_SIZE}, not ${batchSize}`);
  }
  const startBatch = options.startBatch ?? 0;
  if (!Number.isInteger(startBatch) || startBatch < 0) throw new RangeError(`startBatch must be a non-negative integer, not ${startBatch}`);
  const atomic = options.atomic ?? false;
  const batches = Math.ceil(rows.length / batchSize);
  const total: PushSummary = { created: 0, updated: 0, unchanged: 0, stale: 0, rejected: 0, conflicts: [], batches: 0, replayedBatches: 0 };

  for (let index = startBatch; index < batches; index++) {
    const offset = index * batchSize;
    const counts = rows.slice(offset, offset + batchSize);
    const body = canonicalJson({ counts });
    const key = await batchKey(options.keyPrefix ?? '', body, atomic);
    const { data, error, response } = await client.PUT('/v1/dossier-counts', {
      params: { query: { atomic }, header: { 'idempotency-key': key } },
      body: { counts },
      // The canonical text the key was computed over, not a second serialisation of `counts`.
      bodySerializer: () => body,
      headers: { 'content-type': 'application/json' },
    });
    if (error !== undefined || !response.ok || data === undefined) throw failureOf(error, response, { batch: index });
    const summary: IngestSummary = { ...data, conflicts: data.conflicts.map((c) => ({ ...c, index: c.index + offset })) };
    const replayed = response.headers.get('idempotent-replayed') === 'true';
    total.created += summary.created;
    total.updated += summary.updated;
    total.unchanged += summary.unchanged;
    total.stale += summary.stale;
    total.rejected += summary.rejected;
    total.conflicts.push(...summary.conflicts);
    total.batches += 1;
    if (replayed) total.replayedBatches += 1;
    await options.onBatch?.({ index, batches, rows: counts.length, sent: offset + counts.length, summary, replayed });
  }
  return total;
}
