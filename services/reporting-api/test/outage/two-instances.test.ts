/**
 * Issue 12, item 8: several instances over one database. Two service processes (A and B, different ports) over one
 * fresh database on the shared server:
 *
 * (a) a key revoked on A is refused (401) on B within 1 s (LISTEN/NOTIFY), B having it cached beforehand;
 * (b) a push with an Idempotency-Key on A, then the same key and body on B, replays A's answer, with no duplicate rows;
 * (c) the dossier roll-up refresh, scheduled by both instances after concurrent pushes, is done once: every write to
 *     dossier_monthly happens while its writer holds the roll-up advisory lock (so two refreshes never overlap), no
 *     month is written more often than it was marked, and the roll-up equals a fresh recomputation (rebuildMonthly);
 * (d) graceful shutdown: SIGTERM to A while B serves a stream of requests and A has requests in flight (held on a
 *     table lock, so they are provably in flight): B answers 200 throughout, A's in-flight requests complete, A exits 0.
 */
import pg from 'pg';
import t from 'tap';
import { LOCKS } from '../../src/db/locks.js';
import { rebuildMonthly } from '../../src/modules/dossiers/repository.js';
import { seedDatabase } from '../../src/seed.js';
import { createServices } from '../../src/services.js';
import { openTestDatabase, serverUrl } from '../helpers/database.js';
import {
  describe,
  exchange,
  sleep,
  startService,
  TEST_ADMIN_KEY,
  type Exchange,
  type ServiceProcess,
  SEEDED_PROCEDURES as PROCEDURES,
} from '../helpers/service-process.js';

const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };
const json = { ...auth, 'content-type': 'application/json' };

function day(offset: number): string {
  return new Date(Date.UTC(2024, 0, 1) + offset * 86_400_000).toISOString().slice(0, 10);
}

t.test('two instances over one database', { skip: serverUrl ? false : 'needs DATABASE_URL (a real PostgreSQL server)', timeout: 150_000 }, async (t) => {
  const started = Date.now();
  const { database, url, drop } = await openTestDatabase();
  t.teardown(drop);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  t.teardown(() => client.end().catch(() => {}));

  // Observables for (c), installed before anything marks a month: every write to the roll-up, with its transaction,
  // its backend and whether that backend held the roll-up lock at that moment; and every mark actually inserted.
  const rollupLock = BigInt(LOCKS.dossierRollup);
  await client.query(`
    create table test_rollup_writes (txid bigint, pid int, at timestamptz, agency_code text, procedure_code text, source text, bucket text, held_lock boolean);
    create table test_rollup_marks (txid bigint, agency_code text, procedure_code text, source text, bucket text);
    create function test_rollup_write() returns trigger language plpgsql as $$ begin
      insert into test_rollup_writes values (txid_current(), pg_backend_pid(), clock_timestamp(), new.agency_code, new.procedure_code, new.source, new.bucket,
        exists (select 1 from pg_locks where locktype = 'advisory' and pid = pg_backend_pid() and granted
                and classid = ${Number(rollupLock >> 32n)} and objid = ${Number(rollupLock & 0xffffffffn)} and objsubid = 1));
      return null; end $$;
    create function test_rollup_mark() returns trigger language plpgsql as $$ begin
      insert into test_rollup_marks values (txid_current(), new.agency_code, new.procedure_code, new.source, new.bucket);
      return null; end $$;
    create trigger test_rollup_write after insert or update on dossier_monthly for each row execute function test_rollup_write();
    create trigger test_rollup_mark after insert on dossier_monthly_dirty for each row execute function test_rollup_mark();
  `);
  const services = createServices(database);
  await seedDatabase(database, services);
  await services.dossierRollup.stop();
  t.comment(`database migrated and seeded in ${Date.now() - started} ms`);

  const env = { DATABASE_URL: url, LOG_LEVEL: 'debug', DB_POOL_MAX: '10' };
  const [a, b] = await Promise.all([startService({ name: 'A', env }), startService({ name: 'B', env })]);
  t.teardown(() => a.kill());
  t.teardown(() => b.kill());
  t.comment(`A on ${a.base}, B on ${b.base}, both serving at +${Date.now() - started} ms`);
  const outputs = (...services: ServiceProcess[]) => services.map((s) => `--- ${s.name} (tail)\n${s.tail(40)}`).join('\n');

  t.test('(a) a key revoked on A is refused on B within 1 s', async (t) => {
    const created = await exchange(`${a.base}/v1/api-keys`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ name: 'revocation probe', role: 'reader' }),
    });
    t.equal(created.status, 201, `A created a reader key (${describe(created)})`);
    const { apiKey, secret } = created.body as { apiKey: { id: string }; secret: string };
    const withKey = { authorization: `Bearer ${secret}` };
    // B resolves (and caches) the key before the revocation.
    for (const s of [a, b]) {
      const x = await exchange(`${s.base}/v1/periods`, { headers: withKey });
      t.equal(x.status, 200, `${s.name} accepts the new key (${describe(x)})`);
    }
    const revoked = await exchange(`${a.base}/v1/api-keys/${apiKey.id}`, { method: 'DELETE', headers: auth });
    t.equal(revoked.status, 200, `A revoked it (${describe(revoked)})`);
    const onA = await exchange(`${a.base}/v1/periods`, { headers: withKey });
    t.equal(onA.status, 401, `A refuses it at once (${describe(onA)})`);

    const polls: Exchange[] = [];
    let refusedAt: number | undefined;
    for (const deadline = revoked.end + 12_000; Date.now() < deadline; ) {
      const x = await exchange(`${b.base}/v1/periods`, { headers: withKey, timeoutMs: 5_000 });
      polls.push(x);
      if (x.status === 401) {
        refusedAt = x.end;
        break;
      }
      await sleep(50);
    }
    const delay = refusedAt === undefined ? undefined : refusedAt - revoked.end;
    const accepted = polls.filter((x) => x.status === 200).length;
    t.comment(
      `B: ${accepted} answers 200 with the revoked key, then ${refusedAt ? `401 ${delay} ms after A's revoke answered` : 'still not refused after 12 s'}`,
    );
    t.same(polls.filter((x) => x.status !== 200 && x.status !== 401).map(describe), [], 'B answered only 200 or 401 while polled');
    t.ok(delay !== undefined && delay <= 1_000, `B refused the revoked key within 1 s (${delay ?? '> 12000'} ms)`);
    if (!t.passing()) t.comment(outputs(a, b));
  });

  t.test('(b) an Idempotency-Key used on A is replayed by B', async (t) => {
    const counts = PROCEDURES.slice(0, 5).map((procedure, i) => ({
      agency: 'BQL-KCN',
      procedure,
      date: '2024-02-20',
      source: 'two-instances-idem',
      asOf: '2024-02-21T00:00:00Z',
      receivedNew: 10 + i,
    }));
    const body = JSON.stringify({ counts });
    const headers = { ...json, 'idempotency-key': 'two-instances-replay-1' };
    const first = await exchange(`${a.base}/v1/dossier-counts`, { method: 'PUT', headers, body });
    const second = await exchange(`${b.base}/v1/dossier-counts`, { method: 'PUT', headers, body });
    t.equal(first.status, 200, `A stored the batch (${describe(first)} ${JSON.stringify(first.body)})`);
    t.match(first.body, { created: 5, updated: 0, unchanged: 0, rejected: 0 }, 'A created the 5 rows');
    t.equal(second.status, first.status, `B answered the same status (${describe(second)})`);
    t.same(second.body, first.body, 'B answered the same body as A');
    t.equal(second.headers?.['idempotent-replayed'], 'true', 'B said it replayed (Idempotent-Replayed: true)');
    const rows = await client.query<{ n: string }>(`select count(*) as n from dossier_counts where source = 'two-instances-idem'`);
    t.equal(Number(rows.rows[0]!.n), 5, 'the 5 rows are stored once');
    const keys = await client.query<{ n: string }>(`select count(*) as n from idempotency_keys where key = 'two-instances-replay-1'`);
    t.equal(Number(keys.rows[0]!.n), 1, 'one stored Idempotency-Key');
    if (!t.passing()) t.comment(outputs(a, b));
  });

  t.test('(c) the roll-up refresh, scheduled by both instances, is done once', async (t) => {
    // 2 instances × 4 pushers × 5 batches of 20 rows, all at once, over the same months of the same procedures: both
    // instances mark the same months and schedule refreshes of them at about the same time.
    const pushes: Array<Promise<Exchange>> = [];
    let offset = 0;
    for (const s of [a, b])
      for (let p = 0; p < 4; p++) {
        const batches = Array.from({ length: 5 }, () => {
          const first = offset;
          offset += 2;
          return Array.from({ length: 20 }, (_, r) => ({
            agency: 'BQL-KCN',
            procedure: PROCEDURES[r % 10]!,
            date: day(first + Math.floor(r / 10)),
            source: 'two-instances-rollup',
            asOf: '2024-06-01T00:00:00Z',
            receivedNew: first * 100 + r,
            resolved: r,
            resolvedEarly: r,
          }));
        });
        pushes.push(
          (async () => {
            let last: Exchange | undefined;
            for (const counts of batches) {
              last = await exchange(`${s.base}/v1/dossier-counts`, { method: 'PUT', headers: json, body: JSON.stringify({ counts }) });
              if (last.status !== 200) return last;
            }
            return last!;
          })(),
        );
      }
    const answers = await Promise.all(pushes);
    t.same(
      answers.filter((x) => x.status !== 200).map((x) => `${describe(x)} ${JSON.stringify(x.body)}`),
      [],
      'every push to A and B was stored',
    );
    const pushedAt = Date.now();

    // The refreshers debounce 2 s: wait until no mark is left, and none comes back, for 3 s.
    let quietSince: number | undefined;
    for (const deadline = Date.now() + 40_000; Date.now() < deadline; await sleep(250)) {
      const left = Number((await client.query<{ n: string }>('select count(*) as n from dossier_monthly_dirty')).rows[0]!.n);
      if (left > 0) quietSince = undefined;
      else quietSince ??= Date.now();
      if (quietSince && Date.now() - quietSince >= 3_000) break;
    }
    const leftMarks = Number((await client.query<{ n: string }>('select count(*) as n from dossier_monthly_dirty')).rows[0]!.n);
    t.equal(
      leftMarks,
      0,
      `no month is left marked (${quietSince ? `refreshed within ${quietSince - pushedAt} ms of the last push` : 'still marked after 40 s'})`,
    );

    const writes = (
      await client.query<{ txid: string; pid: number; held_lock: boolean; key: string }>(
        `select txid, pid, held_lock, agency_code || '|' || procedure_code || '|' || source || '|' || bucket as key from test_rollup_writes`,
      )
    ).rows;
    const marks = (
      await client.query<{ key: string; n: string }>(
        `select agency_code || '|' || procedure_code || '|' || source || '|' || bucket as key, count(*) as n from test_rollup_marks group by 1`,
      )
    ).rows;
    const markCount = new Map(marks.map((m) => [m.key, Number(m.n)]));
    const writesPerKey = new Map<string, Set<string>>();
    for (const w of writes) writesPerKey.set(w.key, (writesPerKey.get(w.key) ?? new Set()).add(w.txid));
    const unlocked = writes.filter((w) => !w.held_lock);
    const transactions = new Set(writes.map((w) => w.txid));
    const backends = new Set(writes.map((w) => w.pid));
    t.comment(
      `${marks.reduce((n, m) => n + Number(m.n), 0)} marks inserted over ${marks.length} months; ${writes.length} roll-up writes in ${transactions.size} refresh transactions on ${backends.size} backends`,
    );
    t.ok(writes.length > 0, 'the roll-up was refreshed');
    t.same(
      unlocked.slice(0, 5).map((w) => `tx ${w.txid} pid ${w.pid} ${w.key}`),
      [],
      'every roll-up write happened under the roll-up advisory lock: no two refreshes ran at once',
    );
    const overWritten = [...writesPerKey].filter(([key, txs]) => txs.size > (markCount.get(key) ?? 0));
    t.same(
      overWritten.slice(0, 5).map(([key, txs]) => `${key}: ${txs.size} refreshes for ${markCount.get(key) ?? 0} marks`),
      [],
      'no month was refreshed more often than it was marked',
    );

    // Who did the work: each instance logs (at debug) the marks a refresh took.
    const takenBy = (s: ServiceProcess) =>
      s
        .logs()
        .filter((l) => l.msg === 'dossier roll-up refreshed')
        .reduce((n, l) => n + Number(l.taken ?? 0), 0);
    const totalMarks = marks.reduce((n, m) => n + Number(m.n), 0);
    t.comment(`marks taken according to the logs: A ${takenBy(a)}, B ${takenBy(b)} (of ${totalMarks} inserted)`);
    t.equal(takenBy(a) + takenBy(b), totalMarks, 'every mark was taken once, by one instance or the other');

    const snapshot = async () =>
      (await client.query('select * from dossier_monthly order by agency_code, procedure_code, source, bucket')).rows as Array<Record<string, unknown>>;
    const refreshed = await snapshot();
    await client.query('alter table dossier_monthly disable trigger test_rollup_write');
    await rebuildMonthly(database.db);
    const rebuilt = await snapshot();
    t.equal(refreshed.length, rebuilt.length, `as many roll-up rows as a recomputation (${rebuilt.length})`);
    t.same(refreshed, rebuilt, 'the roll-up equals a fresh recomputation from the raw rows (rebuildMonthly)');
    if (!t.passing()) t.comment(outputs(a, b));
  });

  t.test('(d) SIGTERM to A: in-flight requests complete, B keeps answering, A exits 0', async (t) => {
    // Requests provably in flight on A: reads of agencies held on a table lock (A's default lock timeout is 5 s).
    const holder = new pg.Client({ connectionString: url });
    await holder.connect();
    t.teardown(() => holder.end().catch(() => {}));
    await holder.query('begin');
    await holder.query('lock table agencies in access exclusive mode');
    const inFlight = Array.from({ length: 3 }, () => exchange(`${a.base}/v1/agencies`, { headers: auth, timeoutMs: 20_000 }));
    let waiting = 0;
    for (const deadline = Date.now() + 5_000; waiting < 3 && Date.now() < deadline; await sleep(25)) {
      waiting = Number(
        (
          await client.query<{ n: string }>(
            `select count(*) as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock' and query ilike '%agencies%' and pid <> $1`,
            [(holder as unknown as { processID: number }).processID],
          )
        ).rows[0]!.n,
      );
    }
    t.equal(waiting, 3, `3 requests to A are in flight, waiting on the lock (${waiting} seen in pg_stat_activity)`);

    // A stream of requests to B from before the signal until after A has exited.
    const stream: Exchange[] = [];
    let streaming = true;
    const streamers = Array.from({ length: 2 }, async () => {
      while (streaming) {
        stream.push(await exchange(`${b.base}/v1/periods`, { headers: auth, timeoutMs: 10_000 }));
        await sleep(20);
      }
    });
    await sleep(300);
    const signalled = Date.now();
    a.child.kill('SIGTERM');
    await sleep(500);
    const aliveAfterSignal = a.exited() === undefined;
    await holder.query('rollback');
    const released = Date.now();
    const results = await Promise.all(inFlight);
    let exit: Awaited<ReturnType<ServiceProcess['exit']>> | undefined;
    try {
      exit = await a.exitWithin(15_000);
    } catch (error) {
      t.fail((error as Error).message);
    }
    await sleep(500);
    streaming = false;
    await Promise.all(streamers);

    t.ok(aliveAfterSignal, 'A waited for its in-flight requests instead of exiting at once');
    t.same(
      results.map((x) => x.status),
      [200, 200, 200],
      `A's in-flight requests completed with 200 (${results.map((x) => `${describe(x)}, done ${x.end - released} ms after the lock was released`).join('; ')})`,
    );
    t.equal(exit?.code, 0, `A exited with code 0 (code ${exit?.code}, signal ${exit?.signal}, ${exit ? exit.at - signalled : '?'} ms after SIGTERM)`);
    t.match(a.output(), /shutting down/, 'A logged its shutdown');
    const bad = stream.filter((x) => x.status !== 200);
    t.ok(
      stream.filter((x) => x.start >= signalled && exit && x.end <= exit.at).length >= 5,
      `B was asked throughout A's shutdown (${stream.length} requests in all)`,
    );
    t.same(
      bad.slice(0, 10).map(describe),
      [],
      `B answered 200 throughout (${stream.length} requests, slowest ${Math.max(...stream.map((x) => x.end - x.start))} ms)`,
    );
    t.equal(b.exited(), undefined, 'B is still up');
    if (!t.passing()) t.comment(outputs(a, b));
  });

  t.test('B shuts down cleanly too', async (t) => {
    const exit = await b.stop('SIGTERM', 15_000);
    t.equal(exit.code, 0, `B exited 0 (code ${exit.code}, signal ${exit.signal})`);
  });
});
