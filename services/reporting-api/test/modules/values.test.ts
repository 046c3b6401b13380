import { readFile } from 'node:fs/promises';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const demo = JSON.parse(await readFile(new URL('../../seed/demo/bql-kcn-2023-values.json', import.meta.url), 'utf8'));

t.test('indicator values', async (t) => {
  const api = await buildTestApp(t);
  const put = (url: string, values: object[], as: 'admin' | 'agency' | 'agencyOther' = 'admin') => api.request({ method: 'PUT', url, payload: { values }, as });
  const report = async (period: string, agency: string) =>
    new Map<string, any>(
      (await api.request({ method: 'GET', url: `/v1/reports/${period}/${agency}/values`, as: 'reader' })).json().items.map((i: any) => [i.indicator, i]),
    );

  t.test('the reference values read back exactly as submitted', async (t) => {
    const cells = await report('2023', 'BQL-KCN');
    for (const v of demo.values) {
      const cell = cells.get(v.indicator);
      t.ok(cell, v.indicator);
      t.equal(cell.value, v.value, `${v.indicator} value`);
      t.equal(cell.status, 'reported', `${v.indicator} status`);
      t.equal(cell.note, v.note ?? null, `${v.indicator} note`);
    }
    t.equal(cells.get('VII.3.1').value, 1473, '"1.473" is one thousand four hundred seventy-three');
    t.equal(cells.get('IV.4').value, null, 'a blank cell stays blank, not 0');
    t.match(
      cells.get('III.7.3'),
      { value: 98.9, status: 'reported', derived: { value: 98.99, status: 'derived' } },
      '98 of 99 is 98.99; the reported 98,9 is kept beside it',
    );
  });

  t.test('the reference report’s inconsistencies are findings', async (t) => {
    const res = await api.request({ method: 'GET', url: '/v1/reports/2023/BQL-KCN/findings', as: 'reader' });
    t.equal(res.statusCode, 200);
    const findings = res.json().findings;
    const by = (rule: string) => findings.find((f: any) => f.rule === rule);
    t.match(
      by('DERIVED_MISMATCH'),
      { indicators: ['III.7.3', 'III.7.2.1', 'III.7.2.2', 'III.7.2'], left: { value: 98.9 }, right: { value: 98.99 } },
      '98/99 written 98,9 %',
    );
    t.match(by('R-IV1-CUT-RATE-NEEDS-CUT'), { left: { expression: 'IV.1.7', value: 100 }, right: { value: 0 } }, 'a 100 % reduction where nothing was cut');
    t.ok(by('R-IV2-STREAMLINE-RATE-NEEDS-CUT'));
    t.match(by('R-II2-REVIEWED-EQ-REQUIRED'), { left: { expression: 'II.2.2', value: 0 }, right: { value: 6 } }, '0 documents reviewed of 6');
    t.notOk(
      findings.some((f: any) => f.severity === 'blocking'),
      'no hard impossibility in the reference',
    );
    t.ok(res.json().skipped.length > 0, 'rules over blank inputs are listed as skipped');
  });

  t.test('submission summary, repeated payload, dry run', async (t) => {
    const url = '/v1/reports/2024/BQL-KCN/values';
    const values = [
      { indicator: 'I.1.1', value: 99 },
      { indicator: 'I.1.2', value: 98, note: 'Kế hoạch số 01/KH-BQL ngày 05/01/2024' },
      { indicator: 'I.5', value: 1 },
      { indicator: 'I.7.2', value: 2 },
    ];
    const dry = await api.request({ method: 'PUT', url: `${url}?dryRun=true`, payload: { values } });
    t.equal(dry.statusCode, 200);
    t.match(dry.json(), { dryRun: true, written: false, created: 4, updated: 0, unchanged: 0, rejected: 0 });
    t.equal((await report('2024', 'BQL-KCN')).size, 1 + 1, 'a dry run writes nothing (only the derived rates I.1 and III.7.3 show, without inputs)');

    const first = await put(url, values);
    t.match(first.json(), { dryRun: false, written: true, created: 4, updated: 0, unchanged: 0, rejected: 0, conflicts: [] });
    const again = await put(url, values);
    t.match(again.json(), { written: false, created: 0, updated: 0, unchanged: 4, rejected: 0 }, 'the same payload twice is all unchanged');
    const cells = await report('2024', 'BQL-KCN');
    t.match(cells.get('I.1'), { value: 98.99, status: 'derived' });
    t.equal(cells.get('I.1.2').note, 'Kế hoạch số 01/KH-BQL ngày 05/01/2024');

    const changed = await put(url, [
      { indicator: 'I.1.2', value: 97 },
      { indicator: 'I.1.1', value: 99 },
    ]);
    t.match(changed.json(), { created: 0, updated: 1, unchanged: 1 });
    t.equal((await report('2024', 'BQL-KCN')).get('I.1.2').note, 'Kế hoạch số 01/KH-BQL ngày 05/01/2024', 'an omitted note stays');
    const cleared = await put(url, [{ indicator: 'I.1.2', value: 97, note: null }]);
    t.match(cleared.json(), { updated: 1 });
  });

  t.test('evidence links: kept, compared, replaced, cleared', async (t) => {
    const url = '/v1/reports/2024-H1/BQL-KCN/values';
    const register = async (number: string) =>
      (await api.request({ method: 'POST', url: '/v1/documents', payload: { type: 'ke-hoach', number, symbol: 'KH-BQL', issuedOn: '2024-01-10' } })).json()
        .id as string;
    const [a, b] = [await register('61'), await register('62')];
    t.match((await put(url, [{ indicator: 'I.1.1', value: 20, evidence: [a] }])).json(), { created: 1 });
    t.same((await report('2024-H1', 'BQL-KCN')).get('I.1.1').evidence, [a]);
    t.match((await put(url, [{ indicator: 'I.1.1', value: 20, evidence: [a] }])).json(), { unchanged: 1 });
    t.match((await put(url, [{ indicator: 'I.1.1', value: 20 }])).json(), { unchanged: 1 }, 'omitted evidence stays');
    t.match((await put(url, [{ indicator: 'I.1.1', value: 20, evidence: [b, a] }])).json(), { updated: 1 });
    t.same(new Set((await report('2024-H1', 'BQL-KCN')).get('I.1.1').evidence), new Set([a, b]));
    t.match((await put(url, [{ indicator: 'I.1.1', value: 20, evidence: [] }])).json(), { updated: 1 });
    t.same((await report('2024-H1', 'BQL-KCN')).get('I.1.1').evidence, []);
    const bad = await put(url, [{ indicator: 'I.1.1', value: 20, evidence: ['not-a-uuid'] }]);
    t.equal(bad.statusCode, 400);
    t.match(bad.json().errors, [{ pointer: '/values/0/evidence/0' }]);
  });

  t.test('0 of 0 is null with not_applicable; a blank input leaves a rate missing', async (t) => {
    await put('/v1/reports/2024-Q1/BQL-KCN/values', [
      { indicator: 'I.1.1', value: 0 },
      { indicator: 'I.1.2', value: 0 },
      { indicator: 'III.7.2', value: 5 },
    ]);
    const cells = await report('2024-Q1', 'BQL-KCN');
    t.match(cells.get('I.1'), { value: null, status: 'not_applicable' });
    t.match(cells.get('III.7.3'), { value: null, status: 'missing_input', derived: { missing: ['III.7.2.1', 'III.7.2.2'] } });
  });

  t.test('every check refuses its row with its index and code; valid rows still land', async (t) => {
    const res = await put('/v1/reports/2024-Q2/BQL-KCN/values', [
      { indicator: 'I.1.1', value: 10 },
      { indicator: 'III.6.3', value: 150 },
      { indicator: 'I.1.2', value: 2.5 },
      { indicator: 'I.1.3', value: '5' },
      { indicator: 'I.5', value: 2 },
      { indicator: 'IX.1', value: 1 },
      { indicator: 'I.2', value: 1 },
      { indicator: 'I.1.1', value: 11 },
      { indicator: 'III.7.2.1', value: -1 },
    ]);
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.match(body, { created: 1, rejected: 8, written: true });
    t.same(
      body.conflicts.map((c: any) => [c.index, c.indicator, c.code]),
      [
        [1, 'III.6.3', 'VALUE_OUT_OF_RANGE'],
        [2, 'I.1.2', 'VALUE_NOT_INTEGER'],
        [3, 'I.1.3', 'VALUE_TYPE_MISMATCH'],
        [4, 'I.5', 'VALUE_NOT_ALLOWED'],
        [5, 'IX.1', 'INDICATOR_UNKNOWN'],
        [6, 'I.2', 'INDICATOR_NOT_REPORTABLE'],
        [7, 'I.1.1', 'DUPLICATE_ROW'],
        [8, 'III.7.2.1', 'VALUE_OUT_OF_RANGE'],
      ],
    );
    t.ok(body.conflicts.every((c: any) => typeof c.message === 'string' && c.message.length > 10));
    t.equal((await report('2024-Q2', 'BQL-KCN')).get('I.1.1').value, 10);
  });

  t.test('atomic: all or nothing', async (t) => {
    const res = await api.request({
      method: 'PUT',
      url: '/v1/reports/2024-Q3/BQL-KCN/values?atomic=true',
      payload: {
        values: [
          { indicator: 'I.1.1', value: 5 },
          { indicator: 'III.6.3', value: 150 },
        ],
      },
    });
    t.equal(res.statusCode, 422);
    const problem = res.json();
    t.match(problem, {
      code: 'SUBMISSION_REJECTED',
      summary: { rejected: 1, written: false, conflicts: [{ index: 1, code: 'VALUE_OUT_OF_RANGE' }] },
      errors: [{ pointer: '/values/1' }],
    });
    t.equal((await report('2024-Q3', 'BQL-KCN')).has('I.1.1'), false, 'nothing written');
  });

  t.test('a derived indicator is refused unless the template lets it be overridden', async (t) => {
    const copy = await api.request({ method: 'POST', url: '/v1/templates/CCHC-2023/copy', payload: { id: 'STRICT', year: 2025 } });
    t.equal(copy.statusCode, 201);
    await api.request({ method: 'PATCH', url: '/v1/templates/STRICT/indicators/I.1', payload: { overridable: false } });
    await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2025', templateId: 'STRICT' } });
    const res = await put('/v1/reports/2025/BQL-KCN/values', [
      { indicator: 'I.1', value: 100 },
      { indicator: 'III.7.3', value: 99 },
    ]);
    t.same(
      res.json().conflicts.map((c: any) => c.code),
      ['INDICATOR_DERIVED'],
    );
    t.match((await report('2025', 'BQL-KCN')).get('III.7.3'), { value: 99, status: 'reported', derived: { status: 'missing_input' } });
    const tmpl = await api.request({
      method: 'POST',
      url: '/v1/templates',
      payload: {
        id: 'OTHER',
        name: 'x',
        year: 2025,
        indicators: [
          { code: 'I', stt: 'I', level: 1, parentCode: null, valueType: 'section', name: 'x' },
          { code: 'I.1', stt: '1', level: 2, parentCode: 'I', valueType: 'integer', name: 'y' },
        ],
      },
    });
    t.equal(tmpl.statusCode, 201);
    await api.request({ method: 'POST', url: '/v1/periods/generate', payload: { year: 2027, templateId: 'OTHER' } });
    const notInTemplate = await put('/v1/reports/2027/BQL-KCN/values', [{ indicator: 'III.7.1', value: 1 }]);
    t.same(
      notInTemplate.json().conflicts.map((c: any) => c.code),
      ['INDICATOR_NOT_IN_TEMPLATE'],
    );
  });

  t.test('period, agency and role checks answer the whole request', async (t) => {
    await api.request({ method: 'PATCH', url: '/v1/periods/2024-M01', payload: { state: 'closed' } });
    const closed = await put('/v1/reports/2024-M01/BQL-KCN/values', [{ indicator: 'I.1.1', value: 1 }], 'agency');
    t.equal(closed.statusCode, 409);
    t.equal(closed.json().code, 'PERIOD_CLOSED');
    const adminOnClosed = await put('/v1/reports/2024-M01/BQL-KCN/values', [{ indicator: 'I.1.1', value: 1 }]);
    t.equal(adminOnClosed.statusCode, 200, 'an admin may still correct a closed period');
    await api.request({ method: 'PATCH', url: '/v1/periods/2024-M01', payload: { state: 'locked' } });
    const locked = await put('/v1/reports/2024-M01/BQL-KCN/values', [{ indicator: 'I.1.1', value: 2 }]);
    t.equal(locked.statusCode, 409);
    t.equal(locked.json().code, 'PERIOD_LOCKED');
    const lockedDelete = await api.request({ method: 'DELETE', url: '/v1/reports/2024-M01/BQL-KCN/values/I.1.1' });
    t.equal(lockedDelete.json().code, 'PERIOD_LOCKED');

    const other = await put('/v1/reports/2024/SNV/values', [{ indicator: 'I.1.1', value: 1 }], 'agency');
    t.equal(other.statusCode, 403);
    t.equal(other.json().code, 'FORBIDDEN');
    const child = await put('/v1/reports/2024/TTHT-KCN/values', [{ indicator: 'I.1.1', value: 1 }], 'agency');
    t.equal(child.statusCode, 200, 'an agency key writes for its subtree');

    await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'OLD-UNIT', name: 'Đơn vị cũ', kind: 'unit', parentCode: 'SNV' } });
    await api.request({ method: 'POST', url: '/v1/agencies/OLD-UNIT/deactivate' });
    const inactive = await put('/v1/reports/2024/OLD-UNIT/values', [{ indicator: 'I.1.1', value: 1 }]);
    t.equal(inactive.statusCode, 422);
    t.equal(inactive.json().code, 'AGENCY_NOT_ACTIVE');
    t.equal((await put('/v1/reports/2024/NOPE/values', [{ indicator: 'I.1.1', value: 1 }])).json().code, 'AGENCY_NOT_FOUND');
    t.equal((await put('/v1/reports/2031/BQL-KCN/values', [{ indicator: 'I.1.1', value: 1 }])).json().code, 'PERIOD_NOT_FOUND');
    t.equal((await api.request({ method: 'PUT', url: '/v1/reports/2024/BQL-KCN/values', payload: { values: [] } })).statusCode, 400);
    t.equal(
      (await api.request({ method: 'PUT', url: '/v1/reports/2024/BQL-KCN/values', payload: { values: [{ indicator: 'I.1.1' }] } })).statusCode,
      400,
      'value is required (null for blank)',
    );
  });

  t.test('the multi-agency, multi-period variant refuses rows, not the request', async (t) => {
    const res = await api.request({
      method: 'PUT',
      url: '/v1/values',
      payload: {
        values: [
          { period: '2024', agency: 'SNV', indicator: 'I.1.1', value: 4 },
          { period: '2024-H1', agency: 'SNV', indicator: 'I.1.1', value: 2 },
          { period: '2024-M01', agency: 'SNV', indicator: 'I.1.1', value: 2 },
          { period: '2024', agency: 'NOPE', indicator: 'I.1.1', value: 2 },
          { period: '2024', agency: 'SKHDT', indicator: 'I.1.1', value: -2 },
        ],
      },
    });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { created: 2, rejected: 3 });
    t.same(
      res.json().conflicts.map((c: any) => [c.index, c.period, c.agency, c.code]),
      [
        [2, '2024-M01', 'SNV', 'PERIOD_LOCKED'],
        [3, '2024', 'NOPE', 'AGENCY_NOT_FOUND'],
        [4, '2024', 'SKHDT', 'VALUE_OUT_OF_RANGE'],
      ],
    );
    const asAgency = await api.request({
      method: 'PUT',
      url: '/v1/values',
      as: 'agency',
      payload: {
        values: [
          { period: '2024', agency: 'BQL-KCN', indicator: 'I.4.1', value: 3 },
          { period: '2024', agency: 'SNV', indicator: 'I.4.1', value: 3 },
        ],
      },
    });
    t.same(
      asAgency.json().conflicts.map((c: any) => [c.index, c.code]),
      [[1, 'FORBIDDEN']],
    );
  });

  t.test('a large non-atomic batch is written in chunks of whole reports, row indexes kept', async (t) => {
    const agencies = [
      'SNV',
      'STP',
      'SKHDT',
      'STC',
      'SCT',
      'SNNPTNT',
      'SGTVT',
      'SXD',
      'STNMT',
      'STTTT',
      'SLDTBXH',
      'SVHTTDL',
      'SKHCN',
      'SGDDT',
      'SYT',
      'SNGV',
      'TTR',
      'BDT',
      'VP-UBND',
      'TP-ST',
    ];
    const rows = agencies.flatMap((agency) =>
      demo.values.map((v: any) => ({ period: '2024-Q4', agency, indicator: v.indicator, value: v.value, ...(v.note !== undefined && { note: v.note }) })),
    );
    const badIndex = rows.length - 3;
    rows[badIndex] = { ...rows[badIndex], indicator: 'IX.9' };
    t.ok(rows.length > 2000, `${rows.length} rows span several chunks`);
    const res = await api.request({ method: 'PUT', url: '/v1/values', payload: { values: rows } });
    t.equal(res.statusCode, 200);
    const body = res.json();
    t.match(body, { created: rows.length - 1, rejected: 1, updated: 0, unchanged: 0, written: true });
    t.same(
      body.conflicts.map((c: any) => [c.index, c.code]),
      [[badIndex, 'INDICATOR_UNKNOWN']],
    );
    t.equal(new Set(body.findings.map((f: any) => f.agency)).size, agencies.length, 'findings for every report');
    const again = await api.request({ method: 'PUT', url: '/v1/values', payload: { values: rows } });
    t.match(again.json(), { created: 0, unchanged: rows.length - 1, rejected: 1, written: false });
  });

  t.test('audit trail: old and new, per value and per report', async (t) => {
    const trail = (await api.request({ method: 'GET', url: '/v1/reports/2024/BQL-KCN/audit?indicator=I.1.2', as: 'reader' })).json().items;
    t.same(
      trail.map((e: any) => [e.action, e.oldValue, e.newValue, e.oldNote, e.newNote]),
      [
        ['update', 97, 97, 'Kế hoạch số 01/KH-BQL ngày 05/01/2024', null],
        ['update', 98, 97, 'Kế hoạch số 01/KH-BQL ngày 05/01/2024', 'Kế hoạch số 01/KH-BQL ngày 05/01/2024'],
        ['create', null, 98, null, 'Kế hoạch số 01/KH-BQL ngày 05/01/2024'],
      ],
    );
    t.ok(trail.every((e: any) => typeof e.actorKeyId === 'string' && typeof e.requestId === 'string'));
    const del = await api.request({ method: 'DELETE', url: '/v1/reports/2024/BQL-KCN/values/I.5' });
    t.equal(del.statusCode, 204);
    t.equal((await api.request({ method: 'DELETE', url: '/v1/reports/2024/BQL-KCN/values/I.5' })).json().code, 'VALUE_NOT_FOUND');
    const whole = (await api.request({ method: 'GET', url: '/v1/reports/2024/BQL-KCN/audit', as: 'reader' })).json().items;
    t.match(whole[0], { action: 'delete', indicator: 'I.5', oldValue: 1, newValue: null });
    t.ok(whole.length >= 7);
    const page = (await api.request({ method: 'GET', url: '/v1/reports/2024/BQL-KCN/audit?limit=2', as: 'reader' })).json();
    const next = (await api.request({ method: 'GET', url: `/v1/reports/2024/BQL-KCN/audit?limit=2&cursor=${page.nextCursor}`, as: 'reader' })).json();
    t.same(
      [...page.items, ...next.items].map((e: any) => e.id),
      whole.slice(0, 4).map((e: any) => e.id),
    );
  });

  t.test('roll-up of a rate over two agencies is the rate of their summed counts', async (t) => {
    await put('/v1/reports/2024-9M/SCT/values', [
      { indicator: 'III.7.2', value: 1 },
      { indicator: 'III.7.2.1', value: 1 },
      { indicator: 'III.7.2.2', value: 0 },
      { indicator: 'III.7.3', value: 100 },
    ]);
    await put('/v1/reports/2024-9M/SXD/values', [
      { indicator: 'III.7.2', value: 99 },
      { indicator: 'III.7.2.1', value: 0 },
      { indicator: 'III.7.2.2', value: 0 },
      { indicator: 'III.7.3', value: 0 },
      { indicator: 'I.5', value: 1 },
    ]);
    const res = await api.request({
      method: 'GET',
      url: '/v1/rollups?period=2024-9M&agency=UBND-ST&indicator=III.7.3&indicator=III.7.2&indicator=I.5&indicator=I.7.3',
      as: 'reader',
    });
    t.equal(res.statusCode, 200);
    const items = new Map<string, any>(res.json().items.map((i: any) => [i.indicator, i]));
    t.match(
      items.get('III.7.3'),
      { value: 1, status: 'derived', rollup: 'recompute', inputs: { 'III.7.2.1': 1, 'III.7.2.2': 0, 'III.7.2': 100 } },
      '1 of 100, not the average 50',
    );
    t.match(items.get('III.7.2'), { value: 100, rollup: 'sum', agencies: 2 });
    t.match(items.get('I.5'), { value: 1, rollup: 'any' });
    t.match(items.get('I.7.3'), { value: null, status: 'not_aggregated' });
    t.equal(res.json().agenciesInTree, 41, 'the 40 seeded agencies and OLD-UNIT');
    const one = await api.request({ method: 'GET', url: '/v1/rollups?period=2024-9M&agency=SCT&indicator=III.7.3', as: 'reader' });
    t.match(one.json().items[0], { value: 100 });
    t.equal((await api.request({ method: 'GET', url: '/v1/rollups?period=2024-9M&agency=UBND-ST&indicator=IX.9', as: 'reader' })).statusCode, 404);
    t.equal(
      (await api.request({ method: 'GET', url: '/v1/rollups?period=2024-9M&agency=NOPE&indicator=III.7.3', as: 'reader' })).json().code,
      'AGENCY_NOT_FOUND',
    );
    t.equal((await api.request({ method: 'GET', url: '/v1/rollups?period=2039&agency=SNV&indicator=III.7.3', as: 'reader' })).json().code, 'PERIOD_NOT_FOUND');

    // A template edit shows at the next roll-up (the cached template is checked against the period's version).
    await api.request({ method: 'PATCH', url: '/v1/templates/CCHC-2023/indicators/I.5', payload: { rollup: 'all' } });
    const edited = await api.request({ method: 'GET', url: '/v1/rollups?period=2024-9M&agency=UBND-ST&indicator=I.5', as: 'reader' });
    t.match(edited.json().items[0], { rollup: 'all', value: 1 });
    await api.request({ method: 'PUT', url: '/v1/reports/2024-9M/SCT/values', payload: { values: [{ indicator: 'I.5', value: 0 }] } });
    t.match((await api.request({ method: 'GET', url: '/v1/rollups?period=2024-9M&agency=UBND-ST&indicator=I.5', as: 'reader' })).json().items[0], {
      rollup: 'all',
      value: 0,
    });
    await api.request({ method: 'PATCH', url: '/v1/templates/CCHC-2023/indicators/I.5', payload: { rollup: 'any' } });
    t.match((await api.request({ method: 'GET', url: '/v1/rollups?period=2024-9M&agency=UBND-ST&indicator=I.5', as: 'reader' })).json().items[0], {
      rollup: 'any',
      value: 1,
    });
  });

  t.test('dashboard list: filters, subtree, statuses, whole-report pages', async (t) => {
    const res = await api.request({
      method: 'GET',
      url: '/v1/values?period=2023&agency=BQL-KCN&indicator=III.7.3&indicator=I.1&indicator=VII.3.1',
      as: 'reader',
    });
    t.same(
      res.json().items.map((i: any) => [i.indicator, i.value, i.status]),
      [
        ['I.1', 100, 'reported'],
        ['III.7.3', 98.9, 'reported'],
        ['VII.3.1', 1473, 'reported'],
      ],
    );
    const section = (await api.request({ method: 'GET', url: '/v1/values?period=2024-Q1&section=I.1', as: 'reader' })).json();
    t.same(
      section.items.map((i: any) => [i.agency, i.indicator, i.status]),
      [
        ['BQL-KCN', 'I.1', 'not_applicable'],
        ['BQL-KCN', 'I.1.1', 'reported'],
        ['BQL-KCN', 'I.1.2', 'reported'],
      ],
    );
    const subtree = (await api.request({ method: 'GET', url: '/v1/values?period=2024&agency=BQL-KCN&subtree=true&indicator=I.1.1', as: 'reader' })).json();
    t.same(
      subtree.items.map((i: any) => i.agency),
      ['BQL-KCN', 'TTHT-KCN'],
    );
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (
        await api.request({ method: 'GET', url: `/v1/values?limit=2&indicator=I.1.1${cursor ? `&cursor=${cursor}` : ''}`, as: 'reader' })
      ).json();
      seen.push(...page.items.map((i: any) => `${i.period}/${i.agency}`));
      cursor = page.nextCursor;
    } while (cursor);
    t.equal(new Set(seen).size, seen.length, 'no report twice across pages');
    t.ok(seen.includes('2024/BQL-KCN') && seen.includes('2024-9M/SXD') === false, 'only reports with the indicator');
  });

  t.test('ETag and If-None-Match answer 304 until the data changes', async (t) => {
    const url = '/v1/rollups?period=2024-9M&agency=UBND-ST&indicator=III.7.3';
    const first = await api.request({ method: 'GET', url, as: 'reader' });
    const etag = first.headers.etag as string;
    t.match(etag, /^W\//);
    const again = await api.request({ method: 'GET', url, as: 'reader', headers: { 'if-none-match': etag } });
    t.equal(again.statusCode, 304);
    t.equal(again.body, '');
    await put('/v1/reports/2024-9M/SXD/values', [{ indicator: 'III.7.2.1', value: 9 }]);
    const changed = await api.request({ method: 'GET', url, as: 'reader', headers: { 'if-none-match': etag } });
    t.equal(changed.statusCode, 200);
    t.match(changed.json().items[0], { value: 10 });
    const values = await api.request({ method: 'GET', url: '/v1/values?period=2023', as: 'reader' });
    t.equal(
      (await api.request({ method: 'GET', url: '/v1/values?period=2023', as: 'reader', headers: { 'if-none-match': values.headers.etag as string } }))
        .statusCode,
      304,
    );
  });

  t.test('time series across years, for one agency or its subtree', async (t) => {
    await put('/v1/reports/2024/BQL-KCN/values', [
      { indicator: 'III.7.2', value: 50 },
      { indicator: 'III.7.2.1', value: 49 },
      { indicator: 'III.7.2.2', value: 1 },
    ]);
    await put('/v1/reports/2024/TTHT-KCN/values', [
      { indicator: 'III.7.2', value: 50 },
      { indicator: 'III.7.2.1', value: 0 },
      { indicator: 'III.7.2.2', value: 0 },
    ]);
    const one = (await api.request({ method: 'GET', url: '/v1/series?indicator=III.7.3&agency=BQL-KCN&toYear=2024', as: 'reader' })).json();
    t.same(one.items, [
      { period: '2022', value: null, status: 'missing_input' },
      { period: '2023', value: 98.9, status: 'reported' },
      { period: '2024', value: 100, status: 'derived' },
    ]);
    const tree = (
      await api.request({ method: 'GET', url: '/v1/series?indicator=III.7.3&agency=BQL-KCN&subtree=true&fromYear=2023&toYear=2024', as: 'reader' })
    ).json();
    t.same(tree.items, [
      { period: '2023', value: 98.99, status: 'derived' },
      { period: '2024', value: 50, status: 'derived' },
    ]);
  });
});
