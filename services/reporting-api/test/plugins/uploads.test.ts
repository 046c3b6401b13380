/**
 * Files sent as HTML forms (multipart/form-data, `curl -F`): the annex import and document attachments take them
 * like raw bodies, with the same size cap and content checks; other routes still refuse forms.
 */
import { createHash } from 'node:crypto';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';

const XLSX = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const pdf = (size: number) => Buffer.concat([Buffer.from('%PDF-1.7\n'), Buffer.alloc(Math.max(0, size - 9), 0x20)]);

/** A form with one file part, as a browser or `curl -F` sends it. */
function form(field: string, bytes: Buffer, filename: string, type: string) {
  const data = new FormData();
  data.append('note', 'kèm theo');
  data.append(field, new Blob([bytes], { type }), filename);
  return data;
}

async function send(api: Awaited<ReturnType<typeof buildTestApp>>, url: string, body: FormData, as: 'admin' | 'agency' = 'admin') {
  const encoded = new Response(body);
  const payload = Buffer.from(await encoded.arrayBuffer());
  return api.request({ method: 'POST', url, as, payload, headers: { 'content-type': encoded.headers.get('content-type')! } });
}

t.test('file forms', async (t) => {
  const api = await buildTestApp(t, { documentFileLimit: 64 * 1024 });

  t.test('the annex imports from a form, CSV or XLSX, like a raw body', async (t) => {
    for (const format of ['csv', 'xlsx'] as const) {
      const file = await api.request({ method: 'GET', url: `/v1/reports/2023/BQL-KCN/annex?format=${format}`, as: 'reader' });
      const type = format === 'csv' ? 'text/csv' : XLSX;
      const res = await send(api, '/v1/reports/2023/BQL-KCN/annex?dryRun=true', form('file', file.rawPayload, `phu-luc.${format}`, type));
      t.equal(res.statusCode, 200, format);
      const summary = res.json();
      t.equal(summary.rejected, 0, `${format}: every row read`);
      t.ok(summary.unchanged > 100, `${format}: the reference annex comes back unchanged (${summary.unchanged})`);
      t.equal(summary.created + summary.updated, 0);
    }
  });

  t.test('a document file attaches from a form, its name and type from the part', async (t) => {
    const doc = (
      await api.request({
        method: 'POST',
        url: '/v1/documents',
        payload: { type: 'ke-hoach', number: '77', symbol: 'KH-BQL', issuedOn: '2023-02-01', summary: 'Kế hoạch thử' },
      })
    ).json();
    const bytes = pdf(2000);
    const res = await send(api, `/v1/documents/${doc.id}/files`, form('file', bytes, 'Kế hoạch 77.pdf', 'application/pdf'));
    t.equal(res.statusCode, 201);
    t.match(res.json(), { filename: 'Kế hoạch 77.pdf', contentType: 'application/pdf', size: 2000, sha256: createHash('sha256').update(bytes).digest('hex') });
    const named = await send(api, `/v1/documents/${doc.id}/files?filename=ke-hoach-77.pdf`, form('file', bytes, 'x.pdf', 'application/octet-stream'));
    t.equal(named.statusCode, 201);
    t.equal(named.json().filename, 'ke-hoach-77.pdf', 'the filename parameter wins; octet-stream is told from the bytes and the name');

    const lying = await send(api, `/v1/documents/${doc.id}/files`, form('file', Buffer.from('MZ\x90\x00 not a pdf'), 'a.pdf', 'application/pdf'));
    t.equal(lying.statusCode, 415);
    t.equal(lying.json().code, 'FILE_CONTENT_MISMATCH', 'the same content check as a raw body');

    const noFile = new FormData();
    noFile.append('note', 'quên file');
    const missing = await send(api, `/v1/documents/${doc.id}/files`, noFile);
    t.equal(missing.statusCode, 400);
    t.match(missing.json(), { code: 'VALIDATION_FAILED', errors: [{ pointer: '/file' }] });

    const folder = await send(api, `/v1/documents/${doc.id}/files`, form('file', bytes, 'a\u0001b.pdf', 'application/pdf'));
    t.equal(folder.statusCode, 400, 'a control character in the part’s name is refused');
    t.equal((await api.request({ method: 'GET', url: `/v1/documents/${doc.id}/files`, as: 'reader' })).json().items.length, 2, 'nothing refused was stored');
  });

  t.test('a form file over the cap answers 413 and nothing is stored', async (t) => {
    const doc = (
      await api.request({ method: 'POST', url: '/v1/documents', payload: { type: 'ke-hoach', number: '78', symbol: 'KH-BQL', issuedOn: '2023-02-01' } })
    ).json();
    const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
    const encoded = new Response(form('file', pdf(200 * 1024), 'big.pdf', 'application/pdf'));
    const res = await fetch(`${baseUrl}/v1/documents/${doc.id}/files`, {
      method: 'POST',
      headers: { authorization: `Bearer ${api.keys.admin}`, 'content-type': encoded.headers.get('content-type')! },
      body: Buffer.from(await encoded.arrayBuffer()),
    });
    t.equal(res.status, 413);
    t.equal(((await res.json()) as { code: string }).code, 'PAYLOAD_TOO_LARGE');
    t.same((await api.request({ method: 'GET', url: `/v1/documents/${doc.id}/files`, as: 'reader' })).json().items, []);
  });

  t.test('other routes still refuse forms', async (t) => {
    const res = await send(api, '/v1/agencies', form('file', Buffer.from('x'), 'a.txt', 'text/plain'));
    t.equal(res.statusCode, 415);
    t.equal(res.json().code, 'UNSUPPORTED_MEDIA_TYPE');
  });
});
