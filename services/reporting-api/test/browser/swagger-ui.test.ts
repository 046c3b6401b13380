/**
 * Swagger UI at /docs, used as a person would in chromium: Authorize with a key, open an operation, Try it
 * out, pick a file for a binary body, Execute, read the answer. The file picker only appears when the
 * document declares the body as a binary string ({type: 'string', format: 'binary'}); without it Swagger UI
 * offers only a text box, which cannot carry an XLSX workbook. Failures leave a screenshot in the temp dir.
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Locator, Page } from 'playwright-core';
import t from 'tap';
import { buildTestApp } from '../helpers/app.js';
import { chromiumMissing, launchChromium, listen, openPage, type BrowserTestContext } from '../helpers/browser.js';

const XLSX_TYPE = 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet';
const ANNEX_PATH = '/v1/reports/{periodId}/{agencyCode}/annex';

/** Opens /docs, presses Authorize, pastes the key, applies it and closes the dialog. */
async function authorize(page: Page, base: string, key: string): Promise<void> {
  await page.goto(`${base}/docs`);
  await page.locator('.swagger-ui .auth-wrapper button.authorize').click();
  const dialog = page.locator('.modal-ux');
  await dialog.locator('#auth-bearer-value').fill(key);
  await dialog.locator('button.modal-btn.authorize').click();
  // Applied: the dialog now offers Logout and Close.
  await dialog.locator('button.btn-done').waitFor();
  await dialog.locator('button.btn-done').click();
  await dialog.waitFor({ state: 'detached' });
}

/** Expands an operation by its operationId (deep links give it a stable element id) and presses Try it out. */
async function tryItOut(page: Page, tag: string, operationId: string): Promise<Locator> {
  const op = page.locator(`#operations-${tag}-${operationId}`);
  await op.locator('.opblock-summary-control').click();
  await op.locator('button.try-out__btn').click();
  await op.locator('button.execute').waitFor();
  return op;
}

/** The request body's editor once rendered: a file picker, or the text box Swagger UI falls back to. */
async function bodyEditor(op: Locator): Promise<{ fileInput: Locator; hasFilePicker: boolean }> {
  const body = op.locator('.opblock-section-request-body');
  await body.locator('input[type=file], textarea.body-param__text').first().waitFor({ state: 'attached' });
  const fileInput = body.locator('input[type=file]');
  return { fileInput, hasFilePicker: (await fileInput.count()) > 0 };
}

/** Presses Execute and reads the live answer: status, body text, and the curl line Swagger UI shows. */
async function execute(op: Locator): Promise<{ status: string; body: string; curl: string; url: string }> {
  await op.locator('button.execute').click();
  const live = op.locator('.live-responses-table .response');
  await live.locator('.response-col_status').waitFor();
  return {
    status: (await live.locator('.response-col_status').first().textContent())?.trim() ?? '',
    body: (await live.locator('.response-col_description pre').first().textContent()) ?? '',
    curl: (await op.locator('.curl-command').first().textContent()) ?? '',
    url: (await op.locator('.request-url pre').first().textContent()) ?? '',
  };
}

async function screenshotOnFailure(t: BrowserTestContext, page: Page, name: string): Promise<string> {
  const path = join(tmpdir(), `swagger-${name}-failure.png`);
  await page.screenshot({ path, fullPage: true }).catch(() => undefined);
  t.comment(`screenshot: ${path}`);
  return path;
}

const skip = chromiumMissing(t);

t.test('Swagger UI in chromium', { skip }, async (t) => {
  // Chromium starts while the database is created and seeded.
  const [api, browser] = await Promise.all([buildTestApp(t), launchChromium(t)]);
  const base = await listen(api.app);
  const spec = (await api.app.inject({ method: 'GET', url: '/docs/json' })).json();
  const dir = await mkdtemp(join(tmpdir(), 'cchc-swagger-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // One page for both operations: Swagger UI takes seconds to render this document, and the key persists.
  const { page } = await openPage(t, browser);
  await authorize(page, base, api.keys.admin);

  t.test('importReportAnnex: the annex CSV exported by the app, picked as a file, dry run', async (t) => {
    const content = spec.paths[ANNEX_PATH]?.post?.requestBody?.content ?? {};
    const binary = { type: 'string', format: 'binary' };
    t.match(content['text/csv']?.schema, binary, 'the document declares the text/csv body as a binary string (else no file picker)');
    t.match(content[XLSX_TYPE]?.schema, binary, 'and the XLSX body');
    if (content['multipart/form-data']) t.match(content['multipart/form-data'].schema?.properties?.file, binary, 'a multipart form has a binary file field');

    const exported = await api.request({ method: 'GET', url: '/v1/reports/2023/BQL-KCN/annex?format=csv', as: 'reader' });
    t.equal(exported.statusCode, 200);
    const file = join(dir, 'phu-luc-2023-BQL-KCN.csv');
    await writeFile(file, exported.rawPayload);
    const expected = await api.request({
      method: 'POST',
      url: '/v1/reports/2023/BQL-KCN/annex?dryRun=true',
      headers: { 'content-type': 'text/csv' },
      payload: exported.rawPayload,
    });
    t.equal(expected.statusCode, 200, 'the same import by inject, for comparison');

    const op = await tryItOut(page, 'reports', 'importReportAnnex');
    await op.locator('tr[data-param-name="periodId"] input[type=text]').fill('2023');
    await op.locator('tr[data-param-name="agencyCode"] input[type=text]').fill('BQL-KCN');
    const dryRun = op.locator('tr[data-param-name="dryRun"] select');
    if (await dryRun.count()) await dryRun.selectOption('true');
    const mediaType = op.locator('.opblock-section-request-body select.content-type');
    if (await mediaType.count()) await mediaType.selectOption('text/csv');

    const { fileInput, hasFilePicker } = await bodyEditor(op);
    if (!hasFilePicker) {
      await screenshotOnFailure(t, page, 'annex');
      t.fail(`Swagger UI offers no file picker for ${ANNEX_PATH} (text/csv): declare the body schema as {type: 'string', format: 'binary'}`);
      return;
    }
    await fileInput.first().setInputFiles(file);
    const answer = await execute(op);
    if (answer.status !== '200') await screenshotOnFailure(t, page, 'annex');
    t.equal(answer.status, '200', 'Swagger UI shows 200', { body: answer.body.slice(0, 2000) });
    t.match(answer.url, /\/v1\/reports\/2023\/BQL-KCN\/annex\?(.*&)?dryRun=true(&|$)/, 'the dry run was asked for');
    t.match(answer.curl, /Content-Type: text\/csv/i, 'the file went as text/csv');
    const summary = JSON.parse(answer.body);
    t.match(summary, { dryRun: true, written: false, created: 0, updated: 0, rejected: 0, conflicts: [] }, 'the exported annex imports unchanged');
    t.equal(summary.unchanged, expected.json().unchanged, 'every row unchanged, as by inject');
    t.ok(summary.unchanged > 100, `${summary.unchanged} rows unchanged`);
  });

  t.test('uploadDocumentFile: a file picker, and the picked PDF is stored', async (t) => {
    const documents = await api.request({ method: 'GET', url: '/v1/documents?limit=1', as: 'reader' });
    const documentId: string = documents.json().items[0].id;
    const pdf = Buffer.from('%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n');

    const op = await tryItOut(page, 'documents', 'uploadDocumentFile');
    await op.locator('tr[data-param-name="id"] input[type=text]').fill(documentId);
    await op.locator('tr[data-param-name="filename"] input[type=text]').fill('kế-hoạch-01-KH-BQL.pdf');
    await op.locator('.opblock-section-request-body select.content-type').selectOption('application/pdf');
    const { fileInput, hasFilePicker } = await bodyEditor(op);
    if (!hasFilePicker) {
      await screenshotOnFailure(t, page, 'document');
      t.fail('Swagger UI offers no file picker for POST /v1/documents/{id}/files');
      return;
    }
    t.pass('a file picker for the body');
    await fileInput.first().setInputFiles({ name: 'ke-hoach.pdf', mimeType: 'application/pdf', buffer: pdf });
    const answer = await execute(op);
    if (answer.status !== '201') await screenshotOnFailure(t, page, 'document');
    t.equal(answer.status, '201', 'Swagger UI shows 201', { body: answer.body.slice(0, 2000) });
    t.match(
      JSON.parse(answer.body),
      {
        documentId,
        filename: 'kế-hoạch-01-KH-BQL.pdf',
        contentType: 'application/pdf',
        size: pdf.length,
        sha256: createHash('sha256').update(pdf).digest('hex'),
      },
      'the bytes arrived intact',
    );
  });
});
