/** The service's logs as an operator reads them: one JSON line per request, ISO times, who asked, never a secret. */
import { Writable } from 'node:stream';
import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { loggerOptions } from '../../src/logger.js';
import { buildTestApp } from '../helpers/app.js';

function collector() {
  const lines: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const text of chunk.toString('utf8').split('\n')) if (text.trim()) lines.push(JSON.parse(text) as Record<string, unknown>);
      done();
    },
  });
  return { lines, stream };
}

t.test('one line per request, with route, status, duration, request id and the key', async (t) => {
  const { lines, stream } = collector();
  const api = await buildTestApp(t, { logger: { ...loggerOptions('info'), stream } });
  await api.app.ready();
  lines.length = 0;

  const ok = await api.request({ method: 'GET', url: '/v1/agencies?limit=2', as: 'reader', headers: { 'x-request-id': 'dash-42' } });
  t.equal(ok.statusCode, 200);
  const refused = await api.request({ method: 'GET', url: '/v1/periods/9999-X1', as: 'reader' });
  t.equal(refused.statusCode, 400);

  const perRequest = lines.filter((l) => l.msg === 'request answered');
  t.equal(lines.length, 2, `two requests, two lines: ${lines.map((l) => l.msg).join(' | ')}`);
  const [first, second] = perRequest;
  t.match(first, {
    level: 30,
    reqId: 'dash-42',
    method: 'GET',
    route: '/v1/agencies',
    path: '/v1/agencies',
    status: 200,
    role: 'reader',
  });
  t.type(first!.durationMs, 'number');
  t.match(String(first!.keyId), /^[0-9a-f-]{36}$/, "the key's id");
  t.match(String(first!.time), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'an ISO-8601 time');
  t.match(second, { status: 400, code: 'VALIDATION_FAILED', route: '/v1/periods/:id' });
  const text = JSON.stringify(lines);
  t.notOk(text.includes(api.keys.reader), 'the secret is never logged');
  t.notOk(text.includes('authorization'), 'nor the header that carries it');
});

t.test('LOG_FORMAT: pretty on a terminal, JSON otherwise, or as set', async (t) => {
  t.equal(loadConfig({}, false).logFormat, 'json');
  t.equal(loadConfig({}, true).logFormat, 'pretty');
  t.equal(loadConfig({ LOG_FORMAT: 'json' }, true).logFormat, 'json');
  t.equal(loadConfig({ LOG_FORMAT: 'pretty' }, false).logFormat, 'pretty');
  t.throws(() => loadConfig({ LOG_FORMAT: 'xml' }), /LOG_FORMAT must be one of json, pretty/);
  t.match(loggerOptions('info', 'pretty'), { transport: { target: 'pino-pretty' } });
  t.notOk('transport' in loggerOptions('info', 'json'));
});
