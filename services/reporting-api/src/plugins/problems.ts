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

/** The most characters of a client's input (a path, a property name) that a problem echoes; the rest is cut. */
export const ECHO_LIMIT = 200;

/** Field issues a problem lists at most: a body with thousands of unknown members does not get all of them back. */
export const MAX_FIELD_ISSUES = 100;

/** `text` cut to `limit` characters (never inside a surrogate pair), marked with an ellipsis when cut. */
export function clip(text: string, limit = ECHO_LIMIT): string {
  if (text.length <= limit) return text;
  let end = limit;
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end -= 1;
  return `${text.slice(0, end)}…`;
}

/** The path of a request as a problem's `instance`: without the query, and clipped. */
export function instanceOf(url: string): string {
  return clip(url.split('?')[0] ?? '');
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
  // Pointers name members a client sent, which can be huge: clipped once merged.
  return [...merged.values()].map((issue) => ({ ...issue, pointer: clip(issue.pointer) }));
}

/** SQLSTATEs that are the input's fault or a collision, by class; any other SQLSTATE is an internal error. */
const PG_CLASS_TO_PROBLEM: Array<[RegExp, ProblemCode, string]> = [
  [/^23505$/, 'CONFLICT', 'A record with the same key exists'],
  // 23001 (restrict_violation): what PostgreSQL 17 and PGlite report for an ON DELETE RESTRICT reference.
  [/^(23503|23001)$/, 'REFERENCE_CONFLICT', 'The change would leave a reference to a missing record, or remove a record others refer to'],
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

/** Fastify's and its plugins' own client errors (lib/errors.js, @fastify/multipart), by code. */
const FASTIFY_CLIENT_ERRORS: Record<string, { code: ProblemCode; detail: string }> = {
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'MALFORMED_BODY', detail: 'The body is empty, but its Content-Type says application/json' },
  FST_ERR_CTP_INVALID_JSON_BODY: {
    code: 'MALFORMED_BODY',
    detail: 'The body is not valid JSON, or it has a member named __proto__ or constructor.prototype',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'MALFORMED_BODY', detail: 'The body is not as long as its Content-Length says' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than this route accepts' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'This route does not take a body of this Content-Type; JSON bodies are sent as application/json',
  },
  FST_ERR_ROUTE_MISSING_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request has no Content-Type header' },
  FST_ERR_BAD_URL: { code: 'VALIDATION_FAILED', detail: 'The URL is not valid: a path segment is not valid percent-encoding' },
  FST_ERR_MAX_PARAM_LENGTH: { code: 'URI_TOO_LONG', detail: 'A path parameter is longer than the service accepts (100 characters)' },
  FST_ERR_ASYNC_CONSTRAINT: { code: 'VALIDATION_FAILED', detail: 'The request headers do not let the service choose a route' },
  FST_ERR_NOT_FOUND: { code: 'ROUTE_NOT_FOUND', detail: 'No such route' },
  // @fastify/multipart (document files, annex uploads).
  FST_REQ_FILE_TOO_LARGE: { code: 'PAYLOAD_TOO_LARGE', detail: 'The file is larger than this route accepts' },
  FST_PARTS_LIMIT: { code: 'PAYLOAD_TOO_LARGE', detail: 'The form has more parts than this route accepts' },
  FST_FILES_LIMIT: { code: 'PAYLOAD_TOO_LARGE', detail: 'The form has more files than this route accepts (one)' },
  FST_FIELDS_LIMIT: { code: 'PAYLOAD_TOO_LARGE', detail: 'The form has more fields than this route accepts' },
  FST_PROTO_VIOLATION: { code: 'MALFORMED_BODY', detail: 'A form field is named __proto__ or constructor' },
  FST_INVALID_MULTIPART_CONTENT_TYPE: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request is not multipart/form-data' },
  FST_INVALID_JSON_FIELD_ERROR: { code: 'MALFORMED_BODY', detail: 'A form field is not the JSON its Content-Type declares' },
  FST_MP_PREMATURE_CLOSE: { code: 'MALFORMED_BODY', detail: 'The request ended before the form was complete' },
};

/** Any other client error (a 4xx statusCode without a known code), by status: the code that says the same. */
const CLIENT_STATUS_TO_PROBLEM: Record<number, { code: ProblemCode; detail: string }> = {
  401: { code: 'UNAUTHENTICATED', detail: 'An API key is required' },
  403: { code: 'FORBIDDEN', detail: 'The API key may not do this' },
  404: { code: 'ROUTE_NOT_FOUND', detail: 'No such route' },
  406: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'The request body has a content type this route does not take' },
  408: { code: 'CLIENT_TIMEOUT', detail: 'The request was not received in time' },
  409: { code: 'CONFLICT', detail: 'The data conflicts with what is stored' },
  413: { code: 'PAYLOAD_TOO_LARGE', detail: 'The request body is larger than this route accepts' },
  414: { code: 'URI_TOO_LONG', detail: 'The URL is longer than the service accepts' },
  415: { code: 'UNSUPPORTED_MEDIA_TYPE', detail: 'This route does not take a body of this Content-Type' },
  429: { code: 'RATE_LIMITED', detail: 'Too many requests from this client; retry later' },
  431: { code: 'HEADERS_TOO_LARGE', detail: 'The request headers are larger than the service accepts' },
};

/**
 * Errors of busboy (@fastify/busboy under @fastify/multipart, lib and deps/dicer), which carry no status: a form
 * that is cut short or has no boundary is the client's fault, not a 500.
 */
const MALFORMED_FORM =
  /^(Multipart: Boundary not found|Boundary required|Unexpected end of multipart data|\w+ terminated early due to unexpected end of multipart data)$/;

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
    const all = fieldIssues(e.validation, e.validationContext);
    const errors = all.slice(0, MAX_FIELD_ISSUES);
    const listed = all
      .slice(0, 10)
      .map((i) => `${i.pointer || '(root)'} ${i.message}`)
      .join('; ');
    const more =
      all.length > 10 ? ` (and ${all.length - 10} more${all.length > MAX_FIELD_ISSUES ? `, of which errors lists ${MAX_FIELD_ISSUES - 10}` : ''})` : '';
    return { code: 'VALIDATION_FAILED', detail: `The ${e.validationContext ?? 'request'} is not valid: ${listed}${more}`, errors };
  }
  const failure = classifyDatabaseError(error);
  if (failure) return databaseProblem(failure);
  const status = typeof e?.statusCode === 'number' ? e.statusCode : 500;
  // Fastify's handlerTimeout fired: the answer goes now; the work behind it is bounded by the statement timeout.
  if (e?.code === 'FST_ERR_HANDLER_TIMEOUT') return { code: 'REQUEST_TIMEOUT', detail: 'The request took longer than the service allows; retry later' };
  const known = typeof e?.code === 'string' ? FASTIFY_CLIENT_ERRORS[e.code] : undefined;
  if (known) return { ...known };
  if (status >= 400 && status < 500) {
    const byStatus = CLIENT_STATUS_TO_PROBLEM[status];
    if (byStatus) return { ...byStatus };
    // Body parsing by other parsers (JSON text and the like) and any other client error from Fastify.
    if (typeof e.code === 'string' && e.code.startsWith('FST_ERR_CTP')) {
      return { code: 'MALFORMED_BODY', detail: 'The request body could not be parsed' };
    }
    return { code: 'VALIDATION_FAILED', detail: 'The request is not valid' };
  }
  if (e instanceof Error && e.statusCode === undefined && MALFORMED_FORM.test(e.message)) {
    return { code: 'MALFORMED_BODY', detail: 'The multipart/form-data body is not well formed' };
  }
  return { code: 'INTERNAL_ERROR', detail: 'The request failed inside the service' };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The problem answered, for the request's log line. */
    problemCode?: ProblemCode;
  }
}

/** How long a client should wait when the database does not answer: long enough for a restart or failover. */
export const DATABASE_RETRY_AFTER_SECONDS = 5;

/** The RFC 9457 body of a problem; `instance` is the request's path (clipped), when there is one. */
export function problemBody(p: ReturnType<typeof toProblem>, requestId: string, instance?: string): Record<string, unknown> {
  const { status, title } = PROBLEMS[p.code];
  return {
    ...p.extra,
    type: problemType(p.code),
    title,
    status,
    detail: p.detail,
    code: p.code,
    ...(instance !== undefined && { instance }),
    requestId,
    ...(p.errors && { errors: p.errors }),
  };
}

/**
 * Answers the problem. The x-request-id header is set here too, not only by the app's onSend hook: the answers to
 * errors before routing (server-errors.ts) run no hooks.
 */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, p: ReturnType<typeof toProblem>) {
  const requestId = String(request.id);
  request.problemCode = p.code;
  return reply
    .code(PROBLEMS[p.code].status)
    .header('x-request-id', requestId)
    .type('application/problem+json')
    .send(problemBody(p, requestId, instanceOf(request.url)));
}

export default fp(
  async function problems(app: FastifyInstance) {
    app.setErrorHandler((error, request, reply) => {
      const problem = toProblem(error);
      const status = PROBLEMS[problem.code].status;
      // A 503 is an outage or load, not a bug: one line with what happened, no stack (an outage makes thousands).
      // The request's own log line (logger.ts) carries the code; a refusal's detail is only worth a debug line.
      if (status === 503) request.log.warn({ code: problem.code, reason: (error as Error).message }, 'request not served');
      else if (status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.debug({ code: problem.code, detail: problem.detail }, 'request refused');
      // Both are worth retrying; say when, so clients back off instead of hammering (documented on every route).
      if (problem.code === 'RATE_LIMITED' && reply.getHeader('retry-after') === undefined) reply.header('retry-after', '60');
      if (status === 503 && reply.getHeader('retry-after') === undefined) reply.header('retry-after', String(DATABASE_RETRY_AFTER_SECONDS));
      return sendProblem(request, reply, problem);
    });

    app.setNotFoundHandler((request, reply) =>
      sendProblem(request, reply, { code: 'ROUTE_NOT_FOUND', detail: `No route ${request.method} ${instanceOf(request.url)}` }),
    );
  },
  { name: 'problems' },
);
