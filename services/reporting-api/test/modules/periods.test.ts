import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

t.test('reporting periods', async (t) => {
  const api = await buildTestApp(t);
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });

  t.test('seeded windows follow Nghị định 09/2019', async (t) => {
    const expected: Array<[string, string, string, string]> = [
      ['2023', 'year', '2022-12-15', '2023-12-14'],
      ['2023-Q1', 'quarter', '2022-12-15', '2023-03-14'],
      ['2023-H1', 'half-year', '2022-12-15', '2023-06-14'],
      ['2023-9M', 'nine-months', '2022-12-15', '2023-09-14'],
      ['2023-M07', 'month', '2023-06-15', '2023-07-14'],
      ['2024-M01', 'month', '2023-12-15', '2024-01-14'],
    ];
    for (const [id, kind, startsOn, endsOn] of expected) {
      const res = await get(`/v1/periods/${id}`);
      t.equal(res.statusCode, 200, id);
      t.match(res.json(), { id, kind, startsOn, endsOn, state: /^(open|closed)$/ }, id);
    }
    t.match((await get('/v1/periods/2023')).json(), { year: 2023, number: null, dueOn: '2023-12-20' });
    t.match((await get('/v1/periods/2023-Q3')).json(), { number: 3 });
  });

  t.test('list by year, kind and state, paginated', async (t) => {
    const year = (await get('/v1/periods?year=2023&limit=500')).json();
    t.equal(year.items.length, 19);
    const quarters = (await get('/v1/periods?year=2024&kind=quarter')).json();
    t.same(
      quarters.items.map((p: any) => p.id),
      ['2024-Q1', '2024-Q2', '2024-Q3', '2024-Q4'],
    );
    const closed = (await get('/v1/periods?state=closed&limit=500')).json();
    t.ok(closed.items.length === 19 && closed.items.every((p: any) => p.year === 2022), '2022 is closed in the demo data');
    const ids: string[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await get(`/v1/periods?limit=10${cursor ? `&cursor=${cursor}` : ''}`)).json();
      ids.push(...page.items.map((p: any) => p.id));
      cursor = page.nextCursor;
    } while (cursor);
    t.equal(ids.length, 57);
    t.equal(new Set(ids).size, 57);
  });

  t.test('find the period containing a date, by the stored windows', async (t) => {
    const cases: Array<[string, string, string]> = [
      ['2023-12-14', 'year', '2023'],
      ['2023-12-15', 'year', '2024'],
      ['2022-12-15', 'quarter', '2023-Q1'],
      ['2023-03-15', 'quarter', '2023-Q2'],
      ['2024-02-29', 'month', '2024-M03'],
      ['2023-06-14', 'half-year', '2023-H1'],
    ];
    for (const [date, kind, id] of cases) {
      const res = await get(`/v1/periods/containing?date=${date}&kind=${kind}`);
      t.equal(res.json().id, id, `${kind} containing ${date}`);
    }
    const none = await get('/v1/periods/containing?date=2023-07-01&kind=half-year');
    t.equal(none.statusCode, 404);
    t.equal(none.json().code, 'PERIOD_NOT_FOUND');
    const bad = await get('/v1/periods/containing?date=2023-02-30&kind=year');
    t.equal(bad.statusCode, 400);
    t.match(bad.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'querystring', pointer: '/date' }] });
  });

  t.test('create with computed or overridden window', async (t) => {
    const computed = await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2025-Q2' } });
    t.equal(computed.statusCode, 201);
    t.match(computed.json(), {
      id: '2025-Q2',
      kind: 'quarter',
      year: 2025,
      number: 2,
      startsOn: '2025-03-15',
      endsOn: '2025-06-14',
      dueOn: '2025-06-20',
      state: 'open',
    });

    // The reference report's own drift: "từ ngày 15/12/2022 đến ngày 15/12/2023".
    const overridden = await api.request({
      method: 'POST',
      url: '/v1/periods',
      payload: { id: '2025', startsOn: '2024-12-15', endsOn: '2025-12-15', dueOn: '2025-12-18' },
    });
    t.equal(overridden.statusCode, 201);
    t.match(overridden.json(), { startsOn: '2024-12-15', endsOn: '2025-12-15', dueOn: '2025-12-18' });
    t.equal((await get('/v1/periods/containing?date=2025-12-15&kind=year')).json().id, '2025', 'lookups use the stored override');
  });

  t.test('malformed ids, bad windows and duplicates answer 4xx, never 500', async (t) => {
    for (const id of ['2023-Q5', '2023-M13', '23', '2023-M1', 'abc', '2023-H2']) {
      const res = await api.request({ method: 'POST', url: '/v1/periods', payload: { id } });
      t.equal(res.statusCode, 400, `create ${id}`);
      t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'body', pointer: '/id' }] });
      const read = await get(`/v1/periods/${encodeURIComponent(id)}`);
      t.equal(read.statusCode, 400, `get ${id}`);
    }
    const outOfRange = await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '1999' } });
    t.equal(outOfRange.statusCode, 400);
    t.equal(outOfRange.json().code, 'PERIOD_ID_INVALID');

    const backwards = await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2026', startsOn: '2026-12-14', endsOn: '2025-12-15' } });
    t.equal(backwards.statusCode, 400);
    t.match(backwards.json(), { code: 'PERIOD_WINDOW_INVALID', errors: [{ pointer: '/endsOn' }] });

    const dueBefore = await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2026', dueOn: '2025-01-01' } });
    t.equal(dueBefore.statusCode, 400);
    t.match(dueBefore.json(), { code: 'PERIOD_WINDOW_INVALID', errors: [{ pointer: '/dueOn' }] });

    const impossibleDate = await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2026', startsOn: '2025-02-30' } });
    t.equal(impossibleDate.statusCode, 400);

    const dup = await api.request({ method: 'POST', url: '/v1/periods', payload: { id: '2023' } });
    t.equal(dup.statusCode, 409);
    t.match(dup.json(), { code: 'PERIOD_EXISTS', existingId: '2023' });

    t.equal((await get('/v1/periods/2026')).statusCode, 404, 'nothing was half-written');
    t.equal((await get('/v1/periods/2030')).json().code, 'PERIOD_NOT_FOUND');
  });

  t.test('generate a whole year, safely repeated', async (t) => {
    const first = (await api.request({ method: 'POST', url: '/v1/periods/generate', payload: { year: 2025 } })).json();
    t.equal(first.created.length, 17);
    t.same(first.existing.sort(), ['2025', '2025-Q2']);
    const again = (await api.request({ method: 'POST', url: '/v1/periods/generate', payload: { year: 2025 } })).json();
    t.same(again.created, []);
    t.equal(again.existing.length, 19);
    t.equal((await get('/v1/periods/2025')).json().endsOn, '2025-12-15', 'an existing override is left as it was');
  });

  t.test('state: close, lock, reopen; a locked period is frozen', async (t) => {
    const closed = await api.request({ method: 'PATCH', url: '/v1/periods/2025-M01', payload: { state: 'closed' } });
    t.equal(closed.json().state, 'closed');
    const locked = await api.request({ method: 'PATCH', url: '/v1/periods/2025-M01', payload: { state: 'locked' } });
    t.equal(locked.json().state, 'locked');

    const redate = await api.request({ method: 'PATCH', url: '/v1/periods/2025-M01', payload: { dueOn: '2025-01-25' } });
    t.equal(redate.statusCode, 409);
    t.equal(redate.json().code, 'PERIOD_LOCKED');
    const remove = await api.request({ method: 'DELETE', url: '/v1/periods/2025-M01' });
    t.equal(remove.statusCode, 409);
    t.equal(remove.json().code, 'PERIOD_LOCKED');

    const reopened = await api.request({ method: 'PATCH', url: '/v1/periods/2025-M01', payload: { state: 'open', dueOn: '2025-01-25' } });
    t.equal(reopened.statusCode, 200);
    t.match(reopened.json(), { state: 'open', dueOn: '2025-01-25' });

    const backwards = await api.request({ method: 'PATCH', url: '/v1/periods/2025-M01', payload: { endsOn: '2024-01-01' } });
    t.equal(backwards.statusCode, 400);
    t.equal(backwards.json().code, 'PERIOD_WINDOW_INVALID');
    t.equal((await get('/v1/periods/2025-M01')).json().endsOn, '2025-01-14', 'the refused change left the period as it was');

    const trail = (await api.request({ method: 'GET', url: '/v1/audit?entity=period&entityId=2025-M01' })).json().items.map((e: any) => e.action);
    t.same(trail, ['reopen', 'lock', 'close', 'create']);
  });

  t.test('delete', async (t) => {
    t.equal((await api.request({ method: 'DELETE', url: '/v1/periods/2025-M02' })).statusCode, 204);
    t.equal((await get('/v1/periods/2025-M02')).statusCode, 404);
    t.equal((await api.request({ method: 'DELETE', url: '/v1/periods/2025-M02' })).statusCode, 404);
  });
});
