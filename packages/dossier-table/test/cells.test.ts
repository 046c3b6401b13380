import t from 'tap';
import { readAsOf, readCount, readDay } from '../src/index.js';

t.test('counts, the Vietnamese way', async (t) => {
  const cases: Array<[unknown, number | null | string]> = [
    ['1.473', 1473],
    ['1 473', 1473],
    ['1\u00a0473', 1473],
    ['1.473.000', 1473000],
    ['03', 3],
    ['0', 0],
    ['', null],
    ['  ', null],
    [null, null],
    [12, 12],
    [0, 0],
    ['-3', 'NEGATIVE_COUNT'],
    [-1, 'NEGATIVE_COUNT'],
    ['1,5', 'NOT_INTEGER'],
    ['1,473', 'NOT_INTEGER'],
    ['1.5', 'NOT_INTEGER'],
    [2.5, 'NOT_INTEGER'],
    ['abc', 'INVALID_NUMBER'],
    ['12a', 'INVALID_NUMBER'],
    ['1.47', 'NOT_INTEGER'],
    [true, 'INVALID_NUMBER'],
    ['3000000000', 'TOO_LARGE'],
  ];
  for (const [cell, want] of cases) {
    const got = readCount(cell as string);
    if (typeof want === 'string') t.match(got, { ok: false, code: want }, `${JSON.stringify(cell)} → ${want}`);
    else t.same(got, { ok: true, value: want }, `${JSON.stringify(cell)} → ${want}`);
  }
});

t.test('days', async (t) => {
  const cases: Array<[unknown, string | null]> = [
    ['10/03/2023', '2023-03-10'],
    ['1/2/2023', '2023-02-01'],
    ['2023-03-10', '2023-03-10'],
    ['10-03-2023', '2023-03-10'],
    ['10.03.2023', '2023-03-10'],
    ['2023-03-10 00:00:00', '2023-03-10'],
    ['29/02/2024', '2024-02-29'],
    [new Date(Date.UTC(2023, 2, 10)), '2023-03-10'],
    ['', null],
    ['29/02/2023', 'INVALID_DATE'],
    ['31/04/2023', 'INVALID_DATE'],
    ['13/13/2023', 'INVALID_DATE'],
    ['2023-02-30', 'INVALID_DATE'],
    ['tháng 3', 'INVALID_DATE'],
    [45000, 'INVALID_DATE'],
    ['03/10/23', 'INVALID_DATE'],
  ];
  for (const [cell, want] of cases) {
    const got = readDay(cell as string);
    if (want && /^[A-Z_]+$/.test(want)) t.match(got, { ok: false, code: want }, `${String(cell)} → ${want}`);
    else t.same(got, { ok: true, value: want }, `${String(cell)} → ${want}`);
  }
});

t.test('asOf: ISO, or Vietnam time', async (t) => {
  const cases: Array<[unknown, string | null]> = [
    ['2023-12-15T01:00:00Z', '2023-12-15T01:00:00.000Z'],
    ['2023-12-15T08:00:00+07:00', '2023-12-15T01:00:00.000Z'],
    ['2023-12-15T08:00:00+0700', '2023-12-15T01:00:00.000Z'],
    ['2023-12-15T08:00', '2023-12-15T01:00:00.000Z'],
    ['2023-12-15 08:00:00', '2023-12-15T01:00:00.000Z'],
    ['15/12/2023 08:00', '2023-12-15T01:00:00.000Z'],
    ['15/12/2023 08:00:30', '2023-12-15T01:00:30.000Z'],
    ['08:00 15/12/2023', '2023-12-15T01:00:00.000Z'],
    ['08:00 ngày 15/12/2023', '2023-12-15T01:00:00.000Z'],
    ['15/12/2023', '2023-12-14T17:00:00.000Z'],
    [new Date(Date.UTC(2023, 11, 15, 8, 0)), '2023-12-15T01:00:00.000Z'],
    ['', null],
    ['15/12/2023 25:00', 'INVALID_AS_OF'],
    ['hôm qua', 'INVALID_AS_OF'],
    ['31/02/2023 08:00', 'INVALID_AS_OF'],
  ];
  for (const [cell, want] of cases) {
    const got = readAsOf(cell as string);
    if (want === 'INVALID_AS_OF') t.match(got, { ok: false, code: want }, `${String(cell)} → ${want}`);
    else t.same(got, { ok: true, value: want }, `${String(cell)} → ${want}`);
  }
});
