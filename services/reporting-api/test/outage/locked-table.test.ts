/**
 * Issue 12, item 2: a table or row locked by another connection. The real service process, configured by its
 * environment (DB_LOCK_TIMEOUT_MS, DB_STATEMENT_TIMEOUT_MS), over a fresh database on the shared server:
 *
 * - `lock table agencies in access exclusive mode` held in another connection's open transaction: GET /v1/agencies
 *   ends as a 503 DATABASE_TIMEOUT problem within about the lock timeout, while /healthz answers at once;
 * - the statement timeout, through the API: a row of agencies held `for update` by another transaction, and a PATCH
 *   of that agency with the lock timeout set far above the statement timeout. The UPDATE waits for the row; what ends
 *   the wait is statement_timeout (57014), so the answer must be 503 DATABASE_TIMEOUT after about the statement
 *   timeout, and the change must not be applied. (No route can be made slow otherwise without changing the service;
 *   a statement waiting on a lock is a statement running too long, which is what the statement timeout bounds.)
 */
import pg from 'pg';
import t from 'tap';
import { seedDatabase } from '../../src/seed.js';
import { createServices } from '../../src/services.js';
import { openTestDatabase, serverUrl } from '../helpers/database.js';
import { describe, exchange, isDatabaseProblem, sleep, startService, TEST_ADMIN_KEY, type Exchange } from '../helpers/service-process.js';

const LOCK_TIMEOUT_MS = 1_000;
const STATEMENT_TIMEOUT_MS = 1_000;
const auth = { authorization: `Bearer ${TEST_ADMIN_KEY}` };

t.test('locks held by another connection', { skip: serverUrl ? false : 'needs DATABASE_URL (a real PostgreSQL server)', timeout: 120_000 }, async (t) => {
  const { database, url, drop } = await openTestDatabase();
  t.teardown(drop);
  const services = createServices(database);
  await seedDatabase(database, services);
  await services.dossierRollup.stop();
  // Both configurations start together (a start takes seconds on a busy machine).
  const [lockTimeoutService, statementTimeoutService] = await Promise.all([
    startService({ name: 'lock-timeout', env: { DATABASE_URL: url, DB_LOCK_TIMEOUT_MS: String(LOCK_TIMEOUT_MS) } }),
    startService({ name: 'statement-timeout', env: { DATABASE_URL: url, DB_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS), DB_LOCK_TIMEOUT_MS: '20000' } }),
  ]);
  t.teardown(() => lockTimeoutService.kill());
  t.teardown(() => statementTimeoutService.kill());

  /** An open transaction on its own connection, for holding locks. */
  async function locker(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    t.teardown(() => client.end().catch(() => {}));
    return client;
  }

  /** /healthz timed `times` times while something else waits. */
  async function healthWhile(base: string, times: number): Promise<Exchange[]> {
    const answers: Exchange[] = [];
    for (let i = 0; i < times; i++) {
      answers.push(await exchange(`${base}/healthz`, { timeoutMs: 5_000 }));
      await sleep(100);
    }
    return answers;
  }

  t.test(`a table locked in access exclusive mode (DB_LOCK_TIMEOUT_MS=${LOCK_TIMEOUT_MS})`, async (t) => {
    const service = lockTimeoutService;
    const before = await exchange(`${service.base}/v1/agencies`, { headers: auth });
    t.equal(before.status, 200, `GET /v1/agencies answers before the lock (${describe(before)})`);

    const holder = await locker();
    await holder.query('begin');
    await holder.query('lock table agencies in access exclusive mode');
    const locked = Date.now();
    const read = exchange(`${service.base}/v1/agencies`, { headers: auth, timeoutMs: 30_000 });
    await sleep(50);
    const health = await healthWhile(service.base, 5);
    const answer = await read;
    await holder.query('rollback');
    const took = answer.end - answer.start;
    t.comment(
      `GET /v1/agencies under the lock: ${describe(answer)}; /healthz meanwhile: ${health.map((h) => `${h.status} in ${h.end - h.start} ms`).join(', ')}`,
    );

    t.ok(
      isDatabaseProblem(answer, ['DATABASE_TIMEOUT']),
      `the read ended as a 503 DATABASE_TIMEOUT problem with Retry-After (${describe(answer)} ${JSON.stringify(answer.body)})`,
    );
    t.ok(took <= LOCK_TIMEOUT_MS + 1_000, `within the lock timeout + 1 s (${took} ms)`);
    t.ok(took >= LOCK_TIMEOUT_MS * 0.8, `after waiting about the lock timeout, not at once (${took} ms)`);
    const healthDuring = health.filter((h) => h.start < answer.end);
    t.ok(healthDuring.length >= 3, `/healthz was asked while the read waited (${healthDuring.length} times)`);
    t.same(
      health.filter((h) => !(h.status === 200 && h.end - h.start < 200)).map(describe),
      [],
      `/healthz answered 200 in < 200 ms during the lock (slowest ${Math.max(...health.map((h) => h.end - h.start))} ms)`,
    );
    const after = await exchange(`${service.base}/v1/agencies`, { headers: auth });
    t.equal(after.status, 200, `GET /v1/agencies answers again once the lock is gone (${describe(after)})`);
    t.equal(service.exited(), undefined, 'the process stayed up');
    t.comment(`lock held for ${Date.now() - locked} ms`);
    if (!t.passing()) t.comment(`service output (tail):\n${service.tail(30)}`);
  });

  t.test(
    `a row held for update, with DB_STATEMENT_TIMEOUT_MS=${STATEMENT_TIMEOUT_MS} and DB_LOCK_TIMEOUT_MS far above it (the statement timeout ends the wait)`,
    async (t) => {
      const service = statementTimeoutService;
      const agency = 'STP';
      const before = await exchange(`${service.base}/v1/agencies/${agency}`, { headers: auth });
      t.equal(before.status, 200, `GET /v1/agencies/${agency} answers (${describe(before)})`);
      const shortNameBefore = (before.body as { shortName?: string | null } | undefined)?.shortName ?? null;

      const holder = await locker();
      await holder.query('begin');
      await holder.query('select * from agencies where code = $1 for update', [agency]);
      const patch = exchange(`${service.base}/v1/agencies/${agency}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ shortName: 'đổi trong lúc bị khóa' }),
        timeoutMs: 30_000,
      });
      await sleep(50);
      const health = await healthWhile(service.base, 5);
      const answer = await patch;
      await holder.query('rollback');
      const took = answer.end - answer.start;
      t.comment(
        `PATCH /v1/agencies/${agency} while the row is held: ${describe(answer)}; /healthz meanwhile: ${health.map((h) => `${h.status} in ${h.end - h.start} ms`).join(', ')}`,
      );

      t.ok(
        isDatabaseProblem(answer, ['DATABASE_TIMEOUT']),
        `the write ended as a 503 DATABASE_TIMEOUT problem with Retry-After (${describe(answer)} ${JSON.stringify(answer.body)})`,
      );
      t.ok(took <= STATEMENT_TIMEOUT_MS + 1_000, `within the statement timeout + 1 s (${took} ms)`);
      t.ok(took >= STATEMENT_TIMEOUT_MS * 0.8, `after waiting about the statement timeout (${took} ms)`);
      t.same(
        health.filter((h) => !(h.status === 200 && h.end - h.start < 200)).map(describe),
        [],
        `/healthz answered 200 in < 200 ms meanwhile (slowest ${Math.max(...health.map((h) => h.end - h.start))} ms)`,
      );
      const now = await exchange(`${service.base}/v1/agencies/${agency}`, { headers: auth });
      t.equal((now.body as { shortName?: string | null } | undefined)?.shortName ?? null, shortNameBefore, 'the timed-out change was not applied');
      const retried = await exchange(`${service.base}/v1/agencies/${agency}`, {
        method: 'PATCH',
        headers: { ...auth, 'content-type': 'application/json' },
        body: JSON.stringify({ shortName: 'đổi sau khi mở khóa' }),
      });
      t.equal(retried.status, 200, `the same PATCH succeeds once the row is free (${describe(retried)})`);
      t.equal(service.exited(), undefined, 'the process stayed up');
      if (!t.passing()) t.comment(`service output (tail):\n${service.tail(30)}`);
    },
  );
});
