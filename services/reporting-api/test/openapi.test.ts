import { readFile } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from './helpers/app.js';

t.test('the OpenAPI document', async (t) => {
  const api = await buildTestApp(t);
  await api.app.ready();
  const doc = api.app.swagger() as any;

  t.test('every route has tags, a camelCase operationId, a summary and its error responses', async (t) => {
    const ids = new Set<string>();
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        t.ok(op.tags?.length, `${name} has tags`);
        t.match(op.operationId, /^[a-z][A-Za-z0-9]+$/, `${name} operationId`);
        t.notOk(ids.has(op.operationId), `${name} operationId is unique`);
        ids.add(op.operationId);
        t.ok(op.summary, `${name} summary`);
        const codes = Object.keys(op.responses);
        t.ok(codes.some((c) => c.startsWith('2')), `${name} declares success`);
        if (op.security) {
          t.ok(codes.includes('401') && codes.includes('403'), `${name} declares 401 and 403`);
          t.match(op.description, /Roles: |Access: /, `${name} says who may call it`);
        }
        for (const code of codes.filter((c) => /^[45]/.test(c))) {
          t.equal(op.responses[code].content['application/problem+json'].schema.$ref, '#/components/schemas/Problem', `${name} ${code} is a Problem`);
        }
      }
    }
    t.ok(ids.size >= 20);
  });

  t.test('shapes are named components', async (t) => {
    for (const name of ['Problem', 'FieldIssue', 'Agency', 'NewAgency', 'AgencyPatch', 'AgencyPage', 'AgencySubtree', 'Period', 'NewPeriod', 'PeriodPatch', 'PeriodPage', 'ApiKey', 'NewApiKey', 'CreatedApiKey', 'Role']) {
      t.ok(doc.components.schemas[name], name);
    }
    t.same(doc.components.securitySchemes.bearerAuth, { type: 'http', scheme: 'bearer', description: doc.components.securitySchemes.bearerAuth.description });
  });

  t.test('Swagger UI and the document are served', async (t) => {
    const ui = await api.app.inject({ method: 'GET', url: '/docs/' });
    t.equal(ui.statusCode, 200);
    t.match(ui.headers['content-type'], /text\/html/);
    const json = await api.app.inject({ method: 'GET', url: '/docs/json' });
    t.equal(json.statusCode, 200);
    t.same(json.json().paths['/v1/periods/{id}'].get.operationId, 'getPeriod');
  });

  t.test('the committed openapi/openapi.json is fresh (run `pnpm openapi` when this fails)', async (t) => {
    const committed = JSON.parse(await readFile(new URL('../../../openapi/openapi.json', import.meta.url), 'utf8'));
    t.same(committed, JSON.parse(JSON.stringify(doc)));
  });
});
