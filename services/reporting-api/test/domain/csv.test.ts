import t from 'tap';
import { CsvError, parseCsv, toCsv, UTF8_BOM } from '../../src/domain/csv.js';

t.test('round trip with quotes, separators, line breaks and Vietnamese text', async (t) => {
  const rows = [
    ['STT', 'Chỉ tiêu thống kê', 'Ghi chú'],
    ['1', 'Tỷ lệ hoàn thành, lũy kế', 'Kế hoạch số 01/KH-BQL ngày 05/01/2023; "trích yếu"'],
    ['', 'Hai\ndòng', ' khoảng trắng '],
  ];
  const text = toCsv(rows);
  t.ok(text.startsWith(UTF8_BOM), 'a byte-order mark for spreadsheets');
  t.ok(text.endsWith('\r\n'));
  t.same(parseCsv(text), rows);
});

t.test('semicolon-separated files from a Vietnamese-locale Excel', async (t) => {
  t.same(parseCsv('STT;Chỉ tiêu;Kết quả\r\n1;Tỷ lệ;98,9\r\n'), [
    ['STT', 'Chỉ tiêu', 'Kết quả'],
    ['1', 'Tỷ lệ', '98,9'],
  ]);
  t.same(parseCsv('a\tb\n1\t2'), [
    ['a', 'b'],
    ['1', '2'],
  ]);
});

t.test('an unterminated quote is an error', async (t) => {
  t.throws(() => parseCsv('a,"b\n1,2'), { constructor: CsvError, message: /not closed/ });
});
