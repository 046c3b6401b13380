/**
 * The CLI as a child process against a live service with the seeded demo data: bad lines and the rejects file,
 * an XLSX export with Vietnamese headers, annex export/import, values, completeness, problems and usage errors.
 */
import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import t from 'tap';
import { runCli, startService } from './helpers/server.js';

const service = await startService(t);
const ingest = { url: service.url, apiKey: service.api.keys.ingest };
const admin = { url: service.url, apiKey: service.api.keys.admin };
const reader = { url: service.url, apiKey: service.api.keys.reader };
const dir = await mkdtemp(join(tmpdir(), 'cchc-cli-'));

type Totals = { created: number; updated: number; unchanged: number; stale: number; rejected: number; refusedLocally: number; rows: number };

async function stored(source: string): Promise<Array<Record<string, unknown>>> {
  const query = `select agency_code, procedure_code, day::text as day, received_new, resolved_late, pending_overdue, as_of
    from dossier_counts where source = '${source}' order by day`;
  return ((await service.api.database.db.execute(query)) as { rows: Array<Record<string, unknown>> }).rows;
}

t.test('bad lines: refused with their line numbers, in the rejects file, exit 1', async (t) => {
  const file = join(dir, 'bad-lines.csv');
  await writeFile(
    file,
    [
      'Báo cáo số liệu hồ sơ, năm 2023;;;;;;;',
      'STT;Mã đơn vị;Mã thủ tục;Ngày;Tiếp nhận mới;Trực tuyến;Trực tiếp;BCCI',
      '1;BQL-KCN;BQL-KCN.XD.01;02/01/2023;3;1;2;0',
      '2;BQL-KCN;BQL-KCN.XD.01;31/02/2023;3;1;2;0',
      '3;BQL-KCN;BQL-KCN.XD.01;03/01/2023;ba;1;2;0',
      '4;BQL-KCN;BQL-KCN.XD.01;04/01/2023;3;1;1;0',
      '5;KHONG-CO;BQL-KCN.XD.01;05/01/2023;3;1;2;0',
      '6;BQL-KCN;BQL-KCN.XD.01;06/01/2023;1.473;473;1.000;0',
      '',
    ].join('\r\n'),
  );
  const run = await runCli(['dossiers', 'push', file, '--source', 'bad-lines', '--json'], ingest);
  t.equal(run.code, 1, 'non-zero exit');
  t.match(JSON.parse(run.stdout) as Totals, { rows: 3, created: 2, rejected: 1, refusedLocally: 3 });
  t.match(run.stderr, /line 4: INVALID_DATE: Ngày: 31\/02\/2023/);
  t.match(run.stderr, /line 7: AGENCY_NOT_FOUND: /);
  const rejects = parse(await readFile(`${file}.rejects.csv`, 'utf8'), { bom: true });
  t.same(
    rejects[0],
    ['Dòng', 'Mã lỗi', 'Lý do', 'STT', 'Mã đơn vị', 'Mã thủ tục', 'Ngày', 'Tiếp nhận mới', 'Trực tuyến', 'Trực tiếp', 'BCCI'],
    'the file’s own header',
  );
  t.same(
    rejects.slice(1).map((r) => [r[0], r[1]]),
    [
      ['4', 'INVALID_DATE'],
      ['5', 'INVALID_NUMBER'],
      ['6', 'IDENTITY_RECEIVED'],
      ['7', 'AGENCY_NOT_FOUND'],
    ],
  );
  t.same(rejects[4]!.slice(3), ['5', 'KHONG-CO', 'BQL-KCN.XD.01', '05/01/2023', '3', '1', '2', '0'], 'the original cells');
  t.same(
    (await stored('bad-lines')).map((r) => [r.day, r.received_new]),
    [
      ['2023-01-02', 3],
      ['2023-01-06', 1473],
    ],
    'only the good lines are stored',
  );

  const dry = await runCli(['dossiers', 'push', file, '--dry-run', '--source', 'bad-lines', '--rejects', join(dir, 'dry.rejects.csv')], { url: '' });
  t.equal(dry.code, 1, 'a dry run with bad lines exits 1 too, and needs no service');
  t.match(dry.stdout, /Checked .*: 3 rows ready to send\nrefused locally: 3/);
  t.ok(existsSync(join(dir, 'dry.rejects.csv')));
});

t.test('XLSX: a title row, Vietnamese headers, dd/mm/yyyy, Vietnamese numbers, date cells', async (t) => {
  const workbook = new ExcelJS.Workbook();
  const sheet = workbook.addWorksheet('Số liệu');
  sheet.addRow(['BÁO CÁO SỐ LIỆU HỒ SƠ TTHC']);
  sheet.mergeCells('A1:H1');
  sheet.addRow([]);
  sheet.addRow([
    'Mã đơn vị',
    'Mã TTHC',
    'Ngày tiếp nhận',
    'Thời điểm số liệu',
    'Mới tiếp nhận',
    'Đã giải quyết',
    'Trước hạn',
    'Đúng hạn',
    'Quá hạn',
    'Đang giải quyết',
    'Trong hạn',
    'Quá hạn',
  ]);
  sheet.addRow(['BQL-KCN', 'DEMO-BQL-01', '10/03/2023', '15/12/2023 08:00', '1.473', '1.470', '1.000', '469', 1, 3, 2, 1]);
  sheet.addRow(['BQL-KCN', 'DEMO-BQL-01', new Date(Date.UTC(2023, 2, 11)), new Date(Date.UTC(2023, 11, 15, 8)), 12, 10, 5, 5, 0, 2, 2, 0]);
  const file = join(dir, 'motcua.xlsx');
  await workbook.xlsx.writeFile(file);
  const run = await runCli(['dossiers', 'push', file, '--source', 'xlsx-test', '--json'], ingest);
  t.equal(run.code, 0, run.stderr);
  t.match(JSON.parse(run.stdout) as Totals, { rows: 2, created: 2, rejected: 0, refusedLocally: 0 });
  const rows = await stored('xlsx-test');
  t.same(
    rows.map((r) => [r.day, r.received_new, r.resolved_late, r.pending_overdue]),
    [
      ['2023-03-10', 1473, 1, 1],
      ['2023-03-11', 12, 0, 0],
    ],
  );
  t.same(
    rows.map((r) => new Date(r.as_of as string).toISOString()),
    ['2023-12-15T01:00:00.000Z', '2023-12-15T01:00:00.000Z'],
    'Vietnam time',
  );
  const again = await runCli(['dossiers', 'push', file, '--source', 'xlsx-test', '--sheet', 'Số liệu', '--json'], ingest);
  t.match(JSON.parse(again.stdout) as Totals, { unchanged: 2 }, '--sheet by name');
  const missing = await runCli(['dossiers', 'push', file, '--sheet', 'Nope'], ingest);
  t.equal(missing.code, 2);
  t.match(missing.stderr, /no worksheet Nope \(it has "Số liệu"\)/);
});

t.test('the example export pushes cleanly', async (t) => {
  const example = fileURLToPath(new URL('../../../examples/dossiers-motcua-2023.csv', import.meta.url));
  const rejects = join(dir, 'example.rejects.csv');
  const run = await runCli(['dossiers', 'push', example, '--state-dir', dir, '--rejects', rejects, '--json'], ingest);
  t.equal(run.code, 0, run.stderr);
  t.match(JSON.parse(run.stdout) as Totals, { rejected: 0, refusedLocally: 0, updated: 0, stale: 0 });
  t.ok((JSON.parse(run.stdout) as Totals).created >= 24, 'a few dozen rows');
});

t.test('annex export and import round trip; values; completeness', async (t) => {
  const scope = ['--period', '2023', '--agency', 'BQL-KCN'];
  for (const format of ['csv', 'xlsx']) {
    const out = join(dir, `annex.${format}`);
    const exported = await runCli(['annex', 'export', ...scope, '--out', out], reader);
    t.equal(exported.code, 0, exported.stderr);
    const imported = await runCli(['annex', 'import', ...scope, out, '--dry-run', '--json'], admin);
    t.equal(imported.code, 0, imported.stderr);
    const summary = JSON.parse(imported.stdout) as { dryRun: boolean; written: boolean } & Totals;
    t.match(summary, { dryRun: true, written: false, created: 0, updated: 0, rejected: 0 }, `${format}: all unchanged`);
    t.ok(summary.unchanged > 100, `${format}: ${summary.unchanged} unchanged`);
  }
  const csv = await runCli(['values', 'pull', '--period', '2023', '--agency', 'BQL-KCN', '--format', 'csv'], reader);
  t.equal(csv.code, 0, csv.stderr);
  t.ok(csv.stdout.startsWith('\ufeffperiod,agency,indicator,value,status,'), 'CSV with a BOM');
  t.match(csv.stdout, /Kế hoạch số 01\/KH-BQL/, 'Vietnamese text intact');
  const json = await runCli(['values', 'pull', '--period', '2023', '--agency', 'BQL-KCN', '--format', 'json', '--out', join(dir, 'values.json')], reader);
  t.equal(json.code, 0, json.stderr);
  const values = JSON.parse(await readFile(join(dir, 'values.json'), 'utf8')) as Array<{ agency: string; indicator: string }>;
  t.equal(values.length, parse(csv.stdout, { bom: true }).length - 1, 'the same values as the CSV');
  t.ok(values.every((v) => v.agency === 'BQL-KCN'));

  const table = await runCli(['completeness', '--period', '2023'], reader);
  t.equal(table.code, 0, table.stderr);
  t.match(table.stdout, /^Period 2023, due 2023-12-20: \d+ expected/);
  t.match(table.stdout, /BQL-KCN\s+draft/);
  const asJson = JSON.parse((await runCli(['completeness', '--period', '2023', '--format', 'json'], reader)).stdout) as { period: string; agencies: unknown[] };
  t.equal(asJson.period, '2023');
  const asCsv = parse((await runCli(['completeness', '--period', '2023', '--format', 'csv'], reader)).stdout, { bom: true });
  t.equal(asCsv.length - 1, asJson.agencies.length);
});

t.test('problems print CODE: detail and exit 1; usage errors exit 2', async (t) => {
  const cases: Array<[string[], Record<string, string>, number, RegExp]> = [
    [['completeness', '--period', '2099'], reader, 1, /^PERIOD_NOT_FOUND: /m],
    [['completeness', '--period', 'x'], reader, 1, /^VALIDATION_FAILED: .*\n {2}params \/id: /m],
    [['annex', 'import', '--period', '2023', '--agency', 'BQL-KCN', join(dir, 'annex.csv'), '--dry-run'], reader, 1, /^FORBIDDEN: /m],
    [['completeness', '--period', '2023'], { ...reader, apiKey: 'cchc_not-a-key-at-all-000000000' }, 1, /^UNAUTHENTICATED: /m],
    [['completeness'], reader, 2, /required option '--period <id>'/],
    [['dossiers', 'push', join(dir, 'nope.csv')], ingest, 2, /cannot read .*nope\.csv/],
    [['dossiers', 'push', 'x.csv', '--batch-size', '0'], ingest, 2, /--batch-size/],
    [['values', 'pull', '--period', '2023', '--format', 'xml'], reader, 2, /Allowed choices are csv, json/],
    [['completeness', '--period', '2023'], { url: '' }, 2, /no service: give --url or set CCHC_URL/],
    [['bogus'], reader, 2, /unknown command 'bogus'/],
  ];
  for (const [args, env, code, stderr] of cases) {
    const run = await runCli(args, env as { url: string });
    t.equal(run.code, code, `${args.join(' ')} → ${code}`);
    t.match(run.stderr, stderr, args.join(' '));
  }
  const help = await runCli(['dossiers', 'push', '--help'], reader);
  t.equal(help.code, 0);
  t.match(help.stdout, /--batch-size <n>\s+rows per request \(default: 5000\)/);
  t.match(help.stdout, /modification time/);
});
