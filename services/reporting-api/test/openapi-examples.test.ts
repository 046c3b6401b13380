/**
 * Swagger UI at /docs pre-fills "Try it out" from the document's examples and administrators press Execute.
 * This test does what Swagger UI does, from the document alone: path parameters from their `example`, query
 * parameters from their `example` (or the schema's `default`, which Swagger UI also pre-fills), the request body
 * from the `example` of its first media type; then it executes every operation with an admin key on ONE freshly
 * seeded database and expects a 2xx answer.
 *
 * The examples are chosen so that each one also succeeds by itself on a fresh seeded database, except where the
 * workflow makes that impossible (see ORDER): accepting or returning a report needs a submitted one, and
 * reopening needs one that is submitted, accepted or returned.
 */
import { readFile } from 'node:fs/promises';
import t, { type Test } from 'tap';
import { Document, Packer, Paragraph, Table, TableCell, TableRow } from 'docx';
import { parseCsv } from '../src/domain/csv.js';
import { buildTestApp, type TestApp } from './helpers/app.js';

/** A parameter example as it travels in a URL or header: strings as they are, anything else as JSON. */
const paramText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

type Json = any;
interface Operation {
  method: string;
  path: string;
  op: Json;
}

const RUNTIME_ID = 'its path takes a uuid made at run time (API key, document or document file id): Swagger UI asks for it, there is no example';

/** Operations not executed from the document alone, with why. Their other parameters and JSON bodies still need examples. */
const EXEMPT: Record<string, string> = {
  getApiKey: RUNTIME_ID,
  revokeApiKey: RUNTIME_ID,
  getDocument: RUNTIME_ID,
  updateDocument: RUNTIME_ID,
  deleteDocument: RUNTIME_ID,
  getDocumentCitations: RUNTIME_ID,
  listDocumentFiles: RUNTIME_ID,
  uploadDocumentFile: `${RUNTIME_ID}; its body is a file the user picks`,
  downloadDocumentFile: RUNTIME_ID,
  deleteDocumentFile: RUNTIME_ID,
};

/** The uuid path parameters of the exempt operations, which must stay without an example. */
const RUNTIME_PARAMS = new Set(['id', 'fileId']);

/**
 * Ordering overrides, by operationId: `first` must run before `then` on the one database. The document's order
 * happens to satisfy them today; they are kept explicit so a reordering of routes does not break the run.
 */
const ORDER: Array<{ first: string; then: string; why: string }> = [
  // generatePeriods(2025) creates the year period 2025, which createPeriod('2025') would then find (409 PERIOD_EXISTS).
  { first: 'createPeriod', then: 'generatePeriods', why: 'createPeriod 2025 before the year 2025 is generated' },
  // Values are frozen while a report is submitted or accepted: writes to the BQL-KCN 2023 report come first.
  { first: 'submitReportValues', then: 'submitReport', why: 'values are written while the report is a draft' },
  { first: 'submitValues', then: 'submitReport', why: 'values are written while the report is a draft' },
  { first: 'deleteReportValue', then: 'submitReport', why: 'values are deleted while the report is a draft' },
  { first: 'updateReport', then: 'submitReport', why: 'the narrative is written while the report is a draft' },
  // The report workflow draft → submitted → accepted → returned → draft. Only submitReport succeeds by itself on a
  // fresh database (the seeded report is a draft); accept needs a submitted report, return a submitted or accepted
  // one, reopen a submitted, accepted or returned one: by themselves they answer 409 REPORT_NOT_SUBMITTED.
  { first: 'submitReport', then: 'acceptReport', why: 'accept needs a submitted report' },
  { first: 'acceptReport', then: 'returnReport', why: 'return takes the accepted report back to the agency' },
  { first: 'returnReport', then: 'reopenReport', why: 'reopen puts the returned report back to draft' },
  // Importing the annex writes values: after the report is a draft again.
  { first: 'reopenReport', then: 'importReportAnnex', why: 'the import writes values, which needs a draft (or returned) report' },
  { first: 'reopenReport', then: 'importReportDocument', why: 'the import writes values and the narrative, which needs a draft (or returned) report' },
];

/** Binary bodies are not examples: the user picks a file. Here, the file a user would pick. */
const PICKED_FILE: Record<string, (api: TestApp, url: string) => Promise<{ contentType: string; payload: Buffer }>> = {
  // The report's own annex, exported as CSV: importing it back changes nothing.
  importReportAnnex: async (api, url) => {
    const exported = await api.request({ method: 'GET', url: `${url.split('?')[0]}?format=csv` });
    if (exported.statusCode !== 200) throw new Error(`export for the import failed: ${exported.body}`);
    return { contentType: 'text/csv', payload: exported.rawPayload };
  },
  // The report's annex as a Word table under one narrative section: importing it changes no value.
  importReportDocument: async (api, url) => {
    const exported = await api.request({ method: 'GET', url: `${url.split('/document')[0]}/annex?format=csv` });
    if (exported.statusCode !== 200) throw new Error(`export for the import failed: ${exported.body}`);
    const rows = parseCsv(exported.body).map((cells) => new TableRow({ children: cells.map((c) => new TableCell({ children: [new Paragraph(c)] })) }));
    const doc = new Document({
      sections: [
        {
          children: [
            new Paragraph('I. Tình hình thực hiện nhiệm vụ cải cách hành chính (CCHC):'),
            new Paragraph('Ban hành Kế hoạch số 01/KH-BQL ngày 05/01/2023 thực hiện cải cách hành chính năm 2023.'),
            new Table({ rows }),
          ],
        },
      ],
    });
    return { contentType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document', payload: await Packer.toBuffer(doc) };
  },
  uploadDocumentFile: async () => ({
    contentType: 'application/pdf',
    payload: Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1'),
  }),
};

/** A parameter's value as Swagger UI pre-fills it: its example, else its first named example, else the schema's default. */
function prefilled(parameter: Json): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const named = parameter.examples && Object.values<Json>(parameter.examples)[0];
  if (named?.value !== undefined) return named.value;
  return parameter.schema?.example ?? parameter.schema?.default;
}

const hasExample = (parameter: Json) => parameter.example !== undefined || Object.keys(parameter.examples ?? {}).length > 0;

function operationsOf(doc: Json): Operation[] {
  const out: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (method === 'head' || typeof op !== 'object' || !op.operationId) continue;
      out.push({ method: method.toUpperCase(), path, op });
    }
  }
  return out;
}

/** The document's order with every ORDER pair satisfied (`first` moved just before `then` when it came after). */
function runOrder(ops: Operation[]): Operation[] {
  const list = [...ops];
  const at = (id: string) => list.findIndex((o) => o.op.operationId === id);
  for (let pass = 0; pass < ORDER.length + 1; pass++) {
    let moved = false;
    for (const { first, then } of ORDER) {
      const [i, j] = [at(first), at(then)];
      if (i < 0 || j < 0) throw new Error(`ORDER names an unknown operation: ${first} or ${then}`);
      if (i > j) {
        const [op] = list.splice(i, 1);
        list.splice(j, 0, op!);
        moved = true;
      }
    }
    if (!moved) return list;
  }
  throw new Error('ORDER has a cycle');
}

interface Built {
  url: string;
  headers: Record<string, string>;
  payload?: string | Buffer;
  problems: string[];
}

/** The request as Swagger UI builds it. `given` fills run-time path parameters, as the user would type them. */
async function build(api: TestApp, { path, op }: Operation, given: Record<string, string> = {}): Promise<Built> {
  const problems: string[] = [];
  let url = path;
  const query = new URLSearchParams();
  const headers: Record<string, string> = {};
  for (const p of op.parameters ?? []) {
    const value = p.in === 'path' && given[p.name] !== undefined ? given[p.name] : prefilled(p);
    if (p.required && !hasExample(p) && given[p.name] === undefined) problems.push(`required ${p.in} parameter ${p.name} has no example`);
    if (value === undefined) continue;
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(paramText(value)));
    else if (p.in === 'query') for (const v of Array.isArray(value) ? value : [value]) query.append(p.name, paramText(v));
    else if (p.in === 'header') headers[p.name] = paramText(value);
  }
  if (/\{[^}]+\}/.test(url)) problems.push(`path parameters left unfilled in ${url}`);
  const qs = query.toString();
  if (qs) url += `?${qs}`;

  const built: Built = { url, headers, problems };
  const content = op.requestBody?.content;
  if (content) {
    // Swagger UI offers the first media type.
    const [mediaType, media] = Object.entries<Json>(content)[0]!;
    if (mediaType === 'application/json') {
      if (media.example === undefined) problems.push('the application/json body has no example');
      else {
        built.payload = JSON.stringify(media.example);
        headers['content-type'] = 'application/json';
      }
    } else if (PICKED_FILE[op.operationId]) {
      const file = await PICKED_FILE[op.operationId]!(api, url);
      built.payload = file.payload;
      headers['content-type'] = file.contentType;
    } else {
      problems.push(`${mediaType} body: no example and no picked file`);
    }
    // Every JSON body has an example, whichever media type comes first.
    if (mediaType !== 'application/json' && content['application/json'] && content['application/json'].example === undefined) {
      problems.push('the application/json body has no example');
    }
  }
  return built;
}

t.test('every operation succeeds with the examples of the OpenAPI document', async (t) => {
  const api = await buildTestApp(t);
  await api.app.ready();
  const doc = api.app.swagger() as Json;
  const ops = operationsOf(doc);
  const byId = new Map(ops.map((o) => [o.op.operationId as string, o]));
  const answers = new Map<string, Json>();

  t.test('the exempt and ordered operations exist', async (t) => {
    for (const id of [...Object.keys(EXEMPT), ...Object.keys(PICKED_FILE), ...ORDER.flatMap((o) => [o.first, o.then])]) t.ok(byId.has(id), id);
  });

  t.test("createAgency's example is a new code, not a seeded one", async (t) => {
    const seeded = JSON.parse(await readFile(new URL('../seed/agencies.json', import.meta.url), 'utf8')) as { agencies: Array<{ code: string }> };
    const example = byId.get('createAgency')!.op.requestBody.content['application/json'].example;
    t.ok(example?.code, 'createAgency has an example with a code');
    t.notOk(
      seeded.agencies.some((a) => a.code === example.code),
      `${example?.code} is not in seed/agencies.json`,
    );
  });

  t.test('the exempt operations have no example for their run-time ids', async (t) => {
    for (const id of Object.keys(EXEMPT)) {
      for (const p of byId.get(id)!.op.parameters ?? []) {
        if (p.in === 'path' && RUNTIME_PARAMS.has(p.name)) t.notOk(hasExample(p), `${id} ${p.name} has no example`);
      }
    }
  });

  async function execute(t: Test, o: Operation, given: Record<string, string> = {}) {
    const id = o.op.operationId as string;
    const request = await build(api, o, given);
    t.same(request.problems, [], `${id}: Swagger UI can fill in the request`);
    if (request.problems.length) return;
    const res = await api.request({
      method: o.method,
      url: request.url,
      headers: request.headers,
      ...(request.payload !== undefined && { payload: request.payload }),
      as: 'admin',
    });
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    t.ok(ok, `${id}: ${o.method} ${request.url} answers ${res.statusCode}${ok ? '' : `\n${res.body}`}`);
    const body = /json/.test(String(res.headers['content-type'])) && res.body ? res.json() : undefined;
    // An import or ingest summary that refused rows is a 200 that did not do what the example says.
    if (ok && typeof body?.rejected === 'number') t.equal(body.rejected, 0, `${id}: no row refused ${JSON.stringify(body.conflicts ?? [])}`);
    answers.set(id, body);
  }

  t.test('executed in order on one seeded database, as an admin', async (t) => {
    for (const o of runOrder(ops)) {
      if (EXEMPT[o.op.operationId]) continue;
      await execute(t, o);
    }
  });

  // Not from the document alone: the run-time ids are those the user would paste from earlier answers.
  t.test('the exempt operations, with the run-time ids filled in', async (t) => {
    const keyId = answers.get('createApiKey')?.apiKey?.id as string;
    const documentId = answers.get('createDocument')?.id as string;
    t.ok(keyId && documentId, 'createApiKey and createDocument answered ids');
    if (!keyId || !documentId) return;
    await execute(t, byId.get('getApiKey')!, { id: keyId });
    await execute(t, byId.get('revokeApiKey')!, { id: keyId });
    for (const id of ['getDocument', 'updateDocument', 'getDocumentCitations', 'listDocumentFiles', 'uploadDocumentFile'])
      await execute(t, byId.get(id)!, { id: documentId });
    const fileId = answers.get('uploadDocumentFile')?.id as string;
    t.ok(fileId, 'uploadDocumentFile answered an id');
    if (fileId) {
      await execute(t, byId.get('downloadDocumentFile')!, { id: documentId, fileId });
      await execute(t, byId.get('deleteDocumentFile')!, { id: documentId, fileId });
    }
    await execute(t, byId.get('deleteDocument')!, { id: documentId });
  });
});
