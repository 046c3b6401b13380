import t from 'tap';
import { loadConfig } from '../../src/config.js';
import { CORS_ALLOWED_HEADERS, CORS_EXPOSED_HEADERS } from '../../src/plugins/cors.js';
import { buildTestApp } from '../helpers/app.js';

const DASHBOARD = 'http://127.0.0.1:5173';

t.test('CORS_ORIGINS is read and checked', async (t) => {
  t.equal(loadConfig({}).corsOrigins, undefined, 'unset: no cross-origin access');
  t.equal(loadConfig({ CORS_ORIGINS: '*' }).corsOrigins, '*');
  t.same(loadConfig({ CORS_ORIGINS: 'https://a.example.vn, http://127.0.0.1:5173/' }).corsOrigins, ['https://a.example.vn', 'http://127.0.0.1:5173']);
  t.throws(() => loadConfig({ CORS_ORIGINS: 'a.example.vn' }), /CORS_ORIGINS must be/);
  t.throws(() => loadConfig({ CORS_ORIGINS: 'https://a.example.vn/path' }), /CORS_ORIGINS must be/);
});

t.test('listed origins', async (t) => {
  const api = await buildTestApp(t, { corsOrigins: [DASHBOARD] });

  t.test('a preflight allows the headers a dashboard and a script send', async (t) => {
    const res = await api.app.inject({
      method: 'OPTIONS',
      url: '/v1/values?period=2023',
      headers: { origin: DASHBOARD, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'authorization,idempotency-key' },
    });
    t.equal(res.statusCode, 204);
    t.equal(res.headers['access-control-allow-origin'], DASHBOARD);
    const allowed = String(res.headers['access-control-allow-headers'])
      .toLowerCase()
      .split(/\s*,\s*/);
    for (const h of CORS_ALLOWED_HEADERS) t.ok(allowed.includes(h.toLowerCase()), `allows ${h}`);
    t.match(res.headers['access-control-allow-methods'], /PUT/);
    t.equal(res.headers['access-control-allow-credentials'], undefined, 'keys are bearer tokens, not cookies');
  });

  t.test('an answer exposes what scripts need and may be read cross-origin', async (t) => {
    const res = await api.request({ method: 'GET', url: '/v1/values?period=2023&agency=BQL-KCN', as: 'reader', headers: { origin: DASHBOARD } });
    t.equal(res.statusCode, 200);
    t.equal(res.headers['access-control-allow-origin'], DASHBOARD);
    const exposed = String(res.headers['access-control-expose-headers'])
      .toLowerCase()
      .split(/\s*,\s*/);
    for (const h of CORS_EXPOSED_HEADERS) t.ok(exposed.includes(h.toLowerCase()), `exposes ${h}`);
    t.equal(res.headers['cross-origin-resource-policy'], 'cross-origin');
  });

  t.test('an unlisted origin gets no allowance', async (t) => {
    const res = await api.app.inject({
      method: 'OPTIONS',
      url: '/v1/values',
      headers: { origin: 'http://127.0.0.1:9999', 'access-control-request-method': 'GET', 'access-control-request-headers': 'authorization' },
    });
    t.equal(res.headers['access-control-allow-origin'], undefined);
  });
});

t.test('without CORS_ORIGINS there is no cross-origin access', async (t) => {
  const api = await buildTestApp(t);
  const res = await api.app.inject({ method: 'OPTIONS', url: '/v1/values', headers: { origin: DASHBOARD, 'access-control-request-method': 'GET' } });
  t.equal(res.statusCode, 404);
  t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
  t.equal(res.headers['access-control-allow-origin'], undefined);
  const read = await api.request({ method: 'GET', url: '/v1/agencies', as: 'reader', headers: { origin: DASHBOARD } });
  t.equal(read.headers['access-control-allow-origin'], undefined);
  t.equal(read.headers['cross-origin-resource-policy'], 'same-origin');
});
