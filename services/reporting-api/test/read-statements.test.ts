/**
 * The dashboards' main read holds its statement budget, counted by a proxy in front of PostgreSQL as an operator
 * would: a report read is at most 2 statements in the steady state (key and template cached), a 304 is 1, and
 * the values list answers the same figures through the same path. PostgreSQL only (the proxy speaks its wire
 * protocol; PGlite has no wire).
 */
import t from 'tap';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';
import { seedDatabase } from '../src/seed.js';
import { openTestDatabase, serverUrl } from './helpers/database.js';
import { startCountingProxy } from './helpers/pg-proxy.js';

if (!serverUrl) {
  t.pass('PostgreSQL only: the proxy counts wire-protocol statements');
} else {
  const { database: direct, url, drop } = await openTestDatabase();
  t.teardown(drop);
  const proxy = await startCountingProxy(url!);
  t.teardown(() => proxy.close());
  const database = await openDatabase({ databaseUrl: proxy.url, poolMax: 4 });
  const app = await buildApp({ database, logger: false, rateLimitMax: 0, maxEventLoopDelayMs: 0 });
  t.teardown(async () => {
    await app.close();
    await database.close();
  });
  await seedDatabase(direct);
  const { secret } = await app.services.apiKeys.create({ keyId: null, requestId: 'test' }, { name: 'reader', role: 'reader' });
  const get = (path: string, headers: Record<string, string> = {}) =>
    app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${secret}`, ...headers } });

  /** Statements one request sends, after a warm-up request has filled the key and template caches. */
  async function counted(path: string, headers: Record<string, string> = {}) {
    await get(path, headers);
    proxy.reset();
    const res = await get(path, headers);
    return { res, statements: proxy.count() };
  }

  const report = '/v1/reports/2023/BQL-KCN/values';
  const list = '/v1/values?period=2023&agency=BQL-KCN';

  t.test('a report read: two statements; its 304 one', async (t) => {
    const { res, statements } = await counted(report);
    t.equal(res.statusCode, 200);
    t.ok(
      res.json().items.some((i: { fromCounts?: unknown }) => i.fromCounts),
      'the counted figures are in the answer',
    );
    t.ok(statements <= 2, `the read took ${statements} statement(s)`);
    t.equal(res.headers['cache-control'], 'private, no-cache');
    const etag = String(res.headers.etag);
    const again = await counted(report, { 'if-none-match': etag });
    t.equal(again.res.statusCode, 304);
    t.equal(again.res.body, '', 'no body');
    t.equal(again.statements, 1, 'one indexed lookup');
  });

  t.test('the values list: the same figures, two statements, a one-statement 304', async (t) => {
    const one = (await get(report)).json();
    const { res, statements } = await counted(list);
    t.equal(res.statusCode, 200);
    t.same(res.json().items, one.items, 'both routes give the same items');
    t.ok(statements <= 2, `the list took ${statements} statement(s)`);
    const again = await counted(list, { 'if-none-match': String(res.headers.etag) });
    t.equal(again.res.statusCode, 304);
    t.equal(again.statements, 1);
  });

  t.test('a change moves the ETag', async (t) => {
    const before = await get(report);
    const admin = await app.services.apiKeys.create({ keyId: null, requestId: 'test' }, { name: 'admin', role: 'admin' });
    const put = await app.inject({
      method: 'PUT',
      url: '/v1/reports/2023/BQL-KCN/values',
      headers: { authorization: `Bearer ${admin.secret}` },
      payload: { values: [{ indicator: 'I.1', value: 99 }] },
    });
    t.equal(put.json().written, true, put.body);
    const after = await get(report, { 'if-none-match': String(before.headers.etag) });
    t.equal(after.statusCode, 200, 'the old ETag no longer matches');
    t.not(after.headers.etag, before.headers.etag);
    t.equal(after.json().items.find((i: { indicator: string }) => i.indicator === 'I.1').value, 99);
    const listAfter = await get(list, { 'if-none-match': String(before.headers.etag) });
    t.equal(listAfter.statusCode, 200);
  });

  t.test('the one-report page answers as the long way would', async (t) => {
    const fast = await get(list);
    const long = await get('/v1/values?period=2023&period=2099&agency=BQL-KCN');
    t.same(long.json().items, fast.json().items, 'the same items');
    t.equal(long.headers.etag, fast.headers.etag, 'the same ETag for the same page');
    t.equal((await get('/v1/values?period=2099&agency=BQL-KCN')).json().items.length, 0, 'an unknown period is an empty page');
    const unknown = await get('/v1/values?period=2023&agency=NO-SUCH');
    t.equal(unknown.statusCode, 404);
    t.equal(unknown.json().code, 'AGENCY_NOT_FOUND');
  });

  t.test('a changed period window moves the ETag and the counted figures', async (t) => {
    const before = await get(report);
    const counted = (r: typeof before) => r.json().items.find((i: { indicator: string }) => i.indicator === 'III.7.1')?.fromCounts?.value;
    const admin = await app.services.apiKeys.create({ keyId: null, requestId: 'test' }, { name: 'admin 2', role: 'admin' });
    const patch = await app.inject({
      method: 'PATCH',
      url: '/v1/periods/2023',
      headers: { authorization: `Bearer ${admin.secret}` },
      payload: { endsOn: '2023-06-14' },
    });
    t.equal(patch.statusCode, 200, patch.body);
    // A plain read first: it assumes the window of the last read, and must notice it moved.
    const plain = await get(report);
    t.ok(counted(plain) < counted(before), `half a year counts less (${counted(plain)} < ${counted(before)})`);
    t.not(plain.headers.etag, before.headers.etag);
    const after = await get(report, { 'if-none-match': String(before.headers.etag) });
    t.equal(after.statusCode, 200, 'not a 304: the window moved');
    t.equal(counted(after), counted(plain));
  });
}
