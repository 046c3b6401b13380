/**
 * The annex workbook prints: A4, one page wide, the header on every page, Times New Roman, numeric cells; and what
 * LibreOffice prints of it (PDF, checked with poppler-utils) is a few readable pages. The PDF part needs `soffice`
 * and is skipped, saying so, where it is missing (CI installs it). ANNEX_PRINT_KEEP=<dir> keeps the files.
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import ExcelJS from 'exceljs';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const run = promisify(execFile);
const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const SOFFICE = ['/usr/bin/soffice', '/usr/local/bin/soffice', '/usr/lib/libreoffice/program/soffice'].find((p) => existsSync(p));

async function load(file: Buffer): Promise<ExcelJS.Worksheet> {
  const workbook = new ExcelJS.Workbook();
  await workbook.xlsx.load(file as unknown as ArrayBuffer);
  return workbook.worksheets[0]!;
}

/** Converts files with LibreOffice in a profile of its own (parallel runs must not share one). */
async function soffice(to: 'pdf' | 'xlsx', dir: string, files: string[]): Promise<void> {
  const profile = `/tmp/lo-${randomUUID()}`;
  try {
    await run(SOFFICE!, [`-env:UserInstallation=file://${profile}`, '--headless', '--convert-to', to, '--outdir', dir, ...files], { timeout: 90_000 });
  } finally {
    await rm(profile, { recursive: true, force: true });
  }
}

/** Page count, page size in points and each page's text (pdftotext -layout). */
async function readPdf(file: string): Promise<{ pages: number; width: number; height: number; texts: string[] }> {
  const info = (await run('pdfinfo', [file])).stdout;
  const pages = Number(/Pages:\s+(\d+)/.exec(info)![1]);
  const [, width, height] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info)!;
  const text = (await run('pdftotext', ['-layout', file, '-'], { maxBuffer: 64 * 1024 * 1024 })).stdout;
  return { pages, width: Number(width), height: Number(height), texts: text.split('\f').slice(0, pages) };
}

const topLines = (text: string, n: number) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)
    .slice(0, n)
    .join('\n');

t.test('the annex workbook is ready to print', async (t) => {
  const api = await buildTestApp(t);
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });
  const keep = process.env.ANNEX_PRINT_KEEP;
  const dir = keep ? (await mkdir(keep, { recursive: true }), keep) : await mkdtemp(join(tmpdir(), 'annex-print-'));
  if (!keep) t.teardown(() => rm(dir, { recursive: true, force: true }));

  const report = await get('/v1/reports/2023/BQL-KCN/annex?format=xlsx');
  t.equal(report.statusCode, 200);
  t.equal(report.headers['content-type'], XLSX);
  const period = await get('/v1/periods/2023/annex?format=xlsx&mode=side-by-side');
  t.equal(period.statusCode, 200);
  const rollup = await get('/v1/periods/2023/annex?format=xlsx&mode=rollup&agency=UBND-ST');
  t.equal(rollup.statusCode, 200);
  await writeFile(join(dir, 'report.xlsx'), report.rawPayload);
  await writeFile(join(dir, 'period.xlsx'), period.rawPayload);
  await writeFile(join(dir, 'rollup.xlsx'), rollup.rawPayload);

  t.test('page setup, fonts, title block and numeric cells', async (t) => {
    for (const [name, file] of [
      ['report', report.rawPayload],
      ['period', period.rawPayload],
      ['rollup', rollup.rawPayload],
    ] as const) {
      const sheet = await load(file);
      t.match(sheet.pageSetup, { paperSize: 9, fitToPage: true, fitToWidth: 1, fitToHeight: 0 }, `${name}: A4, one page wide`);
      t.ok(['portrait', 'landscape'].includes(sheet.pageSetup.orientation!), `${name}: ${sheet.pageSetup.orientation}`);
      t.match(sheet.pageSetup.printTitlesRow, /^\$?\d+:\$?\d+$/, `${name}: print titles ${sheet.pageSetup.printTitlesRow}`);
      const margins = sheet.pageSetup.margins!;
      t.ok(
        margins.left >= 1.18 - 0.01 && margins.left <= 1.38 && margins.right >= 0.59 - 0.01 && margins.top >= 0.78 && margins.bottom >= 0.78,
        `${name}: ND 30 margins`,
      );
      const fonts = new Set<string>();
      let numeric = 0;
      sheet.eachRow((row) =>
        row.eachCell({ includeEmpty: false }, (cell) => {
          fonts.add(cell.font?.name ?? '(none)');
          if (typeof cell.value === 'number') numeric++;
        }),
      );
      t.same([...fonts], ['Times New Roman'], `${name}: Times New Roman on every cell`);
      t.ok(numeric > (name === 'rollup' ? 80 : 100), `${name}: ${numeric} numeric cells`);
    }

    const sheet = await load(report.rawPayload);
    const titles = [1, 2, 3].map((r) => sheet.getRow(r).getCell(1).text);
    t.same(titles, [
      'THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH',
      'NĂM 2023 TẠI BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP TỈNH SÓC TRĂNG',
      '(Kèm theo Báo cáo số …/BC-BQL ngày … tháng … năm … của Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng)',
    ]);
    let continued = 0;
    sheet.eachRow((row) => {
      if (row.getCell(2).text === '' && row.getCell(5).text !== '' && row.number > 5) continued++;
    });
    t.ok(continued > 0, `a long note continues on ${continued} row(s) below its own (the import joins them)`);
    const headerRow = Number(/\d+/.exec(sheet.pageSetup.printTitlesRow!)![0]);
    t.equal(sheet.getRow(headerRow).getCell(1).text, 'STT', 'the print titles are the header row');
    t.equal(sheet.getRow(headerRow).getCell(4).text, 'Kết quả thống kê (Số lượng/tỷ lệ)');
    t.ok((sheet.getRow(headerRow).height ?? 0) >= 28, 'the header is tall enough for its wrapped text');
    const rowOf = (name: string) => {
      let found: ExcelJS.Row | undefined;
      sheet.eachRow((row) => {
        if (!found && row.getCell(2).text === name) found = row;
      });
      return found!;
    };
    const sent = rowOf('Tổng số văn bản đi của cơ quan, đơn vị (văn bản điện tử và văn bản giấy)').getCell(4);
    t.equal(sent.value, 1473);
    t.equal(sent.numFmt, '[$-42A]#,##0', 'thousands grouped: "1.473" in the Vietnamese locale');
    const onTime = rowOf('Tỷ lệ hồ sơ TTHC tiếp nhận được giải quyết đúng hẹn').getCell(4);
    t.equal(onTime.value, 98.9);
    t.equal(onTime.numFmt, '[$-42A]#,##0.0', 'one decimal: "98,9"');
    const coded = rowOf('Có sáng kiến, giải pháp mới về CCHC').getCell(4);
    t.equal(coded.value, 1, 'a code stays a number');
    t.equal(coded.numFmt, '[=0]"0 (Không)";[=1]"1 (Có)";0', 'and shows its label');
    t.equal(sheet.getColumn(2).font?.name ?? 'Times New Roman', 'Times New Roman');

    const referenced = await api.app.services.annex.exportReport({ periodId: '2023', agencyCode: 'BQL-KCN' }, 'xlsx', {
      supplementary: false,
      reference: { number: '125/BC-BQL', issuedOn: '2023-12-08', issuerName: null },
    });
    t.equal(
      (await load(referenced.body as Buffer)).getRow(3).getCell(1).text,
      '(Kèm theo Báo cáo số 125/BC-BQL ngày 08 tháng 12 năm 2023 của Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng)',
      "the report's number and date when known",
    );
  });

  t.test(
    'LibreOffice prints it in a few A4 pages, the header on each',
    { skip: SOFFICE ? false : 'soffice (LibreOffice) is not installed: no PDF check' },
    async (t) => {
      await soffice('pdf', dir, [join(dir, 'report.xlsx'), join(dir, 'period.xlsx'), join(dir, 'rollup.xlsx')]);
      const pdf = await readPdf(join(dir, 'report.pdf'));
      t.ok(pdf.pages >= 2 && pdf.pages <= 8, `the reference annex in ${pdf.pages} pages`);
      t.same([Math.round(Math.min(pdf.width, pdf.height)), Math.round(Math.max(pdf.width, pdf.height))], [595, 842], 'A4');
      const first = pdf.texts[0]!;
      for (const text of [
        'THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH',
        'NĂM 2023 TẠI BAN QUẢN LÝ CÁC KHU CÔNG NGHIỆP TỈNH SÓC TRĂNG',
        'Kèm theo Báo cáo số',
      ])
        t.ok(first.includes(text), `page 1 holds the title: ${text}`);
      t.match(first, /STT[\s\S]*Công tác chỉ đạo điều hành CCHC[\s\S]*Số nhiệm vụ đề ra trong kế hoạch/, 'page 1 holds the header and the first rows');
      // The header wraps over lines; its last words printed mean it is not clipped.
      for (const word of ['Kết quả', 'thống kê', 'lượng/tỷ lệ)']) t.ok(first.includes(word), `the result header prints whole: ${word}`);
      pdf.texts.slice(1).forEach((text, i) => {
        const top = topLines(text, 3);
        t.ok(top.includes('STT') && top.includes('Chỉ tiêu'), `page ${i + 2} starts with the header row:\n${top}`);
      });
      const all = pdf.texts.join('\n');
      t.match(all, /\b1\.473\b/, 'numbers print the Vietnamese way: 1.473');
      t.match(all, /\b98,9\b/, 'and 98,9');

      for (const name of ['period', 'rollup']) {
        const annex = await readPdf(join(dir, `${name}.pdf`));
        t.same([Math.round(Math.min(annex.width, annex.height)), Math.round(Math.max(annex.width, annex.height))], [595, 842], `${name}: A4`);
        t.ok(annex.pages <= 12, `${name}: ${annex.pages} pages`);
        t.ok(annex.texts[0]!.includes('NĂM 2023 TẠI'), `${name}: page 1 holds the title`);
        // One page wide: a page strip without the STT column would mean the table was cut into vertical strips.
        // Side by side the agency names are turned 90°, so pdftotext reads them first: the header row is the first
        // line with STT and Chỉ tiêu, before any indicator row.
        annex.texts.forEach((text, i) => {
          const lines = text.split('\n').filter((l) => l.trim() !== '');
          const header = lines.findIndex((l) => l.includes('STT') && l.includes('Chỉ tiêu'));
          const data = lines.findIndex((l) => /\b(Số|Tỷ lệ|Công tác)\s/u.test(l));
          t.ok(header >= 0 && (data < 0 || header < data), `${name}: page ${i + 1} starts with the header row`);
        });
      }
    },
  );

  t.test('the import reads the workbook back, and a LibreOffice re-save of it, unchanged', async (t) => {
    const files: Array<[string, Buffer]> = [['export', report.rawPayload]];
    if (SOFFICE) {
      const resaved = join(dir, 'resaved');
      await mkdir(resaved, { recursive: true });
      await soffice('xlsx', resaved, [join(dir, 'report.xlsx')]);
      files.push(['LibreOffice re-save', await readFile(join(resaved, 'report.xlsx'))]);
    } else t.comment('soffice (LibreOffice) is not installed: no re-save check');
    for (const [name, file] of files) {
      const res = await api.request({ method: 'POST', url: '/v1/reports/2023/BQL-KCN/annex?dryRun=true', payload: file, headers: { 'content-type': XLSX } });
      t.equal(res.statusCode, 200, `${name}: ${res.body.slice(0, 300)}`);
      t.match(res.json(), { created: 0, updated: 0, rejected: 0, written: false }, `${name}: nothing changes`);
      t.ok(res.json().unchanged >= 130, `${name}: ${res.json().unchanged} unchanged`);
    }
  });
});
