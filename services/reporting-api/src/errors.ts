/**
 * Every failure the API can answer, defined once with its HTTP status. The stable `code` is the contract:
 * clients switch on it, so a code is never renamed or reused for another meaning. README lists them.
 */
export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, title: 'The request is not valid' },
  MALFORMED_BODY: { status: 400, title: 'The request body could not be parsed' },
  MALFORMED_REQUEST: { status: 400, title: 'The request is not well-formed HTTP' },
  INVALID_VALUE: { status: 400, title: 'A value is out of the range the database accepts' },
  CONSTRAINT_VIOLATION: { status: 400, title: 'The data breaks a rule of the store' },
  PERIOD_ID_INVALID: { status: 400, title: 'Not a reporting period id' },
  PERIOD_WINDOW_INVALID: { status: 400, title: 'The cut-off window ends before it starts' },
  UNAUTHENTICATED: { status: 401, title: 'An API key is required' },
  FORBIDDEN: { status: 403, title: 'The API key may not do this' },
  ROUTE_NOT_FOUND: { status: 404, title: 'No such route' },
  AGENCY_NOT_FOUND: { status: 404, title: 'No such agency' },
  PERIOD_NOT_FOUND: { status: 404, title: 'No such reporting period' },
  API_KEY_NOT_FOUND: { status: 404, title: 'No such API key' },
  TEMPLATE_NOT_FOUND: { status: 404, title: 'No such indicator template' },
  INDICATOR_NOT_FOUND: { status: 404, title: 'No such indicator in the template' },
  RULE_NOT_FOUND: { status: 404, title: 'No such rule in the template' },
  VALUE_NOT_FOUND: { status: 404, title: 'No value is stored for this indicator' },
  PROCEDURE_NOT_FOUND: { status: 404, title: 'No such administrative procedure' },
  DOCUMENT_NOT_FOUND: { status: 404, title: 'No such document' },
  FILE_NOT_FOUND: { status: 404, title: 'No such file of the document' },
  CLIENT_TIMEOUT: { status: 408, title: 'The request was not received in time' },
  AGENCY_EXISTS: { status: 409, title: 'An agency with this code exists' },
  AGENCY_CYCLE: { status: 409, title: 'The parent would make the agency tree a cycle' },
  AGENCY_HAS_ACTIVE_CHILDREN: { status: 409, title: 'The agency has active subordinate agencies' },
  PERIOD_EXISTS: { status: 409, title: 'This reporting period exists' },
  PERIOD_LOCKED: { status: 409, title: 'The reporting period is locked' },
  PERIOD_CLOSED: { status: 409, title: 'The reporting period is closed for agencies' },
  PERIOD_HAS_NO_TEMPLATE: { status: 409, title: 'The reporting period has no indicator template' },
  REPORT_SUBMITTED: { status: 409, title: 'The report is submitted; its values cannot change' },
  REPORT_ACCEPTED: { status: 409, title: 'The report is accepted; its values cannot change' },
  REPORT_NOT_SUBMITTED: { status: 409, title: 'The report is not in a state that allows this' },
  TEMPLATE_EXISTS: { status: 409, title: 'A template with this id exists' },
  PROCEDURE_EXISTS: { status: 409, title: 'A procedure with this code exists' },
  TEMPLATE_IN_USE: { status: 409, title: 'Values depend on the template as it is' },
  DOCUMENT_EXISTS: { status: 409, title: 'This document is registered; existingId names it' },
  DOCUMENT_CITED: { status: 409, title: 'Reports or values cite the document' },
  LAST_ADMIN_KEY: { status: 409, title: 'The last active admin key cannot be revoked' },
  CONFLICT: { status: 409, title: 'The data conflicts with what is stored' },
  REFERENCE_CONFLICT: { status: 409, title: 'Other records refer to this one, or it refers to a missing one' },
  PAYLOAD_TOO_LARGE: { status: 413, title: 'The request body is too large' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: 'The request body has a content type this route does not take' },
  FILE_CONTENT_MISMATCH: { status: 415, title: 'The bytes are not a file of the type the Content-Type names' },
  AGENCY_PARENT_NOT_FOUND: { status: 422, title: 'The parent agency does not exist' },
  AGENCY_PARENT_INACTIVE: { status: 422, title: 'The parent agency is inactive' },
  AGENCY_NOT_ACTIVE: { status: 422, title: 'The agency is inactive' },
  TEMPLATE_INVALID: { status: 422, title: 'The template is not consistent' },
  SUBMISSION_REJECTED: { status: 422, title: 'Some values were refused, so none were written' },
  REPORT_BLOCKED: { status: 422, title: 'A blocking rule fails; the report cannot be submitted' },
  REPORT_EMPTY: { status: 422, title: 'The report has no values to submit' },
  IDEMPOTENCY_KEY_REUSED: { status: 422, title: 'This Idempotency-Key was used for a different request' },
  EVIDENCE_NOT_FOUND: { status: 422, title: 'Evidence names a document that is not registered' },
  ANNEX_UNREADABLE: { status: 422, title: 'The file is not a readable annex table' },
  RATE_LIMITED: { status: 429, title: 'Too many requests' },
  URI_TOO_LONG: { status: 414, title: 'The URL or one of its path parameters is too long' },
  HEADERS_TOO_LARGE: { status: 431, title: 'The request headers are too large' },
  INTERNAL_ERROR: { status: 500, title: 'Internal error' },
  /** Retired: answered before DATABASE_UNAVAILABLE existed; never answered now, kept so the code is not reused. */
  SERVICE_UNAVAILABLE: { status: 503, title: 'The service cannot reach its database' },
  DATABASE_UNAVAILABLE: { status: 503, title: 'The service cannot reach its database' },
  DATABASE_TIMEOUT: { status: 503, title: 'The database did not answer in time' },
  REQUEST_TIMEOUT: { status: 503, title: 'The request took longer than the service allows' },
  OVERLOADED: { status: 503, title: 'The service is overloaded; retry later' },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemCode = keyof typeof PROBLEMS;

export interface FieldIssue {
  /** Which part of the request: body, querystring, params or headers. */
  in: string;
  /** JSON pointer into that part (RFC 6901), e.g. `/parentCode` or `/values/3/value`. */
  pointer: string;
  message: string;
}

/** A failure to answer as application/problem+json. Thrown anywhere; the error plugin renders it. */
export class ProblemError extends Error {
  readonly code: ProblemCode;
  readonly statusCode: number;
  readonly errors: FieldIssue[] | undefined;
  readonly extra: Record<string, unknown> | undefined;

  constructor(code: ProblemCode, detail: string, options: { errors?: FieldIssue[]; extra?: Record<string, unknown> } = {}) {
    super(detail);
    this.name = 'ProblemError';
    this.code = code;
    this.statusCode = PROBLEMS[code].status;
    this.errors = options.errors;
    this.extra = options.extra;
  }
}

export function problemType(code: ProblemCode): string {
  return `urn:cchc:problem:${code.toLowerCase().replaceAll('_', '-')}`;
}
