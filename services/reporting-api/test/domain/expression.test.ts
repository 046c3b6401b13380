import t from 'tap';
import { evaluate, ExpressionError, parseExpression, references, roundTo } from '../../src/domain/expression.js';

const values: Record<string, number | null> = {
  'I.1.1': 20,
  'I.1.2': 20,
  'III.7.2': 99,
  'III.7.2.1': 98,
  'III.7.2.2': 0,
  'IV.1.6': 0,
  'IV.1.9': 0,
  'V.6': null,
};
const lookup = (code: string) => values[code] ?? null;

t.test('evaluates with precedence and parentheses', async (t) => {
  const cases: Array<[string, number | null, string?]> = [
    ['I.1.2 / I.1.1 * 100', 100],
    ['(III.7.2.1 + III.7.2.2) / III.7.2 * 100', (98 / 99) * 100],
    ['1 + 2 * 3', 7],
    ['(1 + 2) * 3', 9],
    ['10 - 4 - 3', 3],
    ['12 / 3 / 2', 2],
    ['-I.1.1 + 25', 5],
    ['2.5 * 2', 5],
    ['IV.1.6 / IV.1.9 * 100', null, 'not_applicable'],
    ['I.1.1 / (III.7.2.2)', null, 'not_applicable'],
    ['V.6 + 1', null, 'missing_input'],
  ];
  for (const [source, value, reason] of cases) {
    const r = evaluate(parseExpression(source), lookup);
    t.equal(r.value, value, source);
    if (reason) t.equal(r.reason, reason, `${source} reason`);
  }
  t.same(evaluate(parseExpression('V.6 + I.1.1 + X.1'), lookup), { value: null, reason: 'missing_input', missing: ['V.6', 'X.1'] });
});

t.test('references in order of first appearance', async (t) => {
  t.same(references(parseExpression('(III.7.2.1 + III.7.2.2) / III.7.2 * 100 + III.7.2.1')), ['III.7.2.1', 'III.7.2.2', 'III.7.2']);
});

t.test('malformed expressions say where', async (t) => {
  const bad: Array<[string, RegExp]> = [
    ['', /empty/],
    ['I.1 +', /at the end/],
    ['(I.1 + 2', /expected "\)"/],
    ['I.1 2', /unexpected at "2"/],
    ['I.1 % 2', /unexpected character "%" at 5/],
    ['abc', /unexpected character "a" at 1/],
    ['I.1 + )', /expected a code/],
  ];
  for (const [source, message] of bad) t.throws(() => parseExpression(source), { constructor: ExpressionError, message }, JSON.stringify(source));
});

t.test('rounding is decimal, half away from zero', async (t) => {
  const cases: Array<[number, number, number]> = [
    [(98 / 99) * 100, 2, 98.99],
    [(97 / 99) * 100, 2, 97.98],
    [1.005, 2, 1.01],
    [98.985, 2, 98.99],
    [2.5, 0, 3],
    [-2.5, 0, -3],
    [0.125, 2, 0.13],
    [100, 2, 100],
    [33.333333, 1, 33.3],
    [-0.0001, 2, 0],
  ];
  for (const [value, decimals, expected] of cases) t.equal(roundTo(value, decimals), expected, `${value} → ${expected}`);
  t.ok(Object.is(roundTo(-0.0001, 2), 0), 'no negative zero');
});
