/**
 * A GET never writes. Replicas, read-only roles and failover standbys answer reads only, and a read that writes
 * (say, bringing a roll-up up to date first) also takes locks that queue behind ingestion. So every GET operation
 * of the OpenAPI document, with its examples as Swagger UI fills them in (openapi-examples.test.ts), runs against an
 * app whose database connection refuses writes, on data with dossier months still marked for refresh:
 * - on PostgreSQL, a second pool on the same database with default_transaction_read_only=on (the `options`
 *   parameter of the connection URL, which node-postgres passes to the server);
 * - on PGlite (one session), the same setting on that session once the data is in.
 */
import { sql } from 'drizzle-orm';
import t from 'tap';
import { buildApp } from '../src/app.js';
import { openDatabase, queryRows, type Database, type Tx } from '../src/db/connection.js';
import type { Principal } from '../src/domain/roles.js';
import type { RollupRefresher } from '../src/modules/dossiers/rollup-refresher.js';
import { createDossierService } from '../src/modules/dossiers/service.js';
import { buildTestApp, type TestApp } from './helpers/app.js';
import { serverUrl } from './helpers/database.js';

/** A parameter example as it travels in a URL or header: strings as they are, anything else as JSON. */
const paramText = (value: unknown): string => (typeof value === 'string' ? value : JSON.stringify(value));

type Json = any;

/** There are 38 GET operations today; fewer exercised means the run lost some. */
const AT_LEAST = 38;

const PUSHER: Principal = { keyId: '00000000-0000-0000-0000-00000000feed', name: 'read-only test', role: 'ingest', agencyCode: null };

/** A parameter's value as Swagger UI pre-fills it: its example, else its first named example, else the schema's default. */
function prefilled(parameter: Json): unknown {
  if (parameter.example !== undefined) return parameter.example;
  const named = parameter.examples && Object.values<Json>(parameter.examples)[0];
  if (named?.value !== undefined) return named.value;
  return parameter.schema?.example ?? parameter.schema?.default;
}

function urlOf(path: string, op: Json, given: Record<string, string>): string {
  let url = path;
  const query = new URLSearchParams();
  for (const p of op.parameters ?? []) {
    const value = p.in === 'path' && given[p.name] !== undefined ? given[p.name] : prefilled(p);
    if (value === undefined) continue;
    if (p.in === 'path') url = url.replace(`{${p.name}}`, encodeURIComponent(paramText(value)));
    else if (p.in === 'query') for (const v of Array.isArray(value) ? value : [value]) query.append(p.name, paramText(v));
  }
  const qs = query.toString();
  return qs ? `${url}?${qs}` : url;
}

/** Counts for 2023 (the seeded report's year, and the stats example's window) across agencies and months. */
function counts(asOf: string) {
  const rows = [];
  for (let d = 0; d < 365; d += 11) {
    const date = new Date(Date.UTC(2023, 0, 1 + d)).toISOString().slice(0, 10);
    for (const agency of ['BQL-KCN', 'SKHDT']) {
      for (const procedure of ['BQL-KCN.XD.01', 'DEMO-BQL-01']) {
        rows.push({
          agency,
          procedure,
          date,
          source: 'read-only-test',
          asOf,
          receivedNew: 3,
          receivedOnline: 2,
          receivedInPerson: 1,
          receivedPostal: 0,
          resolved: 2,
          resolvedEarly: 1,
          resolvedOnTime: 1,
          resolvedLate: 0,
          pending: 1,
          pendingWithin: 1,
          pendingOverdue: 0,
        });
      }
    }
  }
  return rows;
}

const dirtyCount = async (db: Tx) => Number((await queryRows<{ n: string }>(db, sql`select count(*) as n from dossier_monthly_dirty`))[0]!.n);

/** A read-only view of the test database: a second pool on PostgreSQL; on PGlite the one session, switched over. */
async function readOnlyView(api: TestApp): Promise<{ database: Database; close: () => Promise<void> }> {
  if (api.database.engine === 'pglite') {
    await api.database.db.execute(sql`set default_transaction_read_only = on`);
    return { database: api.database, close: async () => {} };
  }
  const [{ name }] = (await queryRows<{ name: string }>(api.database.db, sql`select current_database() as name`)) as [{ name: string }];
  const url = new URL(serverUrl!);
  url.pathname = `/${name}`;
  url.searchParams.set('options', '-c default_transaction_read_only=on');
  const database = await openDatabase({ databaseUrl: url.toString(), poolMax: 2 });
  return { database, close: () => database.close() };
}

t.test('every GET operation answers on a read-only database while dossier months wait for their refresh', async (t) => {
  const api = await buildTestApp(t);
  await api.app.ready();
  // If the app runs its own roll-up refresher, its start-up refresh is over before the marks below are made.
  await (api.app.services as { dossierRollup?: RollupRefresher }).dossierRollup?.idle();
  const doc = api.app.swagger() as Json;

  // Dossier months marked and not refreshed: the service is built without afterCommit, so nothing refreshes them.
  const summary = (await createDossierService(api.database.db).ingest(PUSHER, counts('2024-01-01T00:00:00Z'), { atomic: true })).summary;
  t.match(summary, { rejected: 0 });
  t.ok(summary.created > 0);

  // The ids the user would paste from earlier answers, made while the database still takes writes.
  const key = await api.mintKey('reader');
  const documentExample = doc.paths['/v1/documents'].post.requestBody.content['application/json'].example;
  const created = await api.request({ method: 'POST', url: '/v1/documents', payload: documentExample });
  t.equal(created.statusCode, 201, created.body);
  const documentId = created.json().id as string;
  const pdf = Buffer.from('%PDF-1.4\n%âãÏÓ\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n', 'latin1');
  const uploaded = await api.request({
    method: 'POST',
    url: `/v1/documents/${documentId}/files?filename=read-only.pdf`,
    payload: pdf,
    headers: { 'content-type': 'application/pdf' },
  });
  t.equal(uploaded.statusCode, 201, uploaded.body);
  const given = (path: string): Record<string, string> =>
    path.startsWith('/v1/api-keys/') ? { id: key.id } : path.startsWith('/v1/documents/') ? { id: documentId, fileId: uploaded.json().id as string } : {};

  const marks = await dirtyCount(api.database.db);
  t.ok(marks > 0, `${marks} dossier months marked for refresh`);

  const view = await readOnlyView(api);
  const app = view.database === api.database ? api.app : await buildApp({ database: view.database, logger: false, rateLimitMax: 0, maxEventLoopDelayMs: 0 });
  try {
    // The connection refuses writes, or this test would prove nothing.
    const refused = await view.database.db.execute(sql`insert into dossier_monthly_dirty values ('X', 'X', 'X', 'X')`).then(
      () => undefined,
      (error: { cause?: { code?: string } }) => error.cause?.code,
    );
    t.equal(refused, '25006', 'a write is refused: read_only_sql_transaction');

    let exercised = 0;
    const answers: string[] = [];
    for (const [path, item] of Object.entries<Json>(doc.paths)) {
      const op = item.get;
      if (!op?.operationId) continue;
      const url = urlOf(path, op, given(path));
      const res = await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${api.keys.admin}` } });
      exercised++;
      answers.push(`${res.statusCode} ${op.operationId}`);
      t.ok(res.statusCode < 500, `${op.operationId}: GET ${url} answers ${res.statusCode}${res.statusCode < 500 ? '' : `\n${res.body.slice(0, 500)}`}`);
      t.notMatch(res.body, /read-only transaction/, `${op.operationId} tried no write`);
    }
    t.ok(exercised >= AT_LEAST, `${exercised} GET operations exercised (at least ${AT_LEAST})`);
    // Examples are chosen to succeed: a 4xx here is worth a look even though it wrote nothing.
    t.comment(answers.filter((a) => !a.startsWith('2')).join(', ') || 'every GET answered 2xx');
    t.equal(await dirtyCount(view.database.db), marks, 'the marks are still there: the reads went through the unrefreshed months');
  } finally {
    if (app !== api.app) await app.close();
    await view.close();
  }
});
