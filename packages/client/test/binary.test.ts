/** File bodies against the live test server: annex export and import, document files up and down, digests checked. */
import { createHash } from 'node:crypto';
import t from 'tap';
import { buildTestApp } from '@cchc/reporting-api/testing';
import {
  announcedSha256,
  createClient,
  downloadDocumentFile,
  exportAnnex,
  importAnnex,
  IntegrityError,
  ProblemError,
  unwrap,
  uploadDocumentFile,
  type FetchLike,
  type operations,
} from '../src/index.js';

// The generation maps `format: binary` to Blob: a file body is typed as bytes, not as a string.
type UploadBody = operations['uploadDocumentFile']['requestBody']['content']['application/pdf'];
const blobIsTheBody: [UploadBody] extends [Blob] ? ([Blob] extends [UploadBody] ? true : false) : false = true;

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

t.test('binary helpers', async (t) => {
  t.ok(blobIsTheBody);
  const api = await buildTestApp(t);
  const baseUrl = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const admin = createClient({ baseUrl, apiKey: api.keys.admin });
  const report = { periodId: '2023', agencyCode: 'BQL-KCN' };

  t.test('export an annex, then import it back as a dry run: all unchanged', async (t) => {
    const csv = await exportAnnex(admin, { ...report, format: 'csv' });
    t.ok(csv.bytes instanceof Uint8Array);
    t.same([...csv.bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'UTF-8 with a byte-order mark');
    t.equal(csv.contentType, 'text/csv');
    t.match(csv.filename, /\.csv$/);
    const text = new TextDecoder().decode(csv.bytes);
    t.match(text, /Chỉ tiêu thống kê/);

    for (const file of [csv.bytes, csv.bytes.slice().buffer, new Blob([csv.bytes])]) {
      const summary = await importAnnex(admin, { ...report, file, format: 'csv', dryRun: true });
      t.match(summary, { dryRun: true, written: false, created: 0, updated: 0, rejected: 0, conflicts: [] });
      t.ok(summary.unchanged > 10, `${summary.unchanged} rows unchanged (${file.constructor.name})`);
    }

    const xlsx = await exportAnnex(admin, { ...report, format: 'xlsx', supplementary: true });
    t.same([...xlsx.bytes.subarray(0, 2)], [0x50, 0x4b], 'a zip (XLSX) file');
    t.match(xlsx.filename, /\.xlsx$/);
    const summary = await importAnnex(admin, { ...report, file: xlsx.bytes, format: 'xlsx', dryRun: true });
    t.match(summary, { written: false, created: 0, updated: 0, rejected: 0 });
  });

  t.test('a file the service cannot read is a ProblemError', async (t) => {
    const garbage = new TextEncoder().encode('not;an;annex\n1;2;3\n');
    const unreadable = importAnnex(admin, { ...report, file: garbage, format: 'xlsx' });
    await t.rejects(unreadable, { name: 'ProblemError', constructor: ProblemError, status: 422 });
    const missing = exportAnnex(admin, { periodId: '2023', agencyCode: 'NO-SUCH', format: 'csv' });
    await t.rejects(missing, { constructor: ProblemError, code: 'AGENCY_NOT_FOUND' });
  });

  t.test('a document file, up and down byte for byte', async (t) => {
    const agency = createClient({ baseUrl, apiKey: api.keys.agency });
    const doc = await unwrap(
      agency.POST('/v1/documents', {
        body: {
          type: 'ke-hoach',
          number: '09',
          symbol: 'KH-BQL',
          issuedOn: '2024-02-01',
          issuerAgencyCode: 'BQL-KCN',
          summary: 'Kế hoạch tuyên truyền CCHC năm 2024',
        },
      }),
    );
    const bytes = new Uint8Array([...new TextEncoder().encode('%PDF-1.7\nKế hoạch'), 0, 255, 128]);
    const filename = 'Kế hoạch 09.pdf';
    const file = await uploadDocumentFile(agency, { documentId: doc.id, file: bytes, contentType: 'application/pdf', filename });
    t.match(file, { documentId: doc.id, filename, contentType: 'application/pdf', size: bytes.length, sha256: sha256(bytes) });

    const down = await downloadDocumentFile(agency, { documentId: doc.id, fileId: file.id });
    t.same([...down.bytes], [...bytes]);
    t.equal(down.sha256, file.sha256);
    t.equal(down.contentType, 'application/pdf');
    t.equal(down.filename, 'Kế hoạch 09.pdf', 'the UTF-8 name (filename*)');

    t.test('bytes that do not match the announced digest are refused', async (t) => {
      const tamper: FetchLike = async (request, init) => {
        const res = await fetch(request, init);
        const body = new Uint8Array(await res.arrayBuffer());
        body[0] = body[0]! ^ 1;
        return new Response(body, { status: res.status, headers: res.headers });
      };
      const tampered = createClient({ baseUrl, apiKey: api.keys.agency, fetch: tamper });
      const download = downloadDocumentFile(tampered, { documentId: doc.id, fileId: file.id });
      await t.rejects(download, { name: 'IntegrityError', constructor: IntegrityError, expected: file.sha256 });
    });

    t.test('the ETag alone suffices; no digest at all is refused', async (t) => {
      const dropping =
        (names: string[]): FetchLike =>
        async (request, init) => {
          const res = await fetch(request, init);
          const headers = new Headers(res.headers);
          for (const name of names) headers.delete(name);
          return new Response(await res.arrayBuffer(), { status: res.status, headers });
        };
      const etagOnly = createClient({ baseUrl, apiKey: api.keys.agency, fetch: dropping(['repr-digest']) });
      t.equal((await downloadDocumentFile(etagOnly, { documentId: doc.id, fileId: file.id })).sha256, file.sha256);
      const none = createClient({ baseUrl, apiKey: api.keys.agency, fetch: dropping(['repr-digest', 'etag']) });
      const download = downloadDocumentFile(none, { documentId: doc.id, fileId: file.id });
      await t.rejects(download, { name: 'IntegrityError', constructor: IntegrityError, expected: undefined });
    });

    t.test('problems: bytes that are not the type claimed, a missing file', async (t) => {
      const notPdf = new TextEncoder().encode('plain text');
      await t.rejects(uploadDocumentFile(agency, { documentId: doc.id, file: notPdf, contentType: 'application/pdf', filename: 'x.pdf' }), {
        constructor: ProblemError,
        code: 'FILE_CONTENT_MISMATCH',
      });
      const missing = downloadDocumentFile(agency, { documentId: doc.id, fileId: '00000000-0000-4000-8000-000000000000' });
      await t.rejects(missing, { name: 'ProblemError', constructor: ProblemError, status: 404 });
    });
  });

  t.test('announced digests', async (t) => {
    const hex = sha256(new Uint8Array([1, 2, 3]));
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    t.equal(announcedSha256(new Headers({ 'repr-digest': `sha-512=:AAAA:, sha-256=:${b64}:` })), hex);
    t.equal(announcedSha256(new Headers({ etag: `"${hex.toUpperCase()}"` })), hex);
    t.equal(announcedSha256(new Headers({ etag: `W/"${hex}"` })), undefined, 'a weak ETag is no digest');
    t.equal(announcedSha256(new Headers({ etag: '"abc"' })), undefined);
  });
});
