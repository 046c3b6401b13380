import t from 'tap';
import type { IndicatorDef } from '../../src/domain/indicators.js';
import { checkRules, compileTemplate, computeReport, TemplateError, type RuleDef } from '../../src/domain/report.js';
import { aggregatesNeeded, rollupIndicator, type Aggregates } from '../../src/domain/rollup.js';

const defs: IndicatorDef[] = [
  { code: 'I', name: 'Phần I', valueType: 'section', rollup: 'none' },
  { code: 'I.1', name: 'Tỷ lệ hoàn thành', valueType: 'percent', decimals: 2, formula: 'I.1.2 / I.1.1 * 100', rollup: 'recompute', overridable: true },
  { code: 'I.1.1', name: 'Số nhiệm vụ đề ra', valueType: 'integer', rollup: 'sum' },
  { code: 'I.1.2', name: 'Số nhiệm vụ đã hoàn thành', valueType: 'integer', rollup: 'sum' },
  { code: 'I.2', name: 'Tỷ lệ trong kỳ', valueType: 'percent', decimals: 2, formula: 'I.1.2 / I.1.1 * 100', rollup: 'recompute' },
  {
    code: 'I.3',
    name: 'Có sáng kiến',
    valueType: 'boolean',
    options: [
      { value: 1, label: 'Có' },
      { value: 0, label: 'Không' },
    ],
    rollup: 'any',
  },
  { code: 'I.4', name: 'Ghi chú', valueType: 'text', rollup: 'none' },
];
const rules: RuleDef[] = [
  { code: 'R-DONE-LE-PLANNED', left: 'I.1.2', op: '<=', right: 'I.1.1', severity: 'blocking', message: 'done ≤ planned' },
  { code: 'R-BOTH', left: 'I.3', op: 'both-or-neither', right: 'I.1.2', severity: 'warning', message: 'both or neither' },
];
const template = compileTemplate(defs, rules);
const report = (values: Record<string, number | string | null>) => computeReport(template, new Map(Object.entries(values)));

t.test('derived rates: 98 of 99 is 98.99; 0 of 0 is not applicable; a blank input is missing', async (t) => {
  t.match(report({ 'I.1.1': 99, 'I.1.2': 98 }).get('I.2'), { value: 98.99, status: 'derived', derived: { value: 98.99, status: 'derived' } });
  t.match(report({ 'I.1.1': 0, 'I.1.2': 0 }).get('I.2'), { value: null, status: 'not_applicable' });
  t.match(report({ 'I.1.1': 10, 'I.1.2': null }).get('I.2'), { value: null, status: 'missing_input', derived: { missing: ['I.1.2'] } });
  t.match(report({}).get('I.2'), { value: null, status: 'missing_input' });
});

t.test('an overridden derived figure keeps the reported value beside the computed one', async (t) => {
  const cells = report({ 'I.1': 98.9, 'I.1.1': 99, 'I.1.2': 98 });
  t.same(cells.get('I.1'), { indicator: 'I.1', value: 98.9, status: 'reported', derived: { value: 98.99, status: 'derived' } });
  t.notOk(cells.has('I'), 'headings have no cell');
  t.notOk(cells.has('I.4'), 'unreported indicators have no cell');
});

t.test('rules and the built-in derived check', async (t) => {
  const ok = checkRules(template, report({ 'I.1.1': 20, 'I.1.2': 20, 'I.1': 100, 'I.3': 1 }));
  t.same(ok.findings, []);
  const bad = checkRules(template, report({ 'I.1.1': 99, 'I.1.2': 100, 'I.1': 98.9, 'I.3': 0 }));
  t.same(bad.findings.map((f) => f.rule).sort(), ['DERIVED_MISMATCH', 'R-BOTH', 'R-DONE-LE-PLANNED']);
  const done = bad.findings.find((f) => f.rule === 'R-DONE-LE-PLANNED')!;
  t.match(done, { severity: 'blocking', indicators: ['I.1.2', 'I.1.1'], left: { value: 100 }, op: '<=', right: { value: 99 } });
  const na = checkRules(template, report({ 'I.1.1': 0, 'I.1.2': 0, 'I.1': 100 }));
  t.match(na.findings, [{ rule: 'DERIVED_MISMATCH', message: /not applicable/ }], '100 % where 0 of 0 is caught');
  const skipped = checkRules(template, report({ 'I.1.2': 3 }));
  t.same(skipped.skipped, [
    { rule: 'R-DONE-LE-PLANNED', missing: ['I.1.1'] },
    { rule: 'R-BOTH', missing: ['I.3'] },
  ]);
  t.same(skipped.findings, [], 'a blank input is not 0: the rule is not checked');
});

t.test('every operator', async (t) => {
  const ops: Array<[RuleDef['op'], number, number, boolean]> = [
    ['=', 98.99, 98.99, true],
    ['=', 98.9, 98.99, false],
    ['=', 100, 100.004, true],
    ['<=', 1, 1, true],
    ['<=', 2, 1, false],
    ['<', 1, 1, false],
    ['<', 0, 1, true],
    ['>=', 1, 1, true],
    ['>=', 0, 1, false],
    ['>', 2, 1, true],
    ['>', 1, 1, false],
    ['both-or-neither', 0, 0, true],
    ['both-or-neither', 3, 5, true],
    ['both-or-neither', 0, 5, false],
    ['both-or-neither', 1, 0, false],
  ];
  const d: IndicatorDef[] = [
    { code: 'I', name: 'a', valueType: 'decimal', rollup: 'sum' },
    { code: 'II', name: 'b', valueType: 'decimal', rollup: 'sum' },
  ];
  for (const [op, l, r, holds] of ops) {
    const tpl = compileTemplate(d, [{ code: 'R', left: 'I', op, right: 'II', severity: 'warning', message: 'm' }]);
    const outcome = checkRules(
      tpl,
      computeReport(
        tpl,
        new Map([
          ['I', l],
          ['II', r],
        ]),
      ),
    );
    t.equal(outcome.findings.length === 0, holds, `${l} ${op} ${r}`);
  }
});

t.test('templates that cannot compute are refused with the reason', async (t) => {
  const base: IndicatorDef = { code: 'I.1', name: 'x', valueType: 'integer', rollup: 'sum' };
  const cases: Array<[IndicatorDef[], RuleDef[], RegExp]> = [
    [[{ ...base, formula: 'I.9 + 1', rollup: 'recompute' }], [], /reads I\.9, which is not in the template/],
    [
      [
        base,
        { code: 'I.2', name: 't', valueType: 'text', rollup: 'none' },
        { code: 'I.3', name: 'y', valueType: 'decimal', formula: 'I.2 * 2', rollup: 'recompute' },
      ],
      [],
      /I\.2, which holds no number/,
    ],
    [
      [
        { ...base, code: 'I.1', formula: 'I.2 + 1', rollup: 'recompute' },
        { ...base, code: 'I.2', formula: 'I.1 + 1', rollup: 'recompute' },
      ],
      [],
      /cycle: I\.1 → I\.2 → I\.1/,
    ],
    [[{ ...base, formula: 'I.1 +', rollup: 'recompute' }], [], /I\.1: .*at the end/],
    [[{ ...base, formula: '1 + 1', rollup: 'sum' }], [], /rolls up by recompute/],
    [[{ ...base, rollup: 'recompute' }], [], /recompute needs a formula/],
    [[base], [{ code: 'R1', left: 'I.1', op: '<=', right: 'II.1', severity: 'warning', message: 'm' }], /R1: the rule reads II\.1/],
  ];
  for (const [d, r, message] of cases) t.throws(() => compileTemplate(d, r), { constructor: TemplateError, message });
});

t.test('roll-up: a rate is recomputed from summed counts, never averaged', async (t) => {
  // Agency A: 1 of 1 done (100 %); agency B: 0 of 99 (0 %). Average of rates: 50 %. Rate of the sums: 1 %.
  const aggregates = new Map<string, Aggregates>([
    ['I.1.1', { count: 2, sum: 100, avg: 50, min: 1, max: 99, any: false, all: false }],
    ['I.1.2', { count: 2, sum: 1, avg: 0.5, min: 0, max: 1, any: true, all: false }],
    ['I.3', { count: 2, sum: 1, avg: 0.5, min: 0, max: 1, any: true, all: false }],
  ]);
  t.same(aggregatesNeeded(template, ['I.1', 'I.3']).sort(), ['I.1', 'I.1.1', 'I.1.2', 'I.3']);
  t.same(rollupIndicator(template, 'I.1', aggregates), { indicator: 'I.1', value: 1, status: 'derived', agencies: 2, inputs: { 'I.1.2': 1, 'I.1.1': 100 } });
  t.match(rollupIndicator(template, 'I.1.1', aggregates), { value: 100, status: 'derived', agencies: 2 });
  t.match(rollupIndicator(template, 'I.3', aggregates), { value: 1, status: 'derived' });
  t.match(rollupIndicator(template, 'I.4', aggregates), { value: null, status: 'not_aggregated' });
  const zero = new Map<string, Aggregates>([
    ['I.1.1', { count: 1, sum: 0, avg: 0, min: 0, max: 0, any: false, all: false }],
    ['I.1.2', { count: 1, sum: 0, avg: 0, min: 0, max: 0, any: false, all: false }],
  ]);
  t.match(rollupIndicator(template, 'I.1', zero), { value: null, status: 'not_applicable' });
  t.match(rollupIndicator(template, 'I.1', new Map()), { value: null, status: 'missing_input' });
});
