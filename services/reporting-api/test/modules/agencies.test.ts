import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const problem = (res: { headers: Record<string, unknown>; json(): any }) => {
  const body = res.json();
  return { contentType: String(res.headers['content-type']), code: body.code, status: body.status, errors: body.errors, body };
};

t.test('agencies', async (t) => {
  const api = await buildTestApp(t);

  t.test('list, filter and search ignoring diacritics and case', async (t) => {
    const all = (await api.request({ method: 'GET', url: '/v1/agencies?limit=500', as: 'reader' })).json();
    t.equal(all.items.length, 40);
    t.equal(all.nextCursor, null);

    const found = (await api.request({ method: 'GET', url: `/v1/agencies?q=${encodeURIComponent('so noi vu')}`, as: 'reader' })).json();
    t.same(
      found.items.map((a: any) => a.code),
      ['SNV'],
    );
    t.equal(found.items[0].name, 'Sở Nội vụ tỉnh Sóc Trăng', 'the name keeps its diacritics');

    const upper = (await api.request({ method: 'GET', url: `/v1/agencies?q=${encodeURIComponent('KHU CONG NGHIEP')}`, as: 'reader' })).json();
    t.same(upper.items.map((a: any) => a.code).sort(), ['BQL-KCN', 'TTHT-KCN']);

    const accented = (await api.request({ method: 'GET', url: `/v1/agencies?q=${encodeURIComponent('Trần Đề')}`, as: 'reader' })).json();
    t.same(
      accented.items.map((a: any) => a.code),
      ['H-TD'],
    );

    const wildcard = (await api.request({ method: 'GET', url: `/v1/agencies?q=${encodeURIComponent('%')}`, as: 'reader' })).json();
    t.same(wildcard.items, [], '% matches itself, not everything');

    const districts = (await api.request({ method: 'GET', url: '/v1/agencies?kind=district', as: 'reader' })).json();
    t.equal(districts.items.length, 11);

    const children = (await api.request({ method: 'GET', url: '/v1/agencies?parent=BQL-KCN', as: 'reader' })).json();
    t.same(
      children.items.map((a: any) => a.code),
      ['TTHT-KCN'],
    );

    const top = (await api.request({ method: 'GET', url: '/v1/agencies?parent=none', as: 'reader' })).json();
    t.same(
      top.items.map((a: any) => a.code),
      ['UBND-ST'],
    );
  });

  t.test('cursor pagination walks every agency once', async (t) => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/v1/agencies?limit=7${cursor ? `&cursor=${cursor}` : ''}`;
      const page: any = (await api.request({ method: 'GET', url, as: 'reader' })).json();
      seen.push(...page.items.map((a: any) => a.code));
      cursor = page.nextCursor;
    } while (cursor);
    t.equal(seen.length, 40);
    t.equal(new Set(seen).size, 40);
    t.same(seen, [...seen].sort());

    const bad = await api.request({ method: 'GET', url: '/v1/agencies?cursor=not-a-cursor', as: 'reader' });
    t.equal(bad.statusCode, 400);
    t.match(problem(bad), { code: 'VALIDATION_FAILED', errors: [{ in: 'querystring', pointer: '/cursor' }] });
  });

  t.test('get and subtree', async (t) => {
    const res = await api.request({ method: 'GET', url: '/v1/agencies/BQL-KCN', as: 'reader' });
    t.equal(res.statusCode, 200);
    t.match(res.json(), { code: 'BQL-KCN', name: 'Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng', kind: 'department', parentCode: 'UBND-ST', active: true });

    const missing = await api.request({ method: 'GET', url: '/v1/agencies/NOPE', as: 'reader' });
    t.equal(missing.statusCode, 404);
    t.match(problem(missing), { code: 'AGENCY_NOT_FOUND', contentType: /^application\/problem\+json/ });

    const tree = (await api.request({ method: 'GET', url: '/v1/agencies/H-CT/subtree', as: 'reader' })).json();
    t.same(
      tree.items.map((n: any) => [n.code, n.depth]),
      [
        ['H-CT', 0],
        ['H-CT-AH', 1],
        ['H-CT-PT', 1],
        ['H-CT-TT', 1],
      ],
    );

    const province = (await api.request({ method: 'GET', url: '/v1/agencies/UBND-ST/subtree', as: 'reader' })).json();
    t.equal(province.items.length, 40);
    t.equal(province.items[0].code, 'UBND-ST');
    const order = province.items.map((n: any) => n.code);
    t.ok(order.indexOf('TTHT-KCN') === order.indexOf('BQL-KCN') + 1, 'depth-first: a child follows its parent');

    t.equal((await api.request({ method: 'GET', url: '/v1/agencies/NOPE/subtree', as: 'reader' })).statusCode, 404);
  });

  t.test('create with Vietnamese names kept exactly', async (t) => {
    const name = 'Ủy ban nhân dân xã Thuận Hòa';
    const res = await api.request({
      method: 'POST',
      url: '/v1/agencies',
      payload: { code: 'H-CT-THH', name, shortName: 'Xã Thuận Hòa', kind: 'commune', parentCode: 'H-CT' },
    });
    t.equal(res.statusCode, 201);
    t.equal(res.json().name, name);
    t.equal(res.json().name.normalize('NFC'), name.normalize('NFC'));
    const back = (await api.request({ method: 'GET', url: '/v1/agencies/H-CT-THH', as: 'reader' })).json();
    t.equal(back.name, name);
    const found = (await api.request({ method: 'GET', url: '/v1/agencies?q=thuan%20hoa', as: 'reader' })).json();
    t.same(
      found.items.map((a: any) => a.code),
      ['H-CT-THH'],
    );
  });

  t.test('create refusals', async (t) => {
    const dup = await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'SNV', name: 'Trùng', kind: 'department', parentCode: 'UBND-ST' } });
    t.equal(dup.statusCode, 409);
    t.match(problem(dup), { code: 'AGENCY_EXISTS', errors: [{ pointer: '/code' }] });

    const noParent = await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'X1', name: 'X', kind: 'unit', parentCode: 'NOPE' } });
    t.equal(noParent.statusCode, 422);
    t.match(problem(noParent), { code: 'AGENCY_PARENT_NOT_FOUND', errors: [{ pointer: '/parentCode' }] });

    const invalid = await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'lower case', name: '', kind: 'ministry', extra: 1 } });
    t.equal(invalid.statusCode, 400);
    const pointers = problem(invalid)
      .errors.map((e: any) => e.pointer)
      .sort();
    t.same(pointers, ['/code', '/extra', '/kind', '/name']);

    const count = (await api.request({ method: 'GET', url: '/v1/agencies?limit=500', as: 'reader' })).json().items.length;
    t.equal(count, 41, 'nothing was written by the refused requests');
  });

  t.test('update, and a parent that would make a cycle answers 409', async (t) => {
    const renamed = await api.request({ method: 'PATCH', url: '/v1/agencies/TTHT-KCN', payload: { shortName: 'TT HT&DV KCN' } });
    t.equal(renamed.statusCode, 200);
    t.equal(renamed.json().shortName, 'TT HT&DV KCN');
    t.equal(renamed.json().name, 'Trung tâm Hạ tầng và Dịch vụ khu công nghiệp');

    const self = await api.request({ method: 'PATCH', url: '/v1/agencies/BQL-KCN', payload: { parentCode: 'BQL-KCN' } });
    t.equal(self.statusCode, 409);
    t.equal(self.json().code, 'AGENCY_CYCLE');

    const below = await api.request({ method: 'PATCH', url: '/v1/agencies/BQL-KCN', payload: { parentCode: 'TTHT-KCN' } });
    t.equal(below.statusCode, 409);
    t.equal(below.json().code, 'AGENCY_CYCLE');

    const deep = await api.request({ method: 'PATCH', url: '/v1/agencies/UBND-ST', payload: { parentCode: 'H-CT-AH' } });
    t.equal(deep.statusCode, 409);
    t.equal(deep.json().code, 'AGENCY_CYCLE');

    const moved = await api.request({ method: 'PATCH', url: '/v1/agencies/TTHT-KCN', payload: { parentCode: 'SNV' } });
    t.equal(moved.statusCode, 200);
    t.equal(moved.json().parentCode, 'SNV');
    await api.request({ method: 'PATCH', url: '/v1/agencies/TTHT-KCN', payload: { parentCode: 'BQL-KCN' } });

    const empty = await api.request({ method: 'PATCH', url: '/v1/agencies/SNV', payload: {} });
    t.equal(empty.statusCode, 400);
    t.equal((await api.request({ method: 'PATCH', url: '/v1/agencies/NOPE', payload: { name: 'x' } })).statusCode, 404);
  });

  t.test('concurrent re-parentings cannot close a cycle', async (t) => {
    await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'CY-A', name: 'A', kind: 'unit', parentCode: 'UBND-ST' } });
    await api.request({ method: 'POST', url: '/v1/agencies', payload: { code: 'CY-B', name: 'B', kind: 'unit', parentCode: 'UBND-ST' } });
    const [a, b] = await Promise.all([
      api.request({ method: 'PATCH', url: '/v1/agencies/CY-A', payload: { parentCode: 'CY-B' } }),
      api.request({ method: 'PATCH', url: '/v1/agencies/CY-B', payload: { parentCode: 'CY-A' } }),
    ]);
    t.same([a.statusCode, b.statusCode].sort(), [200, 409]);
  });

  t.test('deactivate', async (t) => {
    const refused = await api.request({ method: 'POST', url: '/v1/agencies/H-CT/deactivate' });
    t.equal(refused.statusCode, 409);
    t.match(refused.json(), { code: 'AGENCY_HAS_ACTIVE_CHILDREN', activeDescendants: ['H-CT-AH', 'H-CT-PT', 'H-CT-THH', 'H-CT-TT'] });

    const leaf = await api.request({ method: 'POST', url: '/v1/agencies/H-CT-PT/deactivate' });
    t.equal(leaf.statusCode, 200);
    t.same(
      leaf.json().deactivated.map((a: any) => [a.code, a.active]),
      [['H-CT-PT', false]],
    );

    const cascade = await api.request({ method: 'POST', url: '/v1/agencies/H-CT/deactivate?cascade=true' });
    t.equal(cascade.statusCode, 200);
    t.same(
      cascade.json().deactivated.map((a: any) => a.code),
      ['H-CT', 'H-CT-AH', 'H-CT-THH', 'H-CT-TT'],
    );

    const active = (await api.request({ method: 'GET', url: '/v1/agencies?parent=H-CT&active=true', as: 'reader' })).json();
    t.same(active.items, []);

    const underInactive = await api.request({
      method: 'POST',
      url: '/v1/agencies',
      payload: { code: 'H-CT-NEW', name: 'x', kind: 'commune', parentCode: 'H-CT' },
    });
    t.equal(underInactive.statusCode, 422);
    t.equal(underInactive.json().code, 'AGENCY_PARENT_INACTIVE');

    const childFirst = await api.request({ method: 'PATCH', url: '/v1/agencies/H-CT-AH', payload: { active: true } });
    t.equal(childFirst.statusCode, 422, 'a child cannot be reactivated under an inactive parent');
    t.equal((await api.request({ method: 'PATCH', url: '/v1/agencies/H-CT', payload: { active: true } })).statusCode, 200);
    t.equal((await api.request({ method: 'PATCH', url: '/v1/agencies/H-CT-AH', payload: { active: true } })).statusCode, 200);
  });

  t.test('agency keys write only within their own subtree', async (t) => {
    // The agency key is bound to BQL-KCN.
    const own = await api.request({
      method: 'POST',
      url: '/v1/agencies',
      as: 'agency',
      payload: { code: 'BQL-VP', name: 'Văn phòng Ban Quản lý', kind: 'unit', parentCode: 'BQL-KCN' },
    });
    t.equal(own.statusCode, 201);
    const ownUpdate = await api.request({ method: 'PATCH', url: '/v1/agencies/BQL-KCN', as: 'agency', payload: { shortName: 'BQL các KCN' } });
    t.equal(ownUpdate.statusCode, 200);
    const other = await api.request({
      method: 'POST',
      url: '/v1/agencies',
      as: 'agency',
      payload: { code: 'SNV-X', name: 'X', kind: 'unit', parentCode: 'SNV' },
    });
    t.equal(other.statusCode, 403);
    t.equal(other.json().code, 'FORBIDDEN');
    const topLevel = await api.request({ method: 'POST', url: '/v1/agencies', as: 'agency', payload: { code: 'TOP', name: 'X', kind: 'province' } });
    t.equal(topLevel.statusCode, 403);
    const moveSelf = await api.request({ method: 'PATCH', url: '/v1/agencies/BQL-KCN', as: 'agency', payload: { parentCode: 'SNV' } });
    t.equal(moveSelf.statusCode, 403);
    const deactivateSelf = await api.request({ method: 'POST', url: '/v1/agencies/BQL-KCN/deactivate', as: 'agency' });
    t.equal(deactivateSelf.statusCode, 403);
    const moveOut = await api.request({ method: 'PATCH', url: '/v1/agencies/BQL-VP', as: 'agency', payload: { parentCode: 'SNV' } });
    t.equal(moveOut.statusCode, 403, 'may not move a unit out of its own subtree');
    const deactivateChild = await api.request({ method: 'POST', url: '/v1/agencies/BQL-VP/deactivate', as: 'agency' });
    t.equal(deactivateChild.statusCode, 200);
  });

  t.test('every change is in the audit trail with its actor', async (t) => {
    const res = await api.request({ method: 'GET', url: '/v1/audit?entity=agency&entityId=TTHT-KCN' });
    t.equal(res.statusCode, 200);
    const entries = res.json().items;
    t.ok(entries.length >= 3);
    const rename = entries.find((e: any) => e.before?.shortName === 'Trung tâm HT&DV KCN');
    t.match(rename, { action: 'update', before: { shortName: 'Trung tâm HT&DV KCN' }, after: { shortName: 'TT HT&DV KCN' } });
    t.type(rename.actorKeyId, 'string');
    t.equal((await api.request({ method: 'GET', url: '/v1/audit', as: 'reader' })).statusCode, 403);
  });
});
