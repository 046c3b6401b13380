/**
 * The typed client for the CCHC reporting API. Types are generated from openapi/openapi.json
 * (openapi-typescript); requests go through openapi-fetch, so paths, parameters, bodies, results and
 * problem errors are all checked by the compiler.
 */
import createFetchClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, operations, paths } from './generated/openapi.js';

export type { components, operations, paths };
export type Schemas = components['schemas'];
export type Problem = Schemas['Problem'];
export type Agency = Schemas['Agency'];
export type Period = Schemas['Period'];
export type ApiKey = Schemas['ApiKey'];
export type Document = Schemas['Document'];
export type DocumentFile = Schemas['DocumentFile'];
export type Citation = Schemas['Citation'];

export interface ClientOptions {
  /** e.g. http://127.0.0.1:3000 */
  baseUrl: string;
  /** An API key (Authorization: Bearer …); omit for public reads. */
  apiKey?: string;
  /** Sent as x-request-id on every request, to find them in the service's logs. */
  requestId?: () => string;
  fetch?: typeof globalThis.fetch;
}

export type CchcClient = Client<paths>;

/** Creates a client; every call answers `{ data, error, response }`, with `error` typed as a Problem. */
export function createClient(options: ClientOptions): CchcClient {
  const client = createFetchClient<paths>({ baseUrl: options.baseUrl.replace(/\/+$/, ''), ...(options.fetch && { fetch: options.fetch }) });
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

/** A problem answer as an Error, for callers that prefer exceptions. */
export class ProblemError extends Error {
  readonly problem: Problem;
  readonly status: number;
  readonly code: string;

  constructor(problem: Problem) {
    super(`${problem.code}: ${problem.detail}`);
    this.name = 'ProblemError';
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
  }
}

export function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).code === 'string' && typeof (value as Problem).status === 'number';
}

/**
 * Returns the data of a successful call, or throws a ProblemError.
 * `const period = await unwrap(client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } }))`
 */
export async function unwrap<T, E>(call: Promise<{ data?: T; error?: E; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) {
    if (isProblem(error)) throw new ProblemError(error);
    throw new ProblemError({ type: 'about:blank', title: response.statusText, status: response.status, detail: `HTTP ${response.status}`, code: 'HTTP_ERROR' });
  }
  return data as T;
}
