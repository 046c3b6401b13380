/**
 * The official documents: a report's document metadata through the API, the report as a DOCX in the layout of
 * Nghị định 30/2020 (A4, margins, Times New Roman, checked in word/document.xml), and what LibreOffice prints of it
 * (PDF read back with poppler-utils): the header block, number, Kính gửi, the narrative of the reference report,
 * Nơi nhận, the annex with its Vietnamese numbers. Then the province summary. The PDF parts need `soffice`
 * (LibreOffice) and are skipped without it.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import t from 'tap';
import { annexReference, dateLine, placeOf, sectionOrder } from '../../src/modules/reports/document.js';
import { buildTestApp } from '../helpers/app.js';

const run = promisify(execFile);
const DOCX = 'application/vnd.openxmlformats-officedocument.wordprocessingml.document';
const SOFFICE = ['/usr/bin/soffice', '/usr/local/bin/soffice', '/usr/lib/libreoffice/program/soffice'].find((p) => existsSync(p));
const REFERENCE = readFileSync(new URL('../../seed/reference/cchc-report-2023.txt', import.meta.url), 'utf8');

/** The zip reader docx itself uses (a dependency of docx, resolved from it). */
const { unzipSync, strFromU8 } = createRequire(import.meta.resolve('docx'))('fflate') as {
  unzipSync: (data: Uint8Array) => Record<string, Uint8Array>;
  strFromU8: (data: Uint8Array) => string;
};

/** The reference report's opening paragraph and its sections I.–VII., with their titles. */
function referenceSections(text: string): { opening: string; sections: Record<string, string>; titles: Record<string, string> } {
  const body = text.slice(0, text.indexOf('Trên đây là báo cáo'));
  const lines = body.split('\n').map((l) => l.trim());
  const sections: Record<string, string> = {};
  const titles: Record<string, string> = {};
  const opening: string[] = [];
  let current: string | undefined;
  let paragraphs: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const m = /^(I|II|III|IV|V|VI|VII)\.\s+(.+)$/.exec(lines[i]!);
    if (m) {
      if (current) sections[current] = paragraphs.join('\n\n');
      current = m[1]!;
      paragraphs = [];
      let title = m[2]!;
      // A title broken over two lines (IV.) continues on the next non-blank line.
      while (!title.endsWith(':')) {
        i++;
        while (lines[i] === '') i++;
        title = `${title} ${lines[i]}`;
      }
      titles[current] = title.replace(/:$/, '');
      continue;
    }
    if (lines[i] === '') continue;
    if (current) paragraphs.push(lines[i]!);
    else if (/^Theo /.test(lines[i]!)) opening.push(lines[i]!);
  }
  if (current) sections[current] = paragraphs.join('\n\n');
  return { opening: opening.join('\n\n'), sections, titles };
}

/** Converts files with LibreOffice in a profile of its own (parallel runs must not share one). */
async function toPdf(dir: string, files: string[]): Promise<void> {
  const profile = `/tmp/lo-${randomUUID()}`;
  try {
    await run(SOFFICE!, [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', 'pdf', '--outdir', dir, ...files], { timeout: 120_000 });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

async function readPdf(file: string): Promise<{ pages: number; width: number; height: number; layout: string; flat: string }> {
  const info = (await run('pdfinfo', [file])).stdout;
  const [, width, height] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info)!;
  const layout = (await run('pdftotext', ['-layout', file, '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  const raw = (await run('pdftotext', [file, '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  // Lines broken inside a table cell or a paragraph joined again.
  const flat = raw.replace(/\s+/g, ' ');
  return { pages: Number(/Pages:\s+(\d+)/.exec(info)![1]), width: Number(width), height: Number(height), layout, flat };
}

/** Whether one printed line (pdftotext -layout) holds a table row: the start of its label, then its cells in order. */
const rowLine = (layout: string, ...cells: string[]) =>
  layout.split('\n').some((line) => {
    let at = 0;
    for (const c of cells) {
      const i = line.indexOf(c, at);
      if (i < 0) return false;
      at = i + c.length;
    }
    return true;
  });

const twips = (xml: string, element: string, attribute: string) => Number(new RegExp(`<w:${element}\\b[^>]*\\bw:${attribute}="(\\d+)"`).exec(xml)?.[1]);
const mm = (tw: number) => (tw / 1440) * 25.4;

const META = {
  number: '15/BC-BQL',
  place: 'Sóc Trăng',
  issuedOn: '2023-12-15',
  governingBody: 'UBND tỉnh Sóc Trăng',
  issuer: 'Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng',
  title: 'Tình hình, kết quả thực hiện cải cách hành chính năm 2023',
  recipients: ['Sở Nội vụ tỉnh Sóc Trăng'],
  distribution: ['Như trên;', 'Trung tâm HT&DV KCN ST;', 'Lưu: BLĐ, các phòng, VT.'],
  signer: { authority: 'KT. TRƯỞNG BAN', position: 'PHÓ TRƯỞNG BAN', name: 'Nguyễn Văn An' },
};

t.test('pure helpers', async (t) => {
  t.same(annexReference({ number: '15/BC-BQL', issuedOn: '2023-12-15' }, 'Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng'), {
    number: '15/BC-BQL',
    issuedOn: '2023-12-15',
    issuerName: 'Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng',
  });
  t.same(annexReference({}), { number: null, issuedOn: null, issuerName: null });
  t.equal(placeOf('Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng'), 'Sóc Trăng');
  t.equal(dateLine('Sóc Trăng', '2024-01-05'), 'Sóc Trăng, ngày 05 tháng 01 năm 2024', 'leading zeros for days below 10 and months 1–2');
  t.equal(dateLine('Sóc Trăng', '2023-12-15'), 'Sóc Trăng, ngày 15 tháng 12 năm 2023');
  t.equal(dateLine(null, null), '…, ngày … tháng … năm …', 'a blank form');
  t.same(sectionOrder(['IV', 'II', 'Kết luận', 'I', 'VII']), ['I', 'II', 'IV', 'VII', 'Kết luận']);
});

t.test('report document', async (t) => {
  const api = await buildTestApp(t);
  const base = '/v1/reports/2023/BQL-KCN';
  const patch = (payload: object, as: 'admin' | 'agency' = 'agency') => api.request({ method: 'PATCH', url: base, as, payload });
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });
  const dir = await mkdtemp(join(tmpdir(), 'report-document-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));

  const reference = referenceSections(REFERENCE);
  t.same(Object.keys(reference.sections), ['I', 'II', 'IV'], 'the reference text has sections I., II. and IV.');
  t.match(reference.titles.IV, /^Kết quả thực hiện Chỉ thị số 10\/CT-TTg ngày 22\/4\/2019 của Thủ tướng Chính phủ/);

  t.test('metadata: PATCH merges it, GET answers it', async (t) => {
    t.same((await get(base)).json().document, {}, 'nothing set yet');
    const written = await patch({
      narrative: reference.sections,
      document: { ...META, opening: reference.opening, sectionTitles: reference.titles },
    });
    t.equal(written.statusCode, 200, written.body);
    t.match(written.json().document, { ...META, sectionTitles: reference.titles });
    t.same((await get(base)).json().document, written.json().document, 'GET round-trips it');

    const merged = await patch({ document: { place: null, signer: { position: 'TRƯỞNG BAN', name: 'Trần Thị Bình' } } });
    t.equal(merged.statusCode, 200);
    const doc = merged.json().document;
    t.notOk('place' in doc, 'null clears a field');
    t.equal(doc.number, '15/BC-BQL', 'fields not given stay');
    t.same(doc.signer, { position: 'TRƯỞNG BAN', name: 'Trần Thị Bình' }, 'the signer is replaced whole');
    t.same(Object.keys(merged.json().narrative), ['I', 'II', 'IV'], 'the narrative is left alone');
    t.equal((await patch({ document: { ...META } })).statusCode, 200);

    const tooLong = await patch({ document: { number: 'x'.repeat(51) } });
    t.equal(tooLong.statusCode, 400);
    t.equal((await patch({ document: { unknownField: 'x' } })).statusCode, 400, 'no other fields');
    t.equal((await patch({ document: { issuedOn: '15/12/2023' } })).statusCode, 400, 'an ISO date');
  });

  t.test('the DOCX: A4, NĐ 30 margins, Times New Roman', async (t) => {
    const res = await get(`${base}/document`);
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    t.equal(res.headers['content-type'], DOCX);
    t.match(res.headers['content-disposition'], /^attachment; filename="bao-cao-2023-BQL-KCN\.docx"$/);
    const files = unzipSync(res.rawPayload);
    const xml = strFromU8(files['word/document.xml']!);
    t.equal(twips(xml, 'pgSz', 'w'), 11906, 'A4 width');
    t.equal(twips(xml, 'pgSz', 'h'), 16838, 'A4 height');
    const margin = (side: string) => mm(twips(xml, 'pgMar', side));
    t.ok(margin('top') >= 19.9 && margin('top') <= 25.1, `top ${margin('top')} mm`);
    t.ok(margin('bottom') >= 19.9 && margin('bottom') <= 25.1, `bottom ${margin('bottom')} mm`);
    t.ok(margin('left') >= 29.9 && margin('left') <= 35.1, `left ${margin('left')} mm`);
    t.ok(margin('right') >= 14.9 && margin('right') <= 20.1, `right ${margin('right')} mm`);
    t.match(xml, /w:ascii="Times New Roman"/);
    t.match(strFromU8(files['word/styles.xml']!), /Times New Roman/, 'the default font');
    t.match(xml, /<w:sz w:val="2[6-8]"\/>/, 'body text at 13–14 pt');
    t.match(xml, /<w:tblHeader\/>/, 'the annex header row repeats on every page');
    t.match(xml, /CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/);
    await writeFile(join(dir, 'report.docx'), res.rawPayload);
  });

  t.test(
    'LibreOffice prints it: the ND 30 layout, the reference narrative, the annex',
    { skip: SOFFICE ? false : 'soffice (LibreOffice) is not installed: no PDF check' },
    async (t) => {
      await toPdf(dir, [join(dir, 'report.docx')]);
      const pdf = await readPdf(join(dir, 'report.pdf'));
      t.ok(Math.abs(pdf.width - 595.3) < 1 && Math.abs(pdf.height - 841.9) < 1, `A4 pages (${pdf.width} × ${pdf.height} pt)`);
      t.ok(pdf.pages >= 3, `${pdf.pages} pages`);
      const first = pdf.layout.split('\f')[0]!;
      t.match(first, /UBND TỈNH SÓC TRĂNG\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/, 'governing body and the national name side by side');
      t.match(first, /Độc lập - Tự do - Hạnh phúc/);
      t.match(first, /Số: 15\/BC-BQL\s+Sóc Trăng, ngày 15 tháng 12 năm 2023/, 'number left, place and date right');
      t.match(first, /BÁO CÁO/);
      t.match(first, /Kính gửi: Sở Nội vụ tỉnh Sóc Trăng/);
      t.match(pdf.flat, /BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP TỈNH SÓC TRĂNG/);
      t.match(pdf.flat, /Tình hình, kết quả thực hiện cải cách hành chính năm 2023/);
      t.match(pdf.flat, /Theo Công văn số 535\/SNV-TTr ngày 11\/3\/2022/, 'the opening paragraph');
      t.match(pdf.flat, /I\. TÌNH HÌNH THỰC HIỆN NHIỆM VỤ CẢI CÁCH HÀNH CHÍNH \(CCHC\)/, 'section titles, upper case');
      t.match(pdf.flat, /IV\. KẾT QUẢ THỰC HIỆN CHỈ THỊ SỐ 10\/CT-TTG/);
      for (const citation of ['Kế hoạch số 01/KH-BQL ngày 05/01/2023', 'Thông báo số 11/TB-BQL ngày 19/7/2023', 'Quyết định số 1847/QĐ-TTg ngày 27/12/2018']) {
        t.ok(pdf.flat.includes(citation), `the narrative cites ${citation}`);
      }
      t.ok(pdf.flat.indexOf('Nơi nhận:') > pdf.flat.indexOf('Quyết định số 1847/QĐ-TTg'), 'Nơi nhận after the narrative');
      t.match(pdf.flat, /- Trung tâm HT&DV KCN ST;/);
      t.match(pdf.flat, /KT\. TRƯỞNG BAN/);
      t.match(pdf.flat, /PHÓ TRƯỞNG BAN/);
      t.match(pdf.flat, /Nguyễn Văn An/);
      t.match(pdf.flat, /THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH/);
      t.match(pdf.flat, /\(Kèm theo Báo cáo số 15\/BC-BQL ngày 15 tháng 12 năm 2023 của Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng\)/);
      t.match(pdf.flat, /STT Chỉ tiêu thống kê Đơn vị tính Kết quả thống kê/);
      // The annex rows as the CSV export writes them, Vietnamese numbers included.
      const csv = (await get(`${base}/annex?format=csv`)).body;
      const decimal = csv.split('\n').find((l) => l.includes('Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hẹn'));
      t.match(decimal, /"98,9"/);
      t.ok(rowLine(pdf.layout, 'Tỷ lệ hồ sơ TTHC', ' % ', ' 98,9 ', 'Có 98/99 hồ sơ'), 'a row with a decimal written 98,9 and its note');
      t.ok(rowLine(pdf.layout, 'Công tác chỉ đạo điều hành CCHC'), 'a section row');
      t.notMatch(pdf.flat, /98\.9\b/);
    },
  );

  t.test('frozen reports refuse changes; unknown reports are 404 problems', async (t) => {
    const submitted = await api.request({ method: 'POST', url: `${base}/submit`, as: 'agency' });
    t.equal(submitted.statusCode, 200, submitted.body.slice(0, 400));
    const refused = await patch({ document: { number: '16/BC-BQL' } });
    t.equal(refused.statusCode, 409);
    t.equal(refused.json().code, 'REPORT_SUBMITTED');
    t.equal((await get(base)).json().document.number, '15/BC-BQL', 'unchanged');
    t.equal((await get(`${base}/document`)).statusCode, 200, 'a submitted report still prints');

    for (const [url, code] of [
      ['/v1/reports/2023/NO-SUCH/document', 'AGENCY_NOT_FOUND'],
      ['/v1/reports/2099/BQL-KCN/document', 'PERIOD_NOT_FOUND'],
      ['/v1/periods/2099/summary-document', 'PERIOD_NOT_FOUND'],
    ] as const) {
      const res = await get(url);
      t.equal(res.statusCode, 404, url);
      t.match(res.headers['content-type'], /^application\/problem\+json/);
      t.equal(res.json().code, code);
    }
    const blank = await get('/v1/reports/2023/SNV/document');
    t.equal(blank.statusCode, 200, 'a report nobody started prints as a blank form');
  });

  t.test('the province summary: completeness, roll-up, findings', async (t) => {
    const res = await get('/v1/periods/2023/summary-document');
    t.equal(res.statusCode, 200, res.body.slice(0, 300));
    t.equal(res.headers['content-type'], DOCX);
    t.match(res.headers['content-disposition'], /filename="bao-cao-tong-hop-2023-UBND-ST\.docx"/);
    const xml = strFromU8(unzipSync(res.rawPayload)['word/document.xml']!);
    t.equal(twips(xml, 'pgSz', 'w'), 11906);
    await writeFile(join(dir, 'summary.docx'), res.rawPayload);
  });

  t.test('LibreOffice prints the summary', { skip: SOFFICE ? false : 'soffice (LibreOffice) is not installed: no PDF check' }, async (t) => {
    await toPdf(dir, [join(dir, 'summary.docx')]);
    const pdf = await readPdf(join(dir, 'summary.pdf'));
    t.ok(Math.abs(pdf.width - 595.3) < 1, 'A4');
    const first = pdf.layout.split('\f')[0]!;
    t.match(first, /UBND TỈNH SÓC TRĂNG\s+CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM/);
    t.match(first, /SỞ NỘI VỤ\s+Độc lập - Tự do - Hạnh phúc/);
    t.match(pdf.flat, /Kính gửi: Ủy ban nhân dân tỉnh Sóc Trăng/);
    const completeness = (await get('/v1/periods/2023/completeness')).json();
    t.match(pdf.flat, new RegExp(`Có ${completeness.submitted}/${completeness.expected} cơ quan, đơn vị đã gửi báo cáo`));
    t.ok(rowLine(pdf.layout, 'STT', 'Cơ quan, đơn vị', 'Tình trạng', 'Ngày gửi', 'Thời hạn'), 'the completeness table');
    const day = new Intl.DateTimeFormat('en-GB', { timeZone: 'Asia/Ho_Chi_Minh' }).format(
      new Date(completeness.agencies.find((a: any) => a.code === 'BQL-KCN').firstSubmittedAt),
    );
    t.ok(rowLine(pdf.layout, 'Ban Quản lý các khu', 'Đã gửi', day, 'Trễ hạn'), `the submitted report with its day (${day}), late against 20/12/2023`);
    t.ok(rowLine(pdf.layout, 'Sở Tư pháp tỉnh Sóc Trăng', 'Chưa gửi'), 'a missing one');
    t.match(pdf.flat, /II\. SỐ LIỆU TỔNG HỢP/);
    const rollup = (await get('/v1/periods/2023/annex?format=csv&mode=rollup')).body.split('\n');
    const rate = /,%,"?([\d.,]+)"?,/.exec(rollup.find((l) => l.includes('Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hẹn'))!)![1]!;
    t.equal(rate, '98,99', 'the roll-up recomputes the rate from its inputs');
    t.ok(rowLine(pdf.layout, 'Tỷ lệ hồ sơ TTHC', ' % ', ` ${rate} `, 'recompute'), 'a roll-up row, written the Vietnamese way');
    t.ok(rowLine(pdf.layout, 'Số lượng hồ sơ TTHC do', ' 103 ', 'sum'), 'a summed row');
    t.match(pdf.flat, /III\. CÁC VẤN ĐỀ PHÁT HIỆN QUA KIỂM TRA SỐ LIỆU/);
    const findings = (await get('/v1/reports/2023/BQL-KCN/findings')).json().findings as Array<{ rule: string; severity: string }>;
    const warning = findings.find((f) => f.severity === 'warning')!;
    t.ok(warning, 'the reference report has warnings');
    t.ok(pdf.flat.includes(`Cảnh báo (${warning.rule})`), `the warning ${warning.rule} is listed`);
    t.match(pdf.flat, /Nơi nhận:/);
    t.match(pdf.flat, /GIÁM ĐỐC/);
  });
});
