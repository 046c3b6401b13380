/**
 * Request validation with two Ajv instances. Querystrings, params and headers arrive as text, so they are
 * coerced ("2023" → 2023). JSON bodies are not: a string where a number belongs is a client's mistake to
 * report, not to guess at. Both refuse unknown members (a typo in a field name must not pass unnoticed) and
 * report every failing field at once.
 */
import { Ajv, type AnySchema } from 'ajv';
import addFormats from 'ajv-formats';
import type { FastifySchemaCompiler } from 'fastify';

function createAjv(coerceTypes: false | 'array') {
  const ajv = new Ajv({ coerceTypes, useDefaults: true, removeAdditional: false, allErrors: true, strict: false });
  addFormats.default(ajv);
  return ajv;
}

/** A file body (`format: binary`) arrives as bytes, which no JSON Schema describes: it is checked to be bytes. */
const isBinary = (schema: AnySchema) =>
  typeof schema === 'object' && (schema as { type?: unknown }).type === 'string' && (schema as { format?: unknown }).format === 'binary';

export function createValidatorCompiler(sharedSchemas: object[]): FastifySchemaCompiler<AnySchema> {
  const body = createAjv(false);
  const text = createAjv('array');
  for (const schema of sharedSchemas) {
    body.addSchema(schema);
    text.addSchema(schema);
  }
  return ({ schema, httpPart, contentType }) => {
    if (isBinary(schema)) return (data: unknown) => Buffer.isBuffer(data);
    // A form is read from the stream by its route (plugins/uploads.ts), which checks its file part itself.
    if (contentType === 'multipart/form-data') return () => true;
    return (httpPart === 'body' ? body : text).compile(schema);
  };
}
