import { createHash, randomBytes } from 'node:crypto';

/** `cchc_` + 256 random bits, base64url. Long and random enough that an unsalted SHA-256 cannot be reversed. */
export function generateApiKey(): string {
  return `cchc_${randomBytes(32).toString('base64url')}`;
}

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

export const KEY_PREFIX_LENGTH = 8;

/** What lists show of a key: its first 8 characters (`cchc_` and 3 more), enough to tell keys apart, useless to a thief. */
export function keyPrefix(key: string): string {
  return key.slice(0, KEY_PREFIX_LENGTH);
}
