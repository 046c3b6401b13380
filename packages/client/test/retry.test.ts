/**
 * Retries against a real HTTP server (node:http) that fails the first N requests: connection resets, 503 with
 * Retry-After, 429. Counts the attempts the server saw, and checks that a bare POST is tried exactly once.
 */
import { once } from 'node:events';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import t, { type Test } from 'tap';
import { backoffMs, createClient, isRetryable, RETRY_DEFAULTS, retryAfterMs, type RetryOptions } from '../src/index.js';

type Failure = 'reset' | { status: 429 | 503 | 500; retryAfter?: string };

/** A server failing the first requests as `failures` says, then answering 200 with what it received. */
async function flakyServer(t: Test, failures: Failure[]) {
  const seen: Array<{ method: string; url: string; body: string; at: number; headers: IncomingMessage['headers'] }> = [];
  const answer = async (req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    seen.push({ method: req.method ?? '', url: req.url ?? '', body, at: Date.now(), headers: req.headers });
    const failure = failures[seen.length - 1];
    if (failure === 'reset') return req.socket.destroy();
    if (failure) {
      const headers = { 'content-type': 'application/problem+json', ...(failure.retryAfter && { 'retry-after': failure.retryAfter }) };
      res.writeHead(failure.status, headers);
      const code = failure.status === 429 ? 'RATE_LIMITED' : failure.status === 503 ? 'SERVICE_UNAVAILABLE' : 'INTERNAL_ERROR';
      return res.end(JSON.stringify({ type: 'about:blank', title: 'x', status: failure.status, detail: 'try later', code }));
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ id: '2023', echo: body }));
  };
  // Node's server ignores what its listener returns: a throw in `answer` is an unhandled rejection, which fails the run.
  const server = createServer((req, res) => void answer(req, res));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.teardown(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { baseUrl, seen };
}

const fast: RetryOptions = { minDelayMs: 5, maxDelayMs: 20 };

t.test('GET is retried after connection resets', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, ['reset', 'reset']);
  const client = createClient({ baseUrl, retry: fast, requestId: () => 'r-1' });
  const res = await client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } });
  t.equal(res.response.status, 200);
  t.equal(seen.length, 3, 'two resets, then the answer');
  t.same(
    seen.map((s) => s.headers['x-request-id']),
    ['r-1', 'r-1', 'r-1'],
    'one request id for all attempts',
  );
});

t.test('503 with Retry-After in seconds is waited for', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, [{ status: 503, retryAfter: '1' }]);
  const client = createClient({ baseUrl, retry: fast });
  const res = await client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } });
  t.equal(res.response.status, 200);
  t.equal(seen.length, 2);
  t.ok(seen[1]!.at - seen[0]!.at >= 950, `waited ${seen[1]!.at - seen[0]!.at} ms for Retry-After: 1`);
});

t.test('429 with Retry-After as an HTTP date, then 429 without, then success', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, [{ status: 429, retryAfter: new Date(Date.now() - 1000).toUTCString() }, { status: 429 }]);
  const client = createClient({ baseUrl, retry: fast });
  const res = await client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } });
  t.equal(res.response.status, 200);
  t.equal(seen.length, 3);
});

t.test('PUT is retried with its body intact on every attempt', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, ['reset', { status: 503 }]);
  const client = createClient({ baseUrl, retry: fast });
  const counts = [{ agency: 'BQL-KCN', procedure: 'DEMO-BQL-01', date: '2024-03-01', source: 'test', asOf: '2024-03-02T00:00:00Z' }];
  const res = await client.PUT('/v1/dossier-counts', { body: { counts } });
  t.equal(res.response.status, 200);
  t.equal(seen.length, 3);
  t.same(new Set(seen.map((s) => s.body)), new Set([JSON.stringify({ counts })]), 'the same body each time');
});

t.test('a POST with an Idempotency-Key is retried', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, ['reset', { status: 429 }]);
  const client = createClient({ baseUrl, retry: fast });
  const res = await client.POST('/v1/periods', { body: { id: '2031' }, headers: { 'Idempotency-Key': 'period-2031' } });
  t.equal(res.response.status, 200);
  t.equal(seen.length, 3);
  t.same(
    seen.map((s) => s.body),
    Array(3).fill(JSON.stringify({ id: '2031' })),
  );
});

t.test('a POST without Idempotency-Key is tried exactly once', async (t) => {
  t.test('on a connection reset the error reaches the caller', async (t) => {
    const { baseUrl, seen } = await flakyServer(t, ['reset']);
    const client = createClient({ baseUrl, retry: fast });
    await t.rejects(client.POST('/v1/periods', { body: { id: '2031' } }));
    t.equal(seen.length, 1);
  });
  t.test('on 503 the answer reaches the caller', async (t) => {
    const { baseUrl, seen } = await flakyServer(t, [{ status: 503 }]);
    const client = createClient({ baseUrl, retry: fast });
    const res = await client.POST('/v1/periods', { body: { id: '2031' } });
    t.equal(res.response.status, 503);
    t.equal(res.error?.code, 'SERVICE_UNAVAILABLE');
    t.equal(seen.length, 1);
  });
  t.test('PATCH and DELETE neither', async (t) => {
    const { baseUrl, seen } = await flakyServer(t, [{ status: 503 }, { status: 503 }]);
    const client = createClient({ baseUrl, retry: fast });
    t.equal((await client.PATCH('/v1/periods/{id}', { params: { path: { id: '2023' } }, body: {} })).response.status, 503);
    t.equal((await client.DELETE('/v1/periods/{id}', { params: { path: { id: '2023' } } })).response.status, 503);
    t.same(
      seen.map((s) => s.method),
      ['PATCH', 'DELETE'],
    );
  });
});

t.test('gives up after `retries` retries and answers the last failure', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, Array(10).fill({ status: 503 }));
  const client = createClient({ baseUrl, retry: { ...fast, retries: 2 } });
  const res = await client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } });
  t.equal(res.response.status, 503);
  t.equal(seen.length, 3);
});

t.test('the default is 4 retries; a network error after the last one is thrown', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, Array(10).fill('reset'));
  const client = createClient({ baseUrl, retry: { minDelayMs: 1, maxDelayMs: 2 } });
  await t.rejects(client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } }));
  t.equal(seen.length, 5);
});

t.test('a Retry-After longer than maxRetryAfterMs is answered, not waited for', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, [{ status: 429, retryAfter: '3600' }]);
  const client = createClient({ baseUrl, retry: fast });
  const res = await client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } });
  t.equal(res.response.status, 429);
  t.equal(seen.length, 1);
});

t.test('500 is not retried; retry: false sends everything once', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, [{ status: 500 }, { status: 503 }]);
  const client = createClient({ baseUrl, retry: fast });
  t.equal((await client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } })).response.status, 500);
  const once = createClient({ baseUrl, retry: false });
  t.equal((await once.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } })).response.status, 503);
  t.equal(seen.length, 2);
});

t.test('an abort during the wait ends the call', async (t) => {
  const { baseUrl, seen } = await flakyServer(t, [{ status: 503, retryAfter: '30' }]);
  const client = createClient({ baseUrl, retry: fast });
  const started = Date.now();
  await t.rejects(client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } }, signal: AbortSignal.timeout(200) }));
  t.ok(Date.now() - started < 5000);
  t.equal(seen.length, 1);
});

t.test('policy pieces', async (t) => {
  t.equal(retryAfterMs('2'), 2000);
  t.equal(retryAfterMs(' 0 '), 0);
  t.equal(retryAfterMs(new Date(10_000).toUTCString(), 4_000), 6_000);
  t.equal(retryAfterMs('soon'), undefined);
  t.equal(retryAfterMs(null), undefined);
  const policy = { ...RETRY_DEFAULTS };
  t.equal(
    backoffMs(0, policy, () => 0.999),
    249,
  );
  t.equal(
    backoffMs(3, policy, () => 0.5),
    1000,
  );
  t.equal(
    backoffMs(20, policy, () => 0.999),
    9990,
    'capped by maxDelayMs',
  );
  t.equal(
    backoffMs(5, policy, () => 0),
    0,
    'full jitter goes down to 0',
  );
  const req = (method: string, headers: Record<string, string> = {}) => new Request('http://x/', { method, headers });
  t.same(
    ['GET', 'HEAD', 'PUT', 'POST', 'PATCH', 'DELETE'].map((m) => isRetryable(req(m))),
    [true, true, true, false, false, false],
  );
  t.ok(isRetryable(req('POST', { 'Idempotency-Key': 'k' })));
  t.ok(isRetryable(req('DELETE', { 'idempotency-key': 'k' })));
});
