import { readFileSync } from 'node:fs';
import t from 'tap';
import { extractCitations, symbolIssuer, type Citation } from '../../src/domain/citations.js';
import { typeOfAbbreviation } from '../../src/domain/document-types.js';
import { citationOf, resolveYear, sameDocument, type DocumentIdentity } from '../../src/domain/documents.js';
import { fileTypeOf } from '../../src/domain/file-types.js';

const REFERENCE = readFileSync(new URL('../../seed/reference/cchc-report-2023.txt', import.meta.url), 'utf8');
/** Every citation of the reference report, found by hand (135, of 96 documents), with its fields. */
const EXPECTED: Array<Omit<Citation, 'issuerName'>> = JSON.parse(readFileSync(new URL('../fixtures/reference-citations.json', import.meta.url), 'utf8'));

const fields = ({ issuerName: _name, ...c }: Citation) => c;

t.test('the reference report: every citation, with its fields, and nothing else', async (t) => {
  const found = extractCitations(REFERENCE);
  t.equal(found.length, EXPECTED.length, `${EXPECTED.length} citations`);
  for (const [i, expected] of EXPECTED.entries()) t.same(fields(found[i]!), expected, expected.text);
  for (const c of found) t.equal(REFERENCE.slice(c.start, c.end), c.text, `offsets of ${c.text}`);
  t.equal(new Set(found.map((c) => `${c.type}|${c.reference}`)).size, 96, '96 documents');
});

t.test('the reference report: the tricky forms', async (t) => {
  const found = extractCitations(REFERENCE);
  const byText = (text: string) => found.find((c) => c.text === text);
  const cases: Array<[text: string, expected: Record<string, unknown>]> = [
    ['QĐ số 766/QĐ-TTg', { type: 'quyet-dinh', number: '766', symbol: 'QĐ-TTg', issuer: 'TTg', issuedOn: null, year: null, issuerName: 'Thủ tướng Chính phủ' }],
    ['Quyết định 662/QĐ-UBND ngày 21/3/2023', { type: 'quyet-dinh', issuedOn: '2023-03-21' }],
    ['công văn số 3004/UBND-TTHC ngày 02/11/2023', { type: 'cong-van', issuer: 'UBND', issuedOn: '2023-11-02' }],
    ['Công điện số 644/CD-TTg ngày 13/7/2023', { type: 'cong-dien', symbol: 'CD-TTg', issuer: 'TTg' }],
    [
      'Quyết định số 28/2011/QĐ-UBND ngày 17/8/2011',
      { number: '28/2011', year: 2011, symbol: 'QĐ-UBND', reference: '28/2011/QĐ-UBND', issuer: 'UBND', issuerName: 'UBND tỉnh' },
    ],
    [
      'Chỉ thị số 18-CT/TU ngày 22/02/2023',
      { type: 'chi-thi', number: '18', symbol: 'CT/TU', reference: '18-CT/TU', issuer: 'TU', issuerName: /^Ban Thường vụ Tỉnh ủy( Sóc Trăng)?$/ },
    ],
    ['Thông báo số 445-TB/VPTU ngày 18/7/2023', { type: 'thong-bao', issuer: 'VPTU', issuerName: 'Văn phòng Tỉnh ủy Sóc Trăng' }],
    ['Quy định số 164-QĐ/TW ngày 01/02/2013', { type: 'quy-dinh', symbol: 'QĐ/TW', issuer: 'TW', issuerName: 'Bộ Chính trị' }],
    ['Văn bản số 1525/UBND-TTHC ngày 19/6/2023', { type: 'cong-van', issuer: 'UBND', issuerName: 'UBND tỉnh Sóc Trăng' }],
    ['Quyết định số 1135/QĐ-BKHĐT ngày 30/7/2019', { issuer: 'BKHĐT', issuerName: 'Bộ Kế hoạch và Đầu tư' }],
    ['Chỉ thị số 10/CT-CTUBND ngày 28/12/2012', { issuer: 'CTUBND', issuerName: 'Chủ tịch UBND tỉnh' }],
  ];
  for (const [text, expected] of cases) t.match(byText(text), expected, text);
  // A heading wrapped over a blank line: "của Thủ\n\ntướng Chính phủ".
  t.equal(
    found.filter((c) => c.reference === '10/CT-TTg').every((c) => c.issuerName === 'Thủ tướng Chính phủ'),
    true,
    'a wrapped issuer name is joined',
  );
  // In parentheses, in a list joined by ",", and by "và".
  const listed = found.findIndex((c, i) => c.reference === '02/KH-BQL' && found[i + 1]?.reference === '05/KH-BQL');
  t.equal(
    REFERENCE.slice(found[listed]!.start, found[listed + 1]!.end),
    'Kế hoạch số 02/KH-BQL ngày 11/01/2023, Kế hoạch số 05/KH-BQL ngày 31/01/2023',
    'a list joined by ","',
  );
  t.ok(REFERENCE.includes(`(${found.find((c) => c.reference === '573/BQL-VP')!.text})`), 'inside parentheses');
});

t.test('formats, table-driven', async (t) => {
  const cases: Array<[label: string, text: string, expected: Partial<Citation>]> = [
    ['leading zeros', 'theo Kế hoạch số 01/KH-BQL ngày 05/01/2023.', { text: 'Kế hoạch số 01/KH-BQL ngày 05/01/2023', issuedOn: '2023-01-05', start: 5 }],
    ['no leading zeros', 'Kế hoạch số 1/KH-BQL ngày 5/1/2023', { number: '1', issuedOn: '2023-01-05' }],
    [
      'day month year in words',
      'Kế hoạch số 01/KH-BQL ngày 05 tháng 01 năm 2023 về',
      { issuedOn: '2023-01-05', text: 'Kế hoạch số 01/KH-BQL ngày 05 tháng 01 năm 2023' },
    ],
    ['words without zeros', 'Quyết định số 7/QĐ-UBND ngày 5 tháng 1 năm 2024', { issuedOn: '2024-01-05', year: 2024 }],
    ['dashes and dots in dates', 'Công văn số 12/SNV-VP ngày 05-01-2024; Công văn số 13/SNV-VP ngày 06.01.2024', {}],
    [
      'broken across a line',
      'thực hiện Kế hoạch\nsố 01/KH-BQL ngày\n05/01/2023 của Ban',
      { text: 'Kế hoạch\nsố 01/KH-BQL ngày\n05/01/2023', issuedOn: '2023-01-05', symbol: 'KH-BQL' },
    ],
    ['broken inside the symbol', 'Kế hoạch số 01/KH-\nBQL ngày 05/01/2023', { symbol: 'KH-BQL', reference: '01/KH-BQL', issuedOn: '2023-01-05' }],
    ['Windows line ends', 'Kế hoạch số 01/KH-BQL\r\nngày 05/01/2023', { issuedOn: '2023-01-05' }],
    ['in parentheses', '(Công văn số 573/BQL-VP ngày 13/9/2023)', { text: 'Công văn số 573/BQL-VP ngày 13/9/2023', start: 1, issuer: 'BQL' }],
    ['colon after số', 'Quyết định số: 15/QĐ-UBND ngày 02/03/2024', { number: '15', issuedOn: '2024-03-02' }],
    ['without diacritics', 'Ke hoach so 01/KH-BQL ngay 05/01/2023', { type: 'ke-hoach', issuedOn: '2023-01-05' }],
    ['upper case', 'KẾ HOẠCH SỐ 01/KH-BQL NGÀY 05/01/2023', { type: 'ke-hoach', issuedOn: '2023-01-05' }],
    [
      'normative with year',
      'Nghị định số 09/2019/NĐ-CP ngày 24/01/2019 của Chính phủ',
      { type: 'nghi-dinh', number: '09/2019', year: 2019, issuer: 'CP', issuerName: 'Chính phủ' },
    ],
    ['joint circular', 'Thông tư liên tịch số 01/2015/TTLT-BNV-BTC', { type: 'thong-tu-lien-tich', issuer: 'BNV-BTC', year: 2015 }],
    ['law', 'Luật số 80/2015/QH13', { type: 'luat', number: '80/2015', issuer: 'QH13' }],
    ['Party conclusion', 'Kết luận số 14-KL/TW ngày 22/9/2021 của Bộ Chính trị', { type: 'ket-luan', symbol: 'KL/TW', issuer: 'TW', issuedOn: '2021-09-22' }],
    ['Party guidance', 'Hướng dẫn số 36-HD/VPTW', { type: 'huong-dan', reference: '36-HD/VPTW', issuer: 'VPTW' }],
    ['generic word, typed symbol', 'Văn bản số 12/KH-BQL', { type: 'ke-hoach', issuer: 'BQL' }],
    ['generic word, letter', 'Văn bản số 1525/UBND-TTHC', { type: 'cong-van', issuer: 'UBND' }],
    ['telegram with Đ', 'Công điện số 644/CĐ-TTg ngày 13/7/2023', { type: 'cong-dien', issuer: 'TTg' }],
    ['abbreviation as the type word', 'theo KH số 01/KH-BQL', { type: 'ke-hoach' }],
    ['an impossible date is not read', 'Kế hoạch số 01/KH-BQL ngày 31/02/2023', { issuedOn: null, year: null, text: 'Kế hoạch số 01/KH-BQL' }],
    ['the issuer after của', 'Kế hoạch số 120/KH-UBND ngày 14/6/2023 của UBND tỉnh về cải thiện', { issuerName: 'UBND tỉnh' }],
    [
      'a date in parentheses',
      'Quyết định số 123/QĐ-UBND (ngày 01/02/2023) của UBND tỉnh',
      { issuedOn: '2023-02-01', text: 'Quyết định số 123/QĐ-UBND (ngày 01/02/2023)', issuerName: 'UBND tỉnh' },
    ],
    ['an unclosed parenthesis', 'Quyết định số 123/QĐ-UBND (ngày 01/02/2023 và', { issuedOn: null, text: 'Quyết định số 123/QĐ-UBND' }],
    ['an en dash for the hyphen', 'Kế hoạch số 02/KH–BQL ngày 11/01/2023', { symbol: 'KH-BQL', issuer: 'BQL', issuedOn: '2023-01-11' }],
    ['a letter after the number', 'Kế hoạch số 15a/KH-BQL', { number: '15a', reference: '15a/KH-BQL' }],
    ['Ð for Đ (legacy encodings)', 'Quyết Ðịnh số 10/QÐ-UBND', { type: 'quyet-dinh', symbol: 'QÐ-UBND', issuer: 'UBND' }],
    ['abbreviation without số', 'theo QĐ 766/QĐ-TTg và NĐ 61/2018/NĐ-CP', { type: 'quyet-dinh', reference: '766/QĐ-TTg', text: 'QĐ 766/QĐ-TTg' }],
    [
      'a law by its title',
      'Luật Tổ chức chính quyền địa phương số 77/2015/QH13 ngày 19/6/2015',
      { type: 'luat', number: '77/2015', issuer: 'QH13', text: 'Luật Tổ chức chính quyền địa phương số 77/2015/QH13 ngày 19/6/2015' },
    ],
    ['a code by its title', 'Bộ luật Lao động số 45/2019/QH14', { type: 'bo-luat', issuer: 'QH14' }],
    ['a report by its title', 'Báo cáo tổng kết số 12/BC-UBND', { type: 'bao-cao', text: 'Báo cáo tổng kết số 12/BC-UBND' }],
    [
      'a compound type word',
      'Thông báo kết luận số 123/TB-VP ngày 5/6/2023',
      { type: 'thong-bao', issuer: 'VP', text: 'Thông báo kết luận số 123/TB-VP ngày 5/6/2023' },
    ],
    [
      'issuer name with và',
      'Quyết định số 1135/QĐ-BKHĐT ngày 30/7/2019 của Bộ Lao động - Thương binh và Xã hội, nhằm',
      { issuerName: 'Bộ Lao động - Thương binh và Xã hội' },
    ],
  ];
  for (const [label, text, expected] of cases) {
    const found = extractCitations(text);
    t.ok(found.length >= 1, label);
    t.match(found[0], expected, label);
    for (const c of found) t.equal(text.slice(c.start, c.end), c.text, `${label}: offsets`);
  }
});

t.test('lists share the type word', async (t) => {
  const cases: Array<[label: string, text: string, expected: Array<Partial<Citation>>]> = [
    [
      'comma',
      'các Quyết định số 1988/QĐ-UBND ngày 11/8/2023, 2995/QĐ-UBND ngày 24/11/2023 của UBND tỉnh',
      [
        { reference: '1988/QĐ-UBND', issuedOn: '2023-08-11' },
        { type: 'quyet-dinh', reference: '2995/QĐ-UBND', issuedOn: '2023-11-24', text: '2995/QĐ-UBND ngày 24/11/2023', issuerName: 'UBND tỉnh' },
      ],
    ],
    [
      'semicolon and số',
      'Kế hoạch số 02/KH-BQL ngày 11/01/2023; số 05/KH-BQL ngày 31/01/2023',
      [{ reference: '02/KH-BQL' }, { type: 'ke-hoach', reference: '05/KH-BQL', text: 'số 05/KH-BQL ngày 31/01/2023' }],
    ],
    ['và', 'Công văn số 12/SNV-VP và số 15/SNV-TTr', [{ issuer: 'SNV' }, { type: 'cong-van', reference: '15/SNV-TTr', issuer: 'SNV' }]],
    [
      'three, the last with its own word',
      'Thông báo số 15/TB-BQL ngày 16/8/2023, 16/TB-BQL ngày 16/8/2023 và Thông báo số 54/TB-BQL ngày 29/11/2023',
      [{ number: '15' }, { number: '16', type: 'thong-bao' }, { number: '54', text: 'Thông báo số 54/TB-BQL ngày 29/11/2023' }],
    ],
    ['list items name their own type', 'Quyết định số 5/QĐ-UBND, 6/KH-UBND', [{ type: 'quyet-dinh' }, { type: 'ke-hoach' }]],
    [
      'the list goes on after the issuer',
      'Quyết định số 10/QĐ-UBND ngày 01/02/2023 của UBND tỉnh; số 11/QĐ-UBND ngày 02/02/2023',
      [{ issuerName: 'UBND tỉnh' }, { reference: '11/QĐ-UBND', issuedOn: '2023-02-02' }],
    ],
    [
      'an issuer name does not hide a citation',
      'Kế hoạch số 01/KH-BQL của Ban Quản lý Quyết định số 12/QĐ-BQL',
      [{ issuerName: 'Ban Quản lý' }, { type: 'quyet-dinh' }],
    ],
    [
      'a title that names another type is not one',
      'Báo cáo kết quả thực hiện Quyết định số 12/QĐ-UBND',
      [{ type: 'quyet-dinh', text: 'Quyết định số 12/QĐ-UBND' }],
    ],
  ];
  for (const [label, text, expected] of cases) {
    const found = extractCitations(text);
    t.equal(found.length, expected.length, label);
    t.match(found, expected, label);
  }
});

t.test('not citations', async (t) => {
  for (const text of [
    'lao động theo Nghị định 111',
    'Báo cáo số/BC-BQL ngàytháng 12 năm 2023',
    'Số: /BC-BQL',
    'https://kcn.soctrang.gov.vn/ke-hoach-trien-khai-thuc-hien-chi-thi-so-18-ct-tu-ngay-22-02-2023',
    'Hệ thống quản lý chất lượng ISO 9001:2015',
    'Chỉ số 5/10 đạt yêu cầu',
    'Kế hoạch và Đầu tư giai đoạn 2019-2025',
    'Phiên họp thứ ba ngày 03 tháng 02 năm 2023',
    'Báo cáo này được gửi kèm theo số 12/UBND-VP',
    'Quyết định số 12/1940/QĐ-UBND',
    `Kế hoạch số 01/KH-${'A'.repeat(80)}`,
    'Kế hoạch số 01/KH - BQL',
    'theo KH 12/UBND-VP',
    '',
  ])
    t.same(extractCitations(text), [], JSON.stringify(text));
});

t.test('offsets are into the text as given, even decomposed (NFD) or with astral characters', async (t) => {
  const nfc = '📄 Theo Kế hoạch số 01/KH-BQL ngày 05/01/2023 của Sở Nội vụ.';
  const nfd = nfc.normalize('NFD');
  for (const text of [nfc, nfd]) {
    const [c] = extractCitations(text);
    t.equal(text.slice(c!.start, c!.end), c!.text);
    t.equal(c!.text.normalize('NFC'), 'Kế hoạch số 01/KH-BQL ngày 05/01/2023');
    t.equal(c!.issuerName?.normalize('NFC'), 'Sở Nội vụ');
  }
});

t.test('long runs of spaces and repeated words take linear time (a quadratic search would time the file out)', async (t) => {
  const spaces = ' '.repeat(500_000);
  for (const text of [
    `Kế hoạch số 01/KH-BQL${spaces}x`,
    `Kế hoạch${spaces}số`,
    `Kế hoạch số 01/KH-BQL ngày 05 tháng 01${spaces}x`,
    `Kế hoạch số 01/KH-BQL của${spaces}x`,
    `Kế hoạch Tổ${' Tổ'.repeat(300_000)}`,
  ]) {
    t.ok(extractCitations(text).length <= 1, `${text.length} characters`);
  }
  t.equal(extractCitations('số 01/KH-BQL; '.repeat(70_000)).length, 0, 'list items with no type word before them');
  t.equal(extractCitations(`Kế hoạch số 1/KH-BQL${Array.from({ length: 50_000 }, (_, i) => `; ${i + 2}/KH-BQL`).join('')}`).length, 50_001, 'a list of 50 001');
});

t.test('a megabyte of report text', async (t) => {
  const big = Array.from({ length: 16 }, () => REFERENCE).join('\n');
  const found = extractCitations(big);
  t.equal(found.length, 135 * 16);
  t.equal(big.slice(found.at(-1)!.start, found.at(-1)!.end), found.at(-1)!.text);
});

t.test('symbols and abbreviations', async (t) => {
  t.equal(symbolIssuer('ke-hoach', 'KH-BQL'), 'BQL');
  t.equal(symbolIssuer('cong-van', 'SNV-TTr'), 'SNV');
  t.equal(symbolIssuer('cong-van', 'CT-TTHT'), 'CT', 'an official letter of Cục Thuế: CT is the issuer, not Chỉ thị');
  t.equal(symbolIssuer('chi-thi', 'CT/TU'), 'TU');
  t.equal(symbolIssuer('luat', 'QH13'), 'QH13');
  t.equal(typeOfAbbreviation('HĐ'), 'hop-dong');
  t.equal(typeOfAbbreviation('HD'), 'huong-dan');
  t.equal(typeOfAbbreviation('CD'), 'cong-dien');
  t.equal(typeOfAbbreviation('XYZ'), undefined);
});

t.test('the same document', async (t) => {
  const base: DocumentIdentity = {
    type: 'ke-hoach',
    number: '01',
    symbol: 'KH-BQL',
    year: 2023,
    issuedOn: '2023-01-05',
    issuerNames: ['Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng'],
  };
  t.ok(sameDocument(base, { ...base }), 'identical');
  t.ok(sameDocument(base, { ...base, issuedOn: null }), 'same year, one undated');
  t.ok(sameDocument(base, { ...base, issuedOn: null, year: null }), 'no year: unknown');
  t.notOk(sameDocument(base, { ...base, issuedOn: '2024-01-05', year: 2024 }), 'another year: numbers restart each year');
  t.notOk(sameDocument(base, { ...base, issuedOn: '2023-02-05' }), 'two different dates');
  t.ok(sameDocument(base, { ...base, issuerNames: [] }), 'unknown issuer');
  t.ok(sameDocument(base, { ...base, issuerNames: ['BQL các KCN'] }), 'the abbreviation of the same body');
  t.notOk(sameDocument(base, { ...base, issuerNames: ['Sở Nội vụ'] }), 'another issuer');
  t.ok(
    sameDocument({ ...base, type: 'cong-dien', symbol: 'CĐ-TTg', issuerNames: [] }, { ...base, type: 'cong-dien', symbol: 'CD-TTg', issuerNames: [] }),
    'CĐ written CD',
  );
  t.notOk(sameDocument(base, { ...base, type: 'quyet-dinh' }), 'another type');
  t.notOk(sameDocument(base, { ...base, number: '10' }), 'another number');
  t.ok(sameDocument(base, { ...base, number: '1' }), '01 and 1 are one number');
  t.ok(sameDocument({ ...base, issuerNames: ['UBND tỉnh'] }, { ...base, issuerNames: ['Ủy ban nhân dân tỉnh Sóc Trăng'] }), 'UBND is Ủy ban nhân dân');
});

t.test('years and citations', async (t) => {
  t.same(resolveYear({ number: '28/2011', issuedOn: '2011-08-17' }), { year: 2011 });
  t.same(resolveYear({ number: '28/2011', issuedOn: '2012-08-17' }), { conflict: ['number', 'issuedOn'] });
  t.same(resolveYear({ number: '01', year: 2023 }), { year: 2023 });
  t.same(resolveYear({ number: '01' }), { year: null });
  t.equal(citationOf({ type: 'ke-hoach', number: '01', symbol: 'KH-BQL', issuedOn: '2023-01-05' }), 'Kế hoạch số 01/KH-BQL ngày 05/01/2023');
  t.equal(citationOf({ type: 'chi-thi', number: '18', symbol: 'CT/TU', issuedOn: null }), 'Chỉ thị số 18-CT/TU');
});

t.test('file types: the bytes must be what the Content-Type says', async (t) => {
  const pdf = Buffer.from('%PDF-1.7\n...');
  const zip = Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0]);
  const ole = Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1, 0]);
  t.same(fileTypeOf('application/pdf', 'a.pdf', pdf), { contentType: 'application/pdf' });
  t.match(fileTypeOf('application/pdf', 'a.pdf', zip), { refused: /not a application\/pdf/ });
  t.same(fileTypeOf('application/msword', 'a.doc', ole), { contentType: 'application/msword' });
  t.same(fileTypeOf('application/octet-stream', 'Báo cáo.docx', zip), {
    contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  });
  t.same(fileTypeOf('application/octet-stream', 'bang.XLS', ole), { contentType: 'application/vnd.ms-excel' });
  t.match(fileTypeOf('application/octet-stream', 'a.exe', Buffer.from('MZ')), { refused: /extension/ });
  t.match(fileTypeOf('application/octet-stream', 'a.pdf', zip), { refused: /extension/ });
  t.match(fileTypeOf('image/png', 'a.png', Buffer.from([0x89])), { refused: /not a PDF or office/ });
});
