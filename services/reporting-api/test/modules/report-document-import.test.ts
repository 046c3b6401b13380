import { readFile } from 'node:fs/promises';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import t from 'tap';
import { parseCsv } from '../../src/domain/csv.js';
import { buildTestApp } from '../helpers/app.js';

const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';

/** Spacing as a reader of the document sees it (what the import keeps). */
const tidy = (s: string) => s.normalize('NFC').replace(/\s+/g, ' ').trim();

/** A Word document: paragraphs (section headings as Heading 1, sub-headings bold), then titles and a table. */
async function buildDocx(paragraphs: string[], table: string[][], titles: string[] = []): Promise<Buffer> {
  const body = paragraphs.map((text) => {
    if (/^[IVX]+\.\s/.test(text)) return new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(text)] });
    if (/^\d+\.\s/.test(text)) return new Paragraph({ children: [new TextRun({ text, bold: true })] });
    return new Paragraph({ children: [new TextRun(text)] });
  });
  const rows = table.map(
    (cells) =>
      new TableRow({
        children: cells.map(
          (cell) =>
            new TableCell({
              // A cell's lines are its paragraphs, as Word writes them.
              children: (cell === '' ? [''] : cell.split('\n')).map((line) => new Paragraph({ children: [new TextRun(line)] })),
            }),
        ),
      }),
  );
  const doc = new Document({
    sections: [
      {
        children: [
          ...body,
          new Paragraph({ children: [new TextRun('Nơi nhận:')] }),
          new Paragraph({ children: [new TextRun('- Như trên;')] }),
          ...titles.map((text) => new Paragraph({ children: [new TextRun({ text, bold: true })] })),
          new Table({ rows }),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

/** A multipart/form-data body with one part named file. */
function form(file: Buffer, filename: string, type = DOCX) {
  const boundary = '----cchc-test-boundary';
  const payload = Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${filename}"\r\nContent-Type: ${type}\r\n\r\n`),
    file,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  return { payload, headers: { 'content-type': `multipart/form-data; boundary=${boundary}` } };
}

t.test('a report as a Word document', async (t) => {
  const api = await buildTestApp(t);
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });

  // The reference report's narrative: every paragraph before "Nơi nhận:" (the signature and the annex follow).
  const reference = (await readFile(new URL('../../seed/reference/cchc-report-2023.txt', import.meta.url), 'utf8')).normalize('NFC');
  const narrativePart = reference.slice(0, reference.indexOf('\nNơi nhận:'));
  const paragraphs = narrativePart
    .split('\n')
    .map(tidy)
    .filter((l) => l !== '');
  const narrativeText = paragraphs.join('\n\n');
  // The annex as the service exports it: the test copies no number by hand.
  const csv = await get('/v1/reports/2023/BQL-KCN/annex?format=csv&supplementary=true');
  t.equal(csv.statusCode, 200);
  const table = parseCsv(csv.body);
  const docx = await buildDocx(paragraphs, table, ['THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH', 'NĂM 2023']);
  const reportValues = async (url: string) =>
    new Map<string, { value: unknown; note: string | null }>((await get(`${url}/values`)).json().items.map((i: any) => [i.indicator, i]));
  const reference2023 = await reportValues('/v1/reports/2023/BQL-KCN');

  t.test('the reference report: a dry run matches every row and finds the narrative’s citations', async (t) => {
    const url = '/v1/reports/2024/BQL-KCN';
    t.equal((await get(url)).json().values, 0, 'a fresh report');
    const res = await api.request({ method: 'POST', url: `${url}/document?dryRun=true`, as: 'agency', payload: docx, headers: { 'content-type': DOCX } });
    t.equal(res.statusCode, 200, res.body.slice(0, 500));
    const answer = res.json();
    t.match(answer, { dryRun: true, atomic: true, register: false, annex: { dryRun: true, written: false, rejected: 0, conflicts: [], unmatched: 0 } });
    t.equal(answer.annex.matched, answer.annex.rows, `every one of the ${answer.annex.rows} rows matched`);
    t.ok(answer.annex.created >= 100, `${answer.annex.created} values would be created`);
    t.same(
      answer.narrative.sections.map((s: any) => s.key),
      ['I', 'II', 'IV'],
      'the reference report’s headings (it has no III.)',
    );
    t.match(answer.narrative.sections[0], { key: 'I', title: 'Tình hình thực hiện nhiệm vụ cải cách hành chính (CCHC):' });
    t.equal(answer.narrative.length, narrativeText.length, 'the narrative read is the text written');

    const extract = await api.request({ method: 'POST', url: '/v1/documents/extract', as: 'reader', payload: { text: narrativeText } });
    t.equal(extract.statusCode, 200);
    t.same(answer.citations.narrative, extract.json(), 'the citations are what /v1/documents/extract finds in the same text');
    t.ok(answer.citations.narrative.found >= 50, `${answer.citations.narrative.found} citations`);
    const i11 = answer.citations.notes.find((n: any) => n.indicator === 'I.1.1');
    t.match(i11, { citations: [{ reference: '01/KH-BQL', issuedOn: '2023-01-05' }] }, 'a note’s citation, by row');
    t.same(answer.written, { narrative: [], reportEvidence: [], values: false, valueEvidence: [] }, 'nothing written');
    t.equal((await get(url)).json().values, 0, 'the dry run wrote nothing');
    t.same((await get(url)).json().narrative, {});
  });

  t.test('for real: values, narrative and evidence as the reference', async (t) => {
    const url = '/v1/reports/2024/BQL-KCN';
    const res = await api.request({ method: 'POST', url: `${url}/document?register=true`, as: 'agency', payload: docx, headers: { 'content-type': DOCX } });
    t.equal(res.statusCode, 200, res.body.slice(0, 500));
    const answer = res.json();
    t.match(answer, { dryRun: false, register: true, annex: { written: true, rejected: 0 }, written: { narrative: ['I', 'II', 'IV'], values: true } });

    const imported = await reportValues(url);
    const cells = (items: Map<string, { value: unknown; note: string | null }>, codes: string[]) =>
      Object.fromEntries(codes.map((code) => [code, { value: items.get(code)?.value ?? null, note: items.get(code)?.note ?? null }]));
    const reported = [...reference2023].filter(([, item]) => item.value !== null).map(([code]) => code);
    t.ok(reported.length >= 100, `${reported.length} reference values`);
    t.same(cells(imported, reported), cells(reference2023, reported), 'every value and note as the reference annex');

    const report = (await get(url)).json();
    t.same(Object.keys(report.narrative).sort(), ['I', 'II', 'IV']);
    t.ok(report.narrative.I.startsWith('1. Công tác chỉ đạo điều hành:\n\nNhằm nâng cao vai trò'), 'section I, sub-headings inside');
    t.ok(report.narrative.IV.includes('Tiếp tục công khai địa chỉ đường dây nóng'), 'section IV');
    t.notOk(report.narrative.IV.includes('Nơi nhận'), 'the closing is not narrative');
    t.ok(report.evidence.length > 10, `${report.evidence.length} documents as the report’s evidence`);

    const evidence = (await get(`${url}/evidence`)).json();
    const byIndicator = new Map<string, any[]>(evidence.values.map((v: any) => [v.indicator, v.documents]));
    t.ok(answer.written.valueEvidence.length > 5, `${answer.written.valueEvidence.length} values cite documents`);
    const unlinked = answer.citations.notes.flatMap((row: any) => {
      const ids = new Set((byIndicator.get(row.indicator) ?? []).map((d: any) => d.id));
      return row.citations.filter((c: any) => c.documentId && !ids.has(c.documentId)).map((c: any) => `${row.indicator} ${c.reference}`);
    });
    t.same(unlinked, [], 'every document a note cites is its value’s evidence');
    t.ok(
      answer.citations.notes.every((row: any) => row.citations.every((c: any) => c.documentId)),
      'register: every note citation names a document',
    );
    t.ok(
      (byIndicator.get('I.1.1') ?? []).some((d: any) => d.citation.includes('01/KH-BQL')),
      'I.1.1 cites Kế hoạch số 01/KH-BQL',
    );

    const again = await api.request({ method: 'POST', url: `${url}/document?register=true`, as: 'agency', payload: docx, headers: { 'content-type': DOCX } });
    t.equal(again.statusCode, 200);
    t.match(
      again.json(),
      { annex: { created: 0, updated: 0, written: false }, written: { reportEvidence: [], valueEvidence: [] } },
      'importing it again changes no value',
    );
  });

  t.test('a report the project has never seen: other wording, a small table, sent as a form', async (t) => {
    const paragraphs = [
      'SỞ TƯ PHÁP TỈNH SÓC TRĂNG',
      'BÁO CÁO Kết quả công tác cải cách hành chính năm 2023',
      'Thực hiện Công văn số 535/SNV-TTr ngày 11/3/2022 của Sở Nội vụ, Sở Tư pháp báo cáo như sau:',
      'I. CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH',
      '1. Ban hành kế hoạch',
      'Sở ban hành Kế hoạch số 10/KH-STP ngày 10/01/2023 về cải cách hành chính và Quyết định số 123/QĐ-STP ngày 15/02/2023 về kiểm tra nội bộ.',
      '2. Kiểm tra',
      'Tổ chức kiểm tra 02 phòng chuyên môn; không phát hiện sai sót.',
      'II. CẢI CÁCH THỦ TỤC HÀNH CHÍNH',
      'Tiếp nhận 1.250 hồ sơ, trả kết quả đúng hẹn 98,5% theo Chỉ thị số 05/CT-UBND ngày 25/4/2023 của UBND tỉnh.',
    ];
    const table = [
      ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Kết quả thống kê', 'Ghi chú'],
      ['I', 'CÔNG TÁC CHỈ ĐẠO ĐIỀU HÀNH CCHC', '', '', ''],
      ['', 'Số nhiệm vụ đề ra trong kế hoạch', 'Nhiệm vụ', '12', 'Kế hoạch số 10/KH-STP ngày 10/01/2023'],
      ['', 'Số nhiệm vụ đã hoàn thành', 'Nhiệm vụ', '11', ''],
      ['III', 'Cải cách thủ tục hành chính', '', '', ''],
      ['', 'Tổng số TTHC đang có hiệu lực:', 'Thủ tục', '145', 'Quyết định số 2995/QĐ-UBND ngày 24/11/2023 của UBND tỉnh'],
      ['', 'Số lượng hồ sơ TTHC do cơ quan, đơn vị tiếp nhận', 'Hồ sơ', '1.250', ''],
      ['', 'Số lượng hồ sơ TTHC do cơ quan, đơn vị trả kết quả', 'Hồ sơ', '1.230', 'Trong hạn đang giải quyết: 20.'],
    ];
    const file = await buildDocx(paragraphs, table);
    const res = await api.request({ method: 'POST', url: '/v1/reports/2023/STP/document?dryRun=true', ...form(file, 'bao-cao-stp.docx') });
    t.equal(res.statusCode, 200, res.body.slice(0, 500));
    const answer = res.json();
    t.match(answer, { annex: { rows: 7, matched: 7, unmatched: 0, rejected: 0, created: 5, written: false } });
    t.same(
      answer.narrative.sections.map((s: any) => [s.key, s.title, s.paragraphs]),
      [
        ['I', 'CÔNG TÁC CHỈ ĐẠO, ĐIỀU HÀNH', 4],
        ['II', 'CẢI CÁCH THỦ TỤC HÀNH CHÍNH', 1],
      ],
    );
    t.same(
      answer.citations.narrative.citations.map((c: any) => c.reference),
      ['535/SNV-TTr', '10/KH-STP', '123/QĐ-STP', '05/CT-UBND'],
    );
    t.same(
      answer.citations.notes.map((n: any) => [n.indicator, n.citations.map((c: any) => c.reference)]),
      [
        ['I.1.1', ['10/KH-STP']],
        [answer.citations.notes[1].indicator, ['2995/QĐ-UBND']],
      ],
    );
    t.equal((await get('/v1/reports/2023/STP')).json().values, 0, 'a dry run');

    const real = await api.request({ method: 'POST', url: '/v1/reports/2023/STP/document', ...form(file, 'bao-cao-stp.docx') });
    t.equal(real.statusCode, 200, real.body.slice(0, 500));
    const values = await reportValues('/v1/reports/2023/STP');
    t.equal(values.get('I.1.1')?.value, 12);
    t.equal(values.get('I.1.2')?.value, 11);
    t.ok(
      [...values.values()].some((v) => v.value === 1250),
      'dossiers received, read the Vietnamese way',
    );
    t.match((await get('/v1/reports/2023/STP')).json().narrative, { I: /^1\. Ban hành kế hoạch\n\nSở ban hành Kế hoạch số 10\/KH-STP/, II: /98,5%/ });
    t.same((await get('/v1/reports/2023/STP/evidence')).json().values, [], 'without register, nothing is linked');
  });

  t.test('what is not a DOCX is refused; nothing is written', async (t) => {
    const url = '/v1/reports/2024-Q1/STP/document';
    const text = await api.request({ method: 'POST', url, payload: Buffer.from('I. Không phải tệp Word'), headers: { 'content-type': DOCX } });
    t.equal(text.statusCode, 415);
    t.equal(text.json().code, 'FILE_CONTENT_MISMATCH');
    const odt = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(26), Buffer.from('mimetypeapplication/vnd.oasis.opendocument.text content.xml')]);
    const refusedOdt = await api.request({ method: 'POST', url, payload: odt, headers: { 'content-type': 'application/vnd.oasis.opendocument.text' } });
    t.equal(refusedOdt.statusCode, 415);
    t.match(refusedOdt.json(), { code: 'FILE_CONTENT_MISMATCH', detail: /ODT.*\.docx/ });
    const xlsx = await get('/v1/reports/2023/BQL-KCN/annex?format=xlsx');
    const notWord = await api.request({ method: 'POST', url, payload: xlsx.rawPayload, headers: { 'content-type': 'application/octet-stream' } });
    t.equal(notWord.statusCode, 415, 'a zip that is not a Word document');
    const broken = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(26), Buffer.from('word/document.xml but not a zip at all')]);
    const unreadable = await api.request({ method: 'POST', url, payload: broken, headers: { 'content-type': DOCX } });
    t.equal(unreadable.statusCode, 422);
    t.equal(unreadable.json().code, 'ANNEX_UNREADABLE');
    const json = await api.request({ method: 'POST', url, payload: { text: 'x' } });
    t.equal(json.statusCode, 415);
    t.equal((await get('/v1/reports/2024-Q1/STP')).json().values, 0);
  });

  t.test('an unmatched row refuses the whole document (atomic), like the annex import', async (t) => {
    const file = await buildDocx(
      ['I. CÔNG TÁC CHỈ ĐẠO', 'Nội dung.'],
      [
        ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Kết quả thống kê', 'Ghi chú'],
        ['', 'Số nhiệm vụ đề ra trong kế hoạch', 'Nhiệm vụ', '3', ''],
        ['', 'Một chỉ tiêu không có trong mẫu', '', '1', ''],
      ],
    );
    const url = '/v1/reports/2024-Q2/STP';
    const res = await api.request({ method: 'POST', url: `${url}/document`, payload: file, headers: { 'content-type': DOCX } });
    t.equal(res.statusCode, 422);
    t.match(res.json(), { code: 'SUBMISSION_REJECTED', summary: { written: false, conflicts: [{ row: 3, code: 'ROW_UNMATCHED' }] } });
    const report = (await get(url)).json();
    t.equal(report.values, 0);
    t.same(report.narrative, {}, 'nor the narrative');
  });

  t.test('a submitted report is frozen: 409 like the annex import', async (t) => {
    const url = '/v1/reports/2024/BQL-KCN';
    const submitted = await api.request({ method: 'POST', url: `${url}/submit`, as: 'agency' });
    t.equal(submitted.statusCode, 200, submitted.body.slice(0, 300));
    for (const dryRun of [true, false]) {
      const res = await api.request({
        method: 'POST',
        url: `${url}/document?dryRun=${dryRun}`,
        as: 'agency',
        payload: docx,
        headers: { 'content-type': DOCX },
      });
      t.equal(res.statusCode, 409);
      t.equal(res.json().code, 'REPORT_SUBMITTED');
    }
    const annex = await api.request({ method: 'POST', url: `${url}/annex`, as: 'agency', payload: csv.rawPayload, headers: { 'content-type': 'text/csv' } });
    t.equal(annex.statusCode, 409, 'the annex import answers the same');
  });

  t.test('an agency key writes only its own reports', async (t) => {
    const res = await api.request({
      method: 'POST',
      url: '/v1/reports/2024/SNV/document?dryRun=true',
      as: 'agency',
      payload: docx,
      headers: { 'content-type': DOCX },
    });
    t.equal(res.statusCode, 403);
    const narrativeOnly = await buildDocx(['I. CÔNG TÁC CHỈ ĐẠO', 'Nội dung.'], [['Không phải phụ lục']]);
    const noTable = await api.request({
      method: 'POST',
      url: '/v1/reports/2024/SNV/document?dryRun=true',
      as: 'agency',
      payload: narrativeOnly,
      headers: { 'content-type': DOCX },
    });
    t.equal(noTable.statusCode, 403, 'a dry run without a table too');
    const own = await api.request({
      method: 'POST',
      url: '/v1/reports/2024-Q3/BQL-KCN/document?dryRun=true',
      as: 'agency',
      payload: narrativeOnly,
      headers: { 'content-type': DOCX },
    });
    t.equal(own.statusCode, 200);
    t.match(own.json(), { annex: null, narrative: { sections: [{ key: 'I', title: 'CÔNG TÁC CHỈ ĐẠO', length: 9 }] } });
  });
});
