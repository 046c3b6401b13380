/**
 * One error model for every failure: RFC 9457 application/problem+json with a stable `code`. Everything that
 * can go wrong (our ProblemErrors, Fastify's schema and body errors, rate limiting, database constraint
 * violations, unknown routes) is mapped here, and nothing else: no stack trace, SQL text or driver message
 * ever reaches a client. A 5xx is logged with its cause; the client gets the request id to quote.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { classifyDatabaseError, type DatabaseFailure } from '../db/errors.js';
import { PROBLEMS, ProblemError, problemType, type FieldIssue, type ProblemCode } from '../errors.js';

interface AjvIssue {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}

/** Ajv issues → field issues with JSON pointers to the offending member (not its parent). */
export function fieldIssues(validation: AjvIssue[], context: string | undefined): FieldIssue[] {
  const escape = (s: string) => s.replaceAll('~', '~0').replaceAll('/', '~1');
  const issues = validation
    // anyOf/oneOf add a summary issue beside the branch issues; the branches say more.
    .filter((v) => v.keyword !== 'anyOf' && v.keyword !== 'oneOf')
    .map((v) => {
      let pointer = v.instancePath;
      if (v.keyword === 'required' && typeof v.params.missingProperty === 'string') pointer += `/${escape(v.params.missingProperty)}`;
      if (v.keyword === 'additionalProperties' && typeof v.params.additionalProperty === 'string') pointer += `/${escape(v.params.additionalProperty)}`;
      let message = v.message ?? v.keyword;
      if (v.keyword === 'additionalProperties') message = 'unknown property';
      if (v.keyword === 'const' && v.params.allowedValue !== undefined) message = `must be ${JSON.stringify(v.params.allowedValue)}`;
      return { in: context ?? 'body', pointer, message };
    });
  // Several union branches can fail at one pointer; merge the allowed constants into one message.
  const merged = new Map<string, FieldIssue>();
  for (const issue of issues) {
    const key = `${issue.in} ${issue.pointer}`;
    const seen = merged.get(key);
    if (!seen) merged.set(key, issue);
    else if (seen.message !== issue.message && !seen.message.includes(issue.message)) seen.message = `${seen.message}; or ${issue.message}`;
  }
  return [...merged.values()];
}

/** SQLSTATEs that are the input's fault or a collision, by class; any other SQLSTATE is an internal error. */
const PG_CLASS_TO_PROBLEM: Array<[RegExp, ProblemCode, string]> = [
  [/^23505$/, 'CONFLICT', 'A record with the same key exists'],
  [/^23503$/, 'REFERENCE_CONFLICT', 'The change would leave a reference to a missing record, or remove a record others refer to'],
  [/^23(502|514|P01)$/, 'CONSTRAINT_VIOLATION', 'The data breaks a rule of the store'],
  [/^22/, 'INVALID_VALUE', 'A value is out of the range the store accepts'],
  // 54000: a value too large for an index entry or a row (a schema cap missed somewhere); the input's fault.
  [/^54000$/, 'INVALID_VALUE', 'A value is too large for the store'],
  [/^(40001|40P01)$/, 'CONFLICT', 'The change collided with a concurrent one; retry it'],
];

const TIMEOUT_DETAIL = {
  statement: 'A database statement ran longer than the service allows',
  lock: 'The data is locked by other work for longer than the service waits',
  pool: 'Every database connection stayed busy for longer than the service waits',
} as const;

function databaseProblem(failure: DatabaseFailure): { code: ProblemCode; detail: string } {
  if (failure.kind === 'unavailable') return { code: 'DATABASE_UNAVAILABLE', detail: 'The database cannot be reached; retry after Retry-After seconds' };
  if (failure.kind === 'timeout') return { code: 'DATABASE_TIMEOUT', detail: `${TIMEOUT_DETAIL[failure.what]}; retry after Retry-After seconds` };
  for (const [pattern, code, detail] of PG_CLASS_TO_PROBLEM) if (pattern.test(failure.code)) return { code, detail };
  return { code: 'INTERNAL_ERROR', detail: 'The request failed inside the service' };
}

export function toProblem(error: unknown): {
  code: ProblemCode;
  detail: string;
  errors?: FieldIssue[];
  extra?: Record<string, unknown>;
  headers?: Record<string, string>;
} {
  if (error instanceof ProblemError) {
    return { code: error.code, detail: error.message, ...(error.errors && { errors: error.errors }), ...(error.extra && { extra: error.extra }) };
  }
  const e = error as FastifyError & { validation?: AjvIssue[]; validationContext?: string };
  if (e && Array.isArray(e.validation)) {
    const errors = fieldIssues(e.validation, e.validationContext);
    return {
      code: 'VALIDATION_FAILED',
      detail: `The ${e.validationContext ?? 'request'} is not valid: ${errors.map((i) => `${i.pointer || '(root)'} ${i.message}`).join('; ')}`,
      errors,
    };
  }
  const failure = classifyDatabaseError(error);
  if (failure) return databaseProblem(failure);
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  if (status === 429) return { code: 'RATE_LIMITED', detail: 'Too many requests from this client; retry later' };
  if (status === 413) return { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than this route accepts' };
  if (status === 415) return { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'Send the body as application/json' };
  if (status === 404) return { code: 'ROUTE_NOT_FOUND', detail: 'No such route' };
  // Body parsing (malformed JSON, empty JSON body, bad content length) and other client errors from Fastify.
  if (status >= 400 && status < 500 && typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP')) {
    return { code: 'MALFORMED_BODY', detail: 'The request body is not valid JSON or does not match its Content-Length' };
  }
  if (status >= 400 && status < 500) return { code: 'VALIDATION_FAILED', detail: 'The request is not valid' };
  return { code: 'INTERNAL_ERROR', detail: 'The request failed inside the service' };
}

/** How long a client should wait when the database does not answer: long enough for a restart or failover. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: ReturnType<typeof toProblem>) {
  const { status, title } = PROBLEMS[p.code];
  return reply
    .code(status)
    .type('application/problem+json')
    .send({
      ...p.extra,
      type: problemType(p.code),
      title,
      status,
      detail: p.detail,
      code: p.code,
      instance: request.url.split('?')[0],
      requestId: String(request.id),
      ...(p.errors && { errors: p.errors }),
    });
}

export default fp(
  async function problems(app: FastifyInstance) {
    app.setErrorHandler((error, request, reply) => {
      const problem = toProblem(error);
      const status = PROBLEMS[problem.code].status;
      if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ code: problem.code, detail: problem.detail }, 'request refused');
      // Both are worth retrying; say when, so clients back off instead of hammering (documented on every route).
      if (problem.code === 'RATE_LIMITED' && reply.getHeader('retry-after') === undefined) reply.header('retry-after', '60');
      if (status === 503 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendProblem(request, reply, problem);
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, { code: 'ROUTE_NOT_FOUND', detail: `No route ${request.method} ${request.url.split('?')[0]}` }),
    );
  },
  { name: 'problems' },
);
