import { Writable } from 'node:stream';
import t, { type Test } from 'tap';
import { DEFAULT_LOGGER } from '../../src/app.js';
import { PROBLEMS } from '../../src/errors.js';
import { fieldIssues, toProblem } from '../../src/plugins/problems.js';
import { buildTestApp } from '../helpers/app.js';

const isProblem = (t: Test, res: { statusCode: number; headers: Record<string, unknown>; body: string }, status: number, code: string) => {
  t.equal(res.statusCode, status, `${code}: status`);
  t.match(String(res.headers['content-type']), /^application\/problem\+json/, `${code}: content type`);
  const body = JSON.parse(res.body);
  t.match(body, { type: /^urn:cchc:problem:/, title: String, status, detail: String, code, requestId: String }, code);
  t.notMatch(res.body, /\bat .*\.(ts|js):\d+/, `${code}: no stack trace`);
  t.notMatch(res.body, /select |insert |update |Failed query/i, `${code}: no SQL`);
  return body;
};

t.test('every failure is problem+json with a stable code', async (t) => {
  const api = await buildTestApp(t, { bodyLimit: 2048 });
  api.app.get('/test/boom', { config: { access: 'public' } }, async () => {
    throw new Error('secret internals: select * from api_keys');
  });

  t.test('malformed JSON', async (t) => {
    const res = await api.request({ method: 'POST', url: '/v1/agencies', payload: '{"code": "X",', headers: { 'content-type': 'application/json' } });
    isProblem(t, res, 400, 'MALFORMED_BODY');
  });

  t.test('empty JSON body', async (t) => {
    const res = await api.request({ method: 'POST', url: '/v1/agencies', payload: '', headers: { 'content-type': 'application/json' } });
    isProblem(t, res, 400, 'MALFORMED_BODY');
  });

  t.test('wrong content type', async (t) => {
    const res = await api.request({ method: 'POST', url: '/v1/agencies', payload: 'code=X', headers: { 'content-type': 'text/csv' } });
    isProblem(t, res, 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  t.test('oversized body', async (t) => {
    const res = await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'BIG', name: 'x'.repeat(5000), kind: 'unit', parentCode: 'SNV' } });
    isProblem(t, res, 413, 'PAYLOAD_TOO_LARGE');
    t.equal((await api.request({ method: 'GET', url: '/v1/agencies/BIG' })).statusCode, 404, 'nothing stored');
  });

  t.test('schema errors list every offending field as a JSON pointer', async (t) => {
    const res = await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'ok-no', kind: 'ministry', parentCode: 5, nme: 'typo' } });
    const body = isProblem(t, res, 400, 'VALIDATION_FAILED');
    t.same(body.errors.map((e: any) => e.pointer).sort(), ['/code', '/kind', '/name', '/nme', '/parentCode']);
    t.ok(body.errors.every((e: any) => e.in === 'body' && typeof e.message === 'string'));
    t.match(
      body.errors.find((e: any) => e.pointer === '/nme'),
      { message: 'unknown property' },
    );
    t.match(
      body.errors.find((e: any) => e.pointer === '/name'),
      { message: /required/ },
    );
  });

  t.test('querystring and params errors say where', async (t) => {
    const q = await api.request({ method: 'GET', url: '/v1/periods?year=twenty&limit=0' });
    const body = isProblem(t, q, 400, 'VALIDATION_FAILED');
    t.same(body.errors.map((e: any) => [e.in, e.pointer]).sort(), [
      ['querystring', '/limit'],
      ['querystring', '/year'],
    ]);
    const p = await api.request({ method: 'GET', url: '/v1/periods/2023-Q5' });
    t.match(isProblem(t, p, 400, 'VALIDATION_FAILED').errors, [{ in: 'params', pointer: '/id' }]);
  });

  t.test('unknown routes', async (t) => {
    const res = await api.request({ method: 'GET', url: '/v1/nothing-here?x=1' });
    const body = isProblem(t, res, 404, 'ROUTE_NOT_FOUND');
    t.equal(body.instance, '/v1/nothing-here');
    isProblem(t, await api.request({ method: 'PUT', url: '/v1/agencies/SNV', payload: {} }), 404, 'ROUTE_NOT_FOUND');
  });

  t.test('an unexpected error is a 500 that says nothing of its cause', async (t) => {
    const res = await api.app.inject({ method: 'GET', url: '/test/boom' });
    isProblem(t, res, 500, 'INTERNAL_ERROR');
    t.notMatch(res.body, /secret internals/);
  });

  t.test('a unique violation from a race is a 409, not a 500', async (t) => {
    const payload = { code: 'RACE', name: 'Đua', kind: 'unit', parentCode: 'SNV' };
    const results = await Promise.all([1, 2, 3].map(() => api.request({ method: 'POST', url: '/v1/agencies', payload })));
    const statuses = results.map((r) => r.statusCode).sort();
    t.same(statuses, [201, 409, 409]);
    for (const r of results.filter((r) => r.statusCode === 409)) t.match(r.json().code, /^(AGENCY_EXISTS|CONFLICT)$/);
  });

  t.test('request ids are accepted, echoed and put in problems', async (t) => {
    const res = await api.request({ method: 'GET', url: '/v1/agencies/NOPE', headers: { 'x-request-id': 'dash-42.abc' } });
    t.equal(res.headers['x-request-id'], 'dash-42.abc');
    t.equal(res.json().requestId, 'dash-42.abc');
    const odd = await api.request({ method: 'GET', url: '/healthz', headers: { 'x-request-id': 'has spaces\nand newline' } });
    t.match(odd.headers['x-request-id'], /^[0-9a-f-]{36}$/, 'an unsafe id is replaced');
  });
});

t.test('toProblem maps database errors without leaking them', async (t) => {
  const wrapped = (code: string) =>
    Object.assign(new Error('Failed query: insert into agencies ...'), {
      cause: Object.assign(new Error('duplicate key value violates unique constraint "agencies_pkey"'), { code, severity: 'ERROR' }),
    });
  const cases: Array<[string, string]> = [
    ['23505', 'CONFLICT'],
    ['23503', 'REFERENCE_CONFLICT'],
    ['23514', 'CONSTRAINT_VIOLATION'],
    ['23502', 'CONSTRAINT_VIOLATION'],
    ['22003', 'INVALID_VALUE'],
    ['22P02', 'INVALID_VALUE'],
    ['40001', 'CONFLICT'],
    ['57P01', 'SERVICE_UNAVAILABLE'],
    ['42P01', 'INTERNAL_ERROR'],
  ];
  for (const [sqlState, code] of cases) {
    const p = toProblem(wrapped(sqlState));
    t.equal(p.code, code, sqlState);
    t.notMatch(p.detail, /insert|agencies_pkey|duplicate key/, `${sqlState}: nothing of the driver's text`);
  }
  t.equal(toProblem(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code, 'SERVICE_UNAVAILABLE');
  t.equal(toProblem(Object.assign(new Error('x'), { statusCode: 429 })).code, 'RATE_LIMITED');
  t.equal(toProblem('a string thrown').code, 'INTERNAL_ERROR');
  for (const [code, { status }] of Object.entries(PROBLEMS)) t.ok(status >= 400 && status < 600, code);
});

t.test('fieldIssues points at the member and escapes pointers', async (t) => {
  t.same(fieldIssues([{ instancePath: '', keyword: 'required', params: { missingProperty: 'a/b~c' }, message: 'must have required property' }], 'body'), [
    { in: 'body', pointer: '/a~1b~0c', message: 'must have required property' },
  ]);
  const merged = fieldIssues(
    [
      { instancePath: '/kind', keyword: 'const', params: { allowedValue: 'a' } },
      { instancePath: '/kind', keyword: 'const', params: { allowedValue: 'b' } },
      { instancePath: '/kind', keyword: 'anyOf', params: {} },
    ],
    'body',
  );
  t.same(merged, [{ in: 'body', pointer: '/kind', message: 'must be "a"; or must be "b"' }]);
});

t.test('rate limiting answers 429 problem+json with Retry-After', async (t) => {
  const api = await buildTestApp(t, { rateLimitMax: 3 });
  const statuses: number[] = [];
  let last;
  for (let i = 0; i < 5; i++) {
    last = await api.request({ method: 'GET', url: '/v1/periods/2023', as: 'reader' });
    statuses.push(last.statusCode);
  }
  t.same(statuses, [200, 200, 200, 429, 429]);
  if (!last) throw new Error('the loop made no request');
  isProblem(t, last, 429, 'RATE_LIMITED');
  t.ok(Number(last.headers['retry-after']) > 0);
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200, 'health checks are not limited');
});

t.test('logs carry request ids and never the API key', async (t) => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const api = await buildTestApp(t, { logger: { ...(DEFAULT_LOGGER as object), stream } });
  await api.request({ method: 'GET', url: '/v1/agencies/SNV', headers: { 'x-request-id': 'log-check-1' } });
  await api.request({ method: 'GET', url: '/v1/agencies/NOPE', headers: { 'x-request-id': 'log-check-2' } });
  const text = lines.join('');
  t.match(text, /"reqId":"log-check-1"/);
  t.match(text, /"reqId":"log-check-2"/);
  t.notOk(text.includes(api.keys.admin), 'the key is not in the logs');
  t.notMatch(text, /Bearer/);
});

t.test('readiness fails with 503 when the database is gone; liveness does not', async (t) => {
  const api = await buildTestApp(t);
  t.match((await api.app.inject({ method: 'GET', url: '/readyz' })).json(), { status: 'ready' });
  await api.database.close();
  const res = await api.app.inject({ method: 'GET', url: '/readyz' });
  isProblem(t, res, 503, 'SERVICE_UNAVAILABLE');
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});
