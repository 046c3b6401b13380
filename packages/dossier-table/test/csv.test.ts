import t from 'tap';
import { detectDelimiter, parseDossierCsv } from '../src/index.js';

const defaults = { source: 'motcua-test', asOf: '2023-12-15T01:00:00Z' };
const want = { agency: 'BQL-KCN', procedure: 'BQL-KCN.XD.01', date: '2023-03-10', receivedNew: 1473, source: 'motcua-test', asOf: '2023-12-15T01:00:00.000Z' };

t.test('delimiters, BOM, CRLF, quotes, title rows', async (t) => {
  const cases: Array<[string, string | Uint8Array, string]> = [
    ['semicolon with BOM and CRLF', '\ufeffMã đơn vị;Mã thủ tục;Ngày;Tiếp nhận mới\r\nBQL-KCN;BQL-KCN.XD.01;10/03/2023;1.473\r\n', ';'],
    ['comma, quoted thousands', 'Mã đơn vị,Mã thủ tục,Ngày,Tiếp nhận mới\nBQL-KCN,BQL-KCN.XD.01,10/03/2023,"1.473"\n', ','],
    ['tab', 'Mã đơn vị\tMã thủ tục\tNgày\tTiếp nhận mới\nBQL-KCN\tBQL-KCN.XD.01\t2023-03-10\t1 473\n', '\t'],
    [
      'bytes with BOM',
      new Uint8Array([0xef, 0xbb, 0xbf, ...new TextEncoder().encode('Mã đơn vị;Mã thủ tục;Ngày;Tiếp nhận mới\nBQL-KCN;BQL-KCN.XD.01;10/03/2023;1.473')]),
      ';',
    ],
    [
      'title row with a comma above a ; table',
      'Báo cáo hồ sơ, năm 2023\n\nMã đơn vị;Mã thủ tục;Ngày;Tiếp nhận mới\nBQL-KCN;BQL-KCN.XD.01;10/03/2023;1.473\n',
      ';',
    ],
  ];
  for (const [name, input, delimiter] of cases) {
    const table = parseDossierCsv(input, { defaults });
    t.same(table.errors, [], name);
    t.same(
      table.rows.map((r) => r.count),
      [want],
      name,
    );
    if (typeof input === 'string') t.equal(detectDelimiter(input.replace(/^\ufeff/, '')), delimiter, `${name}: delimiter`);
  }
});

t.test('lines count blank lines; a quoted field may hold the delimiter and a newline', async (t) => {
  const csv =
    'Báo cáo\r\nMã đơn vị;Mã thủ tục;Ngày;Tên thủ tục;Tiếp nhận mới\r\n\r\n' +
    'BQL-KCN;P;10/03/2023;"Kiểm tra; ""nghiệm thu""\r\nxây dựng";1\r\nBQL-KCN;P;32/03/2023;x;1\r\n';
  const table = parseDossierCsv(csv, { defaults });
  t.same(
    table.rows.map((r) => r.line),
    [4],
  );
  t.match(table.errors, [{ line: 5, column: 'date', code: 'INVALID_DATE' }]);
});

t.test('unreadable files', async (t) => {
  t.match(parseDossierCsv(new Uint8Array([0x4d, 0xe3, 0x20, 0x0a]), { defaults }).errors, [{ code: 'INVALID_ENCODING' }]);
  t.match(parseDossierCsv('Mã đơn vị;Mã thủ tục;Ngày\n"BQL;P;01/01/2023\n', { defaults }).errors, [{ code: 'INVALID_CSV' }]);
  t.match(parseDossierCsv('', { defaults }).errors, [{ code: 'NO_HEADER_ROW' }]);
  const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from('Mã đơn vị\tMã thủ tục\tNgày\nA\tP\t01/01/2023\n', 'utf16le')]);
  t.same(
    parseDossierCsv(utf16, { defaults }).rows.map((r) => r.count.agency),
    ['A'],
    'UTF-16 with BOM',
  );
});
