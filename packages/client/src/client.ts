/** The client: openapi-fetch over the generated paths, with API key, request ids and retries. */
import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './generated/openapi.js';
import { retryingFetch, type FetchLike, type RetryOptions } from './retry.js';

export interface ClientOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** An API key (Authorization: Bearer …); omit for public reads. */
  apiKey?: string;
  /** Sent as x-request-id on every request (the same id on its retries), to find them in the service's logs. */
  requestId?: () => string;
  /** The fetch to send with (default globalThis.fetch); retries wrap it. */
  fetch?: FetchLike;
  /** Retries of GET, HEAD, PUT and requests with an Idempotency-Key (see retry.ts); false sends everything once. */
  retry?: RetryOptions | false;
}

export type CchcClient = Client<paths>;

/** Creates a client; every call answers `{ data, error, response }`, with `error` typed as a Problem. */
export function createClient(options: ClientOptions): CchcClient {
  // Resolved per call, not captured now, so a fetch patched later (test doubles, instrumentation) is still used.
  const base: FetchLike = options.fetch ?? ((request, init) => globalThis.fetch(request, init));
  const fetch = options.retry === false ? base : retryingFetch(base, options.retry);
  const client = createFetchClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), fetch });
  const headers: Middleware = {
    onRequest({ request }) {
      if (options.apiKey) request.headers.set('authorization', `Bearer ${options.apiKey}`);
      if (options.requestId) request.headers.set('x-request-id', options.requestId());
      return request;
    },
  };
  client.use(headers);
  return client;
}
