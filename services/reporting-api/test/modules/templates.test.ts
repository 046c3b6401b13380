import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const seedTemplate = JSON.parse(await readFile(new URL('../../seed/templates/cchc-2023.json', import.meta.url), 'utf8'));

t.test('the shipped template is the reference annex, row for row', async (t) => {
  // The transcription check compares the seed file with the annex of seed/reference/cchc-report-2023.txt cell by cell.
  const script = new URL('../../scripts/check-annex-transcription.mjs', import.meta.url).pathname;
  const { stdout } = await promisify(execFile)(process.execPath, [script]);
  t.match(stdout, /OK: transcription matches the annex/);
  t.match(stdout, /annex rows:\s+185/);

  const api = await buildTestApp(t);
  const res = await api.request({ method: 'GET', url: '/v1/templates/CCHC-2023/indicators', as: 'reader' });
  t.equal(res.statusCode, 200);
  const items = res.json().items;
  t.equal(items.length, seedTemplate.indicators.length);
  const printed = items.filter((i: any) => i.printed);
  t.equal(printed.length, 185, 'every annex row');
  t.same(
    printed.map((i: any) => [i.stt, i.name, i.unit]),
    seedTemplate.indicators.filter((i: any) => i.printed).map((i: any) => [i.stt, i.name, i.unit ?? null]),
  );
  t.same(
    items.filter((i: any) => i.level === 1).map((i: any) => i.code),
    ['I', 'II', 'III', 'IV', 'V', 'VI', 'VII'],
  );
  const rate = items.find((i: any) => i.code === 'I.1');
  t.match(rate, {
    name: 'Tỷ lệ hoàn thành Kế hoạch CCHC năm (Lũy kế đến thời điểm báo cáo)',
    unit: '%',
    valueType: 'percent',
    formula: 'I.1.2 / I.1.1 * 100',
    rollup: 'recompute',
    decimals: 2,
  });
  t.match(
    items.find((i: any) => i.code === 'I.7.2'),
    {
      valueType: 'choice',
      options: [
        { value: 0, label: 'Trực tuyến' },
        { value: 1, label: 'Phát phiếu' },
        { value: 2, label: 'Kết hợp' },
      ],
    },
  );
  t.match(
    items.find((i: any) => i.code === 'III.7.3'),
    { formula: '(III.7.2.1 + III.7.2.2) / III.7.2 * 100', overridable: true },
  );
  t.match(
    items.find((i: any) => i.code === 'III.7.2.1'),
    { printed: false, parentCode: 'III.7.2' },
  );
});

t.test('templates', async (t) => {
  const api = await buildTestApp(t);

  t.test('list, get, filter indicators by section and by text without diacritics', async (t) => {
    const list = (await api.request({ method: 'GET', url: '/v1/templates', as: 'reader' })).json();
    t.match(list.items, [{ id: 'CCHC-2023', year: 2023, indicatorCount: 188, ruleCount: seedTemplate.rules.length }]);
    t.equal((await api.request({ method: 'GET', url: '/v1/templates/NOPE', as: 'reader' })).json().code, 'TEMPLATE_NOT_FOUND');
    const section = (await api.request({ method: 'GET', url: '/v1/templates/CCHC-2023/indicators?section=III.7', as: 'reader' })).json();
    t.same(
      section.items.map((i: any) => i.code),
      ['III.7', 'III.7.1', 'III.7.2', 'III.7.2.1', 'III.7.2.2', 'III.7.2.3', 'III.7.3'],
    );
    const search = (
      await api.request({ method: 'GET', url: `/v1/templates/CCHC-2023/indicators?q=${encodeURIComponent('buu chinh cong ich')}`, as: 'reader' })
    ).json();
    t.ok(search.items.length >= 1 && search.items.every((i: any) => i.code.startsWith('VII.6') || i.code.startsWith('III')));
    t.equal((await api.request({ method: 'GET', url: '/v1/templates/CCHC-2023/indicators/I.5', as: 'reader' })).json().unit, 'Không = 0; Có = 1');
    t.equal((await api.request({ method: 'GET', url: '/v1/templates/CCHC-2023/indicators/IX.9', as: 'reader' })).statusCode, 404);
    const rules = (await api.request({ method: 'GET', url: '/v1/templates/CCHC-2023/rules', as: 'reader' })).json();
    t.ok(rules.items.some((r: any) => r.code === 'R-I1-DONE-LE-PLANNED' && r.severity === 'blocking'));
  });

  t.test('create checks the tree, the options and the formulas', async (t) => {
    const ind = (over: object) => ({ code: 'I', stt: 'I', level: 1, parentCode: null, valueType: 'section', name: 'Phần I', ...over });
    const ok = await api.request({
      method: 'POST',
      url: '/v1/templates',
      payload: {
        id: 'MINI-2025',
        name: 'Biểu mẫu rút gọn',
        year: 2025,
        indicators: [
          ind({}),
          ind({ code: 'I.1', stt: '1', level: 2, parentCode: 'I', valueType: 'percent', name: 'Tỷ lệ', decimals: 2, formula: 'I.1.2 / I.1.1 * 100' }),
          ind({ code: 'I.1.1', stt: '', level: 3, parentCode: 'I.1', valueType: 'integer', name: 'Đề ra', rollup: 'sum' }),
          ind({ code: 'I.1.2', stt: '', level: 3, parentCode: 'I.1', valueType: 'integer', name: 'Hoàn thành', rollup: 'sum' }),
        ],
        rules: [{ code: 'R1', left: 'I.1.2', op: '<=', right: 'I.1.1', severity: 'blocking', message: 'Hoàn thành ≤ đề ra' }],
      },
    });
    t.equal(ok.statusCode, 201, ok.body);
    t.match(ok.json(), { id: 'MINI-2025', indicatorCount: 4, ruleCount: 1 });
    t.equal(
      (await api.request({ method: 'GET', url: '/v1/templates/MINI-2025/indicators/I.1', as: 'reader' })).json().rollup,
      'recompute',
      'a formula defaults to recompute',
    );

    const dup = await api.request({ method: 'POST', url: '/v1/templates', payload: { id: 'MINI-2025', name: 'x', year: 2025, indicators: [ind({})] } });
    t.equal(dup.statusCode, 409);
    t.match(dup.json(), { code: 'TEMPLATE_EXISTS', existingId: 'MINI-2025' });

    const bad: Array<[object[], RegExp]> = [
      [[ind({}), ind({})], /used twice/],
      [[ind({ code: 'I.1', level: 2, parentCode: 'I' })], /parent I must come before/],
      [[ind({}), ind({ code: 'I.1', level: 3, parentCode: 'I', valueType: 'integer' })], /level 3 under a parent of level 1/],
      [[ind({}), ind({ code: 'I.1', level: 2, parentCode: 'I', valueType: 'boolean' })], /needs its coded options/],
      [
        [
          ind({}),
          ind({
            code: 'I.1',
            level: 2,
            parentCode: 'I',
            valueType: 'boolean',
            options: [
              { value: 1, label: 'Có' },
              { value: 2, label: 'Không' },
            ],
          }),
        ],
        /coded 0 and 1/,
      ],
      [[ind({}), ind({ code: 'I.1', level: 2, parentCode: 'I', valueType: 'percent', formula: 'I.9 * 2' })], /reads I\.9/],
    ];
    for (const [indicators, message] of bad) {
      const res = await api.request({ method: 'POST', url: '/v1/templates', payload: { id: 'BAD', name: 'x', year: 2025, indicators } });
      t.equal(res.statusCode, 422, String(message));
      t.match(res.json(), { code: 'TEMPLATE_INVALID', detail: message });
    }
    t.equal((await api.request({ method: 'GET', url: '/v1/templates/BAD', as: 'reader' })).statusCode, 404, 'nothing half-written');
  });

  t.test('copy to a new year, then edit an indicator and the rules', async (t) => {
    const copy = await api.request({ method: 'POST', url: '/v1/templates/CCHC-2023/copy', payload: { id: 'CCHC-2024', year: 2024 } });
    t.equal(copy.statusCode, 201);
    t.match(copy.json(), { id: 'CCHC-2024', year: 2024, copiedFrom: 'CCHC-2023', indicatorCount: 188, name: seedTemplate.name });
    const names = async (id: string) =>
      (await api.request({ method: 'GET', url: `/v1/templates/${id}/indicators`, as: 'reader' })).json().items.map((i: any) => i.name);
    t.same(await names('CCHC-2024'), await names('CCHC-2023'));

    const edited = await api.request({
      method: 'PATCH',
      url: '/v1/templates/CCHC-2024/indicators/I.3.1',
      payload: { help: 'Tỷ lệ nội dung đã tuyên truyền', rollup: 'avg' },
    });
    t.equal(edited.statusCode, 200);
    t.match(edited.json(), { help: 'Tỷ lệ nội dung đã tuyên truyền', rollup: 'avg', name: 'Tỷ lệ thực hiện nhiệm vụ tuyên truyền theo kế hoạch' });
    t.equal(
      (await api.request({ method: 'GET', url: '/v1/templates/CCHC-2023/indicators/I.3.1', as: 'reader' })).json().rollup,
      'none',
      'the original is untouched',
    );

    const cycle = await api.request({ method: 'PATCH', url: '/v1/templates/CCHC-2024/indicators/I.1.1', payload: { formula: 'I.1 * 2', rollup: 'recompute' } });
    t.equal(cycle.statusCode, 422);
    t.match(cycle.json().detail, /cycle/);

    const inUse = await api.request({
      method: 'PATCH',
      url: '/v1/templates/CCHC-2023/indicators/I.5',
      payload: {
        options: [
          { value: 1, label: 'Có' },
          { value: 0, label: 'Chưa' },
        ],
      },
    });
    t.equal(inUse.statusCode, 409, 'options of an indicator with reported values are fixed');
    t.equal(inUse.json().code, 'TEMPLATE_IN_USE');

    const rule = await api.request({
      method: 'PUT',
      url: '/v1/templates/CCHC-2024/rules/R-NEW',
      payload: { left: 'I.4.2 + I.4.3', op: '=', right: 'I.4.1', severity: 'warning', message: 'Hoàn thành đúng hạn và quá hạn bằng tổng số nhiệm vụ' },
    });
    t.equal(rule.statusCode, 200);
    const badRule = await api.request({
      method: 'PUT',
      url: '/v1/templates/CCHC-2024/rules/R-BAD',
      payload: { left: 'I.4.2 +', op: '=', right: 'I.4.1', severity: 'warning', message: 'x' },
    });
    t.equal(badRule.statusCode, 422);
    const textRule = await api.request({
      method: 'PUT',
      url: '/v1/templates/CCHC-2024/rules/R-BAD',
      payload: { left: 'I', op: '=', right: '1', severity: 'warning', message: 'x' },
    });
    t.equal(textRule.statusCode, 422, 'a heading holds no number');
    t.equal((await api.request({ method: 'DELETE', url: '/v1/templates/CCHC-2024/rules/R-NEW' })).statusCode, 204);
    t.equal((await api.request({ method: 'DELETE', url: '/v1/templates/CCHC-2024/rules/R-NEW' })).statusCode, 404);
    t.equal((await api.request({ method: 'PATCH', url: '/v1/templates/CCHC-2024', payload: { name: 'Biểu mẫu năm 2024' } })).json().name, 'Biểu mẫu năm 2024');
  });

  t.test('a period is bound to one template', async (t) => {
    t.equal((await api.request({ method: 'GET', url: '/v1/periods/2023', as: 'reader' })).json().templateId, 'CCHC-2023');
    const rebind = await api.request({ method: 'PATCH', url: '/v1/periods/2023', payload: { templateId: 'CCHC-2024' } });
    t.equal(rebind.statusCode, 409, '2023 has values on CCHC-2023');
    t.equal(rebind.json().code, 'TEMPLATE_IN_USE');
    const free = await api.request({ method: 'PATCH', url: '/v1/periods/2024', payload: { templateId: 'CCHC-2024' } });
    t.equal(free.statusCode, 200);
    t.equal(free.json().templateId, 'CCHC-2024');
    const missing = await api.request({ method: 'PATCH', url: '/v1/periods/2024', payload: { templateId: 'NOPE' } });
    t.equal(missing.statusCode, 404);
    t.equal(missing.json().code, 'TEMPLATE_NOT_FOUND');
    const generated = await api.request({ method: 'POST', url: '/v1/periods/generate', payload: { year: 2026, templateId: 'CCHC-2024' } });
    t.equal(generated.json().created.length, 19);
    t.equal((await api.request({ method: 'GET', url: '/v1/periods/2026-Q3', as: 'reader' })).json().templateId, 'CCHC-2024');
  });
});
