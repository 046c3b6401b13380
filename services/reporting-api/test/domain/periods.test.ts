import t from 'tap';
import { cutOffWindow, defaultDueOn, formatPeriodId, isIsoDate, parsePeriodId, periodsOfYear } from '../../src/domain/periods.js';

t.test('every kind parses and has its Nghị định 09/2019 window', async (t) => {
  const cases: Array<[id: string, kind: string, year: number, number: number | undefined, startsOn: string, endsOn: string]> = [
    ['2023', 'year', 2023, undefined, '2022-12-15', '2023-12-14'],
    ['2023-H1', 'half-year', 2023, undefined, '2022-12-15', '2023-06-14'],
    ['2023-9M', 'nine-months', 2023, undefined, '2022-12-15', '2023-09-14'],
    ['2023-Q1', 'quarter', 2023, 1, '2022-12-15', '2023-03-14'],
    ['2023-Q2', 'quarter', 2023, 2, '2023-03-15', '2023-06-14'],
    ['2023-Q3', 'quarter', 2023, 3, '2023-06-15', '2023-09-14'],
    ['2023-Q4', 'quarter', 2023, 4, '2023-09-15', '2023-12-14'],
    // Year boundary: January's window starts in December of the year before.
    ['2023-M01', 'month', 2023, 1, '2022-12-15', '2023-01-14'],
    ['2023-M02', 'month', 2023, 2, '2023-01-15', '2023-02-14'],
    ['2023-M07', 'month', 2023, 7, '2023-06-15', '2023-07-14'],
    ['2023-M12', 'month', 2023, 12, '2023-11-15', '2023-12-14'],
    // Leap years: February's and March's windows are unaffected by the 29th.
    ['2024-M03', 'month', 2024, 3, '2024-02-15', '2024-03-14'],
    ['2024-M02', 'month', 2024, 2, '2024-01-15', '2024-02-14'],
    ['2024-Q1', 'quarter', 2024, 1, '2023-12-15', '2024-03-14'],
    ['2000', 'year', 2000, undefined, '1999-12-15', '2000-12-14'],
    ['2100-M12', 'month', 2100, 12, '2100-11-15', '2100-12-14'],
  ];
  for (const [id, kind, year, number, startsOn, endsOn] of cases) {
    const ref = parsePeriodId(id);
    t.same(ref, { id, kind, year, ...(number !== undefined && { number }) }, `${id} parses`);
    t.same(cutOffWindow(ref!), { startsOn, endsOn }, `${id} window`);
    t.equal(formatPeriodId(ref!.kind, ref!.year, ref!.number), id, `${id} formats back`);
  }
});

t.test('every invalid form is refused', async (t) => {
  const invalid = [
    '23',
    '2023-Q5',
    '2023-Q0',
    '2023-M13',
    '2023-M00',
    '2023-M1',
    '2023-m01',
    '2023-q1',
    '2023-H2',
    '2023-6M',
    '2023-',
    ' 2023',
    '2023 ',
    '20231',
    '1999',
    '2101',
    '',
    '2023-Q1-',
    '2023/Q1',
    'abcd',
    '2023-M012',
    '２０２３',
  ];
  for (const id of invalid) t.equal(parsePeriodId(id), undefined, JSON.stringify(id));
});

t.test('formatPeriodId refuses impossible numbers', async (t) => {
  t.throws(() => formatPeriodId('quarter', 2023, 5));
  t.throws(() => formatPeriodId('month', 2023, 0));
  t.throws(() => formatPeriodId('month', 2023));
});

t.test('a year has 19 periods, ids unique, months contiguous', async (t) => {
  const refs = periodsOfYear(2024);
  t.equal(refs.length, 19);
  t.equal(new Set(refs.map((r) => r.id)).size, 19);
  const months = refs.filter((r) => r.kind === 'month').map(cutOffWindow);
  for (let i = 1; i < months.length; i++) {
    const next = new Date(`${months[i - 1]!.endsOn}T00:00:00Z`);
    next.setUTCDate(next.getUTCDate() + 1);
    t.equal(months[i]!.startsOn, next.toISOString().slice(0, 10), 'each month starts the day after the previous ends');
  }
});

t.test('default deadline is the 20th of the closing month', async (t) => {
  t.equal(defaultDueOn({ startsOn: '2022-12-15', endsOn: '2023-12-14' }), '2023-12-20');
  t.equal(defaultDueOn({ startsOn: '2023-01-15', endsOn: '2023-02-14' }), '2023-02-20');
});

t.test('ISO dates', async (t) => {
  for (const ok of ['2024-02-29', '2023-12-31', '2000-02-29']) t.ok(isIsoDate(ok), ok);
  for (const bad of ['2023-02-29', '2100-02-29', '2023-13-01', '2023-1-1', '15/12/2023', '2023-12-32']) t.notOk(isIsoDate(bad), bad);
});
