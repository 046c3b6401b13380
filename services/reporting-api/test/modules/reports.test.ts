import ExcelJS from 'exceljs';
import t from 'tap';
import { parseCsv } from '../../src/domain/csv.js';
import { buildTestApp } from '../helpers/app.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';

t.test('reports', async (t) => {
  const api = await buildTestApp(t);
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });
  const post = (url: string, as: 'admin' | 'agency' = 'admin', payload?: object) => api.request({ method: 'POST', url, as, ...(payload && { payload }) });
  const putValues = (url: string, values: object[], as: 'admin' | 'agency' = 'agency') => api.request({ method: 'PUT', url, as, payload: { values } });

  t.test('workflow: draft → submitted → returned → submitted → accepted; values frozen meanwhile', async (t) => {
    const base = '/v1/reports/2024/BQL-KCN';
    t.match((await get(base)).json(), { state: 'draft', values: 0, transitions: [], timeliness: null });
    t.equal((await post(`${base}/submit`, 'agency')).json().code, 'REPORT_EMPTY');

    await putValues(`${base}/values`, [
      { indicator: 'I.1.1', value: 10 },
      { indicator: 'I.1.2', value: 9 },
    ]);
    const plan = (
      await api.request({
        method: 'POST',
        url: '/v1/documents',
        as: 'agency',
        payload: { type: 'ke-hoach', number: '01', symbol: 'KH-BQL', issuedOn: '2024-01-05' },
      })
    ).json().id;
    const narrative = await api.request({
      method: 'PATCH',
      url: base,
      as: 'agency',
      payload: { narrative: { I: '**Công tác chỉ đạo**: ban hành Kế hoạch số 01/KH-BQL.' }, evidence: [plan] },
    });
    t.equal(narrative.statusCode, 200);
    t.match(narrative.json(), { narrative: { I: '**Công tác chỉ đạo**: ban hành Kế hoạch số 01/KH-BQL.' }, evidence: [plan] });

    const submitted = await post(`${base}/submit`, 'agency');
    t.equal(submitted.statusCode, 200);
    t.match(submitted.json(), { state: 'submitted', timeliness: 'late', transitions: [{ from: 'draft', to: 'submitted' }] }, '2024 was due on 2024-12-20');
    t.type(submitted.json().transitions[0].actorKeyId, 'string');

    const frozen = await putValues(`${base}/values`, [{ indicator: 'I.1.1', value: 11 }]);
    t.equal(frozen.statusCode, 409);
    t.equal(frozen.json().code, 'REPORT_SUBMITTED');
    t.equal((await api.request({ method: 'DELETE', url: `${base}/values/I.1.1`, as: 'agency' })).json().code, 'REPORT_SUBMITTED');
    t.equal((await api.request({ method: 'PATCH', url: base, as: 'agency', payload: { narrative: {} } })).json().code, 'REPORT_SUBMITTED');
    t.equal((await post(`${base}/submit`, 'agency')).json().code, 'REPORT_SUBMITTED');
    const batch = await api.request({
      method: 'PUT',
      url: '/v1/values',
      payload: { values: [{ period: '2024', agency: 'BQL-KCN', indicator: 'I.1.1', value: 12 }] },
    });
    t.same(
      batch.json().conflicts.map((c: any) => c.code),
      ['REPORT_SUBMITTED'],
      'the batch route refuses the rows of a frozen report',
    );

    t.equal((await post(`${base}/accept`, 'agency')).statusCode, 403, 'only the Department of Home Affairs (admin) accepts');
    const returned = await post(`${base}/return`, 'admin', { reason: 'Thiếu số liệu mục III.7' });
    t.match(returned.json(), { state: 'returned', returnReason: 'Thiếu số liệu mục III.7' });
    t.equal((await putValues(`${base}/values`, [{ indicator: 'I.1.1', value: 11 }])).statusCode, 200, 'a returned report takes corrections');
    const again = await post(`${base}/submit`, 'agency');
    t.match(again.json(), { state: 'submitted', returnReason: null });
    t.equal(again.json().firstSubmittedAt, submitted.json().firstSubmittedAt, 'timeliness counts the first submission');

    const accepted = await post(`${base}/accept`);
    t.equal(accepted.json().state, 'accepted');
    const acceptedWrite = await putValues(`${base}/values`, [{ indicator: 'I.1.1', value: 12 }]);
    t.equal(acceptedWrite.json().code, 'REPORT_ACCEPTED');
    t.equal((await post(`${base}/accept`)).json().code, 'REPORT_ACCEPTED');

    const reopened = await post(`${base}/reopen?reason=${encodeURIComponent('Điều chỉnh theo Công văn số 535/SNV-TTr')}`);
    t.equal(reopened.json().state, 'draft');
    t.same(
      reopened.json().transitions.map((x: any) => `${x.from}→${x.to}`),
      ['draft→submitted', 'submitted→returned', 'returned→submitted', 'submitted→accepted', 'accepted→draft'],
    );
    t.equal(reopened.json().transitions.at(-1).reason, 'Điều chỉnh theo Công văn số 535/SNV-TTr');
    t.equal((await post(`${base}/reopen`)).json().code, 'REPORT_NOT_SUBMITTED', 'a draft has nothing to reopen');
    t.equal((await post(`${base}/return`, 'admin', { reason: 'x' })).json().code, 'REPORT_NOT_SUBMITTED');
  });

  t.test('a failing blocking rule refuses the submission, with the finding', async (t) => {
    await putValues('/v1/reports/2024-H1/BQL-KCN/values', [
      { indicator: 'I.1.1', value: 5 },
      { indicator: 'I.1.2', value: 9 },
    ]);
    const res = await post('/v1/reports/2024-H1/BQL-KCN/submit', 'agency');
    t.equal(res.statusCode, 422);
    t.match(res.json(), {
      code: 'REPORT_BLOCKED',
      findings: [{ rule: 'R-I1-DONE-LE-PLANNED', severity: 'blocking', left: { value: 9 }, right: { value: 5 } }],
    });
    t.equal((await get('/v1/reports/2024-H1/BQL-KCN')).json().state, 'draft');
  });

  t.test('a locked period refuses every write', async (t) => {
    await putValues('/v1/reports/2024-M03/BQL-KCN/values', [{ indicator: 'I.1.1', value: 5 }]);
    await api.request({ method: 'PATCH', url: '/v1/periods/2024-M03', payload: { state: 'locked' } });
    const codes = [
      (await putValues('/v1/reports/2024-M03/BQL-KCN/values', [{ indicator: 'I.1.1', value: 6 }])).json().code,
      (await putValues('/v1/reports/2024-M03/BQL-KCN/values', [{ indicator: 'I.1.1', value: 6 }], 'admin')).json().code,
      (await api.request({ method: 'PATCH', url: '/v1/reports/2024-M03/BQL-KCN', as: 'agency', payload: { narrative: {} } })).json().code,
      (await post('/v1/reports/2024-M03/BQL-KCN/submit', 'admin')).json().code,
      (await api.request({ method: 'DELETE', url: '/v1/reports/2024-M03/BQL-KCN/values/I.1.1' })).json().code,
    ];
    t.same(codes, ['PERIOD_LOCKED', 'PERIOD_LOCKED', 'PERIOD_LOCKED', 'PERIOD_LOCKED', 'PERIOD_LOCKED']);
  });

  t.test('completeness: expected agencies, on time and late, the missing', async (t) => {
    await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2026-M12', templateId: 'CCHC-2023' } });
    const set = await api.request({
      method: 'PUT',
      url: '/v1/periods/2026-M12/expected-agencies',
      payload: { kinds: ['district'], agencies: ['BQL-KCN', 'SNV'] },
    });
    t.equal(set.json().agencies.length, 13);
    t.equal(
      (await api.request({ method: 'PUT', url: '/v1/periods/2026-M12/expected-agencies', payload: { agencies: ['NOPE'] } })).json().code,
      'AGENCY_NOT_FOUND',
    );
    await putValues('/v1/reports/2026-M12/BQL-KCN/values', [{ indicator: 'I.1.1', value: 1 }]);
    await post('/v1/reports/2026-M12/BQL-KCN/submit', 'agency');
    await putValues('/v1/reports/2026-M12/SNV/values', [{ indicator: 'I.1.1', value: 1 }], 'admin');

    const res = (await get('/v1/periods/2026-M12/completeness')).json();
    t.match(res, {
      period: '2026-M12',
      dueOn: '2026-12-20',
      expected: 13,
      submitted: 1,
      onTime: 1,
      late: 0,
      missing: 12,
      submittedRate: { numerator: 1, denominator: 13, value: 7.69 },
    });
    t.match(
      res.agencies.find((a: any) => a.code === 'BQL-KCN'),
      { state: 'submitted', timeliness: 'on_time' },
    );
    t.match(
      res.agencies.find((a: any) => a.code === 'SNV'),
      { state: 'draft', timeliness: null },
    );
    t.match(
      res.agencies.find((a: any) => a.code === 'H-CT'),
      { state: 'none' },
    );
    t.ok(res.missingAgencies.includes('SNV') && res.missingAgencies.includes('H-TD') && !res.missingAgencies.includes('BQL-KCN'));
    t.match(
      res.byKind.find((k: any) => k.kind === 'district'),
      { expected: 11, submitted: 0, missing: 11 },
    );

    const late = (await get('/v1/periods/2024/completeness')).json();
    t.match(
      late.agencies.find((a: any) => a.code === 'BQL-KCN'),
      { timeliness: 'late' },
      'a report submitted after its deadline is late',
    );
    t.equal(late.late, 0, 'a reopened (draft) report does not count as submitted');
    t.same((await get('/v1/periods/2026-M12/expected-agencies')).json().agencies.includes('SNV'), true);
  });

  t.test('the annex exports as CSV with a BOM and Vietnamese numbers, and as a real XLSX workbook', async (t) => {
    const csv = await get('/v1/reports/2023/BQL-KCN/annex?format=csv');
    t.equal(csv.statusCode, 200);
    t.match(csv.headers['content-type'], /^text\/csv; charset=utf-8/);
    t.match(csv.headers['content-disposition'], /attachment; filename="phu-luc-2023-BQL-KCN\.csv"/);
    t.same([...csv.rawPayload.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 byte-order mark');
    const rows = parseCsv(csv.body);
    t.same(rows[0], ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Kết quả thống kê (Số lượng/tỷ lệ)', 'Ghi chú']);
    t.same(rows[1]!.slice(0, 2), ['I', 'Công tác chỉ đạo điều hành CCHC']);
    const byName = (name: string) => rows.find((r) => r[1] === name)!;
    t.equal(byName('Tổng số văn bản đi của cơ quan, đơn vị (văn bản điện tử và văn bản giấy)')[3], '1.473');
    t.equal(byName('Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hẹn')[3], '98,9');
    t.same(byName('Có sáng kiến, giải pháp mới về CCHC').slice(2, 4), ['Không = 0; Có = 1', '1']);
    t.equal(rows.length, 1 + 185, 'every printed row, no supplementary one');
    const withSupplementary = parseCsv((await get('/v1/reports/2023/BQL-KCN/annex?format=csv&supplementary=true')).body);
    t.equal(withSupplementary.length, 1 + 188);

    const xlsx = await get('/v1/reports/2023/BQL-KCN/annex?format=xlsx');
    t.equal(xlsx.headers['content-type'], XLSX);
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(xlsx.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.worksheets[0]!;
    t.equal(sheet.getRow(1).getCell(1).text, 'THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH');
    t.equal(sheet.getRow(2).getCell(1).text, 'NĂM 2023 TẠI BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP TỈNH SÓC TRĂNG');
    t.match(sheet.getRow(3).getCell(1).text, /^\(Kèm theo Báo cáo số …\/BC-BQL ngày … tháng … năm … của Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng\)$/);
    const header = sheet.getRow(5);
    t.equal(header.getCell(2).text, 'Chỉ tiêu thống kê');
    t.equal(header.getCell(2).font?.bold, true, 'styled header');
    t.ok((sheet.getColumn(2).width ?? 0) >= 40, 'a wide name column');
    const cells: unknown[] = [];
    sheet.eachRow((row) => cells.push(row.getCell(4).value));
    t.ok(cells.filter((v) => typeof v === 'number').length > 100, 'result cells are numbers, not text');
    const texts: string[] = [];
    sheet.eachRow((row) => texts.push(row.getCell(2).text));
    t.ok(texts.includes('Số lượng hồ sơ TTHC do cơ quan, đơn vị trả kết quả'), 'Vietnamese text intact');
  });

  t.test('export then import changes nothing (CSV and XLSX)', async (t) => {
    for (const format of ['csv', 'xlsx'] as const) {
      const file = await get(`/v1/reports/2023/BQL-KCN/annex?format=${format}`);
      const res = await api.request({
        method: 'POST',
        url: '/v1/reports/2023/BQL-KCN/annex',
        payload: file.rawPayload,
        headers: { 'content-type': format === 'csv' ? 'text/csv' : XLSX },
      });
      t.equal(res.statusCode, 200, `${format}: ${res.body.slice(0, 300)}`);
      t.match(res.json(), { created: 0, updated: 0, rejected: 0, written: false, atomic: true }, format);
      t.ok(res.json().unchanged >= 130, `${format}: ${res.json().unchanged} unchanged`);
    }
    const before = (await get('/v1/reports/2023/BQL-KCN/audit?limit=1')).json().items[0].id;
    t.equal((await get('/v1/reports/2023/BQL-KCN/audit?limit=1')).json().items[0].id, before, 'no audit entry: nothing was written');
  });

  t.test('import reads a filled table: Vietnamese numbers, labels, renamed spacing; dry run writes nothing', async (t) => {
    const csv = [
      'Biểu thống kê',
      'STT;Chỉ tiêu thống kê;Đơn vị tính;Kết quả thống kê;Ghi chú',
      ';;;Số lượng/tỷ lệ;',
      'I;CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC;;;',
      ';so nhiem vu de ra trong ke hoach;Nhiệm vụ;1.500;Kế hoạch số 02/KH-BQL',
      ';Số nhiệm vụ   đã hoàn thành;Nhiệm vụ;03;',
      '5;Có sáng kiến, giải pháp mới về CCHC;;Có;',
      ';Tỷ lệ hài lòng trong kỳ báo cáo;%;98,5%;',
      ';Số người được đạo tạo, bồi dưỡng theo Kế hoạch;Người;21 (lượt người);',
      ';Hình thức khảo sát;;Kết hợp;',
    ].join('\r\n');
    const url = '/v1/reports/2024-Q1/SNV/annex';
    const dry = await api.request({ method: 'POST', url: `${url}?dryRun=true`, payload: csv, headers: { 'content-type': 'text/csv' } });
    t.equal(dry.statusCode, 200, dry.body.slice(0, 300));
    t.match(dry.json(), { dryRun: true, written: false, created: 6, rejected: 0 });
    t.equal((await get('/v1/reports/2024-Q1/SNV')).json().values, 0, 'the dry run wrote nothing');
    const res = await api.request({ method: 'POST', url, payload: csv, headers: { 'content-type': 'text/csv' } });
    t.match(res.json(), { created: 6, written: true });
    const items = new Map<string, any>((await get('/v1/reports/2024-Q1/SNV/values')).json().items.map((i: any) => [i.indicator, i]));
    t.same(
      ['I.1.1', 'I.1.2', 'I.5', 'I.7.3', 'V.4.1', 'I.7.2'].map((c) => items.get(c)?.value),
      [1500, 3, 1, 98.5, 21, 2],
    );
    t.equal(items.get('I.1.1').note, 'Kế hoạch số 02/KH-BQL');
  });

  t.test('an unreadable number or an unknown row names its row, and nothing is written', async (t) => {
    const csv =
      'STT,Chỉ tiêu thống kê,Đơn vị tính,Kết quả thống kê,Ghi chú\r\n,Số nhiệm vụ đề ra trong kế hoạch,Nhiệm vụ,20,\r\n,Số nhiệm vụ đã hoàn thành,Nhiệm vụ,hai mươi,\r\n,Một chỉ tiêu không có,,1,\r\n';
    const res = await api.request({ method: 'POST', url: '/v1/reports/2024-Q2/SNV/annex', payload: csv, headers: { 'content-type': 'text/csv' } });
    t.equal(res.statusCode, 422);
    t.match(res.json(), {
      code: 'SUBMISSION_REJECTED',
      summary: {
        written: false,
        conflicts: [
          { row: 3, indicator: 'I.1.2', code: 'VALUE_UNREADABLE' },
          { row: 4, code: 'ROW_UNMATCHED' },
        ],
      },
    });
    t.match(res.json().summary.conflicts[0].message, /Row 3 .*"hai mươi" is not a number/);
    t.equal((await get('/v1/reports/2024-Q2/SNV')).json().values, 0, 'nothing is half-written');
    const lenient = await api.request({
      method: 'POST',
      url: '/v1/reports/2024-Q2/SNV/annex?atomic=false',
      payload: csv,
      headers: { 'content-type': 'text/csv' },
    });
    t.match(lenient.json(), { created: 1, rejected: 2, written: true });
    const outOfRange = await api.request({
      method: 'POST',
      url: '/v1/reports/2024-Q3/SNV/annex',
      payload: 'STT,Chỉ tiêu thống kê,Đơn vị tính,Kết quả thống kê,Ghi chú\r\n,Tỷ lệ hài lòng trong kỳ báo cáo,%,150,\r\n',
      headers: { 'content-type': 'text/csv' },
    });
    t.match(outOfRange.json(), { code: 'SUBMISSION_REJECTED', summary: { conflicts: [{ row: 2, code: 'VALUE_OUT_OF_RANGE' }] } });
    const garbage = await api.request({
      method: 'POST',
      url: '/v1/reports/2024-Q3/SNV/annex',
      payload: 'just,some\r\ntext,here',
      headers: { 'content-type': 'text/csv' },
    });
    t.equal(garbage.json().code, 'ANNEX_UNREADABLE');
    const badZip = await api.request({
      method: 'POST',
      url: '/v1/reports/2024-Q3/SNV/annex',
      payload: Buffer.from('PK\u0003\u0004 not really a zip'),
      headers: { 'content-type': XLSX },
    });
    t.equal(badZip.json().code, 'ANNEX_UNREADABLE');
    const wrongType = await api.request({
      method: 'POST',
      url: '/v1/reports/2024-Q3/SNV/annex',
      payload: '{}',
      headers: { 'content-type': 'application/json' },
    });
    t.equal(wrongType.statusCode, 415, 'JSON is not an annex file');
    t.equal(wrongType.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  });

  t.test('the province annex: side by side and rolled up', async (t) => {
    const side = parseCsv((await get('/v1/periods/2023/annex?format=csv&mode=side-by-side')).body);
    const expected = (await get('/v1/periods/2023/expected-agencies')).json().agencies;
    t.equal(expected.length, 31, 'every department and district');
    t.equal(side[0]!.length, 3 + expected.length, 'a column per expected agency');
    const col = side[0]!.indexOf('Ban Quản lý các KCN');
    t.ok(col > 2);
    t.equal(side.find((r) => r[1] === 'Tổng số văn bản đi của cơ quan, đơn vị (văn bản điện tử và văn bản giấy)')![col], '1.473');
    const rolled = parseCsv((await get('/v1/periods/2023/annex?format=csv&mode=rollup&agency=UBND-ST')).body);
    t.match(rolled[0]![3], /Tổng hợp \(\d+ cơ quan, đơn vị\)/);
    const rate = rolled.find((r) => r[1] === 'Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hẹn')!;
    t.same(rate.slice(3), ['98,99', 'recompute'], 'a rate recomputed from the summed counts');
    const xlsx = await get('/v1/periods/2023/annex?format=xlsx');
    t.equal(xlsx.headers['content-type'], XLSX);
  });

  t.test('list reports', async (t) => {
    const res = (await get('/v1/reports?period=2024&state=draft')).json();
    t.ok(res.items.some((r: any) => r.agency === 'BQL-KCN'));
    t.ok(res.items.every((r: any) => r.period === '2024' && r.state === 'draft'));
  });
});
