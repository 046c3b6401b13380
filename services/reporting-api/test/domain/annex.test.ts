import t from 'tap';
import { matchAnnexRows, readAnnexTable, readAnnexValue, type AnnexIndicator } from '../../src/domain/annex.js';

const ind = (code: string, stt: string, name: string, over: Partial<AnnexIndicator> = {}): AnnexIndicator => ({
  code,
  stt,
  name,
  unit: null,
  printed: true,
  valueType: 'integer',
  rollup: 'sum',
  parentCode: code.includes('.') ? code.split('.').slice(0, -1).join('.') : null,
  ...over,
});
const indicators = [
  ind('I', 'I', 'Công tác chỉ đạo điều hành CCHC', { valueType: 'section' }),
  ind('I.2', '2', 'Kiểm tra CCHC', { valueType: 'section' }),
  ind('I.2.3', '', 'Số vấn đề phát hiện qua kiểm tra'),
  ind('I.5', '5', 'Có sáng kiến, giải pháp mới về CCHC', {
    valueType: 'boolean',
    options: [
      { value: 0, label: 'Không' },
      { value: 1, label: 'Có' },
    ],
  }),
  ind('IV', 'IV', 'Cải cách tổ chức bộ máy hành chính nhà nước', { valueType: 'section' }),
  ind('IV.6', '6', 'Kiểm tra việc thực hiện nhiệm vụ phân cấp quản lý nhà nước'),
  ind('IV.6.3', '', 'Số vấn đề phát hiện qua kiểm tra'),
];

t.test('finds the header under title rows and reads the data rows with their row numbers', async (t) => {
  const rows = readAnnexTable([
    ['THỐNG KÊ SỐ LIỆU'],
    [''],
    ['STT', 'Chỉ tiêu thống kê', 'Đơn vị tính', 'Kết quả thống kê', 'Ghi chú'],
    ['', '', '', 'Số lượng/tỷ lệ', ''],
    ['I', 'Công tác chỉ đạo điều hành CCHC', '', '', ''],
    ['', 'Số vấn đề phát hiện qua kiểm tra', 'Vấn đề', '3', 'ba lỗi'],
  ]);
  t.same(rows, [
    { row: 5, stt: 'I', name: 'Công tác chỉ đạo điều hành CCHC', unit: '', value: '', note: '' },
    { row: 6, stt: '', name: 'Số vấn đề phát hiện qua kiểm tra', unit: 'Vấn đề', value: '3', note: 'ba lỗi' },
  ]);
  t.equal(
    readAnnexTable([
      ['a', 'b'],
      ['1', '2'],
    ]),
    undefined,
    'no header, no table',
  );
});

t.test('matches by name in order, tolerating spacing, case and diacritics; repeated names go to their section', async (t) => {
  const rows = [
    { row: 1, stt: 'I', name: 'CONG TAC CHI DAO DIEU HANH CCHC', unit: '', value: '', note: '' },
    { row: 2, stt: '', name: 'Số  vấn đề phát hiện qua kiểm tra', unit: '', value: '3', note: '' },
    { row: 3, stt: 'IV', name: 'Cải cách tổ chức bộ máy hành chính nhà nước', unit: '', value: '', note: '' },
    { row: 4, stt: '6', name: 'Kiểm tra phân cấp (tên đã đổi)', unit: '', value: '1', note: '' },
    { row: 5, stt: '', name: 'so van de phat hien qua kiem tra', unit: '', value: '0', note: '' },
    { row: 6, stt: '', name: 'Một dòng không có trong biểu mẫu', unit: '', value: '1', note: '' },
  ];
  const { matched, unmatched } = matchAnnexRows(indicators, rows);
  t.same(
    matched.map((m) => [m.row.row, m.indicator.code]),
    [
      [1, 'I'],
      [2, 'I.2.3'],
      [3, 'IV'],
      [4, 'IV.6'],
      [5, 'IV.6.3'],
    ],
  );
  t.same(
    unmatched.map((r) => r.row),
    [6],
  );
});

t.test('values: numbers, codes by number or label, blank', async (t) => {
  const yesNo = indicators[3]!;
  t.same(readAnnexValue(yesNo, 'Có'), { ok: true, value: 1 });
  t.same(readAnnexValue(yesNo, 'không'), { ok: true, value: 0 });
  t.same(readAnnexValue(yesNo, '1'), { ok: true, value: 1 });
  t.same(readAnnexValue(indicators[2]!, '1.473'), { ok: true, value: 1473 });
  t.same(readAnnexValue(indicators[2]!, ''), { ok: true, value: null });
  t.match(readAnnexValue(indicators[2]!, 'ba'), { ok: false, reason: /not a number/ });
  t.same(readAnnexValue(ind('X.1', '', 'Ghi chú', { valueType: 'text' }), ' Có '), { ok: true, value: 'Có' });
});
