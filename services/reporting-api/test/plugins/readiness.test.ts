/**
 * What clients see while the service starts, while a request runs too long, and while the pool is swamped: 503
 * problems with Retry-After, and the liveness probe answering throughout.
 */
import pg from 'pg';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { openTestDatabase, serverUrl } from '../helpers/database.js';
import { buildApp } from '../../src/app.js';

t.test('until start-up has migrated, only the probes answer; readyz says 503', async (t) => {
  const { database, drop } = await openTestDatabase();
  const app = await buildApp({ database, logger: false, ready: false, maxEventLoopDelayMs: 0 });
  t.teardown(async () => {
    await app.close();
    await drop();
  });
  t.equal((await app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
  const ready = await app.inject({ method: 'GET', url: '/readyz' });
  t.equal(ready.statusCode, 503);
  const api = await app.inject({ method: 'GET', url: '/v1/agencies' });
  t.equal(api.statusCode, 503);
  t.equal(api.json().code, 'DATABASE_UNAVAILABLE');
  t.equal(api.headers['retry-after'], '5');
  app.markReady();
  t.equal((await app.inject({ method: 'GET', url: '/readyz' })).statusCode, 200);
  t.equal((await app.inject({ method: 'GET', url: '/v1/agencies' })).statusCode, 401, 'then requests go through (to auth)');
});

/** Holds `lock table agencies` in a transaction of its own until released. */
async function lockAgencies(url: string): Promise<() => Promise<void>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query('begin');
  await client.query('lock table agencies in access exclusive mode');
  return async () => {
    await client.query('rollback');
    await client.end();
  };
}

t.test('a request past the request timeout answers 503 REQUEST_TIMEOUT', { skip: !serverUrl && 'needs a second connection (PostgreSQL)' }, async (t) => {
  const api = await buildTestApp(t, { requestTimeoutMs: 400 });
  // Warm: the first request also readies the app, which is not what is timed.
  t.equal((await api.request({ method: 'GET', url: '/v1/periods' })).statusCode, 200);
  const release = await lockAgencies(testUrl(api.database.location));
  t.teardown(release);
  const started = Date.now();
  const res = await api.request({ method: 'GET', url: '/v1/agencies' });
  const took = Date.now() - started;
  t.equal(res.statusCode, 503);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(res.json().code, 'REQUEST_TIMEOUT');
  t.ok(res.headers['retry-after'], 'with Retry-After');
  t.ok(took < 2_000, `answered in ${took} ms, near the 400 ms timeout rather than the 5 s lock timeout`);
});

t.test('a swamped pool sheds load with 503 OVERLOADED; liveness answers', { skip: !serverUrl && 'needs a pool (PostgreSQL)' }, async (t) => {
  const api = await buildTestApp(t, { maxPoolWaiting: 2 });
  t.equal((await api.request({ method: 'GET', url: '/v1/periods' })).statusCode, 200);
  const release = await lockAgencies(testUrl(api.database.location));
  // The test database's pool has 5 connections: 12 requests stuck on the lock leave 7 waiting for one.
  const stuck = Array.from({ length: 12 }, () => api.request({ method: 'GET', url: '/v1/agencies' }));
  await new Promise((resolve) => setTimeout(resolve, 800));
  const shed = await api.request({ method: 'GET', url: '/v1/periods' });
  t.equal(shed.statusCode, 503, shed.body);
  t.equal(shed.json().code, 'OVERLOADED');
  t.ok(Number(shed.headers['retry-after']) > 0);
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness is never shed');
  await release();
  const answers = await Promise.all(stuck);
  t.ok(
    answers.every((r) => r.statusCode === 200 || r.statusCode === 503),
    `the stuck requests end as answers or 503s: ${answers.map((r) => r.statusCode).join(',')}`,
  );
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.equal((await api.request({ method: 'GET', url: '/v1/periods' })).statusCode, 200, 'once the queue drains, requests are served again');
});

/** The test database's URL: its location without credentials is enough on the trust-auth test server. */
function testUrl(location: string): string {
  const server = new URL(serverUrl!);
  const path = new URL(location).pathname;
  server.pathname = path;
  return server.toString();
}

t.test('a loop late check after check sheds load; one long block does not', async (t) => {
  const api = await buildTestApp(t, { maxEventLoopDelayMs: 50 });
  t.equal((await api.request({ method: 'GET', url: '/v1/periods' })).statusCode, 200);
  const busy = (ms: number) => {
    const until = Date.now() + ms;
    while (Date.now() < until);
  };

  busy(1_500);
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.equal((await api.request({ method: 'GET', url: '/v1/periods' })).statusCode, 200, 'a single 1.5 s block is not overload');

  // Every callback late by about 120 ms, for about two seconds.
  const ticker = setInterval(() => busy(120), 5);
  await new Promise((resolve) => setTimeout(resolve, 2_000));
  const shed = await api.request({ method: 'GET', url: '/v1/periods' });
  clearInterval(ticker);
  t.equal(shed.statusCode, 503, 'a loop late for a second and more sheds load');
  t.equal(shed.json().code, 'OVERLOADED');
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'liveness still answers');
  await new Promise((resolve) => setTimeout(resolve, 600));
  t.equal((await api.request({ method: 'GET', url: '/v1/periods' })).statusCode, 200, 'and it recovers once the loop is on time');
});
