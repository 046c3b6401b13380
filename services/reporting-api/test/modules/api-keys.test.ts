import { readFile, stat, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { apiKeys } from '../../src/db/schema.js';
import { hashApiKey } from '../../src/modules/api-keys/secret.js';
import { buildTestApp } from '../helpers/app.js';

t.test('API keys', async (t) => {
  const api = await buildTestApp(t);

  t.test('create shows the secret once; lists never show secrets', async (t) => {
    const res = await api.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'Dashboard Sở Nội vụ', role: 'reader' } });
    t.equal(res.statusCode, 201);
    const { apiKey, secret } = res.json();
    t.match(secret, /^cchc_[A-Za-z0-9_-]{43}$/);
    t.match(apiKey, { name: 'Dashboard Sở Nội vụ', role: 'reader', agencyCode: null, revokedAt: null, prefix: secret.slice(0, 8) });

    const list = await api.request({ method: 'GET', url: '/v1/api-keys' });
    const text = list.body;
    t.notOk(text.includes(secret), 'the secret is not in the list');
    t.notOk(text.includes(hashApiKey(secret)), 'nor its hash');
    t.ok(list.json().items.some((k: any) => k.id === apiKey.id));

    const works = await api.app.inject({ method: 'GET', url: '/v1/agencies/SNV', headers: { authorization: `Bearer ${secret}` } });
    t.equal(works.statusCode, 200);
    t.equal((await api.request({ method: 'GET', url: `/v1/api-keys/${apiKey.id}` })).json().id, apiKey.id);
  });

  t.test('agency binding', async (t) => {
    const missing = await api.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'agency' } });
    t.equal(missing.statusCode, 400);
    t.match(missing.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/agencyCode' }] });
    const extra = await api.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'reader', agencyCode: 'SNV' } });
    t.equal(extra.statusCode, 400);
    const unknown = await api.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'agency', agencyCode: 'NOPE' } });
    t.equal(unknown.statusCode, 404);
    t.equal(unknown.json().code, 'AGENCY_NOT_FOUND');
    const ok = await api.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'Ban Quản lý', role: 'agency', agencyCode: 'BQL-KCN' } });
    t.equal(ok.statusCode, 201);
    t.equal(ok.json().apiKey.agencyCode, 'BQL-KCN');
    const badRole = await api.request({ method: 'POST', url: '/v1/api-keys', payload: { name: 'x', role: 'root' } });
    t.equal(badRole.statusCode, 400);
  });

  t.test('revoke takes effect at once and is idempotent', async (t) => {
    const { id, secret } = await api.mintKey('reader');
    const as = { authorization: `Bearer ${secret}` };
    t.equal((await api.app.inject({ method: 'GET', url: '/v1/agencies/SNV', headers: as })).statusCode, 200, 'cached as valid');
    const revoked = await api.request({ method: 'DELETE', url: `/v1/api-keys/${id}` });
    t.equal(revoked.statusCode, 200);
    t.type(revoked.json().revokedAt, 'string');
    const after = await api.app.inject({ method: 'GET', url: '/v1/agencies/SNV', headers: as });
    t.equal(after.statusCode, 401);
    t.equal(after.json().code, 'UNAUTHENTICATED');
    const again = await api.request({ method: 'DELETE', url: `/v1/api-keys/${id}` });
    t.equal(again.statusCode, 200);
    t.equal(again.json().revokedAt, revoked.json().revokedAt);
    t.equal((await api.request({ method: 'DELETE', url: '/v1/api-keys/00000000-0000-4000-8000-000000000000' })).statusCode, 404);
    t.equal((await api.request({ method: 'DELETE', url: '/v1/api-keys/not-a-uuid' })).statusCode, 400);
  });

  t.test('the last active admin key cannot be revoked', async (t) => {
    const keys = (await api.request({ method: 'GET', url: '/v1/api-keys' })).json().items;
    const admins = keys.filter((k: any) => k.role === 'admin' && !k.revokedAt);
    t.equal(admins.length, 1);
    const res = await api.request({ method: 'DELETE', url: `/v1/api-keys/${admins[0].id}` });
    t.equal(res.statusCode, 409);
    t.equal(res.json().code, 'LAST_ADMIN_KEY');
  });
});

t.test('bootstrap: a generated admin key on an empty database, written 0600', async (t) => {
  const api = await buildTestApp(t, { seed: false });
  // buildTestApp minted keys; start from none to see the first-start behaviour.
  await api.database.db.delete(apiKeys);
  const dataDir = await mkdtemp(join(tmpdir(), 'cchc-bootstrap-'));
  const logged: string[] = [];
  const printed: string[] = [];
  const log = { info: () => {}, warn: (o: unknown, msg: string) => logged.push(JSON.stringify(o) + msg) } as any;
  const print = (line: string) => printed.push(line);
  await api.app.services.apiKeys.bootstrapAdminKey({ adminApiKey: undefined, dataDir, log, print });
  const file = join(dataDir, 'admin-api-key');
  const secret = (await readFile(file, 'utf8')).trim();
  t.equal((await stat(file)).mode & 0o777, 0o600);
  t.equal(logged.length, 1, 'one log line says a key was generated');
  t.notOk(logged[0]!.includes(secret), 'the secret stays out of the JSON log');
  t.equal(printed.length, 1);
  t.ok(
    printed[0]!.split('\n').some((line) => line.trim() === secret),
    'printed once, alone on its line',
  );
  const res = await api.app.inject({ method: 'GET', url: '/v1/api-keys', headers: { authorization: `Bearer ${secret}` } });
  t.equal(res.statusCode, 200);
  await api.app.services.apiKeys.bootstrapAdminKey({ adminApiKey: undefined, dataDir, log, print });
  t.equal(printed.length, 1, 'a second start generates nothing');
});

t.test('bootstrap: ADMIN_API_KEY from the environment', async (t) => {
  const api = await buildTestApp(t, { seed: false });
  const adminApiKey = 'env-admin-key-0123456789-abcdef';
  const log = { info: () => {}, warn: () => {} } as any;
  const print = () => {};
  await api.app.services.apiKeys.bootstrapAdminKey({ adminApiKey, dataDir: '/nonexistent', log, print });
  await api.app.services.apiKeys.bootstrapAdminKey({ adminApiKey, dataDir: '/nonexistent', log, print });
  const keys = (await api.request({ method: 'GET', url: '/v1/api-keys' })).json().items.filter((k: any) => k.name.startsWith('ADMIN_API_KEY'));
  t.equal(keys.length, 1, 'registered once');
  const res = await api.app.inject({ method: 'GET', url: '/v1/agencies', headers: { authorization: `Bearer ${adminApiKey}` } });
  t.equal(res.statusCode, 200);
});
