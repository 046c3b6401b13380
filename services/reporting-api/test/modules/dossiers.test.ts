import { asc, eq } from 'drizzle-orm';
import t from 'tap';
import { dossierCounts, dossierCountVersions } from '../../src/db/schema.js';
import { buildTestApp } from '../helpers/app.js';

const procedures = ['BQL-KCN.XD.01', 'DEMO-BQL-01', 'DEMO-BQL-02', 'DEMO-BQL-03'];

/** `n` rows for BQL-KCN: days of 2023 × procedures, counts that satisfy every identity. */
function batch(n: number, asOf: string, bump = 0) {
  return Array.from({ length: n }, (_, i) => {
    const day = new Date(Date.UTC(2023, 0, 1 + Math.floor(i / procedures.length)));
    const early = 2 + (i % 3) + bump;
    return {
      agency: 'BQL-KCN',
      procedure: procedures[i % procedures.length]!,
      date: day.toISOString().slice(0, 10),
      source: 'motcua-soctrang',
      asOf,
      receivedNew: early + 2,
      carriedOver: 1,
      receivedOnline: 1,
      receivedInPerson: early,
      receivedPostal: 1,
      resolved: early + 1,
      resolvedEarly: early,
      resolvedOnTime: 1,
      resolvedLate: 0,
      pending: 2,
      pendingWithin: 2,
      pendingOverdue: 0,
      withdrawn: 0,
    };
  });
}

t.test('dossier count ingestion', async (t) => {
  const api = await buildTestApp(t);
  const push = (counts: object[], options: { as?: 'admin' | 'ingest' | 'agency' | 'agencyOther'; query?: string; key?: string } = {}) =>
    api.request({
      method: 'PUT',
      url: `/v1/dossier-counts${options.query ?? ''}`,
      as: options.as ?? 'ingest',
      payload: { counts },
      ...(options.key && { headers: { 'idempotency-key': options.key } }),
    });
  // The rows these tests push (the seed's demo counts come from another source).
  const stored = () =>
    api.database.db
      .select()
      .from(dossierCounts)
      .where(eq(dossierCounts.source, 'motcua-soctrang'))
      .orderBy(asc(dossierCounts.day), asc(dossierCounts.procedureCode));

  t.test('a 10 000-row batch lands; the same batch twice changes nothing', async (t) => {
    const rows = batch(10_000, '2024-01-02T00:00:00Z');
    const first = await push(rows);
    t.equal(first.statusCode, 200, first.body.slice(0, 300));
    t.same(first.json(), { atomic: false, created: 10_000, updated: 0, unchanged: 0, stale: 0, rejected: 0, conflicts: [] });
    const again = await push(rows);
    t.same(again.json(), { atomic: false, created: 0, updated: 0, unchanged: 10_000, stale: 0, rejected: 0, conflicts: [] });
    t.equal((await stored()).length, 10_000);
  });

  t.test('snapshots delivered out of order end at the latest asOf', async (t) => {
    const snapshots = ['2024-02-01T08:00:00Z', '2024-02-03T08:00:00Z', '2024-02-02T08:00:00Z'].map((asOf, k) => ({
      asOf,
      rows: batch(40, asOf, 10 * (k + 1)),
    }));
    const shuffled = [snapshots[1]!, snapshots[0]!, snapshots[2]!];
    const answers = [];
    for (const s of shuffled) answers.push((await push(s.rows)).json());
    t.match(answers[0], { updated: 40 });
    t.match(answers[1], { stale: 40, updated: 0 }, 'an older snapshot is ignored');
    t.match(answers[2], { stale: 40, updated: 0 });
    const rows = (await stored()).slice(0, 40);
    t.ok(rows.every((r) => r.asOf.toISOString() === '2024-02-03T08:00:00.000Z'));
    t.equal(rows[0]!.resolvedEarly, 2 + 20, 'the counts of the latest snapshot');
  });

  t.test('concurrent pushers of overlapping rows lose nothing', async (t) => {
    const stamps = ['2024-03-01T00:00:00Z', '2024-03-04T00:00:00Z', '2024-03-02T00:00:00Z', '2024-03-03T00:00:00Z'];
    const results = await Promise.all(stamps.map((asOf, k) => push(batch(400, asOf, 100 + k))));
    t.ok(
      results.every((r) => r.statusCode === 200),
      results.map((r) => r.statusCode).join(','),
    );
    const rows = (await stored()).slice(0, 400);
    t.ok(
      rows.every((r) => r.asOf.toISOString() === '2024-03-04T00:00:00.000Z'),
      'the latest snapshot won everywhere',
    );
    t.equal(rows[0]!.resolvedEarly, 2 + 101);
    const written = results.reduce((n, r) => n + r.json().updated, 0);
    t.ok(written >= 400, 'every row was updated at least once');
  });

  t.test('rows that break an identity are refused with their index; the rest land', async (t) => {
    const good = batch(3, '2025-01-01T00:00:00Z').map((r) => ({ ...r, date: '2024-06-01', source: 'identity-test' }));
    const rows = [
      good[0]!,
      { ...good[1]!, resolved: 99 },
      { ...good[2]!, receivedOnline: -1 },
      { ...good[0]!, procedure: 'DEMO-BQL-04', pending: 5 },
      { ...good[0]!, procedure: 'DEMO-BQL-05', receivedPostal: 7 },
      { ...good[0]!, procedure: 'DEMO-BQL-06', withdrawn: 3 },
      { ...good[0]!, procedure: 'NOPE' },
      { ...good[0]!, agency: 'NOPE' },
      good[0]!,
      { agency: 'BQL-KCN', procedure: 'DEMO-BQL-07', date: '2024-06-01', source: 'identity-test', asOf: '2025-01-01T00:00:00Z', receivedNew: 5 },
    ];
    const res = await push(rows);
    t.equal(res.statusCode, 200);
    t.match(res.json(), { created: 2, rejected: 8 });
    t.same(
      res.json().conflicts.map((c: any) => [c.index, c.code]),
      [
        [1, 'IDENTITY_RESOLVED'],
        [2, 'NEGATIVE_COUNT'],
        [3, 'IDENTITY_PENDING'],
        [4, 'IDENTITY_RECEIVED'],
        [5, 'IDENTITY_BALANCE'],
        [6, 'PROCEDURE_NOT_FOUND'],
        [7, 'AGENCY_NOT_FOUND'],
        [8, 'DUPLICATE_ROW'],
      ],
    );
    t.match(res.json().conflicts[0].message, /resolved = early \+ on time \+ late does not hold/);
    const atomic = await push(
      [
        { ...good[0]!, source: 'atomic-test' },
        { ...good[1]!, source: 'atomic-test', resolved: 99 },
      ],
      { query: '?atomic=true' },
    );
    t.equal(atomic.statusCode, 422);
    t.match(atomic.json(), { code: 'SUBMISSION_REJECTED', summary: { rejected: 1, conflicts: [{ index: 1 }] }, errors: [{ pointer: '/counts/1' }] });
    t.notOk((await api.database.db.select().from(dossierCounts).where(eq(dossierCounts.source, 'atomic-test'))).length, 'nothing written');
    t.equal((await push([{ ...good[0]!, date: '2024-02-30' }])).statusCode, 400, 'an impossible date refuses the batch');
  });

  t.test('scope: ingest keys push for any agency, agency keys for their subtree', async (t) => {
    const row = { ...batch(1, '2025-02-01T00:00:00Z')[0]!, source: 'scope-test' };
    t.match((await push([{ ...row, agency: 'SNV' }], { as: 'ingest' })).json(), { created: 1 });
    t.match((await push([{ ...row, agency: 'TTHT-KCN' }], { as: 'agency' })).json(), { created: 1 });
    t.match((await push([{ ...row, agency: 'SKHDT' }], { as: 'agency' })).json(), { rejected: 1, conflicts: [{ code: 'FORBIDDEN' }] });
    t.equal((await push([row], { as: 'reader' as any })).statusCode, 403);
  });

  t.test('Idempotency-Key returns the first answer', async (t) => {
    const rows = batch(20, '2025-03-01T00:00:00Z').map((r) => ({ ...r, source: 'idem-test' }));
    const first = await push(rows, { key: 'nightly-2025-03-01' });
    t.match(first.json(), { created: 20 });
    t.notOk(first.headers['idempotent-replayed']);
    const replay = await push(rows, { key: 'nightly-2025-03-01' });
    t.equal(replay.headers['idempotent-replayed'], 'true');
    t.same(replay.json(), first.json(), 'the first answer, not "unchanged"');
    const other = await push(rows.slice(0, 5), { key: 'nightly-2025-03-01' });
    t.equal(other.statusCode, 422);
    t.equal(other.json().code, 'IDEMPOTENCY_KEY_REUSED');
    const otherSender = await push(rows, { key: 'nightly-2025-03-01', as: 'admin' });
    t.match(otherSender.json(), { unchanged: 20 }, 'keys are scoped to the API key that sent them');
    const concurrent = await Promise.all(
      [1, 2, 3].map(() =>
        push(
          batch(10, '2025-04-01T00:00:00Z').map((r) => ({ ...r, source: 'idem-race' })),
          { key: 'race' },
        ),
      ),
    );
    t.same(
      concurrent.map((r) => r.json().created),
      [10, 10, 10],
      'concurrent repeats all get the first answer',
    );
    t.equal(concurrent.filter((r) => r.headers['idempotent-replayed'] === 'true').length, 2);
  });
});

t.test('the counts watermark moves on with every ingestion that changes an agency’s rows, and only then', async (t) => {
  const api = await buildTestApp(t);
  const versions = async () =>
    new Map((await api.database.db.select().from(dossierCountVersions)).map((v) => [v.agencyCode, { version: v.version, changedAt: v.changedAt.getTime() }]));
  const push = (counts: object[], options: { query?: string; key?: string } = {}) =>
    api.request({
      method: 'PUT',
      url: `/v1/dossier-counts${options.query ?? ''}`,
      as: 'ingest',
      payload: { counts },
      ...(options.key && { headers: { 'idempotency-key': options.key } }),
    });
  const row = (agency: string, day: string, asOf: string, receivedNew: number) => ({
    agency,
    procedure: 'DEMO-BQL-01',
    date: day,
    source: 'watermark',
    asOf,
    receivedNew,
  });
  const delta = (before: Map<string, { version: number }>, after: Map<string, { version: number }>) =>
    Object.fromEntries(
      [...after].filter(([code, v]) => v.version !== (before.get(code)?.version ?? 0)).map(([code, v]) => [code, v.version - (before.get(code)?.version ?? 0)]),
    );

  const start = await versions();
  const batch = [
    row('SKHDT', '2024-01-02', '2024-01-03T00:00:00Z', 1),
    row('SKHDT', '2024-01-03', '2024-01-03T00:00:00Z', 2),
    row('BQL-KCN', '2024-01-02', '2024-01-03T00:00:00Z', 3),
  ];
  t.match((await push(batch)).json(), { created: 3 });
  const created = await versions();
  t.same(delta(start, created), { 'BQL-KCN': 1, SKHDT: 1 }, 'one bump per agency, whatever its number of rows');
  t.ok(created.get('SKHDT')!.changedAt >= (start.get('SKHDT')?.changedAt ?? 0), 'changed_at moves on');

  t.match((await push(batch)).json(), { unchanged: 3 });
  t.same(delta(created, await versions()), {}, 'the same batch again: all unchanged, no bump');
  t.match((await push(batch.map((r) => ({ ...r, asOf: '2024-01-01T00:00:00Z', receivedNew: 9 })))).json(), { stale: 3 });
  t.same(delta(created, await versions()), {}, 'stale rows change nothing');
  t.match(
    (
      await push([
        { ...batch[0]!, agency: 'NOPE' },
        { ...batch[1]!, receivedOnline: -1 },
      ])
    ).json(),
    { rejected: 2 },
  );
  t.same(delta(created, await versions()), {}, 'refused rows change nothing');
  t.equal(
    (
      await push(
        [
          { ...batch[0]!, receivedNew: 5 },
          { ...batch[2]!, agency: 'NOPE' },
        ],
        { query: '?atomic=true' },
      )
    ).statusCode,
    422,
  );
  t.same(delta(created, await versions()), {}, 'an atomic refusal writes nothing, the watermark included');

  t.match((await push([{ ...batch[0]!, asOf: '2024-01-04T00:00:00Z', receivedNew: 7 }])).json(), { updated: 1 });
  const updated = await versions();
  t.same(delta(created, updated), { SKHDT: 1 }, 'an update bumps its agency only');
  // Same counts, newer snapshot: a report shows its counts' asOf, so its ETag must change too.
  t.match((await push([{ ...batch[2]!, asOf: '2024-01-05T00:00:00Z' }])).json(), { unchanged: 1 });
  const moved = await versions();
  t.same(delta(updated, moved), { 'BQL-KCN': 1 }, 'a newer snapshot with the same counts bumps (the stored asOf changed)');

  const keyed = [row('SXD', '2024-01-02', '2024-01-03T00:00:00Z', 4)];
  t.match((await push(keyed, { key: 'watermark-1' })).json(), { created: 1 });
  const first = await versions();
  t.same(delta(moved, first), { SXD: 1 });
  t.match((await push(keyed, { key: 'watermark-1' })).json(), { created: 1 }, 'replayed');
  t.same(delta(first, await versions()), {}, 'a replay writes nothing');

  // Concurrent pushes for the same agencies, listed in opposite orders: one lock order, so no deadlock, and every
  // push counts.
  const forward = ['BQL-KCN', 'SKHDT', 'SXD'];
  const results = await Promise.all(
    [0, 1, 2, 3].map((k) => push((k % 2 ? [...forward].reverse() : forward).map((a, i) => row(a, `2024-02-0${i + 1}`, `2024-02-1${k}T00:00:00Z`, 10 + k)))),
  );
  t.same(
    results.map((r) => r.statusCode),
    [200, 200, 200, 200],
  );
  const after = await versions();
  const bumped = delta(first, after);
  t.ok(
    forward.every((a) => bumped[a]! >= 1 && bumped[a]! <= 4),
    JSON.stringify(bumped),
  );
});

t.test('dossier statistics match a hand computation', async (t) => {
  const api = await buildTestApp(t);
  const row = (agency: string, procedure: string, date: string, c: Record<string, number>) => ({
    agency,
    procedure,
    date,
    source: 'stats',
    asOf: '2024-01-01T00:00:00Z',
    ...c,
  });
  const counts = [
    // SKHDT, inside the 2023-M03 window (2023-02-15 .. 2023-03-14)
    row('SKHDT', 'DEMO-BQL-01', '2023-02-15', {
      receivedNew: 10,
      carriedOver: 3,
      receivedOnline: 6,
      receivedInPerson: 3,
      receivedPostal: 1,
      resolvedEarly: 4,
      resolvedOnTime: 2,
      resolvedLate: 1,
      pendingWithin: 5,
      pendingOverdue: 1,
      withdrawn: 0,
    }),
    row('SKHDT', 'DEMO-BQL-01', '2023-03-14', {
      receivedNew: 5,
      carriedOver: 6,
      receivedOnline: 5,
      receivedInPerson: 0,
      receivedPostal: 0,
      resolvedEarly: 3,
      resolvedOnTime: 0,
      resolvedLate: 2,
      pendingWithin: 4,
      pendingOverdue: 2,
      withdrawn: 0,
    }),
    row('SKHDT', 'DEMO-BQL-02', '2023-03-01', {
      receivedNew: 2,
      carriedOver: 0,
      receivedOnline: 0,
      receivedInPerson: 2,
      receivedPostal: 0,
      resolvedEarly: 0,
      resolvedOnTime: 1,
      resolvedLate: 0,
      pendingWithin: 1,
      pendingOverdue: 0,
      withdrawn: 0,
    }),
    // outside the window
    row('SKHDT', 'DEMO-BQL-01', '2023-03-15', { receivedNew: 100, resolvedEarly: 100 }),
    row('SKHDT', 'DEMO-BQL-01', '2023-02-14', { receivedNew: 100, resolvedEarly: 100 }),
    // another agency, and one with nothing resolved
    row('SXD', 'DEMO-BQL-03', '2023-03-01', {
      receivedNew: 0,
      carriedOver: 0,
      resolvedEarly: 0,
      resolvedOnTime: 0,
      resolvedLate: 0,
      pendingWithin: 0,
      pendingOverdue: 0,
    }),
  ];
  t.equal((await api.request({ method: 'PUT', url: '/v1/dossier-counts?atomic=true', payload: { counts } })).statusCode, 200);
  const stats = (query: string) => api.request({ method: 'GET', url: `/v1/dossier-stats?${query}`, as: 'reader' });

  const res = await stats('period=2023-M03&agency=SKHDT');
  t.equal(res.statusCode, 200, res.body.slice(0, 300));
  const { total } = res.json();
  // Flows: sums of the three in-window rows. Stocks: carried over at each series' first day (3 + 0),
  // pending at each series' last day (DEMO-BQL-01: 4 + 2 on 03-14; DEMO-BQL-02: 1 + 0 on 03-01).
  t.match(total.totals, {
    receivedNew: 17,
    receivedOnline: 11,
    receivedInPerson: 5,
    receivedPostal: 1,
    resolvedEarly: 7,
    resolvedOnTime: 3,
    resolvedLate: 3,
    carriedOver: 3,
    pendingWithin: 5,
    pendingOverdue: 2,
  });
  t.same(total.rates.onTime, { numerator: 10, denominator: 13, value: 76.92 });
  t.same(total.rates.progress766, { numerator: 15, denominator: 20, value: 75 });
  t.same(total.rates.online, { numerator: 11, denominator: 17, value: 64.71 });
  t.same(total.rates.postal, { numerator: 1, denominator: 17, value: 5.88 });

  const empty = (await stats('from=2023-03-01&to=2023-03-01&agency=SXD')).json().total.rates;
  t.same(empty.onTime, { numerator: 0, denominator: 0, value: null }, '0/0 is null');
  t.same(empty.online, { numerator: 0, denominator: 0, value: null });

  const byProcedure = (await stats('period=2023-M03&agency=SKHDT&groupBy=procedure')).json().groups;
  t.same(
    byProcedure.map((g: any) => [g.key, g.totals.receivedNew, g.rates.onTime.value]),
    [
      ['DEMO-BQL-01', 15, 75],
      ['DEMO-BQL-02', 2, 100],
    ],
  );
  t.match(byProcedure[0].label, /Thủ tục mẫu 01/);
  // Months are reporting months (Nghị định 09/2019): from the 15th on, a day counts toward the next month.
  const byMonth = (await stats('from=2023-02-01&to=2023-03-31&agency=SKHDT&groupBy=month')).json().groups;
  t.same(
    byMonth.map((g: any) => [g.key, g.totals.receivedNew]),
    [
      ['2023-02', 100],
      ['2023-03', 17],
      ['2023-04', 100],
    ],
  );
  const yearByMonth = (await stats('period=2023&agency=SKHDT&groupBy=month')).json().groups;
  t.same(
    yearByMonth.map((g: any) => [g.key, g.totals.receivedNew]),
    [
      ['2023-02', 100],
      ['2023-03', 17],
      ['2023-04', 100],
    ],
    'the roll-up agrees with the raw rows',
  );
  const byAgency = (await stats('period=2023-M03&groupBy=agency&source=stats')).json();
  t.same(
    byAgency.groups.map((g: any) => g.key),
    ['SKHDT', 'SXD'],
  );
  t.equal(byAgency.groups[0].label, 'Sở Kế hoạch và Đầu tư tỉnh Sóc Trăng');
  t.equal(byAgency.total.totals.receivedNew, 17, 'the province total');
  const byField = (await stats('period=2023-M03&groupBy=field&source=stats')).json().groups;
  t.same(
    byField.map((g: any) => g.key),
    ['Đầu tư'],
  );

  t.equal((await stats('agency=SKHDT')).json().code, 'VALIDATION_FAILED');
  t.equal((await stats('from=2023-03-02&to=2023-03-01')).json().code, 'VALIDATION_FAILED');
  t.equal((await stats('period=2031')).json().code, 'PERIOD_NOT_FOUND');
  t.equal((await stats('period=2023&agency=NOPE')).json().code, 'AGENCY_NOT_FOUND');
});

t.test('the annex rows fed by dossier counts', async (t) => {
  const api = await buildTestApp(t);
  const report = async (period: string, agency: string) =>
    new Map<string, any>(
      (await api.request({ method: 'GET', url: `/v1/reports/${period}/${agency}/values`, as: 'reader' })).json().items.map((i: any) => [i.indicator, i]),
    );

  t.test('the reference agency’s 2023 counts reproduce its III.7 rows', async (t) => {
    const cells = await report('2023', 'BQL-KCN');
    const pairs = ['III.7.1', 'III.7.2', 'III.7.2.1', 'III.7.2.2', 'III.7.2.3', 'VII.5.5', 'VII.6.4'].map((code) => [
      code,
      cells.get(code)?.value,
      cells.get(code)?.fromCounts?.value,
    ]);
    t.same(pairs, [
      ['III.7.1', 103, 103],
      ['III.7.2', 99, 99],
      ['III.7.2.1', 98, 98],
      ['III.7.2.2', 0, 0],
      ['III.7.2.3', 1, 1],
      ['VII.5.5', 4, 4],
      ['VII.6.4', 0, 0],
    ]);
    t.match(cells.get('III.7.2').fromCounts, { source: 'dossier-counts', systems: ['motcua-soctrang-demo'], asOf: '2023-12-15T01:00:00.000Z' });
    const stats = (await api.request({ method: 'GET', url: '/v1/dossier-stats?period=2023&agency=BQL-KCN', as: 'reader' })).json().total;
    t.same(stats.rates.onTime, { numerator: 98, denominator: 99, value: 98.99 }, '98 of 99 on time, from the counts');
    const findings = (await api.request({ method: 'GET', url: '/v1/reports/2023/BQL-KCN/findings', as: 'reader' })).json().findings;
    t.notOk(
      findings.some((f: any) => f.rule === 'COUNTS_MISMATCH'),
      'the reported figures agree with the counts',
    );
  });

  t.test('a reported figure that differs from the counts is kept, and is a finding', async (t) => {
    const push = await api.request({
      method: 'PUT',
      url: '/v1/dossier-counts',
      as: 'ingest',
      payload: {
        counts: [
          {
            agency: 'BQL-KCN',
            procedure: 'DEMO-BQL-03',
            date: '2023-12-01',
            source: 'motcua-soctrang',
            asOf: '2023-12-16T00:00:00Z',
            receivedNew: 2,
            resolved: 2,
            resolvedEarly: 2,
            resolvedOnTime: 0,
            resolvedLate: 0,
          },
        ],
      },
    });
    t.match(push.json(), { created: 1 });
    const cells = await report('2023', 'BQL-KCN');
    t.match(cells.get('III.7.2'), {
      value: 99,
      status: 'reported',
      fromCounts: { value: 101, systems: ['motcua-soctrang', 'motcua-soctrang-demo'], asOf: '2023-12-16T00:00:00.000Z' },
    });
    const findings = (await api.request({ method: 'GET', url: '/v1/reports/2023/BQL-KCN/findings', as: 'reader' })).json().findings;
    const mismatch = findings.filter((f: any) => f.rule === 'COUNTS_MISMATCH').map((f: any) => [f.indicators[0], f.left.value, f.right.value]);
    t.same(mismatch, [
      ['III.7.1', 103, 105],
      ['III.7.2', 99, 101],
      ['III.7.2.1', 98, 100],
    ]);
  });

  t.test('with nothing reported, the counts stand in and feed the rates', async (t) => {
    await api.request({
      method: 'PUT',
      url: '/v1/dossier-counts',
      as: 'ingest',
      payload: {
        counts: [
          {
            agency: 'SKHDT',
            procedure: 'DEMO-BQL-04',
            date: '2024-05-01',
            source: 'motcua-soctrang',
            asOf: '2024-05-02T00:00:00Z',
            receivedNew: 8,
            resolved: 8,
            resolvedEarly: 6,
            resolvedOnTime: 1,
            resolvedLate: 1,
          },
        ],
      },
    });
    const cells = await report('2024', 'SKHDT');
    t.match(cells.get('III.7.2'), { value: 8, status: 'counted', fromCounts: { value: 8 } });
    t.match(cells.get('III.7.3'), { value: 87.5, status: 'derived' }, '(6 + 1) / 8, from the counts');
  });
});
