import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

t.test('procedure catalogue', async (t) => {
  const api = await buildTestApp(t);
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });
  const all = async (query: string) => {
    const items: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await get(`/v1/procedures?limit=500&${query}${cursor ? `&cursor=${cursor}` : ''}`)).json();
      items.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return items;
  };

  t.test('the reference agency: 36 procedures, 33 fully online, 1 inter-agency; 4 abolished', async (t) => {
    const active = await all('agency=BQL-KCN&status=active');
    t.equal(active.length, 36);
    t.equal(active.filter((p) => p.onlineLevel === 'full').length, 33);
    t.equal(active.filter((p) => p.interAgency).length, 1);
    t.equal(active.filter((p) => p.feeBearing).length, 8, 'VII.5.6: 8 procedures with a financial obligation');
    t.ok(
      active.filter((p) => !p.demo).every((p) => p.code === 'BQL-KCN.XD.01'),
      'everything made up is marked demo',
    );
    const abolished = await all('agency=BQL-KCN&status=abolished');
    t.equal(abolished.length, 4);
    t.ok(abolished.every((p) => p.abolishedOn === '2023-10-03' && /2421\/QĐ-UBND/.test(p.abolishedBy)));
  });

  t.test('search ignores diacritics and case', async (t) => {
    const found = (await get(`/v1/procedures?q=${encodeURIComponent('nghiem thu hoan thanh cong trinh')}`)).json().items;
    t.same(
      found.map((p: any) => p.code),
      ['BQL-KCN.XD.01'],
    );
    t.equal(found[0].name, 'Kiểm tra công tác nghiệm thu hoàn thành công trình của cơ quan chuyên môn về xây dựng tại địa phương');
    t.ok((await get(`/v1/procedures?q=${encodeURIComponent('VIỆC LÀM')}`)).json().items.length >= 4);
    t.equal((await get('/v1/procedures?field=Xây dựng&limit=500')).json().items.length, 9);
  });

  t.test('create, read, update, abolish, delete', async (t) => {
    const body = {
      code: '1.009793',
      name: 'Cấp giấy phép xây dựng mới đối với công trình trong khu công nghiệp',
      field: 'Xây dựng',
      agencyCode: 'BQL-KCN',
      onlineLevel: 'partial',
      feeBearing: true,
    };
    const created = await api.request({ method: 'POST', url: '/v1/procedures', payload: body });
    t.equal(created.statusCode, 201);
    t.match(created.json(), { ...body, status: 'active', interAgency: false, demo: false, abolishedOn: null });
    const dup = await api.request({ method: 'POST', url: '/v1/procedures', payload: body });
    t.equal(dup.statusCode, 409);
    t.match(dup.json(), { code: 'PROCEDURE_EXISTS', existingId: '1.009793' });
    t.equal(
      (await api.request({ method: 'POST', url: '/v1/procedures', payload: { ...body, code: '1.000001', agencyCode: 'NOPE' } })).json().code,
      'AGENCY_NOT_FOUND',
    );
    t.equal((await api.request({ method: 'POST', url: '/v1/procedures', payload: { ...body, code: 'bad code' } })).statusCode, 400);
    t.equal(
      (await api.request({ method: 'POST', url: '/v1/procedures', payload: { ...body, code: '1.000002', status: 'abolished' } })).json().errors[0].pointer,
      '/abolishedOn',
    );

    const abolished = await api.request({
      method: 'PATCH',
      url: '/v1/procedures/1.009793',
      payload: { status: 'abolished', abolishedOn: '2024-03-01', abolishedBy: 'Quyết định số 500/QĐ-UBND ngày 01/3/2024' },
    });
    t.match(abolished.json(), { status: 'abolished', abolishedOn: '2024-03-01' });
    const missingDate = await api.request({ method: 'PATCH', url: '/v1/procedures/DEMO-BQL-02', payload: { status: 'abolished' } });
    t.equal(missingDate.statusCode, 400);
    const revived = await api.request({ method: 'PATCH', url: '/v1/procedures/1.009793', payload: { status: 'active' } });
    t.match(revived.json(), { status: 'active', abolishedOn: null, abolishedBy: null });
    t.equal((await get('/v1/procedures/1.009793')).json().onlineLevel, 'partial');
    t.equal((await api.request({ method: 'DELETE', url: '/v1/procedures/1.009793' })).statusCode, 204);
    t.equal((await get('/v1/procedures/1.009793')).json().code, 'PROCEDURE_NOT_FOUND');
    const trail = (await api.request({ method: 'GET', url: '/v1/audit?entity=procedure&entityId=1.009793' })).json().items.map((e: any) => e.action);
    t.same(trail, ['delete', 'update', 'update', 'create']);
  });

  t.test('bulk upsert: all or nothing, repeatable', async (t) => {
    const batch = [
      { code: '2.000100', name: 'Thủ tục một', field: 'Môi trường', onlineLevel: 'full' },
      { code: '2.000101', name: 'Thủ tục hai', field: 'Môi trường', onlineLevel: 'none', agencyCode: 'STNMT' },
    ];
    t.same((await api.request({ method: 'PUT', url: '/v1/procedures', payload: { procedures: batch } })).json(), { created: 2, updated: 0, unchanged: 0 });
    t.same((await api.request({ method: 'PUT', url: '/v1/procedures', payload: { procedures: batch } })).json(), { created: 0, updated: 0, unchanged: 2 });
    const changed = [{ ...batch[0], onlineLevel: 'partial' }, batch[1]];
    t.same((await api.request({ method: 'PUT', url: '/v1/procedures', payload: { procedures: changed } })).json(), { created: 0, updated: 1, unchanged: 1 });
    const bad = await api.request({
      method: 'PUT',
      url: '/v1/procedures',
      payload: {
        procedures: [
          { code: '2.000102', name: 'x', field: 'y', onlineLevel: 'full' },
          { ...batch[1], agencyCode: 'NOPE' },
        ],
      },
    });
    t.equal(bad.statusCode, 404);
    t.match(bad.json(), { code: 'AGENCY_NOT_FOUND', errors: [{ pointer: '/procedures/1/agencyCode' }] });
    t.equal((await get('/v1/procedures/2.000102')).statusCode, 404, 'nothing half-written');
    const dup = await api.request({ method: 'PUT', url: '/v1/procedures', payload: { procedures: [batch[0], batch[0]] } });
    t.match(dup.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/procedures/1/code' }] });
  });
});
