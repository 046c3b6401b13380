/**
 * Shapes shared by every module, registered with `app.addSchema` so they become named components in the
 * OpenAPI document (and named types in the client). Routes reference them through `ref()`.
 */
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';
import { PROBLEMS, type ProblemCode } from '../errors.js';

/** A `$ref` to a registered schema that still carries the schema's static type for the type provider. */
export function ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>({ $ref: `${id}#`, ...(description && { description }) });
}

/**
 * The schema with one example, which the OpenAPI document gives as the parameter's or the request body's `example`:
 * Swagger UI pre-fills "Try it out" with it. @fastify/swagger drops every keyword beside a `$ref`, so a reference
 * (`ref(schema, description)`, e.g. a ref'd body) becomes `allOf: [{ $ref }]` with its description and example,
 * which validates the same. The description is required there: the linters flag a lone `allOf` member in a schema
 * that says nothing of its own. For a parameter, pass the named schema itself (a shared enum): it is inlined.
 */
export function withExample<T extends TSchema>(schema: T, value: Static<T>): TUnsafe<Static<T>> {
  const { $ref, $id: _named, ...rest } = schema as { $ref?: unknown; $id?: unknown; description?: unknown };
  // A named schema (a shared enum) is inlined without its $id, which belongs to its component only.
  if (typeof $ref !== 'string') return Type.Unsafe<Static<T>>({ ...rest, examples: [value] });
  if (typeof rest.description !== 'string') throw new Error(`withExample(${$ref}): give the reference a description, ref(schema, description)`);
  return Type.Unsafe<Static<T>>({ ...rest, allOf: [{ $ref }], examples: [value] });
}

/**
 * An enum of strings that says it is a string: TypeBox's Type.Enum gives only `enum`, which Swagger UI shows
 * as "any" and code generators type loosely.
 */
export function StringEnum<const T extends readonly string[]>(values: T, options: Record<string, unknown> = {}): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ ...options, type: 'string', enum: [...values] });
}

/**
 * One of several primitive types (or null), as a JSON Schema type list rather than anyOf: the response serialiser
 * branches on typeof instead of trying each branch against a validator, which matters on the hot reads.
 */
export function OneOfTypes<T>(types: Array<'string' | 'number' | 'integer' | 'boolean' | 'null'>, options: Record<string, unknown> = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ ...options, type: types });
}

export const FieldIssueSchema = Type.Object(
  {
    in: Type.String({ description: 'body, querystring, params or headers' }),
    pointer: Type.String({ description: 'JSON pointer (RFC 6901) into that part of the request' }),
    message: Type.String(),
  },
  { $id: 'FieldIssue', additionalProperties: false },
);

export const ProblemCodeSchema = StringEnum(Object.keys(PROBLEMS) as ProblemCode[], {
  $id: 'ProblemCode',
  description: 'The stable machine code of a problem; never renamed or reused for another meaning',
});

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: ref(ProblemCodeSchema),
    instance: Type.Optional(Type.String()),
    requestId: Type.Optional(Type.String()),
    errors: Type.Optional(Type.Array(ref(FieldIssueSchema))),
  },
  {
    $id: 'Problem',
    description: 'RFC 9457 problem details. Some codes add members (e.g. existingId).',
    additionalProperties: true,
  },
);
export type Problem = Static<typeof ProblemSchema>;

/** Items per page when a list request gives no limit. */
export const DEFAULT_PAGE_LIMIT = 100;

export const CursorPageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: DEFAULT_PAGE_LIMIT, description: 'Items per page' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

/**
 * A page of a cursor-paged list: `{ items, nextCursor }`, the shape every list route answers with (paging.ts makes
 * it). A named item schema is referenced, so the client gets one type per item; an anonymous one is inlined.
 * `nextCursor` describes the cursor where the page's component should say it (it is the same on every page).
 */
export function Page<T extends TSchema>(item: T, options: { $id: string; description?: string; nextCursor?: string }) {
  const { $id, description, nextCursor } = options;
  const named = typeof (item as { $id?: unknown }).$id === 'string';
  return Type.Object(
    {
      items: Type.Array(named ? ref(item) : item),
      nextCursor: Type.Union([Type.String(), Type.Null()], nextCursor === undefined ? {} : { description: nextCursor }),
    },
    { $id, additionalProperties: false, ...(description !== undefined && { description }) },
  );
}

export const IsoDate = (description?: string) => Type.String({ format: 'date', description: description ?? 'ISO date (yyyy-mm-dd)', examples: ['2023-12-14'] });

export const sharedSchemas = [FieldIssueSchema, ProblemCodeSchema, ProblemSchema];

const STATUS_MEANING: Record<number, string> = {
  400: 'The request is not valid (VALIDATION_FAILED, MALFORMED_BODY, …); `errors` lists the offending fields',
  401: 'No API key, or one that is unknown or revoked (UNAUTHENTICATED)',
  403: "The key's role or agency may not do this (FORBIDDEN)",
  404: 'Not found',
  409: 'Conflicts with what is stored',
  413: 'The body is too large (PAYLOAD_TOO_LARGE)',
  415: 'The body has a media type this route does not take (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Refers to something missing or inactive',
  429: 'Too many requests from this key or address (RATE_LIMITED); wait as Retry-After says',
  503: 'The database is unreachable or busy, the request timed out, or the service is overloaded (DATABASE_UNAVAILABLE, DATABASE_TIMEOUT, REQUEST_TIMEOUT, OVERLOADED); retry after the seconds Retry-After gives',
};

const RETRY_AFTER = { type: 'integer', minimum: 0, description: 'Seconds to wait before retrying' };
const RATE_LIMIT_HEADERS = {
  'x-ratelimit-limit': { type: 'integer', description: 'Requests allowed per minute' },
  'x-ratelimit-remaining': { type: 'integer', description: 'Requests left in this minute' },
  'x-ratelimit-reset': { type: 'integer', description: 'Seconds until the minute starts again' },
};
/** The headers that come with a status, so clients know how long to wait. */
const STATUS_HEADERS: Record<number, Record<string, object>> = {
  429: { 'retry-after': RETRY_AFTER, ...RATE_LIMIT_HEADERS },
  503: { 'retry-after': RETRY_AFTER },
};

/**
 * Error responses a route declares, by status, under the media type they are sent with
 * (application/problem+json), so the document and the client's error types say what the wire carries.
 */
export function problemResponses(...statuses: number[]): Record<number, TUnsafe<Problem>> {
  const out: Record<number, TUnsafe<Problem>> = {};
  for (const s of statuses) {
    out[s] = Type.Unsafe<Problem>({
      description: STATUS_MEANING[s] ?? 'Problem',
      ...(STATUS_HEADERS[s] && { headers: STATUS_HEADERS[s] }),
      content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
    });
  }
  return out;
}

/** The answer to a conditional read whose ETag is current: no body, the reader keeps what it has. */
export const NOT_MODIFIED = Type.Null({ description: 'Not modified: the ETag sent as If-None-Match is still current' });

/**
 * Cache-Control of reads with a version-stamp ETag: a reader may keep the answer but must ask again each time
 * (a 304 costs one indexed lookup); `private` because answers can depend on the key that asked.
 */
export const READER_CACHE = 'private, no-cache';
