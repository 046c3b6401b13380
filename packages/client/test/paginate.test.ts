/** paginate against the live test server: every item once, in order, across pages; problems thrown typed. */
import t from 'tap';
import { buildTestApp } from '@cchc/reporting-api/testing';
import { createClient, paginate, ProblemError, unwrap, type Agency } from '../src/index.js';

// Compile-time only: what paginate refuses.
export function refused(client: ReturnType<typeof createClient>) {
  // @ts-expect-error not a cursor-paged route
  void paginate(client, '/v1/rollups', { params: { query: { period: '2024', agency: 'UBND-ST' } } });
  // @ts-expect-error the path parameters are required
  void paginate(client, '/v1/reports/{periodId}/{agencyCode}/audit');
  // @ts-expect-error limit is a number
  void paginate(client, '/v1/agencies', { params: { query: { limit: 'many' } } });
}

t.test('paginate over cursor pages', async (t) => {
  const api = await buildTestApp(t);
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const requests: string[] = [];
  const client = createClient({
    baseUrl,
    apiKey: api.keys.admin,
    fetch: (request, init) => {
      requests.push(new URL(request.url).search);
      return fetch(request, init);
    },
  });
  const all = await unwrap(client.GET('/v1/agencies', { params: { query: { limit: 500 } } }));
  t.ok(all.items.length > 10, `${all.items.length} seeded agencies`);
  t.equal(all.nextCursor, null);

  t.test('every item once, in order, with a small page', async (t) => {
    requests.length = 0;
    const seen: Agency[] = [];
    for await (const agency of paginate(client, '/v1/agencies', { params: { query: { limit: 5 } } })) seen.push(agency);
    t.same(
      seen.map((a) => a.code),
      all.items.map((a) => a.code),
    );
    // One request per page (one more if the last full page still had a cursor, when the service cannot tell).
    const pages = Math.ceil(all.items.length / 5);
    t.ok(requests.length === pages || requests.length === pages + 1, `${requests.length} requests for ${pages} pages`);
    t.ok(
      requests.every((q) => q.includes('limit=5')),
      'the query is kept on every page',
    );
    t.ok(
      requests.slice(1).every((q) => q.includes('cursor=')),
      'later pages follow nextCursor',
    );
  });

  t.test('filters are kept across pages; stopping early stops fetching', async (t) => {
    const departments: string[] = [];
    for await (const a of paginate(client, '/v1/agencies', { params: { query: { kind: 'department', limit: 2 } } })) departments.push(a.kind);
    t.ok(departments.length > 2);
    t.ok(departments.every((k) => k === 'department'));
    requests.length = 0;
    for await (const a of paginate(client, '/v1/agencies', { params: { query: { limit: 2 } } })) if (a) break;
    t.equal(requests.length, 1);
  });

  t.test('no init at all uses the service default page size', async (t) => {
    let n = 0;
    for await (const period of paginate(client, '/v1/periods')) if (period.id) n++;
    t.ok(n > 0);
  });

  t.test('a path with path parameters', async (t) => {
    const agency = createClient({ baseUrl, apiKey: api.keys.agency });
    await unwrap(
      agency.PUT('/v1/reports/{periodId}/{agencyCode}/values', {
        params: { path: { periodId: '2024', agencyCode: 'BQL-KCN' } },
        body: {
          values: [
            { indicator: 'III.7.2', value: 99 },
            { indicator: 'III.7.2.1', value: 98 },
            { indicator: 'III.7.2.2', value: 1 },
          ],
        },
      }),
    );
    const changes = [];
    const params = { path: { periodId: '2024', agencyCode: 'BQL-KCN' }, query: { limit: 1 } };
    for await (const entry of paginate(client, '/v1/reports/{periodId}/{agencyCode}/audit', { params })) changes.push(entry.indicator);
    t.same(changes.sort(), ['III.7.2', 'III.7.2.1', 'III.7.2.2']);
  });

  t.test('a problem answer is thrown as ProblemError', async (t) => {
    const pages = paginate(client, '/v1/agencies', { params: { query: { limit: 0 } } });
    await t.rejects(pages.next(), { constructor: ProblemError, status: 400, code: 'VALIDATION_FAILED' });
    const anonymous = createClient({ baseUrl });
    await t.rejects(paginate(anonymous, '/v1/periods').next(), { constructor: ProblemError, code: 'UNAUTHENTICATED' });
  });
});
