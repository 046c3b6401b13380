import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { sql } from 'drizzle-orm';
import t from 'tap';
import { queryRows } from '../../src/db/connection.js';
import { buildTestApp } from '../helpers/app.js';
import { freePort } from '../helpers/net.js';

const REFERENCE = readFileSync(new URL('../../seed/reference/cchc-report-2023.txt', import.meta.url), 'utf8');
const MiB = 1024 * 1024;
const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(Math.max(0, size - 9), 7)]);
const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

t.test('documents', async (t) => {
  const api = await buildTestApp(t);
  const get = (url: string) => api.request({ method: 'GET', url, as: 'reader' });
  const post = (url: string, payload: object, as: 'admin' | 'agency' | 'agencyOther' | 'reader' = 'admin') => api.request({ method: 'POST', url, payload, as });
  const search = async (q: string, extra = '') => (await get(`/v1/documents?q=${encodeURIComponent(q)}${extra}`)).json().items as any[];
  const byReference = async (reference: string) => (await search(reference)).find((d) => d.reference === reference);

  t.test('the seed registers what the reference report cites: 96 documents, issuers matched to agencies', async (t) => {
    const all: any[] = [];
    let cursor: string | null = null;
    do {
      const page: any = (await get(`/v1/documents?limit=40${cursor ? `&cursor=${cursor}` : ''}`)).json();
      all.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    t.equal(all.length, 96);
    t.equal(new Set(all.map((d) => d.id)).size, 96, 'pages do not overlap');
    const dates = all.map((d) => d.issuedOn ?? '');
    t.same(dates, [...dates].sort().reverse(), 'newest first');
    t.match(
      all.find((d) => d.reference === '18/UBND-TH'),
      { type: 'cong-van', issuer: 'UBND', issuerAgencyCode: 'UBND-ST', issuerName: 'Ủy ban nhân dân tỉnh Sóc Trăng', issuedOn: '2023-01-06' },
    );
    t.match(
      all.find((d) => d.reference === '535/SNV-TTr'),
      { issuerAgencyCode: 'SNV', citation: 'Công văn số 535/SNV-TTr ngày 11/03/2022' },
    );
    t.match(
      all.find((d) => d.reference === '493/TTg-KSTT'),
      { type: 'cong-van', issuerAgencyCode: null, issuerName: 'Thủ tướng Chính phủ' },
      '"Công văn" and "Văn bản" 493/TTg-KSTT are one document',
    );
    t.match(
      all.find((d) => d.reference === '766/QĐ-TTg'),
      { issuedOn: '2022-06-23' },
      'an undated mention joins the dated one',
    );
    t.match(
      all.find((d) => d.reference === '28/2011/QĐ-UBND'),
      { number: '28/2011', year: 2011, symbol: 'QĐ-UBND' },
    );
    t.match(
      all.find((d) => d.reference === '18-CT/TU'),
      { type: 'chi-thi', issuer: 'TU', issuerName: /Ban Thường vụ Tỉnh ủy/ },
    );
  });

  t.test('search ignores diacritics and case', async (t) => {
    const [first] = await search('ke hoach 01 kh-bql');
    t.match(first, { citation: 'Kế hoạch số 01/KH-BQL ngày 05/01/2023' }, 'the one whose number was typed comes first');
    t.equal((await search('KẾ HOẠCH SỐ 01/KH-BQL'))[0].id, first.id);
    t.equal((await search('ke hoach 1 bql'))[0].id, first.id, 'a number typed without its leading zero');
    t.same(
      (await search('chi thi 18-ct/tu')).map((d) => d.reference),
      ['18-CT/TU'],
    );
    t.same(
      (await search('cong dien 644')).map((d) => d.reference),
      ['644/CD-TTg'],
    );
    t.ok((await search('thu tuong chinh phu')).length >= 6, 'issuer names are searched');
    t.same(await search('không có văn bản này'), []);
    t.same((await search('100% _')).length, 0, 'LIKE wildcards match themselves');
  });

  t.test('filters: type, issuer, dates, year, tag', async (t) => {
    const list = async (query: string) => (await get(`/v1/documents?limit=500&${query}`)).json().items as any[];
    t.ok((await list('type=chi-thi')).every((d) => d.type === 'chi-thi'));
    t.equal((await list('type=chi-thi')).length, 6);
    const byAgency = await list('issuer=UBND-ST');
    t.ok(byAgency.length >= 10 && byAgency.every((d) => d.issuerAgencyCode === 'UBND-ST'));
    t.ok((await list('issuer=thu%20tuong')).every((d) => d.issuerName === 'Thủ tướng Chính phủ'));
    t.ok((await list('issuer=TTg')).length >= 7, 'by the abbreviation in the symbol');
    t.same(await list('issuer=so%20noi%20vu'), await list('issuer=SNV'), 'by words of an agency’s name');
    await api.request({ method: 'PATCH', url: '/v1/agencies/SNV', payload: { shortName: 'Sở Nội vụ (mới)' } });
    t.ok((await list('issuer=noi%20vu%20moi')).length >= 3, 'a renamed agency is found by its new name');
    const window = await list('from=2023-08-01&to=2023-08-31');
    t.ok(window.length >= 5 && window.every((d) => d.issuedOn >= '2023-08-01' && d.issuedOn <= '2023-08-31'));
    t.ok((await list('year=2019')).every((d) => d.year === 2019));
    t.equal((await get('/v1/documents?type=cong-thu')).statusCode, 400);
    t.equal((await get('/v1/documents?from=2023-13-01')).statusCode, 400);
    t.equal((await get('/v1/documents?cursor=bm9wZQ')).json().code, 'VALIDATION_FAILED');
  });

  t.test('register, read, correct, delete; duplicates answer 409 with the existing id', async (t) => {
    const body = {
      type: 'ke-hoach',
      number: '03',
      symbol: 'KH-BQL',
      issuedOn: '2024-01-15',
      issuerAgencyCode: 'BQL-KCN',
      summary: 'Kế hoạch kiểm tra công tác cải cách hành chính năm 2024',
      tags: ['CCHC', 'kiểm tra'],
      url: 'https://kcn.soctrang.gov.vn/ke-hoach-03',
    };
    const created = await post('/v1/documents', body, 'agency');
    t.equal(created.statusCode, 201);
    const doc = created.json();
    t.equal(created.headers.location, `/v1/documents/${doc.id}`);
    t.match(doc, {
      ...body,
      year: 2024,
      issuer: 'BQL',
      issuerName: 'Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng',
      ownerAgencyCode: 'BQL-KCN',
      fileCount: 0,
      citation: 'Kế hoạch số 03/KH-BQL ngày 15/01/2024',
    });
    t.same((await get(`/v1/documents/${doc.id}`)).json(), doc);

    for (const [label, duplicate] of [
      ['the same', body],
      ['no date, the same year', { type: 'ke-hoach', number: '03', symbol: 'KH-BQL', year: 2024 }],
      ['issuer unknown', { type: 'ke-hoach', number: '03', symbol: 'KH-BQL', issuedOn: '2024-01-15' }],
      ['issuer by name', { type: 'ke-hoach', number: '03', symbol: 'kh-bql', issuedOn: '2024-01-15', issuerName: 'Ban Quản lý các KCN' }],
      ['the number without its leading zero', { type: 'ke-hoach', number: '3', symbol: 'KH-BQL', issuedOn: '2024-01-15' }],
    ] as const) {
      const res = await post('/v1/documents', duplicate);
      t.equal(res.statusCode, 409, label);
      t.match(res.headers['content-type'], /application\/problem\+json/);
      t.match(res.json(), { code: 'DOCUMENT_EXISTS', existingId: doc.id }, label);
    }
    t.equal((await post('/v1/documents', { ...body, issuedOn: '2025-01-15' })).statusCode, 201, 'another year is another document');
    t.equal((await post('/v1/documents', { ...body, issuerAgencyCode: 'SNV' })).statusCode, 201, 'another issuer is another document');

    const patched = await api.request({
      method: 'PATCH',
      url: `/v1/documents/${doc.id}`,
      as: 'agency',
      payload: { summary: 'Kế hoạch kiểm tra CCHC năm 2024 (sửa đổi)', issuerName: 'Ban Quản lý các KCN' },
    });
    t.equal(patched.statusCode, 200);
    t.match(
      patched.json(),
      { summary: 'Kế hoạch kiểm tra CCHC năm 2024 (sửa đổi)', issuerAgencyCode: null, issuerName: 'Ban Quản lý các KCN' },
      'naming the issuer clears the agency',
    );
    t.equal((await search('kiem tra cchc sua doi'))[0].id, doc.id, 'the search key follows');
    const both = await api.request({
      method: 'PATCH',
      url: `/v1/documents/${doc.id}`,
      as: 'agency',
      payload: { issuerAgencyCode: 'SNV', issuerName: 'Sở Nội vụ' },
    });
    t.match(both.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/issuerName' }] }, 'both kinds of issuer, as on create');
    const clash = await api.request({ method: 'PATCH', url: `/v1/documents/${doc.id}`, as: 'agency', payload: { number: '01', issuedOn: '2023-01-05' } });
    t.match(clash.json(), { code: 'DOCUMENT_EXISTS', existingId: (await byReference('01/KH-BQL')).id }, 'a correction that duplicates another document');

    const audit = (await api.request({ method: 'GET', url: `/v1/audit?entity=document&entityId=${doc.id}`, as: 'admin' })).json().items;
    t.same(audit.map((a: any) => a.action).sort(), ['create', 'update']);

    // Two corrections at once each apply to what the other left (the row is locked): neither is lost.
    for (let round = 0; round < 5; round++) {
      await Promise.all([
        api.request({ method: 'PATCH', url: `/v1/documents/${doc.id}`, as: 'agency', payload: { summary: `Trích yếu ${round}` } }),
        api.request({ method: 'PATCH', url: `/v1/documents/${doc.id}`, as: 'agency', payload: { tags: [`vòng ${round}`] } }),
      ]);
      t.match((await get(`/v1/documents/${doc.id}`)).json(), { summary: `Trích yếu ${round}`, tags: [`vòng ${round}`] }, `round ${round}`);
    }

    t.equal((await api.request({ method: 'DELETE', url: `/v1/documents/${doc.id}`, as: 'agencyOther' })).statusCode, 403, 'another agency');
    t.equal(
      (await api.request({ method: 'PATCH', url: `/v1/documents/${(await byReference('01/KH-BQL')).id}`, as: 'agency', payload: { tags: ['x'] } })).json().code,
      'FORBIDDEN',
      'an admin’s document',
    );
    t.equal((await api.request({ method: 'DELETE', url: `/v1/documents/${doc.id}`, as: 'agency' })).statusCode, 204);
    t.equal((await get(`/v1/documents/${doc.id}`)).json().code, 'DOCUMENT_NOT_FOUND');
  });

  t.test('bad input is a 4xx naming the field', async (t) => {
    const bad = async (payload: object, pointer: string, code = 'VALIDATION_FAILED') => {
      const res = await post('/v1/documents', payload);
      t.ok(res.statusCode >= 400 && res.statusCode < 500, `${pointer}: ${res.statusCode}`);
      t.equal(res.json().code, code);
      t.ok(
        res.json().errors?.some((e: any) => e.pointer === pointer),
        `${pointer} in ${JSON.stringify(res.json().errors)}`,
      );
    };
    await bad({ type: 'thu-rac', number: '1', symbol: 'KH-BQL' }, '/type');
    await bad({ type: 'ke-hoach', number: 'một', symbol: 'KH-BQL' }, '/number');
    await bad({ type: 'ke-hoach', number: '1', symbol: 'KH BQL' }, '/symbol');
    await bad({ type: 'ke-hoach', number: '1', symbol: 'KH-BQL', issuedOn: '2023-02-30' }, '/issuedOn');
    await bad({ type: 'ke-hoach', number: '1', symbol: 'KH-BQL', url: 'javascript:alert(1)' }, '/url');
    await bad({ type: 'quyet-dinh', number: '28/2011', symbol: 'QĐ-UBND', issuedOn: '2012-08-17' }, '/number');
    await bad({ type: 'ke-hoach', number: '1', symbol: 'KH-BQL', issuerAgencyCode: 'SNV', issuerName: 'Sở Nội vụ' }, '/issuerName');
    await bad({ type: 'ke-hoach', number: '1', symbol: 'KH-BQL', issuerAgencyCode: 'KHONG-CO' }, '/issuerAgencyCode', 'AGENCY_NOT_FOUND');
    await bad({ type: 'ke-hoach', number: '1', symbol: 'KH-BQL', extra: true }, '/extra');
    await bad({ type: 'quyet-dinh', number: '12/1930', symbol: 'QĐ-UBND' }, '/number');
    await bad({ type: 'ke-hoach', number: '1', symbol: `KH-${'A'.repeat(60)}` }, '/symbol');
    t.equal((await get('/v1/documents/not-a-uuid')).statusCode, 400);
    t.equal(
      (await api.request({ method: 'PATCH', url: '/v1/documents/6f1c2f0e-3f7a-4a55-9f7e-0d3c1c2b9a01', payload: { tags: [] } })).json().code,
      'DOCUMENT_NOT_FOUND',
    );
  });

  t.test('types', async (t) => {
    const types = (await get('/v1/documents/types')).json();
    t.match(
      types.find((x: any) => x.code === 'ke-hoach'),
      { name: 'Kế hoạch', abbreviations: ['KH'], family: 'administrative' },
    );
    t.match(
      types.find((x: any) => x.code === 'cong-van'),
      { name: 'Công văn', abbreviations: [] },
    );
    t.match(
      types.find((x: any) => x.code === 'ket-luan'),
      { family: 'party' },
    );
  });

  t.test('files: upload, list, download byte for byte, delete; deleting the document deletes them', async (t) => {
    const doc = (await post('/v1/documents', { type: 'quyet-dinh', number: '45', symbol: 'QĐ-BQL', issuedOn: '2024-03-01' }, 'agency')).json();
    const bytes = pdf(300_000);
    const uploaded = await api.request({
      method: 'POST',
      url: `/v1/documents/${doc.id}/files?filename=${encodeURIComponent('Quyết định 45.pdf')}`,
      as: 'agency',
      headers: { 'content-type': 'application/pdf' },
      payload: bytes,
    });
    t.equal(uploaded.statusCode, 201, uploaded.body.slice(0, 300));
    const file = uploaded.json();
    t.match(file, { documentId: doc.id, filename: 'Quyết định 45.pdf', contentType: 'application/pdf', size: bytes.length, sha256: sha256(bytes) });
    t.same((await get(`/v1/documents/${doc.id}/files`)).json().items, [file]);
    t.equal((await get(`/v1/documents/${doc.id}`)).json().fileCount, 1);

    const down = await get(`/v1/documents/${doc.id}/files/${file.id}`);
    t.equal(down.statusCode, 200);
    t.equal(down.headers['content-type'], 'application/pdf');
    t.equal(sha256(down.rawPayload), file.sha256, 'the download’s SHA-256 is the upload’s');
    t.equal(down.headers.etag, `"${file.sha256}"`);
    t.equal(down.headers['content-disposition'], `attachment; filename="Quyet dinh 45.pdf"; filename*=UTF-8''${encodeURIComponent('Quyết định 45.pdf')}`);
    const again = await api.request({
      method: 'GET',
      url: `/v1/documents/${doc.id}/files/${file.id}`,
      as: 'reader',
      headers: { 'if-none-match': down.headers.etag as string },
    });
    t.equal(again.statusCode, 304, 'a client that has it is told so');

    const docx = Buffer.concat([Buffer.from([0x50, 0x4b, 0x03, 0x04]), Buffer.alloc(100)]);
    const octet = await api.request({
      method: 'POST',
      url: `/v1/documents/${doc.id}/files?filename=phu-luc.docx`,
      as: 'agency',
      headers: { 'content-type': 'application/octet-stream' },
      payload: docx,
    });
    t.equal(
      octet.json().contentType,
      'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
      'octet-stream typed by its bytes and extension',
    );

    const refused = async (headers: Record<string, string>, payload: Buffer | string, status: number, code: string, filename = 'x.pdf') => {
      const res = await api.request({ method: 'POST', url: `/v1/documents/${doc.id}/files?filename=${filename}`, as: 'agency', headers, payload });
      t.equal(res.statusCode, status, `${code}: ${res.body.slice(0, 200)}`);
      t.equal(res.json().code, code);
    };
    await refused({ 'content-type': 'application/pdf' }, Buffer.from('MZ executable'), 415, 'FILE_CONTENT_MISMATCH');
    await refused({ 'content-type': 'image/png' }, Buffer.from([0x89, 0x50]), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused({ 'content-type': 'application/json' }, '{"a":1}', 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused({ 'content-type': 'application/pdf' }, Buffer.alloc(0), 400, 'VALIDATION_FAILED');
    await refused({ 'content-type': 'application/pdf' }, bytes, 400, 'VALIDATION_FAILED', '..%2Fetc%2Fpasswd');
    t.equal((await get(`/v1/documents/${doc.id}/files`)).json().items.length, 2, 'nothing refused was stored');

    t.equal((await api.request({ method: 'DELETE', url: `/v1/documents/${doc.id}/files/${file.id}`, as: 'agencyOther' })).statusCode, 403);
    t.equal((await api.request({ method: 'DELETE', url: `/v1/documents/${doc.id}/files/${file.id}`, as: 'agency' })).statusCode, 204);
    t.equal((await get(`/v1/documents/${doc.id}/files/${file.id}`)).json().code, 'FILE_NOT_FOUND');
    t.equal((await api.request({ method: 'DELETE', url: `/v1/documents/${doc.id}`, as: 'agency' })).statusCode, 204);
    const [{ n }] = (await queryRows<{ n: number }>(api.database.db, sql`select count(*)::int as n from document_files where document_id = ${doc.id}`)) as [
      { n: number },
    ];
    t.equal(n, 0, 'the document’s files went with it');
  });

  t.test('a 21 MB upload over HTTP is refused with 413 and nothing is stored', async (t) => {
    const doc = (await post('/v1/documents', { type: 'bao-cao', number: '99', symbol: 'BC-BQL', issuedOn: '2024-06-01' })).json();
    const port = await freePort();
    await api.app.listen({ port, host: '127.0.0.1' });
    const send = async (headers: Record<string, string | number>, body: Buffer) => {
      const req = httpRequest({
        host: '127.0.0.1',
        port,
        method: 'POST',
        path: `/v1/documents/${doc.id}/files?filename=big.pdf`,
        headers: { authorization: `Bearer ${api.keys.admin}`, 'content-type': 'application/pdf', ...headers },
      });
      req.on('error', () => {}); // the server may close before the whole body is sent
      req.end(body);
      const [res] = (await once(req, 'response')) as [import('node:http').IncomingMessage];
      let text = '';
      for await (const chunk of res) text += chunk;
      return { status: res.statusCode, body: JSON.parse(text) };
    };
    const big = pdf(21 * 1000 * 1000);
    for (const headers of [{ 'content-length': big.length }, { 'transfer-encoding': 'chunked' }] as Array<Record<string, string | number>>) {
      const res = await send(headers, big);
      t.equal(res.status, 413, JSON.stringify(headers));
      t.match(res.body, { code: 'PAYLOAD_TOO_LARGE' });
    }
    t.same((await get(`/v1/documents/${doc.id}/files`)).json().items, []);
    const [{ n }] = (await queryRows<{ n: number }>(api.database.db, sql`select count(*)::int as n from document_files`)) as [{ n: number }];
    t.equal(n, 0, 'not a row');
  });

  t.test('the size limit is configurable', async (t) => {
    const small = await buildTestApp(t, { documentFileLimit: MiB });
    const doc = (await small.request({ method: 'POST', url: '/v1/documents', payload: { type: 'bao-cao', number: '7', symbol: 'BC-SNV', year: 2024 } })).json();
    const at = (size: number) =>
      small.request({
        method: 'POST',
        url: `/v1/documents/${doc.id}/files?filename=a.pdf`,
        headers: { 'content-type': 'application/pdf' },
        payload: pdf(size),
      });
    t.equal((await at(MiB)).statusCode, 201, 'at the limit');
    t.equal((await at(MiB + 1)).statusCode, 413, 'one byte over');
  });

  t.test('extraction over the API: the whole reference report, and registration', async (t) => {
    const res = await post('/v1/documents/extract', { text: REFERENCE }, 'reader');
    t.equal(res.statusCode, 200);
    const { citations, documents, registered } = res.json();
    t.equal(citations.length, 135);
    t.equal(documents, 96);
    t.equal(registered, undefined);
    t.match(citations[0], {
      type: 'cong-van',
      number: '535',
      symbol: 'SNV-TTr',
      year: 2022,
      issuer: 'SNV',
      issuedOn: '2022-03-11',
      text: 'Công văn số 535/SNV-TTr ngày 11/3/2022',
      issuerName: 'Sở Nội vụ tỉnh Sóc Trăng',
    });
    t.equal(REFERENCE.slice(citations[0].start, citations[0].end), citations[0].text);

    const forbidden = await post('/v1/documents/extract', { text: REFERENCE, register: true }, 'reader');
    t.equal(forbidden.json().code, 'FORBIDDEN', 'a reader extracts but does not register');

    const again = (await post('/v1/documents/extract', { text: REFERENCE, register: true }, 'agency')).json();
    t.same(again.registered, { created: 0, existing: 96, skipped: 0 }, 'the seed registered them all; nothing twice');
    t.ok(again.citations.every((c: any) => typeof c.documentId === 'string'));
    const plan = again.citations.filter((c: any) => c.reference === '01/KH-BQL');
    t.ok(plan.length >= 3 && new Set(plan.map((c: any) => c.documentId)).size === 1, 'every mention of a document names one entry');

    const fresh = (
      await post(
        '/v1/documents/extract',
        {
          text: 'Thực hiện Kế hoạch số 07/KH-UBND ngày 05 tháng 01 năm 2024 của UBND tỉnh; Quyết định số 12/QĐ-SNV ngày 3/1/2024, 15/QĐ-SNV ngày 9/1/2024 của Sở Nội vụ.',
          register: true,
        },
        'agency',
      )
    ).json();
    t.same(fresh.registered, { created: 3, existing: 0, skipped: 0 });
    const plan07 = (await get(`/v1/documents/${fresh.citations[0].documentId}`)).json();
    t.match(plan07, { citation: 'Kế hoạch số 07/KH-UBND ngày 05/01/2024', issuerAgencyCode: 'UBND-ST', ownerAgencyCode: 'BQL-KCN' });
    t.equal((await get(`/v1/documents/${fresh.citations[2].documentId}`)).json().issuerAgencyCode, 'SNV', 'the list item shares its issuer');

    const contradictory = (
      await post(
        '/v1/documents/extract',
        { text: 'Quyết định số 28/2011/QĐ-UBND ngày 05/01/2012; Kế hoạch số 88/KH-SNV ngày 01/02/2024', register: true },
        'agency',
      )
    ).json();
    t.same(contradictory.registered, { created: 1, existing: 0, skipped: 1 }, 'a citation whose number and date disagree is reported, not registered');
    t.equal(contradictory.citations[0].documentId, undefined);

    const many = Array.from({ length: 2001 }, (_, i) => `Kế hoạch số ${i + 1}/KH-SNV`).join('; ');
    t.equal((await post('/v1/documents/extract', { text: many }, 'reader')).json().documents, 2001, 'many documents are counted quickly');
    t.match((await post('/v1/documents/extract', { text: many, register: true }, 'agency')).json(), {
      code: 'VALIDATION_FAILED',
      errors: [{ pointer: '/register' }],
    });
    t.equal((await post('/v1/documents/extract', { text: 'x'.repeat(1_100_001) }, 'reader')).statusCode, 400, 'past the size the route takes');
    t.equal((await post('/v1/documents/extract', { text: 12 }, 'reader')).statusCode, 400);
  });

  t.test('evidence: values and reports cite registered documents; where a document is cited', async (t) => {
    const plan = await byReference('01/KH-BQL');
    const cited = (await get(`/v1/documents/${plan.id}/citations`)).json();
    t.ok(
      cited.values.some((v: any) => v.periodId === '2023' && v.agencyCode === 'BQL-KCN' && v.indicator === 'I.1.1'),
      'the seed links demo values to the documents their notes cite',
    );

    const evidence = (await get('/v1/reports/2023/BQL-KCN/evidence')).json();
    t.ok(evidence.values.length >= 5);
    t.same(
      (await get('/v1/reports/2023/BQL-KCN/evidence?indicator=I.1.1')).json().values.map((v: any) => [v.indicator, v.documents.map((d: any) => d.reference)]),
      [['I.1.1', ['01/KH-BQL']]],
    );
    t.equal((await get('/v1/reports/2099/BQL-KCN/evidence')).json().code, 'PERIOD_NOT_FOUND');

    const unknown = '6f1c2f0e-3f7a-4a55-9f7e-0d3c1c2b9a01';
    const value = await api.request({
      method: 'PUT',
      url: '/v1/reports/2024/BQL-KCN/values',
      as: 'agency',
      payload: {
        values: [
          { indicator: 'I.1.1', value: 3, evidence: [plan.id, unknown] },
          { indicator: 'I.1.2', value: 2 },
        ],
      },
    });
    t.match(
      value.json(),
      { written: true, created: 1, rejected: 1, conflicts: [{ index: 0, code: 'EVIDENCE_NOT_FOUND' }] },
      'the row citing an unknown document is refused, the rest written',
    );
    const atomic = await api.request({
      method: 'PUT',
      url: '/v1/reports/2024/BQL-KCN/values?atomic=true',
      as: 'agency',
      payload: { values: [{ indicator: 'I.1.1', value: 3, evidence: [unknown] }] },
    });
    t.equal(atomic.statusCode, 422);
    t.equal(atomic.json().summary.conflicts[0].code, 'EVIDENCE_NOT_FOUND');
    t.equal(
      (
        await api.request({
          method: 'PUT',
          url: '/v1/reports/2024/BQL-KCN/values',
          as: 'agency',
          payload: { values: [{ indicator: 'I.1.1', value: 3, evidence: [plan.id] }] },
        })
      ).statusCode,
      200,
    );

    const report = await api.request({ method: 'PATCH', url: '/v1/reports/2024/BQL-KCN', as: 'agency', payload: { evidence: [plan.id, unknown] } });
    t.equal(report.statusCode, 422);
    t.match(report.json(), { code: 'EVIDENCE_NOT_FOUND', errors: [{ pointer: '/evidence/1' }] });
    t.equal((await api.request({ method: 'PATCH', url: '/v1/reports/2024/BQL-KCN', as: 'agency', payload: { evidence: [plan.id] } })).statusCode, 200);

    const now = (await get(`/v1/documents/${plan.id}/citations`)).json();
    t.ok(now.reports.some((r: any) => r.periodId === '2024' && r.agencyCode === 'BQL-KCN'));
    t.ok(now.values.some((v: any) => v.periodId === '2024' && v.indicator === 'I.1.1'));
    t.same(
      (await get('/v1/reports/2024/BQL-KCN/evidence')).json().report.map((d: any) => d.id),
      [plan.id],
    );

    // A link kept from before the registry existed (the constraint was added NOT VALID) may stay as it is.
    const legacy = '0b9e8a7d-1c2b-4d3e-8f9a-123456789abc';
    await api.database.db.execute(sql`alter table report_evidence drop constraint report_evidence_document_id_documents_id_fk`);
    await api.database.db.execute(sql`insert into report_evidence (period_id, agency_code, document_id) values ('2024', 'BQL-KCN', ${legacy})`);
    await api.database.db.execute(
      sql`alter table report_evidence add constraint report_evidence_document_id_documents_id_fk foreign key (document_id) references documents(id) on delete restrict not valid`,
    );
    t.equal(
      (await api.request({ method: 'PATCH', url: '/v1/reports/2024/BQL-KCN', as: 'agency', payload: { evidence: [plan.id, legacy] } })).statusCode,
      200,
      'resubmitting a kept link',
    );
    t.equal((await api.request({ method: 'PATCH', url: '/v1/reports/2024/BQL-KCN', as: 'agency', payload: { evidence: [plan.id] } })).statusCode, 200);
    t.equal(
      (await api.request({ method: 'PATCH', url: '/v1/reports/2024/BQL-KCN', as: 'agency', payload: { evidence: [plan.id, legacy] } })).json().code,
      'EVIDENCE_NOT_FOUND',
      'once dropped, it cannot come back',
    );

    const refused = await api.request({ method: 'DELETE', url: `/v1/documents/${plan.id}`, as: 'admin' });
    t.equal(refused.statusCode, 409);
    t.match(refused.json(), { code: 'DOCUMENT_CITED', citedBy: { reports: [{ periodId: '2024' }] } });
    t.ok((await get(`/v1/documents/${plan.id}`)).statusCode === 200, 'still there');
  });
});
