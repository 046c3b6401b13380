import t from 'tap';
import { formatViNumber, parseViNumber } from '../../src/domain/vietnamese-number.js';

t.test('reads numbers as Vietnamese reports write them', async (t) => {
  const cases: Array<[string, number | null]> = [
    ['1.473', 1473],
    ['1.463', 1463],
    ['98,9%', 98.9],
    ['98,9 %', 98.9],
    ['21 (lượt người)', 21],
    ['31 (lượt người)', 31],
    ['03', 3],
    ['0', 0],
    ['100', 100],
    ['1.234.567', 1234567],
    ['1.234,5', 1234.5],
    ['98.9', 98.9],
    ['0,5', 0.5],
    ['-2', -2],
    ['', null],
    ['   ', null],
    ['\u00a012\u00a0', 12],
    ['12 345', 12345],
    ['1.47', 1.47],
  ];
  for (const [text, value] of cases) t.same(parseViNumber(text), { ok: true, value }, JSON.stringify(text));
});

t.test('refuses what is not a number', async (t) => {
  for (const text of ['abc', '12a', '1,2,3', '98,9%%', 'Có', '1.473.2', '(21)', '--1']) {
    const r = parseViNumber(text);
    t.equal(r.ok, false, JSON.stringify(text));
  }
});

t.test('writes them back the same way', async (t) => {
  const cases: Array<[number, string]> = [
    [1473, '1.473'],
    [98.9, '98,9'],
    [98.99, '98,99'],
    [0, '0'],
    [1234567.25, '1.234.567,25'],
    [-1500, '-1.500'],
    [100, '100'],
  ];
  for (const [value, text] of cases) {
    t.equal(formatViNumber(value), text, String(value));
    t.same(parseViNumber(text), { ok: true, value }, `${text} reads back`);
  }
});
