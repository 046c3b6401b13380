/**
 * SHA-256 through WebCrypto (crypto.subtle), which Node ≥ 20 and browsers both have, so the package needs neither
 * node:crypto nor @types/node and runs unchanged in a browser or a worker.
 */

export type Bytes = Uint8Array | ArrayBuffer;

function subtle(): SubtleCrypto {
  const crypto = globalThis.crypto;
  if (!crypto?.subtle) throw new Error('WebCrypto (crypto.subtle) is not available: use Node ≥ 20 or a browser over https');
  return crypto.subtle;
}

/** Lower-case hex SHA-256 of bytes or of a string's UTF-8. */
export async function sha256Hex(input: Bytes | string): Promise<string> {
  const data = typeof input === 'string' ? new TextEncoder().encode(input) : input;
  // digest() wants a BufferSource over a plain ArrayBuffer; a view is copied only if it is over something else.
  const digest = await subtle().digest('SHA-256', toArrayBufferView(data));
  return hexOf(new Uint8Array(digest));
}

export function hexOf(bytes: Uint8Array): string {
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return hex;
}

/** Hex of a base64 string (Repr-Digest carries the digest in base64), or undefined if it is not base64. */
export function base64ToHex(base64: string): string | undefined {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(base64)) return undefined;
  const binary = atob(base64);
  let hex = '';
  for (let i = 0; i < binary.length; i++) hex += binary.charCodeAt(i).toString(16).padStart(2, '0');
  return hex;
}

function toArrayBufferView(data: Bytes): Uint8Array<ArrayBuffer> {
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return data.buffer instanceof ArrayBuffer ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
}
