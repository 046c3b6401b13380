/**
 * Issue 12, item 1: the database crashes under load. On a private PostgreSQL cluster, 8 scripts push dossier counts to
 * the real service process; the cluster is killed (pg_ctl stop -m immediate) mid-load, stays down ~6 s while the
 * scripts keep retrying the same batch with the same Idempotency-Key, then comes back.
 *
 * The contract: the process stays up; every answer while the database is gone is a 503 problem (DATABASE_UNAVAILABLE
 * or DATABASE_TIMEOUT) with Retry-After, never a 500 nor a dropped connection; /readyz says 503 (within ~1.5 s) during
 * the outage; the first push succeeds within 5 s of the cluster accepting connections again; and in the end every
 * acknowledged row is stored, once.
 *
 * Before the load, the service is started while the cluster is down: it must stay up, log that it retries, answer
 * /readyz and requests with 503, and start serving once the cluster is up.
 */
import pg from 'pg';
import t from 'tap';
import { openDatabase } from '../../src/db/connection.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { seedDatabase } from '../../src/seed.js';
import { createServices } from '../../src/services.js';
import { createPrivateCluster, privateClusterUnavailable } from '../helpers/private-cluster.js';
import {
  describe,
  exchange,
  isDatabaseProblem,
  sleep,
  startService,
  TEST_ADMIN_KEY,
  type Exchange,
  SEEDED_PROCEDURES as PROCEDURES,
} from '../helpers/service-process.js';

const PUSHERS = 8;
const ROWS_PER_BATCH = 10;
const LOAD_BEFORE_CRASH_MS = 2_000;
const OUTAGE_MS = 6_000;
const LOAD_AFTER_RESTART_MS = 3_000;
const RETRY_PAUSE_MS = 150;

interface Row {
  agency: string;
  procedure: string;
  date: string;
  source: string;
  asOf: string;
  receivedNew: number;
}

interface Attempt extends Exchange {
  pusher: number;
  batch: number;
  attempt: number;
}

function batchOf(pusher: number, batch: number): Row[] {
  const day = new Date(Date.UTC(2021, 0, 1) + batch * 86_400_000).toISOString().slice(0, 10);
  return Array.from({ length: ROWS_PER_BATCH }, (_, r) => ({
    agency: 'BQL-KCN',
    procedure: PROCEDURES[r % PROCEDURES.length]!,
    date: day,
    source: `outage-p${pusher}`,
    asOf: '2024-01-01T00:00:00Z',
    receivedNew: pusher * 100_000 + batch * 100 + r,
  }));
}

const unavailable = privateClusterUnavailable();

t.test('a database crash under 8 concurrent pushers', { skip: unavailable ?? false, timeout: 120_000 }, async (t) => {
  const started = Date.now();
  const cluster = await createPrivateCluster();
  t.teardown(() => cluster.destroy());
  await cluster.start();
  {
    const admin = new pg.Client({ connectionString: cluster.url('postgres') });
    await admin.connect();
    await admin.query('create database cchc');
    await admin.end();
  }
  const url = cluster.url('cchc');
  {
    const database = await openDatabase({ databaseUrl: url, poolMax: 3 });
    await migrateDatabase(database);
    const services = createServices(database);
    await seedDatabase(database, services);
    await services.dossierRollup.stop();
    await database.close();
  }
  t.comment(`cluster on port ${cluster.port}, migrated and seeded in ${Date.now() - started} ms`);

  // --- start with the database down: the process waits for it (retrying, logged) instead of exiting ---------------
  await cluster.stop();
  const service = await startService({ name: 'service', env: { DATABASE_URL: url, DB_POOL_MAX: '10' }, waitFor: 'listening' });
  t.teardown(() => service.kill());
  const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
  // The start-up retry itself (server.ts), not the notification listener's own reconnection.
  const retrying = () => service.logs().find((l) => Number(l.level) >= 40 && /retry/i.test(String(l.msg)) && !/notification/i.test(String(l.msg)));
  for (const deadline = Date.now() + 30_000; !retrying() && !service.exited() && Date.now() < deadline; ) await sleep(100);
  const retryLine = retrying();
  t.ok(
    retryLine,
    `with the database down at start, the retry is logged (${retryLine ? JSON.stringify({ msg: retryLine.msg, retryInMs: retryLine.retryInMs }) : 'nothing logged'})`,
  );
  const readyWhileDown = await exchange(`${service.base}/readyz`, { timeoutMs: 5_000 });
  t.ok(
    readyWhileDown.status === 503 && readyWhileDown.end - readyWhileDown.start <= 1_500,
    `/readyz says 503 while the database is down at start (${describe(readyWhileDown)})`,
  );
  const readWhileDown = await exchange(`${service.base}/v1/periods`, { headers: auth, timeoutMs: 10_000 });
  t.ok(isDatabaseProblem(readWhileDown), `a request while the database is down at start is a 503 database problem (${describe(readWhileDown)})`);
  t.equal(service.exited(), undefined, 'the process did not exit while the database was down at start');
  const upAtStart = Date.now();
  await cluster.start();
  let servedAt: number | undefined;
  for (let good = 0, deadline = Date.now() + 45_000; good < 3 && Date.now() < deadline && !service.exited(); ) {
    const x = await exchange(`${service.base}/v1/periods`, { headers: auth, timeoutMs: 5_000 });
    if (x.status === 200) servedAt ??= x.end;
    good = x.status === 200 ? good + 1 : 0;
    await sleep(x.status === 200 ? 50 : 200);
  }
  t.ok(servedAt, `once the database was up, the service started serving (${servedAt ? `${servedAt - upAtStart} ms after pg_ctl start began` : 'never'})`);
  if (!servedAt) {
    t.comment(`service output (tail):\n${service.tail(60)}`);
    return;
  }
  t.comment(`service serving on ${service.base} at +${Date.now() - started} ms`);

  // --- load --------------------------------------------------------------------------------------------------------
  const attempts: Attempt[] = [];
  const acked = new Map<string, { rows: Row[]; answer: Exchange; attempts: number }>();
  let stopping = false;
  let hardStop = false;

  async function pusher(p: number): Promise<void> {
    for (let b = 0; !stopping && !hardStop; b++) {
      const rows = batchOf(p, b);
      const key = `outage-p${p}-b${b}`;
      for (let attempt = 1; !hardStop; attempt++) {
        const x = await exchange(`${service.base}/v1/dossier-counts`, {
          method: 'PUT',
          headers: { ...auth, 'content-type': 'application/json', 'idempotency-key': key },
          body: JSON.stringify({ counts: rows }),
        });
        attempts.push({ ...x, pusher: p, batch: b, attempt });
        if (x.status !== undefined && x.status >= 200 && x.status < 300) {
          acked.set(key, { rows, answer: x, attempts: attempt });
          break;
        }
        await sleep(RETRY_PAUSE_MS);
      }
    }
  }

  const probes: Exchange[] = [];
  let probing = true;
  const prober = (async () => {
    while (probing) {
      probes.push(await exchange(`${service.base}/readyz`, { timeoutMs: 5_000 }));
      await sleep(200);
    }
  })();

  const pushers = Array.from({ length: PUSHERS }, (_, p) => pusher(p));
  await sleep(LOAD_BEFORE_CRASH_MS);
  const ackedBeforeCrash = acked.size;

  // --- outage ------------------------------------------------------------------------------------------------------
  const crashStart = Date.now();
  await cluster.crash();
  const crashDone = Date.now();
  t.comment(
    `crashed at +${crashStart - started} ms (pg_ctl stop -m immediate took ${crashDone - crashStart} ms); ${ackedBeforeCrash} batches acknowledged before`,
  );
  await sleep(OUTAGE_MS);
  const restartBegin = Date.now();
  await cluster.start();
  const up = Date.now();
  t.comment(`cluster accepting connections again at +${up - started} ms (pg_ctl start -w took ${up - restartBegin} ms)`);
  await sleep(LOAD_AFTER_RESTART_MS);

  // --- wind down: each pusher finishes the batch it is on (retrying it until acknowledged) ------------------------
  stopping = true;
  const finished = await Promise.race([Promise.all(pushers).then(() => true), sleep(20_000).then(() => false)]);
  if (!finished) hardStop = true;
  await Promise.all(pushers);
  probing = false;
  await prober;
  const processExit = service.exited();

  // --- what the service answered -----------------------------------------------------------------------------------
  t.equal(processExit, undefined, `the process never exited${processExit ? ` (it did, code ${processExit.code} signal ${processExit.signal})` : ''}`);
  t.ok(finished, 'every pusher got its last batch acknowledged within 20 s of being told to stop');
  t.ok(ackedBeforeCrash > 0, `pushes succeeded before the crash (${ackedBeforeCrash} batches)`);

  const failures = attempts.filter((a) => !(a.status !== undefined && a.status >= 200 && a.status < 300));
  // Outside the outage a 503 may also be load-shedding (OVERLOADED); still a problem with Retry-After, never a 500.
  const bad = failures.filter((a) => !isDatabaseProblem(a, ['DATABASE_UNAVAILABLE', 'DATABASE_TIMEOUT', 'OVERLOADED']));
  const summarize = (list: Exchange[]) => {
    const kinds = new Map<string, number>();
    for (const x of list) {
      const kind = x.error
        ? `network error: ${x.error}`
        : `${x.status} ${x.contentType?.split(';')[0] ?? ''} ${x.code ?? '-'} retry-after=${x.retryAfter ?? 'none'}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    return [...kinds].map(([k, n]) => `${n}× ${k}`).join('; ');
  };
  t.comment(`${attempts.length} push attempts: ${attempts.length - failures.length} acknowledged, failures: ${summarize(failures) || 'none'}`);
  t.same(
    bad.map((x) => `pusher ${x.pusher} batch ${x.batch} at +${x.start - started} ms: ${describe(x)} ${x.error ? '' : JSON.stringify(x.body)}`).slice(0, 15),
    [],
    'every failed push was a 503 problem+json (DATABASE_UNAVAILABLE, DATABASE_TIMEOUT, or OVERLOADED outside the outage) with Retry-After: no 500, no reset or refused connection',
  );
  t.equal(
    attempts.filter((a) => a.status === 500).length,
    0,
    `no 500 at all (${
      attempts
        .filter((a) => a.status === 500)
        .slice(0, 3)
        .map((a) => JSON.stringify(a.body))
        .join(' | ') || 'none'
    })`,
  );
  t.equal(attempts.filter((a) => a.error).length, 0, `no network error from the service (${summarize(attempts.filter((a) => a.error)) || 'none'})`);

  const duringOutage = attempts.filter((a) => a.start >= crashDone && a.end <= restartBegin);
  t.ok(duringOutage.length >= PUSHERS, `the pushers kept trying during the outage (${duringOutage.length} attempts started and ended in it)`);
  t.equal(
    duringOutage.filter((a) => isDatabaseProblem(a)).length,
    duringOutage.length,
    `every answer during the outage was a database 503 problem (${summarize(duringOutage)})`,
  );
  const slowest = Math.max(0, ...duringOutage.map((a) => a.end - a.start));
  t.comment(`slowest push answer during the outage: ${slowest} ms`);

  const probesDuring = probes.filter((p) => p.start >= crashDone && p.end <= restartBegin);
  t.ok(probesDuring.length >= 3, `/readyz was probed during the outage (${probesDuring.length} probes)`);
  t.same(
    probesDuring.filter((p) => !(p.status === 503 && p.contentType?.startsWith('application/problem+json'))).map(describe),
    [],
    '/readyz answered 503 problem+json throughout the outage',
  );
  const slowestProbe = Math.max(0, ...probesDuring.map((p) => p.end - p.start));
  t.ok(slowestProbe <= 1_500, `/readyz answered within 1.5 s during the outage (slowest ${slowestProbe} ms)`);
  const readyAgain = probes.find((p) => p.start >= up && p.status === 200);
  t.ok(readyAgain, `/readyz said 200 again after the restart${readyAgain ? ` (${readyAgain.end - up} ms after the cluster was up)` : ''}`);

  const overloaded = attempts.filter((a) => a.code === 'OVERLOADED');
  if (overloaded.length)
    t.comment(
      `${overloaded.length} OVERLOADED answers, at +${overloaded.map((a) => a.start - started).join(', +')} ms (crash at +${crashStart - started}, back at +${up - started})`,
    );
  const firstSuccess = attempts.filter((a) => a.status === 200 && a.end > crashDone).sort((a, b) => a.end - b.end)[0];
  const recovery = firstSuccess ? firstSuccess.end - up : undefined;
  t.ok(recovery !== undefined && recovery <= 5_000, `the first push succeeded within 5 s of the cluster being back (${recovery ?? 'never'} ms)`);

  // --- what is stored ----------------------------------------------------------------------------------------------
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end());
  const stored = (
    await client.query<{ agency_code: string; procedure_code: string; day: string; source: string; received_new: number }>(
      `select agency_code, procedure_code, to_char(day, 'YYYY-MM-DD') as day, source, received_new from dossier_counts where source like 'outage-p%'`,
    )
  ).rows;
  const storedByKey = new Map(stored.map((r) => [`${r.agency_code}|${r.procedure_code}|${r.day}|${r.source}`, r.received_new]));
  const ackedRows = [...acked.values()].flatMap((a) => a.rows);
  const missing = ackedRows.filter((r) => storedByKey.get(`${r.agency}|${r.procedure}|${r.date}|${r.source}`) !== r.receivedNew);
  t.same(
    missing.slice(0, 10).map((r) => `${r.source} ${r.procedure} ${r.date}`),
    [],
    `every acknowledged row is in dossier_counts with its counts (${ackedRows.length} rows in ${acked.size} batches)`,
  );
  const ackedKeys = new Set(ackedRows.map((r) => `${r.agency}|${r.procedure}|${r.date}|${r.source}`));
  t.same(
    stored
      .filter((r) => !ackedKeys.has(`${r.agency_code}|${r.procedure_code}|${r.day}|${r.source}`))
      .slice(0, 10)
      .map((r) => `${r.source} ${r.procedure_code} ${r.day}`),
    [],
    'no stored row that no acknowledged batch had',
  );
  t.equal(stored.length, ackedRows.length, 'as many stored rows as acknowledged rows: no duplicates');

  // A retried batch is answered as its first delivery: a commit whose answer was lost is replayed, not re-applied.
  const notCreated = [...acked.entries()].filter(([, a]) => (a.answer.body as { created?: number } | undefined)?.created !== ROWS_PER_BATCH);
  t.same(
    notCreated.slice(0, 10).map(([key, a]) => `${key}: ${JSON.stringify(a.answer.body)}`),
    [],
    'every acknowledged batch answered created = its rows (a replay returns the first answer)',
  );
  const replayed = [...acked.values()].filter((a) => a.answer.headers?.['idempotent-replayed'] === 'true').length;
  const retried = [...acked.values()].filter((a) => a.attempts > 1).length;
  t.comment(`${retried} batches needed retries; ${replayed} acknowledgements were replays of an earlier commit`);
  const keys = await client.query<{ n: string }>(`select count(*) as n from idempotency_keys where key like 'outage-p%'`);
  t.equal(Number(keys.rows[0]!.n), acked.size, 'one stored Idempotency-Key per acknowledged batch');

  const lost = service.logs().filter((l) => /lost|retry|reconnect|unavailable/i.test(String(l.msg)));
  t.comment(
    `service log lines about the outage: ${lost.length}; e.g. ${lost
      .slice(0, 3)
      .map((l) => JSON.stringify({ level: l.level, msg: l.msg, err: l.err }))
      .join(' | ')}`,
  );
  t.comment(`total ${Date.now() - started} ms`);
  if (t.passing()) return;
  t.comment(`service output (tail):\n${service.tail(60)}`);
  t.comment(`cluster log (tail):\n${(await cluster.log()).split('\n').slice(-20).join('\n')}`);
});
