/**
 * Limits a client cannot dodge: the rate limit counts per resolved API key (however the header is spelt) or per
 * address, and guessing keys meets its own, tighter limit per address before any key is looked up.
 */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const bogus = (i: number) => `cchc_${String(i).padStart(43, 'x')}`;

t.test('random keys meet 429 per address, before the database is asked', async (t) => {
  const api = await buildTestApp(t, { authFailureLimit: 5 });
  const get = (authorization: string, ip = '10.0.0.1') => api.app.inject({ method: 'GET', url: '/v1/agencies', headers: { authorization }, remoteAddress: ip });
  // A valid key used before the guessing starts is in the cache: it keeps working for its owner behind the same address.
  t.equal((await get(`Bearer ${api.keys.reader}`)).statusCode, 200);

  const statuses: number[] = [];
  for (let i = 0; i < 12; i++) statuses.push((await get(`Bearer ${bogus(i)}`)).statusCode);
  t.same(statuses.slice(0, 5), [401, 401, 401, 401, 401], 'the first failures are refused as unauthenticated');
  t.same(new Set(statuses.slice(5)), new Set([429]), 'past the limit, every new guess meets 429');

  const limited = await get(`Bearer ${bogus(99)}`);
  t.equal(limited.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(limited.json().code, 'RATE_LIMITED');
  t.ok(Number(limited.headers['retry-after']) > 0 && Number(limited.headers['retry-after']) <= 60, 'Retry-After says when');
  t.equal((await get('Basic dXNlcjpwYXNz')).statusCode, 401, 'a malformed header needs no lookup: still told what is wrong');

  t.equal((await get(`Bearer ${api.keys.reader}`)).statusCode, 200, 'the cached valid key still works from that address');
  t.equal((await get(`Bearer ${bogus(100)}`, '10.0.0.2')).statusCode, 401, 'another address is not limited');
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz', remoteAddress: '10.0.0.1' })).statusCode, 200, 'no key, no limit');
});

t.test('one key spelt several ways shares one budget; other keys and addresses have their own', async (t) => {
  const api = await buildTestApp(t, { rateLimitMax: 10 });
  const spellings = (key: string) => [`Bearer ${key}`, `bearer ${key}`, `BEARER   ${key}`, `Bearer ${key}  `, `bEaReR ${key}`];
  const statuses: number[] = [];
  for (let i = 0; i < 15; i++) {
    const res = await api.app.inject({
      method: 'GET',
      url: '/v1/agencies',
      headers: { authorization: spellings(api.keys.reader)[i % 5]! },
      remoteAddress: `10.1.0.${i}`,
    });
    statuses.push(res.statusCode);
  }
  t.same(statuses.slice(0, 10), Array(10).fill(200), 'the first ten, from ten addresses and five spellings, are served');
  t.same(new Set(statuses.slice(10)), new Set([429]), 'then the key has used its minute, whatever its spelling or address');

  const other = await api.app.inject({ method: 'GET', url: '/v1/agencies', headers: { authorization: `Bearer ${api.keys.admin}` }, remoteAddress: '10.1.0.1' });
  t.equal(other.statusCode, 200, 'another key from the same address has its own budget');
  t.equal(other.headers['x-ratelimit-limit'], '10');

  const anonymous = await api.app.inject({ method: 'GET', url: '/v1/agencies', remoteAddress: '10.1.0.1' });
  t.equal(anonymous.statusCode, 401, 'no key: counted per address, which has not used its minute');
});

t.test('an address without a key is limited per address', async (t) => {
  const api = await buildTestApp(t, { rateLimitMax: 3, publicRead: true });
  const statuses = [];
  for (let i = 0; i < 5; i++) statuses.push((await api.app.inject({ method: 'GET', url: '/v1/agencies', remoteAddress: '10.2.0.1' })).statusCode);
  t.same(statuses, [200, 200, 200, 429, 429]);
  t.equal((await api.app.inject({ method: 'GET', url: '/v1/agencies', remoteAddress: '10.2.0.2' })).statusCode, 200);
});
