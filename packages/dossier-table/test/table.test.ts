import t from 'tap';
import { DOSSIER_COLUMNS, headerKey, readDossierTable } from '../src/index.js';

const defaults = { source: 'motcua-test', asOf: '2023-12-15T01:00:00Z' };
const HEAD = ['Mã đơn vị', 'Mã thủ tục', 'Ngày', 'Tiếp nhận mới', 'Trực tuyến', 'Trực tiếp', 'BCCI'];

t.test('header keys fold case, spacing, diacritics, punctuation and notes', async (t) => {
  const cases: Array<[string, string]> = [
    ['Mã đơn vị', 'madonvi'],
    ['MA DON VI', 'madonvi'],
    ['  Mã   đơn-vị: ', 'madonvi'],
    ['Ngày (dd/mm/yyyy)', 'ngay'],
    ['receivedNew', 'receivednew'],
    ['ĐÃ GIẢI QUYẾT', 'dagiaiquyet'],
    ['Ðã giải quyết', 'dagiaiquyet'],
  ];
  for (const [text, key] of cases) t.equal(headerKey(text), key, text);
});

t.test('every column is found by its header, its field name and each alias', async (t) => {
  for (const column of DOSSIER_COLUMNS) {
    for (const text of [column.header, column.field, ...column.aliases]) {
      const table = readDossierTable([['Mã đơn vị', 'Mã thủ tục', 'Ngày', text]], { defaults });
      t.ok(table.columns.includes(column.field), `"${text}" → ${column.field}`);
    }
  }
});

t.test('bare "Quá hạn" takes its group from the left', async (t) => {
  const cases: Array<[string[], string[] | string]> = [
    [
      ['Đã giải quyết', 'Trước hạn', 'Đúng hạn', 'Quá hạn', 'Đang giải quyết', 'Trong hạn', 'Quá hạn'],
      ['resolved', 'resolvedEarly', 'resolvedOnTime', 'resolvedLate', 'pending', 'pendingWithin', 'pendingOverdue'],
    ],
    [
      ['Trước hạn', 'Trễ hạn', 'Trong hạn', 'Trễ hạn'],
      ['resolvedEarly', 'resolvedLate', 'pendingWithin', 'pendingOverdue'],
    ],
    [['Quá hạn'], 'AMBIGUOUS_COLUMN'],
    [['Rút hồ sơ', 'Quá hạn'], 'AMBIGUOUS_COLUMN'],
    [['Đã giải quyết', 'Quá hạn', 'Giải quyết quá hạn'], 'DUPLICATE_COLUMN'],
  ];
  for (const [heads, want] of cases) {
    const table = readDossierTable([['Mã đơn vị', 'Mã thủ tục', 'Ngày', ...heads]], { defaults });
    if (typeof want === 'string') t.match(table.errors, [{ line: 1, code: want }], heads.join(' | '));
    else t.same(table.columns.slice(3), want, heads.join(' | '));
  }
});

t.test('title rows above the header are skipped; lines are the spreadsheet rows', async (t) => {
  const table = readDossierTable(
    [
      ['BÁO CÁO SỐ LIỆU HỒ SƠ TTHC NĂM 2023'],
      [],
      ['STT', ...HEAD, 'Tên thủ tục'],
      ['1', 'BQL-KCN', 'BQL-KCN.XD.01', '10/03/2023', '1.473', '473', '1.000', '0', 'Kiểm tra nghiệm thu'],
      ['', '', '', '', '', '', '', '', ''],
      ['2', 'BQL-KCN', 'BQL-KCN.XD.01', '11/03/2023', '', '', '', '', ''],
    ],
    { defaults },
  );
  t.equal(table.headerLine, 3);
  t.same(table.errors, []);
  t.same(table.columns, ['agency', 'procedure', 'date', 'receivedNew', 'receivedOnline', 'receivedInPerson', 'receivedPostal']);
  t.same(table.rows, [
    {
      line: 4,
      count: {
        agency: 'BQL-KCN',
        procedure: 'BQL-KCN.XD.01',
        date: '2023-03-10',
        receivedNew: 1473,
        receivedOnline: 473,
        receivedInPerson: 1000,
        receivedPostal: 0,
        source: 'motcua-test',
        asOf: '2023-12-15T01:00:00.000Z',
      },
    },
    { line: 6, count: { agency: 'BQL-KCN', procedure: 'BQL-KCN.XD.01', date: '2023-03-11', source: 'motcua-test', asOf: '2023-12-15T01:00:00.000Z' } },
  ]);
});

t.test('bad lines are errors with their line and column; good lines stay', async (t) => {
  const head = [...HEAD, 'Nguồn', 'Thời điểm số liệu'];
  const rows: Array<[unknown[], Array<{ column?: string; code: string }>]> = [
    [['BQL-KCN', 'P1', '10/03/2023', '3', '1', '2', '0', '', ''], []],
    [['BQL-KCN', 'P1', '31/02/2023', '3', '1', '2', '0', '', ''], [{ column: 'date', code: 'INVALID_DATE' }]],
    [['BQL-KCN', 'P1', '11/03/2023', 'ba', '1', '2', '0', '', ''], [{ column: 'receivedNew', code: 'INVALID_NUMBER' }]],
    [['BQL-KCN', 'P1', '12/03/2023', '3', '1', '1', '0', '', ''], [{ code: 'IDENTITY_RECEIVED' }]],
    [['BQL-KCN', 'P1', '13/03/2023', '-3', '1', '2', '0', '', ''], [{ column: 'receivedNew', code: 'NEGATIVE_COUNT' }]],
    [['', 'P1', '14/03/2023', '3', '1', '2', '0', '', ''], [{ column: 'agency', code: 'MISSING_VALUE' }]],
    [
      ['BQL-KCN', 'P1', '', 'x', '1', '2', '0', '', ''],
      [
        { column: 'date', code: 'MISSING_VALUE' },
        { column: 'receivedNew', code: 'INVALID_NUMBER' },
      ],
    ],
    [['BQL-KCN', 'P1', '10/03/2023', '3', '1', '2', '0', '', ''], [{ code: 'DUPLICATE_ROW' }]],
    [['BQL-KCN', 'P1', '10/03/2023', '3', '1', '2', '0', 'other', ''], []],
    [['BQL-KCN', 'P1', '15/03/2023', '3', '1', '2', '0', '', 'hôm qua'], [{ column: 'asOf', code: 'INVALID_AS_OF' }]],
    [['X'.repeat(41), 'P1', '15/03/2023', '', '', '', '', '', ''], [{ column: 'agency', code: 'TOO_LONG' }]],
  ];
  const table = readDossierTable([head, ...rows.map((r) => r[0])], { defaults, firstLine: 1 });
  rows.forEach(([, want], i) => {
    const line = i + 2;
    const got = table.errors.filter((e) => e.line === line).map((e) => ({ ...(e.column && { column: e.column }), code: e.code }));
    t.same(
      got.sort((a, b) => a.code.localeCompare(b.code)),
      [...want].sort((a, b) => a.code.localeCompare(b.code)),
      `line ${line}`,
    );
    t.equal(
      table.rows.some((r) => r.line === line),
      want.length === 0,
      `line ${line} ${want.length ? 'dropped' : 'kept'}`,
    );
  });
  t.match(
    table.errors.find((e) => e.code === 'DUPLICATE_ROW'),
    { line: 9, message: /line 2/ },
  );
});

t.test('every identity is checked when all its counts are given', async (t) => {
  const head = [
    'agency',
    'procedure',
    'date',
    'receivedNew',
    'carriedOver',
    'receivedOnline',
    'receivedInPerson',
    'receivedPostal',
    'resolved',
    'resolvedEarly',
    'resolvedOnTime',
    'resolvedLate',
    'pending',
    'pendingWithin',
    'pendingOverdue',
    'withdrawn',
  ];
  const good: Record<string, number> = {
    receivedNew: 10,
    carriedOver: 2,
    receivedOnline: 3,
    receivedInPerson: 6,
    receivedPostal: 1,
    resolved: 8,
    resolvedEarly: 5,
    resolvedOnTime: 2,
    resolvedLate: 1,
    pending: 3,
    pendingWithin: 2,
    pendingOverdue: 1,
    withdrawn: 1,
  };
  const cases: Array<[Record<string, number>, string | undefined]> = [
    [{}, undefined],
    [{ resolvedEarly: 4 }, 'IDENTITY_RESOLVED'],
    [{ pendingWithin: 1 }, 'IDENTITY_PENDING'],
    [{ receivedOnline: 2 }, 'IDENTITY_RECEIVED'],
    [{ withdrawn: 2 }, 'IDENTITY_BALANCE'],
  ];
  for (const [change, code] of cases) {
    const counts = { ...good, ...change };
    const table = readDossierTable([head, ['A', 'P', '2023-01-02', ...head.slice(3).map((f) => String(counts[f]))]], { defaults });
    t.same(
      table.errors.map((e) => e.code),
      code ? [code] : [],
      code ?? 'all hold',
    );
  }
  const partial = readDossierTable([head.slice(0, 4).concat('resolved', 'resolvedEarly'), ['A', 'P', '2023-01-02', '1', '5', '1']], { defaults });
  t.same(partial.errors, [], 'an identity with a blank count is not checked');
});

t.test('table-level problems', async (t) => {
  t.match(readDossierTable([['Báo cáo'], ['Mã đơn vị', 'Ngày']], { defaults }).errors, [{ line: 1, code: 'NO_HEADER_ROW', message: /Mã thủ tục/ }]);
  t.match(readDossierTable([['x'], HEAD], {}).errors, [
    { line: 2, code: 'MISSING_COLUMN', column: 'source' },
    { line: 2, code: 'MISSING_COLUMN', column: 'asOf' },
  ]);
  t.match(
    readDossierTable(
      [
        [...HEAD, 'Nguồn'],
        ['A', 'P', '01/01/2023', '', '', '', '', ''],
      ],
      { defaults: { asOf: defaults.asOf } },
    ).errors,
    [{ line: 2, code: 'MISSING_VALUE', column: 'source' }],
  );
  t.match(readDossierTable([HEAD], { firstLine: 5, defaults }), { headerLine: 5, errors: [], rows: [] });
  t.throws(() => readDossierTable([HEAD], { defaults: { asOf: 'soon' } }), RangeError);
});

t.test('XLSX cells: numbers, dates, formulas and rich text', async (t) => {
  const table = readDossierTable(
    [
      [{ richText: [{ text: 'Mã ' }, { text: 'đơn vị' }] }, 'Mã thủ tục', 'Ngày', 'Thời điểm số liệu', 'Tiếp nhận mới', 'Trực tuyến', 'Trực tiếp', 'BCCI'],
      [1234, 'P', new Date(Date.UTC(2023, 2, 10)), new Date(Date.UTC(2023, 11, 15, 8)), { formula: 'F2+G2+H2', result: 3 }, 1, 2, null],
    ],
    { defaults: { source: 's' } },
  );
  t.same(table.errors, []);
  t.same(table.rows[0]?.count, {
    agency: '1234',
    procedure: 'P',
    date: '2023-03-10',
    asOf: '2023-12-15T01:00:00.000Z',
    receivedNew: 3,
    receivedOnline: 1,
    receivedInPerson: 2,
    source: 's',
  });
});
