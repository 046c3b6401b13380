/** Bounds on what documents take and answer: file names that cannot disguise themselves, extraction answers capped. */
import t from 'tap';
import { MAX_CITATIONS_RETURNED } from '../../src/modules/documents/schemas.js';
import { buildTestApp } from '../helpers/app.js';

const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(2_000, 7)]);

t.test('file names with bidirectional controls are refused, in the query and in a form', async (t) => {
  const api = await buildTestApp(t);
  const doc = (
    await api.request({ method: 'POST', url: '/v1/documents', as: 'agency', payload: { type: 'quyet-dinh', number: '46', symbol: 'QĐ-BQL' } })
  ).json();
  const upload = (filename: string) =>
    api.request({
      method: 'POST',
      url: `/v1/documents/${doc.id}/files?filename=${encodeURIComponent(filename)}`,
      as: 'agency',
      headers: { 'content-type': 'application/pdf' },
      payload: pdf,
    });
  // "hoa-don\u202Efdp.exe" shows as "hoa-donexe.pdf" in a file list.
  for (const name of ['hoa-don\u202Efdp.exe', 'a\u202Ab.pdf', 'x\u2067y.pdf', 'rtl\u200Fmark.pdf', 'ar\u061Cmark.pdf', 'del\u007F.pdf']) {
    const res = await upload(name);
    t.equal(res.statusCode, 400, `${JSON.stringify(name)} refused`);
    t.match(res.json(), { code: 'VALIDATION_FAILED', errors: [{ in: 'querystring', pointer: '/filename' }] });
  }
  t.equal((await upload('Quyết định 46 (bản ký).pdf')).statusCode, 201, 'an ordinary Vietnamese name is taken as it is');

  const boundary = 'cchc-test-boundary';
  const form = Buffer.concat([
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="hoa-don\u202Efdp.exe"\r\nContent-Type: application/pdf\r\n\r\n`,
      'utf8',
    ),
    pdf,
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
  const viaForm = await api.request({
    method: 'POST',
    url: `/v1/documents/${doc.id}/files`,
    as: 'agency',
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
    payload: form,
  });
  t.equal(viaForm.statusCode, 400, 'the same name in a form part is refused too');
  t.equal(viaForm.json().code, 'VALIDATION_FAILED');
  t.equal((await api.request({ method: 'GET', url: `/v1/documents/${doc.id}/files`, as: 'agency' })).json().items.length, 1, 'only the good file is stored');
});

t.test('extraction answers at most MAX_CITATIONS_RETURNED citations, and says when it cut', async (t) => {
  const api = await buildTestApp(t, { seed: false });
  const one = 'Kế hoạch số 01/KH-BQL ngày 05/01/2023; ';
  const small = (await api.request({ method: 'POST', url: '/v1/documents/extract', as: 'reader', payload: { text: one.repeat(3) } })).json();
  t.match(small, { found: 3, truncated: false, documents: 1 });
  t.equal(small.citations.length, 3);

  const big = await api.request({ method: 'POST', url: '/v1/documents/extract', as: 'reader', payload: { text: one.repeat(5_000) } });
  t.equal(big.statusCode, 200);
  const answer = big.json();
  t.equal(answer.citations.length, MAX_CITATIONS_RETURNED, 'the first citations, in text order');
  t.match(answer, { found: 5_000, truncated: true, documents: 1 });
  t.ok(big.body.length < 1_000_000, `the answer stays bounded (${big.body.length} bytes for a ${one.length * 5_000}-character text)`);
  t.ok(answer.citations[1].start > answer.citations[0].start, 'in text order');
});
