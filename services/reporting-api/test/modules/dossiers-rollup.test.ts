/**
 * The reporting-month roll-up is refreshed off the request path (rollup-refresher.ts): pushes only mark months,
 * reads roll marked months up from the raw rows, and the refresher recomputes them, one instance at a time.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import t from 'tap';
import { openDatabase, queryRows, type Database, type Tx } from '../../src/db/connection.js';
import { LOCKS } from '../../src/db/locks.js';
import { seedDatabase } from '../../src/seed.js';
import type { Principal } from '../../src/domain/roles.js';
import { markMonthsDirty, rebuildMonthly, upsertCounts } from '../../src/modules/dossiers/repository.js';
import { createRollupRefresher, type RollupRefresher } from '../../src/modules/dossiers/rollup-refresher.js';
import { createDossierService } from '../../src/modules/dossiers/service.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';
import { openTestDatabase } from '../helpers/database.js';

const PUSHER: Principal = { keyId: '00000000-0000-0000-0000-00000000feed', name: 'rollup test', role: 'ingest', agencyCode: null };
const AGENCIES = ['BQL-KCN', 'SKHDT', 'SXD'];
const PROCEDURES = ['DEMO-BQL-01', 'DEMO-BQL-02', 'DEMO-BQL-03'];

/** Rows every 9th day of 2023 for each agency × procedure, counts that satisfy every identity. */
function counts(asOf: string, bump = 0, keep: (day: string) => boolean = () => true) {
  const rows = [];
  for (let d = 0; d < 365; d += 9) {
    const day = new Date(Date.UTC(2023, 0, 1 + d)).toISOString().slice(0, 10);
    if (!keep(day)) continue;
    for (const [a, agency] of AGENCIES.entries()) {
      for (const [p, procedure] of PROCEDURES.entries()) {
        const early = 1 + ((d + a + p + bump) % 4);
        const pending = (d + p) % 3;
        rows.push({
          agency,
          procedure,
          date: day,
          source: 'rollup-test',
          asOf,
          receivedNew: early + 1 + pending,
          carriedOver: 1,
          receivedOnline: early,
          receivedInPerson: 1 + pending,
          receivedPostal: 0,
          resolved: early + 1,
          resolvedEarly: early,
          resolvedOnTime: 1,
          resolvedLate: 0,
          pending,
          pendingWithin: pending,
          pendingOverdue: 0,
          withdrawn: 1,
        });
      }
    }
  }
  return rows;
}

const dirtyCount = async (db: Tx) => Number((await queryRows<{ n: string }>(db, sql`select count(*) as n from dossier_monthly_dirty`))[0]!.n);
const monthly = (db: Tx) =>
  queryRows<Record<string, unknown>>(db, sql`select * from dossier_monthly order by agency_code, procedure_code, source, bucket`).then((rows) =>
    JSON.parse(JSON.stringify(rows)),
  );

/** The roll-up as a rebuild from the raw rows would make it (the rebuild is rolled back). */
async function rebuilt(database: Pick<Database, 'db'>): Promise<unknown[]> {
  let rows: unknown[] = [];
  const rollback = new Error('rollback');
  await database.db
    .transaction(async (tx) => {
      await rebuildMonthly(tx);
      rows = await monthly(tx);
      throw rollback;
    })
    .catch((error: unknown) => {
      if (error !== rollback) throw error;
    });
  return rows;
}

function recordingLog() {
  const log = { errors: [] as unknown[], refreshes: 0, error: (obj: unknown) => void log.errors.push(obj), debug: () => void log.refreshes++ };
  return log;
}

/** Once app.ts runs a refresher of its own (services.dossierRollup), its start-up refresh is let finish first. */
async function settleApp(api: TestApp): Promise<void> {
  await api.app.ready();
  await (api.app.services as { dossierRollup?: RollupRefresher }).dossierRollup?.idle();
}

t.test('pushes schedule one refresh; after idle() no mark is left and the roll-up equals a rebuild', async (t) => {
  const api = await buildTestApp(t);
  await settleApp(api);
  const log = recordingLog();
  // A long debounce: only idle() makes the refresh run, so the three pushes must coalesce into it.
  const refresher = createRollupRefresher(api.database, { log, debounceMs: 60_000 });
  t.teardown(() => refresher.stop());
  let scheduled = 0;
  const dossiers = createDossierService(api.database.db, { afterCommit: () => (scheduled++, refresher.schedule()) });

  t.match((await dossiers.ingest(PUSHER, counts('2024-01-01T00:00:00Z'), { atomic: true })).summary, { created: 369, rejected: 0 });
  await dossiers.ingest(
    PUSHER,
    counts('2024-01-02T00:00:00Z', 1, (day) => day < '2023-05-01'),
    { atomic: true },
  );
  await dossiers.ingest(
    PUSHER,
    counts('2024-01-03T00:00:00Z', 2, (day) => day > '2023-10-01'),
    { atomic: true },
  );
  t.equal(scheduled, 3, 'each push that wrote schedules');
  await dossiers.ingest(
    PUSHER,
    counts('2024-01-03T00:00:00Z', 2, (day) => day > '2023-10-01'),
    { atomic: true },
  );
  t.equal(scheduled, 3, 'a push that wrote nothing (all unchanged) does not');
  t.ok((await dirtyCount(api.database.db)) > 0, 'the pushes marked their months');

  await refresher.idle();
  t.equal(await dirtyCount(api.database.db), 0, 'no mark left');
  t.equal(log.refreshes, 1, 'three pushes, one refresh');
  t.same(await monthly(api.database.db), await rebuilt(api.database), 'the roll-up is what a rebuild makes');
  t.same(log.errors, []);

  await refresher.idle();
  t.equal(log.refreshes, 1, 'idle with nothing due runs nothing');
});

t.test('reads between a push and the refresh give the figures they give after it, and write nothing', async (t) => {
  const api = await buildTestApp(t);
  await settleApp(api);
  const refresher = createRollupRefresher(api.database, { log: recordingLog() });
  t.teardown(() => refresher.stop());
  // No afterCommit: the marks stay until this test refreshes.
  const dossiers = createDossierService(api.database.db);
  await dossiers.ingest(PUSHER, counts('2024-01-01T00:00:00Z'), { atomic: true });
  await refresher.refresh();
  // Some series change in some months (their months marked, the roll-up stale), and new ones appear (marked, no
  // roll-up row yet), beside clean months: a window reads both.
  const update = counts('2024-02-01T00:00:00Z', 3, (day) => day >= '2023-03-10' && day <= '2023-04-20').filter((r) => r.agency !== 'SXD');
  const added = counts('2024-02-01T00:00:00Z', 0, (day) => day >= '2023-06-01' && day <= '2023-06-30').map((r) => ({ ...r, source: 'rollup-new' }));
  t.match((await dossiers.ingest(PUSHER, [...update, ...added], { atomic: true })).summary, { updated: update.length, created: added.length });
  const marks = await dirtyCount(api.database.db);
  t.ok(marks > 0, `${marks} months marked`);

  const urls = [
    ...['none', 'agency', 'procedure', 'field', 'month'].map((g) => `/v1/dossier-stats?period=2023&groupBy=${g}`),
    '/v1/dossier-stats?period=2023&agency=SKHDT&groupBy=month',
    '/v1/dossier-stats?period=2023-M04&groupBy=procedure',
    '/v1/dossier-stats?period=2023&source=rollup-new&groupBy=agency',
    '/v1/dossier-stats?period=2023&source=rollup-test&agency=BQL-KCN',
    '/v1/reports/2023/BQL-KCN/values',
    '/v1/reports/2023/SKHDT/values',
  ];
  const read = async () => {
    const out: Record<string, unknown> = {};
    for (const url of urls) {
      const res = await api.request({ method: 'GET', url, as: 'reader' });
      t.equal(res.statusCode, 200, res.statusCode === 200 ? url : `${url}: ${res.body.slice(0, 300)}`);
      out[url] = res.json();
    }
    return out;
  };
  const before = await read();
  t.equal(await dirtyCount(api.database.db), marks, 'the reads left the marks as they were');
  t.not((before['/v1/dossier-stats?period=2023&source=rollup-new&groupBy=agency'] as any).total.totals.receivedNew, 0, 'the unrefreshed new rows are counted');

  t.match(await refresher.refresh(), { locked: true, taken: marks });
  t.equal(await dirtyCount(api.database.db), 0);
  t.same(await read(), before, 'the same figures, read from the refreshed roll-up');
  t.same(await monthly(api.database.db), await rebuilt(api.database));
});

t.test('a refresh that fails is logged and retried later; it never reaches the caller or the push', async (t) => {
  const log = recordingLog();
  const broken = { db: { transaction: async () => Promise.reject(new Error('the database is down')) } } as unknown as Database;
  const refresher = createRollupRefresher(broken, { log, debounceMs: 0, retryMs: 60_000 });
  refresher.schedule();
  refresher.schedule();
  await refresher.idle();
  t.equal(log.errors.length, 1, 'one failure, logged once');
  t.match(log.errors[0], { err: { message: 'the database is down' } });
  await refresher.idle();
  t.equal(log.errors.length, 1, 'idle() does not wait for (or run) the retry');
  await t.rejects(refresher.refresh(), /the database is down/, 'refresh() on demand tells its caller');
  await refresher.stop();
  refresher.schedule();
  refresher.start();
  await refresher.idle();
  t.equal(log.errors.length, 1, 'nothing runs after stop()');

  const api = await buildTestApp(t);
  const dossiers = createDossierService(api.database.db, {
    afterCommit: () => {
      throw new Error('cannot schedule');
    },
  });
  t.match((await dossiers.ingest(PUSHER, counts('2024-01-01T00:00:00Z').slice(0, 5), { atomic: true })).summary, { created: 5 }, 'the push stands');
});

const ONE_SESSION = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL ? false : 'needs PostgreSQL (PGlite has one session)';

t.test('two instances on one PostgreSQL database never refresh at once', { skip: ONE_SESSION }, async (t) => {
  const { database, url, drop } = await openTestDatabase();
  const other = await openDatabase({ databaseUrl: url!, poolMax: 2 });
  const blocker = new pg.Client({ connectionString: url });
  t.teardown(async () => {
    await blocker.end().catch(() => {});
    await other.close();
    await drop();
  });
  await seedDatabase(database);
  const dossiers = createDossierService(database.db);
  await dossiers.ingest(PUSHER, counts('2024-01-01T00:00:00Z'), { atomic: true });
  const logA = recordingLog();
  const a = createRollupRefresher(database, { log: logA });
  const b = createRollupRefresher(other, { log: recordingLog() });
  await a.refresh();

  // Re-mark one month, then hold its roll-up row from a third connection: A's refresh takes the advisory lock and
  // waits on that row, so it is surely in its locked transaction while B tries.
  // 2023-03-14 is the last day of the reporting month 2023-03.
  const [row] = counts('2024-02-01T00:00:00Z', 1, (day) => day === '2023-03-14');
  await dossiers.ingest(PUSHER, [row!], { atomic: true });
  t.equal(await dirtyCount(database.db), 1);
  await blocker.connect();
  await blocker.query('begin');
  await blocker.query(`select 1 from dossier_monthly where agency_code = $1 and procedure_code = $2 and source = $3 and bucket = '2023-03' for update`, [
    row!.agency,
    row!.procedure,
    row!.source,
  ]);
  a.start();
  const held = async () =>
    (
      await blocker.query(
        `select 1 from pg_locks where locktype = 'advisory' and granted and classid = 0 and objid = $1 and objsubid = 1 and pid <> pg_backend_pid()`,
        [LOCKS.dossierRollup],
      )
    ).rowCount === 1;
  for (let i = 0; !(await held()); i++) {
    if (i > 200) throw new Error('instance A never took the roll-up lock');
    await new Promise((resolve) => setTimeout(resolve, 25));
  }

  t.same(await b.refresh(), { locked: false, taken: 0 }, 'B does not get the lock and skips');
  t.equal(await dirtyCount(other.db), 1, 'the mark stays (A has not committed)');
  let stopped = false;
  const stopping = a.stop().then(() => (stopped = true));
  await new Promise((resolve) => setTimeout(resolve, 100));
  t.notOk(stopped, 'stop() waits for the refresh in flight');
  await blocker.query('rollback');
  await stopping;
  t.equal(await dirtyCount(database.db), 0, 'A refreshed');
  t.equal(logA.refreshes, 1);
  t.same(logA.errors, []);
  t.same(await monthly(database.db), await rebuilt(database));

  // Racing on a backlog, in small chunks: every mark is taken once, nothing fails.
  const backlog = counts('2024-03-01T00:00:00Z', 2);
  await dossiers.ingest(PUSHER, backlog, { atomic: true });
  const marks = await dirtyCount(database.db);
  const logs = [recordingLog(), recordingLog(), recordingLog()];
  const racers = [database, other, database].map((d, i) => createRollupRefresher(d, { log: logs[i]!, chunkSize: 7 }));
  const outcomes = await Promise.all(racers.map((r) => r.refresh()));
  t.ok(
    outcomes.some((o) => o.locked),
    JSON.stringify(outcomes),
  );
  const taken = outcomes.reduce((n, o) => n + o.taken, 0);
  t.ok(taken <= marks, `${taken} of ${marks} marks taken by the racers, each at most once`);
  await racers[0]!.refresh();
  t.equal(await dirtyCount(database.db), 0);
  t.same(
    logs.flatMap((l) => l.errors),
    [],
  );
  t.same(await monthly(database.db), await rebuilt(database));
});

t.test('a refresh leaves the months of an ingestion still open marked', { skip: ONE_SESSION }, async (t) => {
  const { database, drop } = await openTestDatabase();
  t.teardown(drop);
  await seedDatabase(database);
  const dossiers = createDossierService(database.db);
  await dossiers.ingest(PUSHER, counts('2024-01-01T00:00:00Z'), { atomic: true });
  const log = recordingLog();
  const refresher = createRollupRefresher(database, { log });
  await refresher.refresh();
  // The month 2023-03 of one series is marked by a committed push …
  const [marked] = counts('2024-02-01T00:00:00Z', 1, (day) => day === '2023-03-14');
  await dossiers.ingest(PUSHER, [marked!], { atomic: true });
  t.equal(await dirtyCount(database.db), 1);

  // … and an ingestion still open writes another day of that month: its mark is already there.
  let release!: () => void;
  let entered!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const inside = new Promise<void>((resolve) => (entered = resolve));
  const open = database.db.transaction(async (tx) => {
    const row = {
      agencyCode: marked!.agency,
      procedureCode: marked!.procedure,
      day: '2023-03-05',
      source: marked!.source,
      asOf: new Date('2024-02-02T00:00:00Z'),
      counts: { receivedNew: 50 },
    };
    await upsertCounts(tx, [row]);
    await markMonthsDirty(tx, [row]);
    entered();
    await gate;
  });
  await inside;
  t.same(await refresher.refresh(), { locked: true, taken: 0 }, 'the refresh skips the mark the open ingestion holds, without waiting for it');
  release();
  await open;
  t.equal(await dirtyCount(database.db), 1, 'so the month is still marked once that ingestion has committed');
  t.match(await refresher.refresh(), { taken: 1 });
  t.same(await monthly(database.db), await rebuilt(database), 'and the next refresh counts its rows');
  t.same(log.errors, []);
});
