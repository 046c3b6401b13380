/**
 * The role matrix: every write route, with no key, a wrong key, a revoked key, a malformed header and every
 * role (an agency key for its own agency and for another), answers 401/403/2xx exactly as the route declares.
 * The table below must cover every write route the app registers, so a new route without a row fails here.
 */
import { Document, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import type { InjectOptions } from 'fastify';
import t from 'tap';
import type { Role } from '../../src/domain/roles.js';
import { buildTestApp, type TestApp } from '../helpers/app.js';

const DOCX_TYPE = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** A one-section report in Word with a one-row annex table, as an agency would hand it in. */
async function reportDocx(): Promise<Buffer> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const row = (cells: string[]) => new TableRow({ children: cells.map(cell) });
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph('I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH CẢI CÁCH HÀNH CHÍNH'),
          new Paragraph('Ban hành Kế hoạch số 01/KH-BQL ngày 05/01/2023.'),
          new Table({
            rows: [
              row(['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Kết quả thống kê', 'Ghi chú']),
              row(['', 'Số nhiệm vụ đã hoàn thành', 'Nhiệm vụ', '1', '']),
            ],
          }),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

type Scope = 'own' | 'other' | 'any';
/** Routes an agency key may use whatever agency the data concerns: registering a document another body issued. */
const UNSCOPED = new Set(['POST /v1/documents', 'POST /v1/documents/extract']);
type Sample = (scope: Scope) => Promise<InjectOptions>;

let serial = 0;
const next = () => ++serial;

function samples(api: TestApp): Record<string, Sample> {
  const admin = (options: InjectOptions) => api.request({ ...options, as: 'admin' });
  const leafUnder = async (parentCode: string) => {
    const code = `LEAF-${next()}`;
    await admin({ method: 'POST', url: '/v1/agencies', payload: { code, name: `Đơn vị ${code}`, kind: 'unit', parentCode } });
    return code;
  };
  /** A fresh period with a report of `agency` holding one value, optionally submitted. */
  const reportReady = async (agency: string, submitted: boolean) => {
    const n = next();
    const period = `${2041 + Math.floor(n / 12)}-M${String((n % 12) + 1).padStart(2, '0')}`;
    await admin({ method: 'POST', url: '/v1/periods', payload: { id: period, templateId: 'CCHC-2023' } });
    await admin({ method: 'PUT', url: `/v1/reports/${period}/${agency}/values`, payload: { values: [{ indicator: 'I.1.1', value: 1 }] } });
    if (submitted) await admin({ method: 'POST', url: `/v1/reports/${period}/${agency}/submit` });
    return `/v1/reports/${period}/${agency}`;
  };
  const agencyFor = (scope: Scope) => (scope === 'other' ? 'SNV' : 'BQL-KCN');
  /** A document registered by an agency key: BQL-KCN's, or SNV's for the other scope. */
  const documentOf = async (scope: Scope) =>
    (
      await api.request({
        method: 'POST',
        url: '/v1/documents',
        as: scope === 'other' ? 'agencyOther' : 'agency',
        payload: { type: 'to-trinh', number: String(next()), symbol: 'TTr-BQL', year: 2024 },
      })
    ).json().id as string;
  const pdf = Buffer.from('%PDF-1.7\n');
  return {
    'POST /v1/documents': async () => ({
      method: 'POST',
      url: '/v1/documents',
      payload: { type: 'thong-bao', number: String(next()), symbol: 'TB-BQL', year: 2024 },
    }),
    'POST /v1/documents/extract': async () => ({ method: 'POST', url: '/v1/documents/extract', payload: { text: 'Kế hoạch số 01/KH-BQL ngày 05/01/2023' } }),
    'PATCH /v1/documents/:id': async (scope) => ({ method: 'PATCH', url: `/v1/documents/${await documentOf(scope)}`, payload: { summary: 'Trích yếu' } }),
    'DELETE /v1/documents/:id': async (scope) => ({ method: 'DELETE', url: `/v1/documents/${await documentOf(scope)}` }),
    'POST /v1/documents/:id/files': async (scope) => ({
      method: 'POST',
      url: `/v1/documents/${await documentOf(scope)}/files?filename=a.pdf`,
      headers: { 'content-type': 'application/pdf' },
      payload: pdf,
    }),
    'DELETE /v1/documents/:id/files/:fileId': async (scope) => {
      const id = await documentOf(scope);
      const file = (
        await admin({ method: 'POST', url: `/v1/documents/${id}/files?filename=a.pdf`, headers: { 'content-type': 'application/pdf' }, payload: pdf })
      ).json();
      return { method: 'DELETE', url: `/v1/documents/${id}/files/${file.id}` };
    },
    'PATCH /v1/reports/:periodId/:agencyCode': async (scope) => ({
      method: 'PATCH',
      url: await reportReady(agencyFor(scope), false),
      payload: { narrative: { I: 'Thuyết minh' } },
    }),
    'POST /v1/reports/:periodId/:agencyCode/submit': async (scope) => ({ method: 'POST', url: `${await reportReady(agencyFor(scope), false)}/submit` }),
    'POST /v1/reports/:periodId/:agencyCode/accept': async (scope) => ({ method: 'POST', url: `${await reportReady(agencyFor(scope), true)}/accept` }),
    'POST /v1/reports/:periodId/:agencyCode/return': async (scope) => ({
      method: 'POST',
      url: `${await reportReady(agencyFor(scope), true)}/return`,
      payload: { reason: 'Bổ sung số liệu' },
    }),
    'POST /v1/reports/:periodId/:agencyCode/reopen': async (scope) => ({ method: 'POST', url: `${await reportReady(agencyFor(scope), true)}/reopen` }),
    'POST /v1/reports/:periodId/:agencyCode/annex': async (scope) => ({
      method: 'POST',
      url: `${await reportReady(agencyFor(scope), false)}/annex`,
      payload: 'STT,Chỉ tiêu thống kê,Đơn vị tính,Kết quả thống kê,Ghi chú\r\n,Số nhiệm vụ đã hoàn thành,Nhiệm vụ,1,\r\n',
      headers: { 'content-type': 'text/csv' },
    }),
    'POST /v1/reports/:periodId/:agencyCode/document': async (scope) => ({
      method: 'POST',
      url: `${await reportReady(agencyFor(scope), false)}/document`,
      payload: await reportDocx(),
      headers: { 'content-type': DOCX_TYPE },
    }),
    'PUT /v1/periods/:id/expected-agencies': async () => ({ method: 'PUT', url: '/v1/periods/2024-M08/expected-agencies', payload: { kinds: ['district'] } }),
    'PUT /v1/dossier-counts': async (scope) => ({
      method: 'PUT',
      url: '/v1/dossier-counts?atomic=true',
      payload: {
        counts: [
          {
            agency: scope === 'other' ? 'SNV' : 'BQL-KCN',
            procedure: 'DEMO-BQL-01',
            date: '2024-01-01',
            source: `matrix-${next()}`,
            asOf: '2024-01-02T00:00:00Z',
            receivedNew: 1,
          },
        ],
      },
    }),
    'POST /v1/procedures': async () => ({
      method: 'POST',
      url: '/v1/procedures',
      payload: { code: `DEMO-T-${next()}`, name: 'Thủ tục thử', field: 'Đầu tư', onlineLevel: 'full' },
    }),
    'PUT /v1/procedures': async () => ({
      method: 'PUT',
      url: '/v1/procedures',
      payload: { procedures: [{ code: `DEMO-T-${next()}`, name: 'Thủ tục thử', field: 'Đầu tư', onlineLevel: 'partial' }] },
    }),
    'PATCH /v1/procedures/:code': async () => ({ method: 'PATCH', url: '/v1/procedures/DEMO-BQL-01', payload: { feeBearing: next() % 2 === 0 } }),
    'DELETE /v1/procedures/:code': async () => {
      const code = `DEMO-D-${next()}`;
      await admin({ method: 'POST', url: '/v1/procedures', payload: { code, name: 'Thủ tục thử', field: 'Đầu tư', onlineLevel: 'none' } });
      return { method: 'DELETE', url: `/v1/procedures/${code}` };
    },
    'POST /v1/agencies': async (scope) => ({
      method: 'POST',
      url: '/v1/agencies',
      payload: { code: `NEW-${next()}`, name: 'Phòng mới', kind: 'unit', parentCode: scope === 'other' ? 'SNV' : 'BQL-KCN' },
    }),
    'PATCH /v1/agencies/:code': async (scope) => ({
      method: 'PATCH',
      url: `/v1/agencies/${scope === 'other' ? 'SNV-BTDKT' : 'TTHT-KCN'}`,
      payload: { shortName: `Tên ngắn ${next()}` },
    }),
    'POST /v1/agencies/:code/deactivate': async (scope) => ({
      method: 'POST',
      url: `/v1/agencies/${await leafUnder(scope === 'other' ? 'SNV' : 'BQL-KCN')}/deactivate`,
    }),
    'POST /v1/periods': async () => ({ method: 'POST', url: '/v1/periods', payload: { id: `${2030 + next()}` } }),
    'POST /v1/periods/generate': async () => ({ method: 'POST', url: '/v1/periods/generate', payload: { year: 2030 + next() } }),
    'PATCH /v1/periods/:id': async () => ({ method: 'PATCH', url: '/v1/periods/2024-M05', payload: { dueOn: `2024-05-${10 + (next() % 15)}` } }),
    'DELETE /v1/periods/:id': async () => {
      const id = `${2030 + next()}`;
      await admin({ method: 'POST', url: '/v1/periods', payload: { id } });
      return { method: 'DELETE', url: `/v1/periods/${id}` };
    },
    'POST /v1/templates': async () => ({
      method: 'POST',
      url: '/v1/templates',
      payload: {
        id: `T-${next()}`,
        name: 'Biểu mẫu thử',
        year: 2025,
        indicators: [{ code: 'I', stt: 'I', level: 1, parentCode: null, valueType: 'section', name: 'Phần I' }],
      },
    }),
    'POST /v1/templates/:id/copy': async () => ({ method: 'POST', url: '/v1/templates/CCHC-2023/copy', payload: { id: `COPY-${next()}`, year: 2025 } }),
    'PATCH /v1/templates/:id': async () => ({ method: 'PATCH', url: '/v1/templates/CCHC-2023', payload: { source: `nguồn ${next()}` } }),
    'PATCH /v1/templates/:id/indicators/:code': async () => ({
      method: 'PATCH',
      url: '/v1/templates/CCHC-2023/indicators/I.1.3',
      payload: { help: `gợi ý ${next()}` },
    }),
    'PUT /v1/templates/:id/rules/:code': async () => ({
      method: 'PUT',
      url: `/v1/templates/CCHC-2023/rules/R-TEST-${next()}`,
      payload: { left: 'I.1.2', op: '<=', right: 'I.1.1', severity: 'warning', message: 'thử' },
    }),
    'DELETE /v1/templates/:id/rules/:code': async () => {
      const code = `R-DEL-${next()}`;
      await admin({
        method: 'PUT',
        url: `/v1/templates/CCHC-2023/rules/${code}`,
        payload: { left: 'I.1.2', op: '<=', right: 'I.1.1', severity: 'warning', message: 'x' },
      });
      return { method: 'DELETE', url: `/v1/templates/CCHC-2023/rules/${code}` };
    },
    'PUT /v1/reports/:periodId/:agencyCode/values': async (scope) => ({
      method: 'PUT',
      url: `/v1/reports/2024/${scope === 'other' ? 'SNV' : 'BQL-KCN'}/values`,
      payload: { values: [{ indicator: 'I.1.1', value: next() }] },
    }),
    'PUT /v1/values': async (scope) => ({
      method: 'PUT',
      url: '/v1/values?atomic=true',
      payload: { values: [{ period: '2024', agency: scope === 'other' ? 'SNV' : 'TTHT-KCN', indicator: 'I.1.1', value: next() }] },
    }),
    'DELETE /v1/reports/:periodId/:agencyCode/values/:indicator': async (scope) => {
      const agency = scope === 'other' ? 'SNV' : 'BQL-KCN';
      await admin({ method: 'PUT', url: `/v1/reports/2024-Q1/${agency}/values`, payload: { values: [{ indicator: 'I.1.2', value: 1 }] } });
      return { method: 'DELETE', url: `/v1/reports/2024-Q1/${agency}/values/I.1.2` };
    },
    'POST /v1/api-keys': async () => ({ method: 'POST', url: '/v1/api-keys', payload: { name: `key ${next()}`, role: 'reader' } }),
    'DELETE /v1/api-keys/:id': async () => ({ method: 'DELETE', url: `/v1/api-keys/${(await api.mintKey('reader')).id}` }),
  };
}

t.test('role matrix over every write route', async (t) => {
  const api = await buildTestApp(t);
  const table = samples(api);
  const writeRoutes = api.app.accessRules.filter((r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method));
  t.same(writeRoutes.map((r) => `${r.method} ${r.url}`).sort(), Object.keys(table).sort(), 'the table covers every write route');

  const revoked = await api.mintKey('reader');
  await api.request({ method: 'DELETE', url: `/v1/api-keys/${revoked.id}` });

  for (const route of writeRoutes) {
    const key = `${route.method} ${route.url}`;
    const sample = table[key]!;
    const roles = route.access as readonly Role[];
    t.test(key, async (t) => {
      const unauthenticated: Array<[string, Record<string, string>]> = [
        ['no key', {}],
        ['wrong key', { authorization: 'Bearer cchc_this-key-does-not-exist-0000000000000000000' }],
        ['revoked key', { authorization: `Bearer ${revoked.secret}` }],
        ['malformed header', { authorization: 'Basic YWRtaW46YWRtaW4=' }],
      ];
      for (const [label, headers] of unauthenticated) {
        const res = await api.app.inject({ ...(await sample('any')), headers });
        t.equal(res.statusCode, 401, label);
        t.match(res.headers['content-type'], /^application\/problem\+json/);
        t.equal(res.json().code, 'UNAUTHENTICATED', label);
      }
      const attempts: Array<[label: string, as: 'admin' | 'reader' | 'ingest' | 'agency' | 'agencyOther', role: Role, scope: Scope]> = [
        ['admin', 'admin', 'admin', 'any'],
        ['reader', 'reader', 'reader', 'any'],
        ['ingest', 'ingest', 'ingest', 'any'],
        ['agency, own subtree', 'agency', 'agency', 'own'],
        ['agency, another agency', 'agency', 'agency', 'other'],
      ];
      for (const [label, as, role, scope] of attempts) {
        const res = await api.request({ ...(await sample(scope)), as });
        const allowed = roles.includes(role) && (scope !== 'other' || UNSCOPED.has(key));
        if (allowed) t.ok(res.statusCode >= 200 && res.statusCode < 300, `${label}: ${res.statusCode} ${res.body.slice(0, 200)}`);
        else if ((key === 'PUT /v1/values' || key === 'PUT /v1/dossier-counts') && roles.includes(role)) {
          // The multi-report route refuses rows, not the request: with atomic=true that is 422 naming FORBIDDEN.
          t.equal(res.statusCode, 422, `${label}: ${res.body.slice(0, 200)}`);
          t.equal(res.json().summary.conflicts[0].code, 'FORBIDDEN');
        } else {
          t.equal(res.statusCode, 403, `${label}: ${res.body.slice(0, 200)}`);
          t.equal(res.json().code, 'FORBIDDEN');
        }
      }
    });
  }
});

t.test('reads need a key unless PUBLIC_READ; admin-only reads stay admin-only', async (t) => {
  const api = await buildTestApp(t);
  const reads = api.app.accessRules.filter((r) => r.method === 'GET' && r.access === 'read');
  t.ok(reads.length >= 6);
  for (const path of [
    '/v1/agencies',
    '/v1/agencies/SNV',
    '/v1/agencies/SNV/subtree',
    '/v1/periods',
    '/v1/periods/2023',
    '/v1/periods/containing?date=2023-05-05&kind=year',
  ]) {
    t.equal((await api.app.inject({ method: 'GET', url: path })).statusCode, 401, `${path} without key`);
    for (const as of ['reader', 'ingest', 'agency', 'admin'] as const) {
      t.equal((await api.request({ method: 'GET', url: path, as })).statusCode, 200, `${path} as ${as}`);
    }
  }
  for (const path of ['/v1/api-keys', '/v1/audit']) {
    t.equal((await api.request({ method: 'GET', url: path, as: 'reader' })).statusCode, 403, `${path} as reader`);
    t.equal((await api.request({ method: 'GET', url: path, as: 'agency' })).statusCode, 403, `${path} as agency`);
  }
});

t.test('PUBLIC_READ=true opens reads, not writes', async (t) => {
  const api = await buildTestApp(t, { publicRead: true });
  t.equal((await api.app.inject({ method: 'GET', url: '/v1/periods/2023' })).statusCode, 200);
  t.equal((await api.app.inject({ method: 'GET', url: '/v1/api-keys' })).statusCode, 401);
  t.equal((await api.app.inject({ method: 'POST', url: '/v1/periods', payload: { id: '2040' } })).statusCode, 401);
  const wrong = await api.app.inject({ method: 'GET', url: '/v1/periods/2023', headers: { authorization: 'Bearer nope' } });
  t.equal(wrong.statusCode, 401, 'a wrong key is refused even where no key is needed');
});
