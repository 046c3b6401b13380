/**
 * Failures as exceptions: ProblemError for the service's application/problem+json answers (typed `code`),
 * HttpError for any other failed answer (a proxy's HTML 502, say), so that ProblemError.code is always one of the
 * service's codes and a switch over it stays exhaustive.
 */
import type { Problem, ProblemCode } from './types.js';

export class ProblemError extends Error {
  readonly problem: Problem;
  readonly status: number;
  readonly code: ProblemCode;
  /** For pushDossierCounts: the index of the batch that was refused (pass it as startBatch to resume there). */
  readonly batch: number | undefined;

  constructor(problem: Problem, options: { batch?: number } = {}) {
    super(`${problem.code}: ${problem.detail}${options.batch === undefined ? '' : ` (batch ${options.batch})`}`);
    this.name = 'ProblemError';
    this.problem = problem;
    this.status = problem.status;
    this.code = problem.code;
    this.batch = options.batch;
  }
}

/** A failed answer that is not a problem document. */
export class HttpError extends Error {
  readonly status: number;
  /** The start of the answer's text, if any (for logs). */
  readonly body: string;

  constructor(response: Response, body: unknown) {
    const text = typeof body === 'string' ? body.slice(0, 500) : body === undefined ? '' : JSON.stringify(body).slice(0, 500);
    super(`HTTP ${response.status} ${response.statusText}`.trim());
    this.name = 'HttpError';
    this.status = response.status;
    this.body = text;
  }
}

export function isProblem(value: unknown): value is Problem {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.code === 'string' && typeof v.status === 'number';
}

/** The error for a failed answer: a ProblemError if it is a problem document, else an HttpError. */
export function failureOf(error: unknown, response: Response, options: { batch?: number } = {}): ProblemError | HttpError {
  return isProblem(error) ? new ProblemError(error, options) : new HttpError(response, error);
}

/**
 * Returns the data of a successful call, or throws a ProblemError (HttpError when the answer is not a problem).
 * `const period = await unwrap(client.GET('/v1/periods/{id}', { params: { path: { id: '2023' } } }))`
 */
export async function unwrap<T, E>(call: Promise<{ data?: T; error?: E; response: Response }>): Promise<T> {
  const { data, error, response } = await call;
  if (error !== undefined || !response.ok) throw failureOf(error, response);
  // A 2xx answer: openapi-fetch types `data` as the success body, undefined only for bodiless answers (204).
  return data as T;
}
