/**
 * JSON with object keys sorted and undefined members left out: the same rows give the same text whatever order
 * their keys were built in. A push sends this text as its body and derives its Idempotency-Key from it, because the
 * service hashes the body as parsed, key order included, and refuses a repeated key whose body hashes differently
 * (IDEMPOTENCY_KEY_REUSED): a key computed over anything but the exact bytes sent could collide that way.
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== 'object' || !isPlainObject(value)) return value;
  const sorted: Record<string, unknown> = {};
  for (const key of Object.keys(value).sort()) {
    const v = (value as Record<string, unknown>)[key];
    if (v !== undefined) sorted[key] = sortKeys(v);
  }
  return sorted;
}

function isPlainObject(value: object): boolean {
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}
