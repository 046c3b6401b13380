/** PUT /v1/dossier-counts with a one-stop-shop export as text/csv, for curl users. */
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const HEADER =
  'Mã đơn vị;Mã thủ tục;Ngày;Nguồn;Thời điểm số liệu;Tiếp nhận mới;Trực tuyến;Trực tiếp;Qua dịch vụ bưu chính công ích;Giải quyết trước hạn;Giải quyết đúng hạn;Giải quyết quá hạn';

t.test('dossier counts as text/csv', async (t) => {
  const api = await buildTestApp(t);
  const procedures = (await api.request({ method: 'GET', url: '/v1/procedures?limit=2', as: 'reader' })).json().items.map((p: { code: string }) => p.code);
  const [p1, p2] = procedures as [string, string];
  const put = (csv: string, query = '', headers: Record<string, string> = {}) =>
    api.request({
      method: 'PUT',
      url: `/v1/dossier-counts${query}`,
      as: 'ingest',
      payload: Buffer.from(csv, 'utf8'),
      headers: { 'content-type': 'text/csv; charset=utf-8', ...headers },
    });

  const file = [
    '\ufeffBÁO CÁO SỐ LIỆU HỒ SƠ THỦ TỤC HÀNH CHÍNH;;;',
    HEADER,
    `BQL-KCN;${p1};02/01/2024;motcua-soctrang;03/01/2024 07:00;1.204;1.000;200;4;1.100;50;54`,
    `BQL-KCN;${p2};02/01/2024;motcua-soctrang;03/01/2024 07:00;3;3;0;0;2;1;0`,
  ].join('\r\n');

  t.test('a Vietnamese export is stored, and the same file again is all unchanged', async (t) => {
    const first = await put(file);
    t.equal(first.statusCode, 200, first.body);
    t.match(first.json(), { created: 2, updated: 0, unchanged: 0, rejected: 0 });
    const again = await put(file);
    t.match(again.json(), { created: 0, unchanged: 2 });
    const stats = (await api.request({ method: 'GET', url: '/v1/dossier-stats?from=2024-01-02&to=2024-01-02&agency=BQL-KCN', as: 'reader' })).json();
    t.equal(stats.total.totals.receivedNew, 1207, '"1.204" is one thousand two hundred and four');
  });

  t.test('source and asOf may come from the query', async (t) => {
    const csv = ['agency,procedure,date,receivedNew', `BQL-KCN,${p1},2024-01-03,5`].join('\n');
    const res = await put(csv, '?source=motcua-soctrang&asOf=2024-01-04T00:00:00%2B07:00');
    t.equal(res.statusCode, 200, res.body);
    t.match(res.json(), { created: 1 });
    const missing = await put(csv);
    t.equal(missing.statusCode, 400, 'without a source column or ?source the file cannot be stored');
    t.equal(missing.json().code, 'VALIDATION_FAILED');
  });

  t.test('a bad line refuses the file, each bad line listed with its line number', async (t) => {
    const bad = [
      HEADER,
      `BQL-KCN;${p1};31/02/2024;motcua-soctrang;03/03/2024 07:00;1;1;0;0;1;0;0`,
      `BQL-KCN;${p2};01/03/2024;motcua-soctrang;03/03/2024 07:00;mười;1;0;0;1;0;0`,
      `BQL-KCN;${p2};02/03/2024;motcua-soctrang;03/03/2024 07:00;5;1;1;0;1;0;0`,
    ].join('\n');
    const res = await put(bad);
    t.equal(res.statusCode, 400);
    const problem = res.json();
    t.equal(problem.code, 'VALIDATION_FAILED');
    const pointers = problem.errors.map((e: { pointer: string }) => e.pointer);
    t.ok(
      pointers.some((p: string) => p.startsWith('/lines/2')),
      'line 2: no 31 February',
    );
    t.ok(
      pointers.some((p: string) => p.startsWith('/lines/3')),
      'line 3: a word where a count belongs',
    );
    t.ok(
      pointers.some((p: string) => p.startsWith('/lines/4')),
      'line 4: online + in person + postal ≠ received',
    );
    const stats = (await api.request({ method: 'GET', url: '/v1/dossier-stats?from=2024-03-01&to=2024-03-02&agency=BQL-KCN', as: 'reader' })).json();
    t.equal(stats.total.totals.receivedNew, 0, 'nothing was written');
  });

  t.test('rows only the store can refuse come back with their line', async (t) => {
    const csv = [
      HEADER,
      `BQL-KCN;${p1};05/01/2024;motcua-soctrang;06/01/2024 07:00;1;1;0;0;1;0;0`,
      `KHONG-CO;${p1};05/01/2024;motcua-soctrang;06/01/2024 07:00;1;1;0;0;1;0;0`,
    ].join('\n');
    const res = await put(csv);
    t.equal(res.statusCode, 200);
    t.match(res.json(), { created: 1, rejected: 1, conflicts: [{ index: 1, line: 3, code: 'AGENCY_NOT_FOUND' }] });
    const atomic = await put(csv.replaceAll('05/01/2024', '07/01/2024'), '?atomic=true');
    t.equal(atomic.statusCode, 422);
    t.match(atomic.json().summary.conflicts, [{ line: 3, code: 'AGENCY_NOT_FOUND' }]);
  });

  t.test('an Idempotency-Key replays a CSV push too', async (t) => {
    const csv = [HEADER, `BQL-KCN;${p1};08/01/2024;motcua-soctrang;09/01/2024 07:00;2;2;0;0;2;0;0`].join('\n');
    const first = await put(csv, '', { 'idempotency-key': 'csv-2024-01-08' });
    const replay = await put(csv, '', { 'idempotency-key': 'csv-2024-01-08' });
    t.same(replay.json(), first.json());
    t.equal(replay.headers['idempotent-replayed'], 'true');
  });

  t.test('an unreadable file is a clear 400, a JSON batch still works', async (t) => {
    const latin1 = Buffer.from([...Buffer.from('agency;procedure;date\n'), 0xc0, 0xff, 0x0a]);
    const res = await api.request({ method: 'PUT', url: '/v1/dossier-counts', as: 'ingest', payload: latin1, headers: { 'content-type': 'text/csv' } });
    t.equal(res.statusCode, 400);
    t.equal(res.headers['content-type'], 'application/problem+json; charset=utf-8');
    const json = await api.request({
      method: 'PUT',
      url: '/v1/dossier-counts',
      as: 'ingest',
      payload: { counts: [{ agency: 'BQL-KCN', procedure: p1, date: '2024-01-10', source: 'json', asOf: '2024-01-11T00:00:00Z', receivedNew: 1 }] },
    });
    t.match(json.json(), { created: 1 });
  });
});
