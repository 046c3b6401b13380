/**
 * Shapes shared by every module, registered with `app.addSchema` so they become named components in the
 * OpenAPI document (and named types in the client). Routes reference them through `ref()`.
 */
import { Type, type Static, type TSchema, type TUnsafe } from 'typebox';

/** A `$ref` to a registered schema that still carries the schema's static type for the type provider. */
export function ref<T extends TSchema>(schema: T, description?: string): TUnsafe<Static<T>> {
  const id = (schema as { $id?: unknown }).$id;
  if (typeof id !== 'string') throw new Error('ref() needs a schema with an $id');
  return Type.Unsafe<Static<T>>({ $ref: `${id}#`, ...(description && { description }) });
}

export const FieldIssueSchema = Type.Object(
  {
    in: Type.String({ description: 'body, querystring, params or headers' }),
    pointer: Type.String({ description: 'JSON pointer (RFC 6901) into that part of the request' }),
    message: Type.String(),
  },
  { $id: 'FieldIssue', additionalProperties: false },
);

export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'URI naming the kind of problem' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String({ description: 'Stable machine code, e.g. PERIOD_EXISTS' }),
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

export const CursorPageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100, description: 'Items per page' })),
  cursor: Type.Optional(Type.String({ maxLength: 200, description: 'nextCursor of the previous page' })),
};

export const IsoDate = (description?: string) =>
  Type.String({ format: 'date', description: description ?? 'ISO date (yyyy-mm-dd)', examples: ['2023-12-14'] });

export const sharedSchemas = [FieldIssueSchema, ProblemSchema];

const STATUS_MEANING: Record<number, string> = {
  400: 'The request is not valid (VALIDATION_FAILED, MALFORMED_BODY, …); `errors` lists the offending fields',
  401: 'No API key, or one that is unknown or revoked (UNAUTHENTICATED)',
  403: "The key's role or agency may not do this (FORBIDDEN)",
  404: 'Not found',
  409: 'Conflicts with what is stored',
  413: 'The body is too large (PAYLOAD_TOO_LARGE)',
  415: 'The body has a media type this route does not take (UNSUPPORTED_MEDIA_TYPE)',
  422: 'Refers to something missing or inactive',
  503: 'The database is unavailable (SERVICE_UNAVAILABLE)',
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
      content: { 'application/problem+json': { schema: { $ref: 'Problem#' } } },
    });
  }
  return out;
}
