/**
 * Every wrong request is a problem (issue 12): whatever a client sends, the answer is below 500, every 4xx is
 * RFC 9457 application/problem+json with a stable code, every answer carries x-request-id, and nothing leaks
 * (stack traces, SQL, a huge input echoed back).
 *
 * The requests are derived from the app's own OpenAPI document: for every operation, its examples (valid-looking
 * requests) and mutations of them (path parameters over-long, unicode, NUL, dot segments, encoded slashes; query
 * parameters of the wrong type, out of range, unknown, repeated; bodies of the wrong type, with members missing or
 * extra, huge strings, deep nesting; wrong content types, malformed JSON, empty bodies; duplicate headers), sent
 * with each role's key, no key and a bogus key. A seeded PRNG makes the run the same every time (FUZZ_SEED picks
 * another; FUZZ_PER_OPERATION changes the count). Writes may change the seeded data as the run goes; that is fine.
 *
 * A second part talks HTTP/1.1 on a real socket, where node's parser refuses what inject cannot send.
 */
import { connect } from 'node:net';
import t, { type Test } from 'tap';
import { PROBLEMS } from '../src/errors.js';
import { buildTestApp, type TestApp } from './helpers/app.js';

type Json = any;

const SEED = Number(process.env.FUZZ_SEED ?? 9457);
/** 74 operations today × 140 = 10 360 requests; at least 10 000 whatever the number of operations. */
const PER_OPERATION = Number(process.env.FUZZ_PER_OPERATION ?? 140);
const AT_LEAST = 10_000;
const CONCURRENCY = Number(process.env.FUZZ_CONCURRENCY ?? 8);

/** The marker of a huge input: no answer may echo more than ECHO_LIMIT characters of it. */
const MARK = 'Qz7';
const ECHO_LIMIT = 300;
const echoed = MARK.repeat(Math.ceil(ECHO_LIMIT / MARK.length));
const huge = (n: number) => MARK.repeat(Math.ceil(n / MARK.length)).slice(0, n);

const LEAKS: Array<[RegExp, string]> = [
  [/ {4}at [^\n]*[:(]/, 'a stack trace'],
  [/\bselect\s[^"]*\bfrom\b|\binsert into\b|\bupdate\s+"?\w+"?\s+set\b|\bdelete from\b/i, 'SQL text'],
  [
    /DrizzleQueryError|Failed query|syntax error at or near|violates [a-z ]*constraint|duplicate key value|relation "|invalid input syntax/i,
    'a driver message',
  ],
  [/node_modules|\/src\/[\w/-]+\.ts\b/, 'a source path'],
];

/** mulberry32: small, fast, and the same sequence for the same seed on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let x = Math.imul(a ^ (a >>> 15), 1 | a);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const chance = (p: number) => next() < p;
  const uuid = () =>
    'xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx'.replace(/[xy]/g, (c) => {
      const r = int(16);
      return (c === 'x' ? r : (r & 0x3) | 0x8).toString(16);
    });
  return { next, int, pick, chance, uuid };
}
type Rng = ReturnType<typeof prng>;

interface FuzzRequest {
  method: string;
  url: string;
  headers: Record<string, string | string[]>;
  payload?: string | Buffer;
  /** What the request tries, for the failure summary. */
  kind: string;
}

interface Operation {
  method: string;
  path: string;
  id: string;
  op: Json;
}

// ---------------------------------------------------------------------------------------------------------------
// Values from schemas

function resolver(doc: Json) {
  const resolve = (schema: Json, depth = 0): Json => {
    if (!schema || typeof schema !== 'object' || depth > 20) return schema ?? {};
    if (typeof schema.$ref === 'string') {
      const name = schema.$ref.replace(/^#\/components\/schemas\//, '');
      return resolve({ ...doc.components?.schemas?.[name], ...Object.fromEntries(Object.entries(schema).filter(([k]) => k !== '$ref')) }, depth + 1);
    }
    if (Array.isArray(schema.allOf)) {
      const { allOf, ...rest } = schema;
      return allOf.reduce((merged: Json, part: Json) => {
        const r = resolve(part, depth + 1);
        return { ...r, ...merged, properties: { ...r.properties, ...merged.properties }, required: [...(r.required ?? []), ...(merged.required ?? [])] };
      }, rest);
    }
    return schema;
  };
  return resolve;
}

/** A value the schema probably accepts: its example when it has one, else one made from its keywords. */
function sample(schema: Json, resolve: (s: Json) => Json, rng: Rng, depth = 0): unknown {
  const s = resolve(schema);
  if (depth > 6) return null;
  const examples = [s.example, ...(Array.isArray(s.examples) ? s.examples : [])].filter((e) => e !== undefined);
  if (examples.length && rng.chance(0.6)) return structuredClone(rng.pick(examples));
  if (s.const !== undefined) return s.const;
  if (Array.isArray(s.enum)) return rng.pick(s.enum);
  const branches = s.anyOf ?? s.oneOf;
  if (Array.isArray(branches) && branches.length) return sample(rng.pick(branches), resolve, rng, depth + 1);
  const type = Array.isArray(s.type)
    ? rng.pick(s.type.filter((x: string) => x !== 'null').length ? s.type.filter((x: string) => x !== 'null') : s.type)
    : s.type;
  switch (type) {
    case 'string': {
      if (s.format === 'date') return rng.pick(['2023-01-01', '2023-06-30', '2024-02-29', '2023-12-31']);
      if (s.format === 'date-time') return rng.pick(['2023-06-30T00:00:00Z', '2024-01-15T08:30:00+07:00']);
      if (s.format === 'uuid') return rng.uuid();
      if (s.format === 'email') return 'fuzz@example.org';
      if (s.format === 'uri') return 'https://example.org/fuzz';
      const min = s.minLength ?? 1;
      const max = Math.min(s.maxLength ?? 16, Math.max(min, 16));
      const len = min + rng.int(Math.max(1, max - min + 1));
      return 'fuzz-ABC-xyz-0123456789'.repeat(Math.ceil(len / 23)).slice(0, len);
    }
    case 'integer':
    case 'number': {
      const min = s.minimum ?? (s.exclusiveMinimum !== undefined ? s.exclusiveMinimum + 1 : 0);
      const max = s.maximum ?? (s.exclusiveMaximum !== undefined ? s.exclusiveMaximum - 1 : min + 100);
      const v = min + rng.next() * Math.max(0, max - min);
      return type === 'integer' ? Math.floor(v) : Math.round(v * 100) / 100;
    }
    case 'boolean':
      return rng.chance(0.5);
    case 'null':
      return null;
    case 'array': {
      const n = Math.max(s.minItems ?? 0, Math.min(s.maxItems ?? 3, rng.int(3)));
      return Array.from({ length: n }, () => sample(s.items ?? {}, resolve, rng, depth + 1));
    }
    default: {
      if (!s.properties) return {};
      const out: Record<string, unknown> = {};
      const required = new Set<string>(s.required ?? []);
      for (const [name, prop] of Object.entries<Json>(s.properties)) {
        if (required.has(name) || rng.chance(0.4)) out[name] = sample(prop, resolve, rng, depth + 1);
      }
      return out;
    }
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Mutations

/** Path parameter values as they go into the URL (already encoded where they are meant to be). */
const BAD_PATH_VALUES = (rng: Rng): Array<() => string> => [
  () => huge(101 + rng.int(50)),
  () => huge(2000 + rng.int(6000)),
  () => encodeURIComponent('Đà Nẵng-Ừ-🙂'),
  () => '%F0%9F%99%82',
  () => '%00',
  () => 'a%00b',
  () => '..',
  () => '%2e%2e',
  () => '..%2F..%2Fetc%2Fpasswd',
  () => 'a%2Fb',
  () => '%2F',
  () => '%E0%A4%A',
  () => '%',
  () => '%C0%AF',
  () => '%ED%A0%80',
  () => '-1',
  () => '0',
  () => '99999999999999999999999',
  () => '2023-Q9',
  () => '1e400',
  () => "x'%20or%201=1--",
  () => '%20',
  () => 'NaN',
  () => 'null',
  () => '00000000-0000-0000-0000-000000000000',
  () => rng.uuid(),
  () => rng.uuid().toUpperCase(),
  () => '%7B%7D',
  () => '%5B%5D',
];

const BAD_QUERY_VALUES = (rng: Rng): Array<() => string> => [
  () => 'abc',
  () => '-1',
  () => '0',
  () => '1.5',
  () => '1e400',
  () => '99999999999999999999',
  () => '',
  () => 'true',
  () => 'maybe',
  () => '2023-13-45',
  () => '2023-02-30',
  () => '%00',
  () => encodeURIComponent('Ừ🙂\u202e'),
  () => encodeURIComponent(huge(5000)),
  () => encodeURIComponent(huge(101)),
  () => '%E0%A4%A',
  () => '[]',
  () => '{}',
  () => encodeURIComponent("' or 1=1 --"),
  () => encodeURIComponent(Buffer.from(huge(300)).toString('base64url')),
  () => rng.uuid(),
];

const WRONG_TYPES = (rng: Rng): Array<() => unknown> => [
  () => null,
  () => true,
  () => 0,
  () => -1,
  () => 1.5,
  () => 2 ** 53 + 1,
  () => 1e308,
  () => '',
  () => ' ',
  () => 'x',
  () => huge(20_000 + rng.int(20_000)),
  () => 'Ừ'.repeat(3000),
  () => '\u0000',
  () => '\ud800',
  () => '\u202e\u0000\u001b[31m',
  () => '2023-02-30',
  () => [],
  () => [1, 'a', null],
  () => ({}),
  () => ({ nested: { deeper: [1, 2, { x: 'y' }] } }),
  () => Array.from({ length: 2000 }, (_, i) => i),
];

function deepNesting(depth: number, open: string, close: string): string {
  return open.repeat(depth) + close.repeat(depth);
}

const MALFORMED_JSON = (rng: Rng): Array<() => string> => [
  () => '{',
  () => '{"code": "X",',
  () => '[1,]',
  () => 'nul',
  () => "{'single': 'quotes'}",
  () => '{"a":1}{"b":2}',
  () => '\ufeff{"a":1}',
  () => '\u0000',
  () => '{"a":"\\ud800"}',
  () => '{"a": 1e999}',
  () => '{"__proto__": {"polluted": true}}',
  () => '{"constructor": {"prototype": {"polluted": true}}}',
  () => '"just a string"',
  () => '123',
  () => 'null',
  () => 'true',
  () => deepNesting(10_000 + rng.int(40_000), '[', ']'),
  () => `{"a":${deepNesting(5000, '{"a":', '}').replace(/\{"a":\}$/, '1}')}`,
  () => `"${huge(200_000)}"`,
  () => `{${Array.from({ length: 3000 }, (_, i) => `"k${i}${huge(40)}":${i}`).join(',')}}`,
  () => `{"${huge(30_000)}": 1}`,
];

const CONTENT_TYPES = [
  'text/plain',
  'application/xml',
  'text/csv',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=fuzzbound',
  'application/json; charset=iso-8859-1',
  'application/json;;;',
  'application/json; charset="utf-8"; x=y',
  'APPLICATION/JSON',
  'application/merge-patch+json',
  'application/problem+json',
  'application/octet-stream',
  'application/pdf',
  'image/png',
  'invalid',
  '/',
  ';',
  'a/b/c',
  '',
  huge(500),
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
];

const BOGUS_AUTH = [
  'Bearer',
  'Bearer ',
  'Bearer cchc_bogus_0000000000000000',
  'Basic dXNlcjpwYXNz',
  'bearer x',
  `Bearer ${huge(5000)}`,
  'Bearer \u00ff\u00fe',
  'Token abc',
];

const ROLES = ['admin', 'admin', 'admin', 'ingest', 'reader', 'agency', 'agencyOther', null, 'bogus'] as const;

function multipartBody(boundary: string, field: string, contentType: string, content: Buffer | string): Buffer {
  return Buffer.concat([
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="fuzz.bin"\r\nContent-Type: ${contentType}\r\n\r\n`),
    Buffer.isBuffer(content) ? content : Buffer.from(content),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  ]);
}

/** Bodies for the upload operations (annex import, document files): raw bytes of many types, and forms. */
function uploadPayload(rng: Rng, types: string[]): { payload: Buffer; contentType: string; kind: string } {
  const bytes = () => Buffer.from(Array.from({ length: rng.int(2000) }, () => rng.int(256)));
  const csv = () => Buffer.from(`Mã chỉ tiêu,Giá trị\nI.1,5\nI.9,${rng.pick(['x', '-1', '1e400', huge(400), ''])}\n"unterminated,\n`);
  switch (rng.int(8)) {
    case 0:
      return { payload: bytes(), contentType: rng.pick(types), kind: 'upload: random bytes' };
    case 1:
      return { payload: csv(), contentType: rng.pick(['text/csv', ...types]), kind: 'upload: a CSV' };
    case 2:
      return { payload: Buffer.alloc(0), contentType: rng.pick(types), kind: 'upload: empty' };
    case 3:
      return {
        payload: multipartBody('fuzzbound', rng.pick(['file', 'other', '']), rng.pick(types), rng.chance(0.5) ? csv() : bytes()),
        contentType: 'multipart/form-data; boundary=fuzzbound',
        kind: 'upload: a form',
      };
    case 4:
      return {
        payload: Buffer.from('--fuzzbound\r\nContent-Disposition: form-da'),
        contentType: 'multipart/form-data; boundary=fuzzbound',
        kind: 'upload: a cut form',
      };
    case 5:
      return { payload: bytes(), contentType: 'multipart/form-data', kind: 'upload: a form without boundary' };
    case 6:
      return { payload: Buffer.from('%PDF-1.7\n%âãÏÓ\n1 0 obj\n<<>>\nendobj\n'), contentType: rng.pick(types), kind: 'upload: a PDF header' };
    default:
      return { payload: Buffer.from('PK\u0003\u0004garbage-zip'), contentType: rng.pick(types), kind: 'upload: a broken xlsx' };
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Requests of one operation

function* makeRequests(
  operation: Operation,
  resolve: (s: Json) => Json,
  pools: Record<string, string[]>,
  keys: TestApp['keys'],
  rng: Rng,
  count: number,
): Generator<FuzzRequest> {
  const { op } = operation;
  const params: Json[] = op.parameters ?? [];
  const pathParams = params.filter((p) => p.in === 'path');
  const queryParams = params.filter((p) => p.in === 'query');
  const headerParams = params.filter((p) => p.in === 'header');
  const content: Record<string, Json> = op.requestBody?.content ?? {};
  const bodyTypes = Object.keys(content);
  const jsonBody = content['application/json'];
  const uploadTypes = bodyTypes.filter((ty) => ty !== 'application/json');
  const isUpload = !jsonBody && uploadTypes.length > 0;

  const validPathValue = (p: Json): string => {
    const pool = pools[`${operation.path}:${p.name}`] ?? pools[p.name] ?? [];
    const example = p.example ?? p.schema?.example;
    const candidates = [...pool, ...(example !== undefined ? [String(example)] : [])];
    if (candidates.length && rng.chance(0.85)) return encodeURIComponent(rng.pick(candidates));
    return encodeURIComponent(String(sample(p.schema ?? {}, resolve, rng)));
  };
  const validQueryValue = (p: Json): string | undefined => {
    const example = p.example ?? p.schema?.example;
    if (example !== undefined && rng.chance(0.5)) return String(example);
    const v = sample(p.schema ?? {}, resolve, rng);
    if (typeof v !== 'string' && typeof v !== 'number' && typeof v !== 'boolean') return undefined;
    return encodeURIComponent(String(v));
  };
  const validBody = (): unknown => {
    if (!jsonBody) return undefined;
    if (jsonBody.example !== undefined && rng.chance(0.6)) return structuredClone(jsonBody.example);
    return sample(jsonBody.schema ?? {}, resolve, rng);
  };

  for (let i = 0; i < count; i++) {
    const kinds: string[] = [];
    // Path and query, mostly valid.
    let url = operation.path;
    for (const p of pathParams) {
      let value = validPathValue(p);
      if (rng.chance(0.22)) {
        value = rng.pick(BAD_PATH_VALUES(rng))();
        kinds.push(`path ${p.name}=${value.length > 40 ? `<${value.length} chars>` : value}`);
      }
      url = url.replace(`{${p.name}}`, value);
    }
    const query: string[] = [];
    for (const p of queryParams) {
      if (!p.required && !rng.chance(0.35)) continue;
      const value = validQueryValue(p);
      if (value !== undefined) query.push(`${encodeURIComponent(p.name)}=${value}`);
    }
    if (rng.chance(0.25)) {
      const which = rng.int(4);
      if (which === 0 && queryParams.length) {
        const p = rng.pick(queryParams);
        const v = rng.pick(BAD_QUERY_VALUES(rng))();
        query.push(`${p.name}=${v}`);
        kinds.push(`query ${p.name}=${v.length > 40 ? `<${v.length} chars>` : v}`);
      } else if (which === 1) {
        query.push(`zzUnknown=${rng.pick(['1', '', huge(50)])}`);
        kinds.push('an unknown query parameter');
      } else if (which === 2 && queryParams.length) {
        const p = rng.pick(queryParams);
        query.push(`${p.name}=${validQueryValue(p) ?? '1'}`, `${p.name}=${rng.pick(BAD_QUERY_VALUES(rng))()}`);
        kinds.push(`a repeated query parameter ${p.name}`);
      } else {
        query.push(rng.pick(['&&&', '=', '==1', '%', 'a[b]=1', 'a[]=1&a[]=2', `${huge(3000)}=1`, '__proto__[x]=1', 'constructor[prototype][x]=1']));
        kinds.push('an odd query string');
      }
    }
    if (query.length) url += `?${query.join('&')}`;
    if (rng.chance(0.02)) {
      url = rng.pick([`${url.split('?')[0]}/`, url.replace('/v1/', '//v1/'), `${url.split('?')[0]}/zz-extra`, url.replace('/v1/', '/V1/'), `${url}#frag`]);
      kinds.push('an odd path');
    }

    // Method: the operation's, now and then another.
    let method = operation.method;
    if (rng.chance(0.03)) {
      method = rng.pick(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'].filter((m) => m !== operation.method));
      kinds.push(`method ${method}`);
    }

    // Credentials.
    const headers: Record<string, string | string[]> = {};
    const role = rng.pick(ROLES);
    if (role === 'bogus') {
      headers.authorization = rng.pick(BOGUS_AUTH);
      kinds.push(`auth "${String(headers.authorization).slice(0, 30)}"`);
    } else if (role) {
      headers.authorization = `Bearer ${keys[role]}`;
      kinds.push(`as ${role}`);
    } else kinds.push('no key');

    // Body.
    let payload: string | Buffer | undefined;
    const hasBody = bodyTypes.length > 0 && method !== 'GET' && method !== 'HEAD';
    if (hasBody && isUpload) {
      const upload = uploadPayload(rng, uploadTypes);
      payload = upload.payload;
      headers['content-type'] = upload.contentType;
      kinds.push(upload.kind);
    } else if (hasBody || rng.chance(0.05)) {
      const body = validBody() ?? {};
      const roll = rng.int(10);
      if (roll <= 2) {
        payload = JSON.stringify(body);
        headers['content-type'] = 'application/json';
        kinds.push('a valid-looking body');
      } else if (roll <= 5 && body && typeof body === 'object' && !Array.isArray(body)) {
        const mutated = mutateObject(body as Record<string, unknown>, jsonBody?.schema, resolve, rng, kinds);
        payload = JSON.stringify(mutated);
        headers['content-type'] = 'application/json';
      } else if (roll === 6) {
        payload = JSON.stringify(rng.pick(WRONG_TYPES(rng))());
        headers['content-type'] = 'application/json';
        kinds.push(`a body of the wrong type: ${payload.slice(0, 30)}`);
      } else if (roll === 7) {
        payload = rng.pick(MALFORMED_JSON(rng))();
        headers['content-type'] = rng.pick(['application/json', 'application/json; charset=utf-8']);
        kinds.push(`malformed JSON: ${payload.slice(0, 30)}`);
      } else if (roll === 8) {
        payload = rng.chance(0.7) ? '' : undefined;
        if (rng.chance(0.7)) headers['content-type'] = 'application/json';
        kinds.push('an empty body');
      } else {
        payload = rng.chance(0.5) ? JSON.stringify(body) : rng.pick(['a,b\n1,2\n', '<x/>', 'code=X&name=Y', huge(3000)]);
        const ct = rng.pick(CONTENT_TYPES);
        if (ct !== '' || rng.chance(0.5)) headers['content-type'] = ct;
        kinds.push(`content-type "${ct.slice(0, 40)}"`);
      }
    }

    // Headers of the operation (Idempotency-Key) and odd ones.
    for (const p of headerParams) {
      if (rng.chance(0.5)) headers[p.name.toLowerCase()] = rng.pick([String(p.example ?? rng.uuid()), rng.uuid(), '', huge(2000), 'ừ', 'a b c']);
    }
    if (rng.chance(0.12)) {
      const which = rng.int(8);
      if (which === 0 && headers.authorization) {
        headers.authorization = [String(headers.authorization), `Bearer ${keys.reader}`];
        kinds.push('two Authorization headers');
      } else if (which === 1 && headers['content-type'] !== undefined) {
        headers['content-type'] = [String(headers['content-type']), 'text/plain'];
        kinds.push('two Content-Type headers');
      } else if (which === 2) {
        headers['x-request-id'] = rng.pick([['a', 'b'], huge(3000), 'ok-id.1', '', '\u00ff']);
        kinds.push('an odd x-request-id');
      } else if (which === 3) {
        headers['if-none-match'] = rng.pick(['*', 'W/"x"', huge(2000), ['W/"a"', 'W/"b"']]);
        kinds.push('an odd If-None-Match');
      } else if (which === 4) {
        headers.accept = rng.pick(['text/html', 'application/xml', '*/*;q=0', huge(1000), '']);
        kinds.push('an odd Accept');
      } else if (which === 5 && payload !== undefined) {
        headers['content-length'] = String(Buffer.byteLength(payload) + rng.pick([1, -1, 1000]));
        kinds.push('a wrong Content-Length');
      } else if (which === 6) {
        headers['accept-encoding'] = rng.pick(['gzip', 'br', 'identity;q=0', 'x']);
        headers.origin = rng.pick(['https://evil.example', 'null', huge(500)]);
        kinds.push('odd Origin and Accept-Encoding');
      } else {
        headers['x-forwarded-for'] = rng.pick(['1.2.3.4, 5.6.7.8', huge(1000), 'garbage']);
        headers['idempotency-key'] = rng.pick([['a', 'b'], huge(500), rng.uuid()]);
        kinds.push('odd forwarding and idempotency headers');
      }
    }
    yield { method, url, headers, ...(payload !== undefined && { payload }), kind: kinds.join(', ') };
  }
}

function mutateObject(body: Record<string, unknown>, schema: Json, resolve: (s: Json) => Json, rng: Rng, kinds: string[]): unknown {
  const s = resolve(schema ?? {});
  const out: Record<string, unknown> = { ...body };
  const names = Object.keys(out);
  const required: string[] = s.required ?? [];
  const which = rng.int(8);
  if (which === 0 && required.length) {
    const name = rng.pick(required);
    delete out[name];
    kinds.push(`without required ${name}`);
  } else if (which === 1) {
    out[rng.pick(['zzExtra', '__proto__x', 'constructor', huge(400)])] = rng.pick(WRONG_TYPES(rng))();
    kinds.push('an extra member');
  } else if (which === 2 && names.length) {
    const name = rng.pick(names);
    out[name] = huge(20_000 + rng.int(80_000));
    kinds.push(`a huge ${name}`);
  } else if (which === 3 && names.length) {
    const name = rng.pick(names);
    let nested: unknown = 'leaf';
    for (let d = 0; d < 200 + rng.int(2000); d++) nested = rng.chance(0.5) ? [nested] : { a: nested };
    out[name] = nested;
    kinds.push(`deeply nested ${name}`);
  } else if (which === 4) {
    // Every member of the wrong type at once, and nested members too.
    for (const name of names) out[name] = rng.pick(WRONG_TYPES(rng))();
    kinds.push('every member of a wrong type');
  } else if (which === 5 && names.length) {
    // One member of an array or object: mutate inside (values[3].value and the like).
    const name = rng.pick(names);
    const v = out[name];
    if (Array.isArray(v) && v.length) {
      const copy = [...v];
      const idx = rng.int(copy.length);
      copy[idx] =
        copy[idx] && typeof copy[idx] === 'object' && !Array.isArray(copy[idx])
          ? mutateObject(copy[idx] as Record<string, unknown>, resolve(s.properties?.[name] ?? {}).items, resolve, rng, kinds)
          : rng.pick(WRONG_TYPES(rng))();
      if (rng.chance(0.3)) for (let k = 0; k < 300; k++) copy.push(copy[0]);
      out[name] = copy;
    } else if (v && typeof v === 'object') out[name] = mutateObject(v as Record<string, unknown>, s.properties?.[name], resolve, rng, kinds);
    else out[name] = rng.pick(WRONG_TYPES(rng))();
    kinds.push(`inside ${name}`);
  } else if (which === 6) {
    for (let k = 0; k < 2000; k++) out[`zz${k}`] = k;
    kinds.push('2000 unknown members');
  } else if (names.length) {
    const name = rng.pick(names);
    out[name] = rng.pick(WRONG_TYPES(rng))();
    kinds.push(`${name} of a wrong type`);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------------
// Checks

interface Answer {
  statusCode: number;
  headers: Record<string, unknown>;
  body: string;
}

function check(answer: Answer, method: string): string | undefined {
  const { statusCode: status, headers } = answer;
  if (status >= 500) return `status ${status}`;
  if (!headers['x-request-id']) return 'no x-request-id';
  const type = typeof headers['content-type'] === 'string' ? headers['content-type'] : '';
  const textual = type === '' || /json|text|csv|html|xml/.test(type);
  if (textual) {
    for (const [pattern, what] of LEAKS) if (pattern.test(answer.body)) return `the body has ${what}`;
    if (answer.body.includes(echoed)) return `the body echoes more than ${ECHO_LIMIT} characters of a huge input`;
  }
  if (status >= 400) {
    if (!/^application\/problem\+json/.test(type)) return `a ${status} as ${type || 'no content type'}`;
    if (method === 'HEAD') return undefined;
    let body: Json;
    try {
      body = JSON.parse(answer.body);
    } catch {
      return 'a problem that is not JSON';
    }
    for (const member of ['type', 'title', 'code', 'requestId'] as const) if (typeof body[member] !== 'string') return `a problem without ${member}`;
    if (body.status !== status) return `a problem whose status ${body.status} is not the HTTP status`;
    if (!Object.hasOwn(PROBLEMS, body.code)) return `an unknown code ${body.code}`;
    if (PROBLEMS[body.code as keyof typeof PROBLEMS].status !== status) return `code ${body.code} with status ${status}`;
    if (body.requestId !== headers['x-request-id']) return 'requestId is not the x-request-id header';
  }
  return undefined;
}

const clip = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…` : s);

interface Failure {
  operation: string;
  request: FuzzRequest;
  status: number;
  why: string;
  body: string;
}

/** One line per kind of failure (operation, status, reason), with the first request that showed it. */
function summary(failures: Failure[]): string {
  const seen = new Map<string, { n: number; first: Failure }>();
  for (const f of failures) {
    const key = `${f.operation} ${f.status} ${f.why}`;
    const s = seen.get(key);
    if (s) s.n++;
    else seen.set(key, { n: 1, first: f });
  }
  const lines = [...seen.values()].slice(0, 60).map(({ n, first: f }) => {
    const payload = f.request.payload === undefined ? '' : ` body ${JSON.stringify(clip(String(f.request.payload), 120))}`;
    const ct = f.request.headers['content-type'];
    return (
      `- ${f.operation}: ${f.why} (${n}×)\n    ${f.request.method} ${clip(f.request.url, 160)} [${clip(f.request.kind, 160)}]` +
      `${ct !== undefined ? ` content-type ${JSON.stringify(ct).slice(0, 60)}` : ''}${payload}\n    → ${f.status} ${JSON.stringify(clip(f.body, 200))}`
    );
  });
  return `${seen.size} kinds${seen.size > 60 ? ' (the first 60)' : ''}:\n${lines.join('\n')}`;
}

// ---------------------------------------------------------------------------------------------------------------

t.test('every request derived from the OpenAPI document answers a problem, never a 5xx', async (t) => {
  // Failed authentications are limited per address (30 a minute); the fuzz sends hundreds from one, on purpose.
  const api = await buildTestApp(t, { authFailureLimit: 0 });
  await api.app.ready();
  const doc: Json = api.app.swagger();
  const resolve = resolver(doc);

  // Ids that exist, so valid-looking requests reach the services and the database.
  const documents = (await api.request({ method: 'GET', url: '/v1/documents?limit=50' })).json().items ?? [];
  const documentIds: string[] = documents.map((d: Json) => d.id);
  const fileIds: string[] = [];
  for (const id of documentIds.slice(0, 5)) {
    const files = (await api.request({ method: 'GET', url: `/v1/documents/${id}/files` })).json();
    for (const f of files.items ?? files ?? []) if (f?.id) fileIds.push(f.id);
  }
  // Keys the fuzz may revoke: never the ones it sends.
  const spareKeys = await Promise.all([api.mintKey('reader'), api.mintKey('ingest')]);
  const pools: Record<string, string[]> = {
    '/v1/documents/{id}:id': documentIds,
    '/v1/documents/{id}/files:id': documentIds,
    '/v1/documents/{id}/files/{fileId}:id': documentIds,
    '/v1/documents/{id}/citations:id': documentIds,
    fileId: fileIds,
    '/v1/api-keys/{id}:id': spareKeys.map((k) => k.id),
    agencyCode: ['BQL-KCN', 'SNV', 'SKHDT', 'BQL-KCN'],
    periodId: ['2023', '2023', '2024', '2023-Q2', '2023-M06'],
  };

  const operations: Operation[] = [];
  for (const [path, item] of Object.entries<Json>(doc.paths)) {
    for (const [method, op] of Object.entries<Json>(item)) {
      if (!op || typeof op !== 'object' || !op.operationId) continue;
      operations.push({ method: method.toUpperCase(), path, id: op.operationId, op });
    }
  }
  t.ok(operations.length >= 70, `${operations.length} operations in the OpenAPI document`);

  const perOperation = Math.max(PER_OPERATION, Math.ceil(AT_LEAST / operations.length));
  // One PRNG per operation, requests made as they are sent (huge inputs are not all held at once). Interleaved, so
  // that writes of one operation meet reads of the others; the order is the same every run.
  const generators = operations.map((operation, i) => makeRequests(operation, resolve, pools, api.keys, prng(SEED * 1000 + i), perOperation));
  const total = operations.length * perOperation;
  const nextRequest = (n: number): { operation: Operation; request: FuzzRequest } => {
    const i = n % operations.length;
    return { operation: operations[i]!, request: generators[i]!.next().value as FuzzRequest };
  };

  // Seeding blocks the event loop for a while, and @fastify/under-pressure sheds load (503 OVERLOADED) until it has
  // measured a normal delay again: wait for that rather than count its 503s.
  for (let waited = 0; waited < 30_000; waited += 100) {
    if ((await api.request({ method: 'GET', url: '/v1/agencies/SNV' })).statusCode !== 503) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  const failures: Failure[] = [];
  const statuses = new Map<number, number>();
  const codes = new Map<string, number>();
  const started = Date.now();
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const { operation, request } = nextRequest(next++);
      let answer: Answer;
      try {
        const t0 = performance.now();
        const res = await api.app.inject({
          method: request.method as 'GET',
          url: request.url,
          headers: request.headers,
          ...(request.payload !== undefined && { payload: request.payload }),
        });
        answer = { statusCode: res.statusCode, headers: res.headers, body: res.body };
        const ms = performance.now() - t0;
        if (process.env.FUZZ_SLOW && ms > Number(process.env.FUZZ_SLOW))
          console.error(
            `SLOW ${ms.toFixed(0)} ms ${operation.id} ${request.method} ${clip(request.url, 100)} [${clip(request.kind, 200)}] → ${res.statusCode} ${clip(res.body, 120)}`,
          );
      } catch (error) {
        failures.push({ operation: operation.id, request, status: 0, why: `inject threw ${(error as Error).message}`, body: '' });
        continue;
      }
      statuses.set(answer.statusCode, (statuses.get(answer.statusCode) ?? 0) + 1);
      if (answer.statusCode >= 400) {
        const code = /"code":"([A-Z_]+)"/.exec(answer.body)?.[1] ?? '?';
        codes.set(code, (codes.get(code) ?? 0) + 1);
      }
      const why = check(answer, request.method);
      if (why) failures.push({ operation: operation.id, request, status: answer.statusCode, why, body: answer.body });
      // inject and PGlite can answer on microtasks alone: let the event loop turn, so timers (under-pressure's
      // delay sampling among them) run as they would with a network between client and server.
      await new Promise((resolve) => setImmediate(resolve));
    }
  };
  await Promise.all(Array.from({ length: CONCURRENCY }, worker));
  const seconds = (Date.now() - started) / 1000;

  t.comment(`${total} requests on ${operations.length} operations in ${seconds.toFixed(1)} s (${Math.round(total / seconds)}/s), seed ${SEED}`);
  t.comment(
    `statuses: ${[...statuses]
      .sort((a, b) => a[0] - b[0])
      .map(([s, n]) => `${s}×${n}`)
      .join(' ')}`,
  );
  t.comment(
    `codes: ${[...codes]
      .sort((a, b) => b[1] - a[1])
      .map(([c, n]) => `${c}×${n}`)
      .join(' ')}`,
  );
  t.ok(total >= AT_LEAST, `at least ${AT_LEAST} requests`);
  t.ok((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0) > 200, 'valid-looking requests get through too');

  if (failures.length) t.comment(`${failures.length} failing answers:\n${summary(failures)}`);
  t.equal(failures.length, 0, 'every answer is below 500, a problem when 4xx, with x-request-id, and leaks nothing');
});

// ---------------------------------------------------------------------------------------------------------------
// On a real socket

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  raw: string;
}

/** Sends bytes as they are on a new connection and reads until the server closes it. */
function rawRequest(port: number, bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in 10 s; got ${JSON.stringify(Buffer.concat(chunks).toString('latin1').slice(0, 200))}`));
    }, 10_000);
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', ...rest] = raw.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const at = line.indexOf(':');
        if (at > 0) headers[line.slice(0, at).trim().toLowerCase()] = line.slice(at + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n'), raw });
    });
    socket.write(bytes);
  });
}

t.test('on a real socket, what node or the router refuses is a problem too', async (t) => {
  const api = await buildTestApp(t, { seed: false });
  await api.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = api.app.server.address() as { port: number };

  const isRawProblem = (t: Test, res: RawAnswer, status: number, code: string) => {
    t.equal(res.status, status, `${code}: status`);
    t.match(res.headers['content-type'], /^application\/problem\+json/, `${code}: content type`);
    t.match(res.headers['x-request-id'], /^[A-Za-z0-9._:-]+$/, `${code}: x-request-id`);
    t.equal(Number(res.headers['content-length']), Buffer.byteLength(res.body), `${code}: content-length is the body's`);
    const body = JSON.parse(res.body);
    t.match(body, { type: /^urn:cchc:problem:/, title: String, status, detail: String, code, requestId: res.headers['x-request-id'] }, code);
    t.notOk(res.body.includes(echoed), `${code}: the input is not echoed`);
    return body;
  };

  t.test('headers over 16 KiB: 431', async (t) => {
    const res = await rawRequest(port, `GET /healthz HTTP/1.1\r\nHost: localhost\r\nX-Big: ${huge(17_000)}\r\n\r\n`);
    isRawProblem(t, res, 431, 'HEADERS_TOO_LARGE');
    t.match(res.headers.connection, /close/i);
  });

  t.test('a request line over 16 KiB: 431 as well (node counts it with the headers)', async (t) => {
    const res = await rawRequest(port, `GET /v1/agencies?q=${huge(40_000)} HTTP/1.1\r\nHost: localhost\r\n\r\n`);
    isRawProblem(t, res, 431, 'HEADERS_TOO_LARGE');
  });

  t.test('a malformed request line: 400', async (t) => {
    for (const bytes of [
      'GARBAGE\r\n\r\n',
      'GET /healthz HTTP/9.9\r\nHost: x\r\n\r\n',
      'GET /healthz HTTP/1.1\r\nBad Header Name: x\r\n\r\n',
      '\u0000\u0001\u0002\r\n\r\n',
    ]) {
      const res = await rawRequest(port, bytes);
      isRawProblem(t, res, 400, 'MALFORMED_REQUEST');
      t.match(res.headers.connection, /close/i);
    }
  });

  t.test('a body whose length is not what Content-Length and Transfer-Encoding say: 400', async (t) => {
    const res = await rawRequest(port, 'POST /v1/agencies HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n');
    isRawProblem(t, res, 400, 'MALFORMED_REQUEST');
  });

  t.test('an over-long path parameter: 414, without the path echoed', async (t) => {
    const res = await rawRequest(port, `GET /v1/agencies/${huge(5000)} HTTP/1.1\r\nHost: localhost\r\nX-Request-Id: raw-414\r\nConnection: close\r\n\r\n`);
    const body = isRawProblem(t, res, 414, 'URI_TOO_LONG');
    t.equal(res.headers['x-request-id'], 'raw-414', 'the caller’s request id is kept');
    t.ok(body.instance.length <= 201, 'instance is clipped');
  });

  t.test('a path that is not valid percent-encoding: 400', async (t) => {
    const res = await rawRequest(port, 'GET /v1/agencies/%E0%A4%A HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    isRawProblem(t, res, 400, 'VALIDATION_FAILED');
  });

  t.test('the connection stays usable for good requests', async (t) => {
    const res = await rawRequest(port, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    t.equal(res.status, 200);
    t.ok(res.headers['x-request-id']);
  });
});
