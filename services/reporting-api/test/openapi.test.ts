import { readFile } from 'node:fs/promises';
import t from 'tap';
import { PROBLEMS } from '../src/errors.js';
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
        t.ok(
          codes.some((c) => c.startsWith('2')),
          `${name} declares success`,
        );
        if (op.security?.length) {
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

  t.test('what third-party tools and Swagger UI need', async (t) => {
    const declared = new Set(doc.tags.map((tag: { name: string; description?: string }) => (tag.description ? tag.name : '')));
    t.ok(doc.servers?.length, 'servers are declared');
    const enums: string[] = [];
    const walk = (node: unknown, at: string) => {
      if (!node || typeof node !== 'object') return;
      const n = node as Record<string, unknown>;
      if (Array.isArray(n.enum) && !n.type) enums.push(at);
      for (const [k, v] of Object.entries(n)) walk(v, `${at}/${k}`);
    };
    walk(doc, '#');
    t.same(enums, [], 'every enum says its type (else Swagger UI shows "any")');
    for (const [path, ops] of Object.entries<any>(doc.paths)) {
      for (const [method, op] of Object.entries<any>(ops)) {
        const name = `${method.toUpperCase()} ${path}`;
        for (const tag of op.tags) t.ok(declared.has(tag), `${name}: tag ${tag} is declared with a description`);
        for (const [code, response] of Object.entries<any>(op.responses)) {
          t.not(response.description, 'Default Response', `${name} ${code} is described`);
        }
        if (path !== '/healthz') t.ok(op.responses['503']?.headers?.['retry-after'], `${name} documents 503 with Retry-After`);
        if (!['/healthz', '/readyz'].includes(path)) t.ok(op.responses['429']?.headers?.['retry-after'], `${name} documents 429 with Retry-After`);
        t.ok(Array.isArray(op.security), `${name} says whether it needs a key`);
        const accessLines = (op.description ?? '').match(/Roles: |Access: /g) ?? [];
        t.ok(accessLines.length <= 1, `${name} prints its access line once`);
      }
    }
    for (const [path, types] of [
      ['/v1/reports/{periodId}/{agencyCode}/annex', ['text/csv', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet']],
      ['/v1/documents/{id}/files', ['application/pdf', 'application/octet-stream']],
    ] as const) {
      const content = doc.paths[path].post.requestBody.content;
      for (const type of types) t.match(content[type].schema, { type: 'string', format: 'binary' }, `${path} ${type} is a file`);
      t.match(
        content['multipart/form-data'].schema,
        { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
        `${path} takes a form`,
      );
    }
    t.match(doc.paths['/v1/dossier-counts'].put.requestBody.content['text/csv'].schema, { type: 'string', format: 'binary' }, 'dossier counts take text/csv');
  });

  t.test('codes are enums a client can switch on', async (t) => {
    t.same(doc.components.schemas.ProblemCode.enum, Object.keys(PROBLEMS));
    t.equal(doc.components.schemas.Problem.properties.code.$ref, '#/components/schemas/ProblemCode');
    t.equal(doc.components.schemas.Conflict.properties.code.$ref, '#/components/schemas/SubmissionRowCode');
    t.equal(doc.components.schemas.IngestConflict.properties.code.$ref, '#/components/schemas/IngestRowCode');
  });

  t.test('shapes are named components', async (t) => {
    for (const name of [
      'Problem',
      'FieldIssue',
      'Agency',
      'NewAgency',
      'AgencyPatch',
      'AgencyPage',
      'AgencySubtree',
      'Period',
      'NewPeriod',
      'PeriodPatch',
      'PeriodPage',
      'ApiKey',
      'NewApiKey',
      'CreatedApiKey',
      'Role',
    ]) {
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
