import { EventEmitter } from 'node:events';
import type { Socket } from 'node:net';
import { Writable } from 'node:stream';
import { errorCodes, type ConnectionError } from 'fastify';
import t, { type Test } from 'tap';
import { DEFAULT_LOGGER } from '../../src/app.js';
import { PROBLEMS } from '../../src/errors.js';
import { clip, fieldIssues, MAX_FIELD_ISSUES, toProblem } from '../../src/plugins/problems.js';
import { rawProblemResponse, serverErrorOptions } from '../../src/plugins/server-errors.js';
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
    ['57P01', 'DATABASE_UNAVAILABLE'],
    ['42P01', 'INTERNAL_ERROR'],
  ];
  for (const [sqlState, code] of cases) {
    const p = toProblem(wrapped(sqlState));
    t.equal(p.code, code, sqlState);
    t.notMatch(p.detail, /insert|agencies_pkey|duplicate key/, `${sqlState}: nothing of the driver's text`);
  }
  t.equal(toProblem(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })).code, 'DATABASE_UNAVAILABLE');
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
  isProblem(t, res, 503, 'DATABASE_UNAVAILABLE');
  t.equal((await api.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
});

t.test('every client error of Fastify and its plugins maps to a 4xx code of the same status', async (t) => {
  // A new FST_ERR_* with a 4xx status in a Fastify upgrade must not become a 500 INTERNAL_ERROR.
  for (const [name, Make] of Object.entries(errorCodes)) {
    const error = new (Make as new (...args: string[]) => Error & { statusCode?: number })('a', 'b', 'c');
    if (!error.statusCode || error.statusCode >= 500) continue;
    const p = toProblem(error);
    t.ok(PROBLEMS[p.code].status >= 400 && PROBLEMS[p.code].status < 500, `${name} → ${p.code}`);
    if ([404, 413, 414, 415].includes(error.statusCode)) t.equal(PROBLEMS[p.code].status, error.statusCode, `${name}: the same status`);
    t.notOk(p.detail.includes("'a'"), `${name}: the error's own message, which can echo the URL, is not used`);
  }
  const cases: Array<[Record<string, unknown>, string]> = [
    [{ code: 'FST_ERR_CTP_INVALID_JSON_BODY', statusCode: 400 }, 'MALFORMED_BODY'],
    [{ code: 'FST_ERR_CTP_EMPTY_JSON_BODY', statusCode: 400 }, 'MALFORMED_BODY'],
    [{ code: 'FST_ERR_CTP_INVALID_CONTENT_LENGTH', statusCode: 400 }, 'MALFORMED_BODY'],
    [{ code: 'FST_ERR_CTP_BODY_TOO_LARGE', statusCode: 413 }, 'PAYLOAD_TOO_LARGE'],
    [{ code: 'FST_ERR_CTP_INVALID_MEDIA_TYPE', statusCode: 415 }, 'UNSUPPORTED_MEDIA_TYPE'],
    [{ code: 'FST_ERR_MAX_PARAM_LENGTH', statusCode: 414 }, 'URI_TOO_LONG'],
    [{ code: 'FST_ERR_BAD_URL', statusCode: 400 }, 'VALIDATION_FAILED'],
    [{ code: 'FST_ERR_ASYNC_CONSTRAINT', statusCode: 500 }, 'VALIDATION_FAILED'],
    [{ code: 'FST_REQ_FILE_TOO_LARGE', statusCode: 413 }, 'PAYLOAD_TOO_LARGE'],
    [{ code: 'FST_FILES_LIMIT', statusCode: 413 }, 'PAYLOAD_TOO_LARGE'],
    [{ code: 'FST_PROTO_VIOLATION', statusCode: 400 }, 'MALFORMED_BODY'],
    [{ code: 'FST_INVALID_MULTIPART_CONTENT_TYPE', statusCode: 406 }, 'UNSUPPORTED_MEDIA_TYPE'],
    [{ code: 'FST_MP_PREMATURE_CLOSE', statusCode: 400 }, 'MALFORMED_BODY'],
    [{ statusCode: 406 }, 'UNSUPPORTED_MEDIA_TYPE'],
    [{ statusCode: 408 }, 'CLIENT_TIMEOUT'],
    [{ statusCode: 431 }, 'HEADERS_TOO_LARGE'],
    [{ statusCode: 418 }, 'VALIDATION_FAILED'],
  ];
  for (const [fields, code] of cases) t.equal(toProblem(Object.assign(new Error('x'), fields)).code, code, JSON.stringify(fields));
  // busboy's own errors carry no status; a cut or boundary-less form is the client's fault.
  for (const message of [
    'Unexpected end of multipart data',
    'Part terminated early due to unexpected end of multipart data',
    'Multipart: Boundary not found',
  ]) {
    t.equal(toProblem(new Error(message)).code, 'MALFORMED_BODY', message);
  }
  t.equal(toProblem(new Error('Unexpected end of multipart data, and then some')).code, 'INTERNAL_ERROR', 'only those messages');
});

t.test('a problem echoes no more than a clipped piece of a huge input', async (t) => {
  t.equal(clip('abc', 5), 'abc');
  t.equal(clip('abcdef', 5), 'abcde…');
  t.equal(clip(`abcd${'🙂'}`, 5), 'abcd…', 'never half a surrogate pair');
  const huge = 'k'.repeat(10_000);
  const validation = Array.from({ length: 500 }, (_, i) => ({
    instancePath: '',
    keyword: 'additionalProperties',
    params: { additionalProperty: `${huge}${i}` },
  }));
  const p = toProblem(Object.assign(new Error('body/x must NOT have additional properties'), { validation, validationContext: 'body' }));
  t.equal(p.code, 'VALIDATION_FAILED');
  t.equal(p.errors?.length, MAX_FIELD_ISSUES, 'at most MAX_FIELD_ISSUES field issues');
  t.ok(
    p.errors?.every((e) => e.pointer.length <= 202),
    'pointers are clipped',
  );
  t.match(p.detail, /and 490 more/);
  t.ok(p.detail.length < 3000, 'the detail stays short');
});

t.test('errors before routing answer problems with x-request-id', async (t) => {
  const api = await buildTestApp(t, { seed: false });
  const long = await api.request({ method: 'GET', url: `/v1/agencies/${'x'.repeat(5000)}`, headers: { 'x-request-id': 'long-1' } });
  const body = isProblem(t, long, 414, 'URI_TOO_LONG');
  t.equal(long.headers['x-request-id'], 'long-1');
  t.equal(body.requestId, 'long-1');
  t.ok(body.instance.length <= 201, 'instance is clipped');
  t.notOk(long.body.includes('x'.repeat(300)), 'the path is not echoed');

  const bad = await api.request({ method: 'GET', url: '/v1/agencies/%E0%A4%A' });
  isProblem(t, bad, 400, 'VALIDATION_FAILED');
  t.match(bad.headers['x-request-id'], /^[0-9a-f-]{36}$/);

  const missing = await api.request({ method: 'GET', url: `/v1/${'y'.repeat(5000)}` });
  isProblem(t, missing, 404, 'ROUTE_NOT_FOUND');
  t.notOk(missing.body.includes('y'.repeat(300)), 'an unknown path is not echoed whole');
});

/** A socket stand-in that records what the handler writes. */
function fakeSocket(options: { writable?: boolean; destroyed?: boolean; headersSent?: boolean } = {}) {
  const socket = Object.assign(new EventEmitter(), {
    writable: options.writable ?? true,
    destroyed: options.destroyed ?? false,
    written: '',
    ended: false,
    destroyCalls: 0,
    _httpMessage: options.headersSent ? { headersSent: true } : undefined,
    end(data?: string) {
      if (data) socket.written += data;
      socket.ended = true;
      socket.writable = false;
      return socket;
    },
    destroy() {
      socket.destroyCalls++;
      socket.destroyed = true;
      return socket;
    },
  });
  return socket;
}

const connectionError = (code: string) =>
  Object.assign(new Error(`Parse Error: ${code}`), { code, bytesParsed: 0, rawPacket: { type: 'Buffer', data: [] } }) as ConnectionError;

t.test('clientErrorHandler writes a complete problem+json response and closes the connection', async (t) => {
  const handler = serverErrorOptions.clientErrorHandler!;
  const cases: Array<[string, number, string]> = [
    ['HPE_HEADER_OVERFLOW', 431, 'HEADERS_TOO_LARGE'],
    ['HPE_INVALID_METHOD', 400, 'MALFORMED_REQUEST'],
    ['HPE_INVALID_HEADER_TOKEN', 400, 'MALFORMED_REQUEST'],
    ['HPE_CHUNK_EXTENSIONS_OVERFLOW', 413, 'PAYLOAD_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', 408, 'CLIENT_TIMEOUT'],
  ];
  for (const [errorCode, status, code] of cases) {
    const socket = fakeSocket();
    handler.call(undefined, connectionError(errorCode), socket as unknown as Socket);
    const [head = '', body = ''] = socket.written.split('\r\n\r\n');
    t.match(head, new RegExp(`^HTTP/1\\.1 ${status} `), `${errorCode}: status line`);
    t.match(head, /\r\nContent-Type: application\/problem\+json\r\n/, `${errorCode}: content type`);
    t.match(head, /\r\nConnection: close(\r\n|$)/, `${errorCode}: connection close`);
    t.equal(Number(/Content-Length: (\d+)/.exec(head)?.[1]), Buffer.byteLength(body), `${errorCode}: content length`);
    const id = /X-Request-Id: ([0-9a-f-]{36})/.exec(head)?.[1];
    t.ok(id, `${errorCode}: a request id`);
    t.match(JSON.parse(body), { status, code, requestId: id, type: /^urn:cchc:problem:/, title: String, detail: String }, `${errorCode}: the problem`);
    t.ok(socket.ended, `${errorCode}: ended`);
    socket.emit('end');
    t.ok(socket.destroyed, `${errorCode}: destroyed once the client closes`);
    // The parser fails again on every later chunk: nothing more is written.
    socket.written = '';
    handler.call(undefined, connectionError(errorCode), socket as unknown as Socket);
    t.equal(socket.written, '', `${errorCode}: answered once`);
  }
  for (const [what, socket, error] of [
    ['a reset connection', fakeSocket(), connectionError('ECONNRESET')],
    ['a destroyed socket', fakeSocket({ destroyed: true }), connectionError('HPE_INVALID_METHOD')],
    ['a socket that is not writable', fakeSocket({ writable: false }), connectionError('HPE_INVALID_METHOD')],
    ['a response under way', fakeSocket({ headersSent: true }), connectionError('HPE_INVALID_METHOD')],
  ] as const) {
    handler.call(undefined, error, socket as unknown as Socket);
    t.equal(socket.written, '', `${what}: nothing written`);
    t.ok(socket.destroyCalls > 0, `${what}: destroyed`);
  }
  t.match(rawProblemResponse('MALFORMED_REQUEST', 'x', 'id-1'), /^HTTP\/1\.1 400 Bad Request\r\n/);
});
