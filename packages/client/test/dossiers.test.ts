/** pushDossierCounts against the live test server: batches, idempotent replays, resume, re-based conflicts, atomic. */
import t from 'tap';
import { buildTestApp } from '@cchc/reporting-api/testing';
import { batchKey, createClient, ProblemError, pushDossierCounts, type BatchProgress, type DossierCount } from '../src/index.js';

const procedures = ['BQL-KCN.XD.01', 'DEMO-BQL-01', 'DEMO-BQL-02', 'DEMO-BQL-03', 'DEMO-BQL-04'];

/** n valid rows: distinct (procedure, day), counts that satisfy the identities. */
function rowsOf(n: number, asOf = '2024-06-01T00:00:00.000Z'): DossierCount[] {
  return Array.from({ length: n }, (_, i) => ({
    agency: 'BQL-KCN',
    procedure: procedures[i % procedures.length]!,
    date: `2024-05-${String(1 + Math.floor(i / procedures.length)).padStart(2, '0')}`,
    source: 'test',
    asOf,
    receivedNew: 3 + i,
    resolved: 2,
    resolvedEarly: 1,
    resolvedOnTime: 1,
    resolvedLate: 0,
  }));
}

t.test('pushDossierCounts', async (t) => {
  const api = await buildTestApp(t);
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const sent: Array<{ key: string | null; rows: number }> = [];
  let failNext = 0;
  const client = createClient({
    baseUrl,
    apiKey: api.keys.ingest,
    retry: { minDelayMs: 5, maxDelayMs: 20 },
    async fetch(request, init) {
      const body = JSON.parse(await request.clone().text()) as { counts: unknown[] };
      sent.push({ key: request.headers.get('idempotency-key'), rows: body.counts.length });
      // A network failure before the request reaches the service, to be retried by the client's policy.
      if (failNext > 0 && failNext--) throw new TypeError('fetch failed (test)');
      return fetch(request, init);
    },
  });
  const rows = rowsOf(23);

  t.test('in batches, one after another, with progress', async (t) => {
    sent.length = 0;
    const progress: BatchProgress[] = [];
    const summary = await pushDossierCounts(client, rows, { batchSize: 10, keyPrefix: 'nightly-1', onBatch: (p) => void progress.push(p) });
    t.match(summary, { created: 23, updated: 0, unchanged: 0, stale: 0, rejected: 0, conflicts: [], batches: 3, replayedBatches: 0 });
    t.same(
      progress.map(({ index, batches, rows, sent, replayed }) => ({ index, batches, rows, sent, replayed })),
      [
        { index: 0, batches: 3, rows: 10, sent: 10, replayed: false },
        { index: 1, batches: 3, rows: 10, sent: 20, replayed: false },
        { index: 2, batches: 3, rows: 3, sent: 23, replayed: false },
      ],
    );
    t.same(
      sent.map((s) => s.rows),
      [10, 10, 3],
    );
    t.ok(
      sent.every((s) => /^[0-9a-f]{64}$/.test(s.key ?? '')),
      'each batch carries a SHA-256 Idempotency-Key',
    );
    t.equal(new Set(sent.map((s) => s.key)).size, 3);
  });

  t.test('the same rows and prefix again: the same keys, answered from the kept answers', async (t) => {
    const before = sent.map((s) => s.key);
    sent.length = 0;
    // Keys built in another order give the same canonical body, hence the same key and no IDEMPOTENCY_KEY_REUSED.
    const reordered = rows.map((r) => Object.fromEntries(Object.entries(r).reverse()) as DossierCount);
    const summary = await pushDossierCounts(client, reordered, { batchSize: 10, keyPrefix: 'nightly-1' });
    t.match(summary, { created: 23, batches: 3, replayedBatches: 3 }, 'the first answers, replayed');
    t.same(
      sent.map((s) => s.key),
      before,
    );
  });

  t.test('another prefix is a new push: applied again, all unchanged', async (t) => {
    const summary = await pushDossierCounts(client, rows, { batchSize: 10, keyPrefix: 'nightly-2' });
    t.match(summary, { created: 0, unchanged: 23, batches: 3, replayedBatches: 0 });
  });

  t.test('startBatch skips the batches before it', async (t) => {
    sent.length = 0;
    const newer = rowsOf(23, '2024-06-02T00:00:00.000Z').map((r) => ({ ...r, receivedNew: (r.receivedNew ?? 0) + 1 }));
    const indices: number[] = [];
    const onBatch = (p: BatchProgress) => void indices.push(p.index);
    const summary = await pushDossierCounts(client, newer, { batchSize: 10, keyPrefix: 'resume', startBatch: 1, onBatch });
    t.match(summary, { created: 0, updated: 13, batches: 2 });
    t.same(indices, [1, 2]);
    t.same(
      sent.map((s) => s.rows),
      [10, 3],
    );
    t.match(await pushDossierCounts(client, newer, { batchSize: 10, startBatch: 3 }), { batches: 0, created: 0, updated: 0 });
  });

  t.test('refused rows: conflict indices are positions in rows', async (t) => {
    const mixed = rowsOf(25, '2024-07-01T00:00:00.000Z');
    mixed[3] = { ...mixed[3]!, procedure: 'NO-SUCH-PROCEDURE' };
    mixed[17] = { ...mixed[17]!, resolvedLate: 5 };
    const summary = await pushDossierCounts(client, mixed, { batchSize: 10, keyPrefix: 'mixed' });
    t.equal(summary.rejected, 2);
    t.match(summary.conflicts, [
      { index: 3, code: 'PROCEDURE_NOT_FOUND' },
      { index: 17, code: 'IDENTITY_RESOLVED' },
    ]);
    t.equal(summary.created + summary.updated + summary.unchanged, 23);
  });

  t.test('atomic: a refused batch throws ProblemError with its index; the batches before it stay applied', async (t) => {
    const rows = rowsOf(25, '2024-08-01T00:00:00.000Z');
    rows[14] = { ...rows[14]!, agency: 'NO-SUCH-AGENCY' };
    const done: number[] = [];
    const options = { batchSize: 10, atomic: true, keyPrefix: 'atomic' };
    const error = await pushDossierCounts(client, rows, { ...options, onBatch: (p) => void done.push(p.index) }).catch((e: unknown) => e);
    t.ok(error instanceof ProblemError);
    if (!(error instanceof ProblemError)) return;
    t.match(error, { status: 422, code: 'SUBMISSION_REJECTED', batch: 1 });
    t.same(done, [0]);
    // Fixed, and resumed from the refused batch.
    rows[14] = { ...rows[14], agency: 'BQL-KCN' };
    t.match(await pushDossierCounts(client, rows, { ...options, startBatch: error.batch }), { batches: 2, rejected: 0 });
  });

  t.test('a network failure mid-push is retried (PUT with an Idempotency-Key)', async (t) => {
    sent.length = 0;
    failNext = 1;
    const changed = rowsOf(5, '2024-09-01T00:00:00.000Z').map((r) => ({ ...r, receivedNew: 100 }));
    const summary = await pushDossierCounts(client, changed, { batchSize: 5, keyPrefix: 'flaky' });
    t.match(summary, { updated: 5, batches: 1 });
    t.equal(sent.length, 2, 'tried twice');
    t.equal(sent[0]!.key, sent[1]!.key);
  });

  t.test('keys: prefix, content and atomic all count', async (t) => {
    const body = JSON.stringify({ counts: rowsOf(1) });
    t.equal(await batchKey('a', body, false), await batchKey('a', body, false));
    t.not(await batchKey('a', body, false), await batchKey('b', body, false));
    t.not(await batchKey('a', body, false), await batchKey('a', body, true));
    t.not(await batchKey('a', body, false), await batchKey('a', body.replace('"test"', '"other"'), false));
  });

  t.test('options are checked; nothing to push sends nothing', async (t) => {
    await t.rejects(pushDossierCounts(client, rows, { batchSize: 0 }), RangeError);
    await t.rejects(pushDossierCounts(client, rows, { batchSize: 50_001 }), RangeError);
    await t.rejects(pushDossierCounts(client, rows, { startBatch: -1 }), RangeError);
    sent.length = 0;
    t.match(await pushDossierCounts(client, []), { batches: 0, created: 0, conflicts: [] });
    t.equal(sent.length, 0);
  });

  t.test('a key that may not push for the agency gets a problem', async (t) => {
    const reader = createClient({ baseUrl, apiKey: api.keys.reader });
    await t.rejects(pushDossierCounts(reader, rows), { constructor: ProblemError, code: 'FORBIDDEN', batch: 0 });
  });
});
