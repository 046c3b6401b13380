import t from 'tap';
import { bounds, checkValue, type IndicatorDef } from '../../src/domain/indicators.js';

const def = (over: Partial<IndicatorDef>): IndicatorDef => ({ code: 'X.1', name: 'x', valueType: 'integer', rollup: 'sum', ...over });
const count = def({ code: 'I.1.1' });
const percent = def({ code: 'III.6.3', valueType: 'percent' });
const yesNo = def({
  code: 'I.5',
  valueType: 'boolean',
  options: [
    { value: 1, label: 'Có' },
    { value: 0, label: 'Không' },
  ],
});
const choice = def({
  code: 'I.7.2',
  valueType: 'choice',
  options: [
    { value: 0, label: 'Trực tuyến' },
    { value: 1, label: 'Phát phiếu' },
    { value: 2, label: 'Kết hợp' },
  ],
});
const text = def({ code: 'X.9', valueType: 'text' });
const decimal = def({ code: 'X.2', valueType: 'decimal', min: -5, max: 5 });
const derived = def({ code: 'I.1', valueType: 'percent', formula: 'I.1.2 / I.1.1 * 100', rollup: 'recompute' });
const overridable = { ...derived, overridable: true };
const heading = def({ code: 'I', valueType: 'section', rollup: 'none' });

t.test('accepted values', async (t) => {
  const ok: Array<[IndicatorDef, unknown]> = [
    [count, 0],
    [count, 1473],
    [count, null],
    [percent, 0],
    [percent, 98.99],
    [percent, 100],
    [yesNo, 1],
    [yesNo, 0],
    [choice, 2],
    [text, 'Có'],
    [text, ''],
    [decimal, -4.5],
    [overridable, 98.9],
    [overridable, null],
  ];
  for (const [d, v] of ok) t.same(checkValue(d, v), { ok: true, value: v }, `${d.code} ${JSON.stringify(v)}`);
});

t.test('refusals, each with its code', async (t) => {
  const refused: Array<[IndicatorDef, unknown, string]> = [
    [percent, 150, 'VALUE_OUT_OF_RANGE'],
    [percent, -1, 'VALUE_OUT_OF_RANGE'],
    [count, -1, 'VALUE_OUT_OF_RANGE'],
    [count, 2.5, 'VALUE_NOT_INTEGER'],
    [count, '12', 'VALUE_TYPE_MISMATCH'],
    [count, true, 'VALUE_TYPE_MISMATCH'],
    [count, {}, 'VALUE_TYPE_MISMATCH'],
    [percent, '98,9%', 'VALUE_TYPE_MISMATCH'],
    [yesNo, 2, 'VALUE_NOT_ALLOWED'],
    [yesNo, 'Có', 'VALUE_TYPE_MISMATCH'],
    [choice, 3, 'VALUE_NOT_ALLOWED'],
    [text, 5, 'VALUE_TYPE_MISMATCH'],
    [text, 'x'.repeat(10_001), 'VALUE_OUT_OF_RANGE'],
    [decimal, 6, 'VALUE_OUT_OF_RANGE'],
    [derived, 100, 'INDICATOR_DERIVED'],
    [derived, null, 'INDICATOR_DERIVED'],
    [heading, 1, 'INDICATOR_NOT_REPORTABLE'],
  ];
  for (const [d, v, code] of refused) {
    const r = checkValue(d, v);
    t.equal(r.ok, false, `${d.code} ${JSON.stringify(v).slice(0, 20)}`);
    if (!r.ok) {
      t.equal(r.code, code, `${d.code} ${JSON.stringify(v).slice(0, 20)} → ${code}`);
      t.match(r.message, d.code);
    }
  }
});

t.test('bounds combine the type’s and the declared ones', async (t) => {
  t.same(bounds(percent), [0, 100]);
  t.same(bounds(def({ valueType: 'percent', min: 10, max: 200 })), [10, 100]);
  t.same(bounds(count), [0, null]);
  t.same(bounds(decimal), [-5, 5]);
  t.same(bounds(text), [null, null]);
});
