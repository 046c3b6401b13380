import { ProblemError } from '../errors.js';

/** Opaque cursors: the sort key of the last item, base64url JSON, so clients cannot depend on its shape. */
export function encodeCursor(key: unknown): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

export function decodeCursor<T>(cursor: string, isValid: (value: unknown) => value is T): T {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  if (!isValid(value)) {
    throw new ProblemError('VALIDATION_FAILED', 'The cursor is not one this API issued', {
      errors: [{ in: 'querystring', pointer: '/cursor', message: 'not a cursor from a previous page' }],
    });
  }
  return value;
}
