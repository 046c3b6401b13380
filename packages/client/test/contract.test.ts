/**
 * Contract test: the typed client against a listening server (real HTTP, not inject), on the same test
 * database path as the service's own tests (DATABASE_URL/TEST_DATABASE_URL, else PGlite).
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { buildTestApp } from '@cchc/reporting-api/testing';
import { createClient, isProblem, ProblemError, unwrap, type Agency, type Citation, type Document, type DocumentFile, type Period } from '../src/index.js';

t.test('client against a listening server', async (t) => {
  const api = await buildTestApp(t);
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const client = createClient({ baseUrl, apiKey: api.keys.admin, requestId: () => 'contract-test' });

  t.test('create an agency and read it back', async (t) => {
    const created = await client.POST('/v1/agencies', {
      body: { code: 'SO-MOI', name: 'Sở Khoa học, Công nghệ và Đổi mới sáng tạo', kind: 'department', parentCode: 'UBND-ST' },
    });
    t.equal(created.response.status, 201);
    const agency: Agency | undefined = created.data;
    t.equal(agency?.name, 'Sở Khoa học, Công nghệ và Đổi mới sáng tạo');
    t.equal(created.response.headers.get('x-request-id'), 'contract-test');

    const read = await unwrap(client.GET('/v1/agencies/{code}', { params: { path: { code: 'SO-MOI' } } }));
    t.match(read, { code: 'SO-MOI', kind: 'department', parentCode: 'UBND-ST', active: true });

    const search = await unwrap(client.GET('/v1/agencies', { params: { query: { q: 'doi moi sang tao' } } }));
    t.same(
      search.items.map((a) => a.code),
      ['SO-MOI'],
    );
  });

  t.test('create a period and read it back', async (t) => {
    const created = await unwrap(client.POST('/v1/periods', { body: { id: '2025-Q1' } }));
    t.match(created, { id: '2025-Q1', startsOn: '2024-12-15', endsOn: '2025-03-14' });
    const period: Period = await unwrap(client.GET('/v1/periods/{id}', { params: { path: { id: '2025-Q1' } } }));
    t.equal(period.kind, 'quarter');
  });

  t.test('a typed 409', async (t) => {
    const dup = await client.POST('/v1/periods', { body: { id: '2025-Q1' } });
    t.equal(dup.response.status, 409);
    t.equal(dup.data, undefined);
    t.ok(isProblem(dup.error));
    t.equal(dup.error?.code, 'PERIOD_EXISTS');
    t.match(dup.response.headers.get('content-type'), /application\/problem\+json/);

    const dupAgency = client.POST('/v1/agencies', { body: { code: 'SO-MOI', name: 'x', kind: 'department', parentCode: 'UBND-ST' } });
    await t.rejects(unwrap(dupAgency), { constructor: ProblemError, status: 409, code: 'AGENCY_EXISTS' });
  });

  t.test('problems for missing keys and bad input are typed too', async (t) => {
    const anonymous = createClient({ baseUrl });
    const res = await anonymous.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } });
    t.equal(res.error?.code, 'UNAUTHENTICATED');
    const bad = await client.GET('/v1/periods/{id}', { params: { path: { id: '2023-Q5' } } });
    t.equal(bad.error?.code, 'VALIDATION_FAILED');
    t.match(bad.error?.errors, [{ in: 'params', pointer: '/id' }]);
  });
});

t.test('values through the client: submit, read back, roll up', async (t) => {
  const api = await buildTestApp(t);
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const agency = createClient({ baseUrl, apiKey: api.keys.agency });
  const summary = await unwrap(
    agency.PUT('/v1/reports/{periodId}/{agencyCode}/values', {
      params: { path: { periodId: '2024', agencyCode: 'BQL-KCN' } },
      body: {
        values: [
          { indicator: 'III.7.2', value: 99 },
          { indicator: 'III.7.2.1', value: 98 },
          { indicator: 'III.7.2.2', value: 0 },
          { indicator: 'III.6.3', value: 150 },
        ],
      },
    }),
  );
  t.match(summary, { created: 3, rejected: 1, conflicts: [{ index: 3, indicator: 'III.6.3', code: 'VALUE_OUT_OF_RANGE' }] });
  const report = await unwrap(agency.GET('/v1/reports/{periodId}/{agencyCode}/values', { params: { path: { periodId: '2024', agencyCode: 'BQL-KCN' } } }));
  t.match(
    report.items.find((i) => i.indicator === 'III.7.3'),
    { value: 98.99, status: 'derived' },
  );
  const reader = createClient({ baseUrl, apiKey: api.keys.reader });
  const rollup = await unwrap(reader.GET('/v1/rollups', { params: { query: { period: '2024', agency: 'UBND-ST', indicator: ['III.7.3'] } } }));
  t.equal(rollup.items[0]?.value, 98.99);
  const forbidden = await reader.PUT('/v1/reports/{periodId}/{agencyCode}/values', {
    params: { path: { periodId: '2024', agencyCode: 'BQL-KCN' } },
    body: { values: [{ indicator: 'I.1.1', value: 1 }] },
  });
  t.equal(forbidden.error?.code, 'FORBIDDEN');
});

t.test('documents through the client: register, a duplicate, a file byte for byte, extraction', async (t) => {
  const api = await buildTestApp(t);
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const agency = createClient({ baseUrl, apiKey: api.keys.agency });
  const body = {
    type: 'ke-hoach',
    number: '02',
    symbol: 'KH-BQL',
    issuedOn: '2024-01-11',
    issuerAgencyCode: 'BQL-KCN',
    summary: 'Kế hoạch kiểm soát thủ tục hành chính năm 2024',
  } as const;
  const doc: Document = await unwrap(agency.POST('/v1/documents', { body }));
  t.equal(doc.citation, 'Kế hoạch số 02/KH-BQL ngày 11/01/2024');
  const dup = await agency.POST('/v1/documents', { body });
  t.equal(dup.error?.code, 'DOCUMENT_EXISTS');
  t.equal((dup.error as { existingId?: string } | undefined)?.existingId, doc.id);

  const bytes = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.from('Kế hoạch kiểm soát TTHC', 'utf8')]);
  const uploaded = await agency.POST('/v1/documents/{id}/files', {
    params: { path: { id: doc.id }, query: { filename: 'Kế hoạch 02.pdf' } },
    // The body is the file's bytes (typed Blob: format binary), sent as they are.
    body: new Blob([bytes]),
    bodySerializer: (b) => b,
    headers: { 'content-type': 'application/pdf' },
  });
  const file: DocumentFile = uploaded.data!;
  t.equal(uploaded.response.status, 201);
  t.equal(file.sha256, createHash('sha256').update(bytes).digest('hex'));
  const down = await agency.GET('/v1/documents/{id}/files/{fileId}', { params: { path: { id: doc.id, fileId: file.id } }, parseAs: 'arrayBuffer' });
  t.equal(
    createHash('sha256')
      .update(Buffer.from(down.data as ArrayBuffer))
      .digest('hex'),
    file.sha256,
  );

  const found = await unwrap(
    agency.POST('/v1/documents/extract', { body: { text: 'Căn cứ Kế hoạch số 02/KH-BQL ngày 11/01/2024 của Ban Quản lý các KCN.', register: true } }),
  );
  const citation: Citation = found.citations[0]!;
  t.match(citation, { type: 'ke-hoach', reference: '02/KH-BQL', issuedOn: '2024-01-11', documentId: doc.id });
  t.same(found.registered, { created: 0, existing: 1, skipped: 0 });
});
