/**
 * Retries as a fetch wrapper handed to openapi-fetch: it sees every request after the middleware has set its
 * headers, whichever helper or method sent it, and it can send a request again, which middleware cannot
 * (openapi-fetch calls fetch once per call).
 *
 * Only requests that are safe to repeat are retried: GET, HEAD and PUT (idempotent by HTTP's definition, and PUT
 * here is always an upsert), and any request carrying an Idempotency-Key, which the service answers once. A bare
 * POST, PATCH or DELETE is sent exactly once: after a reset we cannot know whether it was applied, and sending it
 * again could create a second record or fail on the first one's effects.
 *
 * What is retried: network failures (fetch throws), 429 and 503. Waits grow exponentially with full jitter (a random
 * wait in [0, min(maxDelayMs, minDelayMs·2^attempt)]), so many clients failing together do not come back together.
 * A Retry-After header (seconds or an HTTP date) is obeyed instead, up to maxRetryAfterMs; a server asking for a
 * longer wait gets its answer handed back rather than being asked again too early.
 */

export interface RetryOptions {
  /** Retries after the first attempt (default 4). */
  retries?: number;
  /** The base of the exponential backoff (default 250 ms). */
  minDelayMs?: number;
  /** The cap of one backoff wait (default 10 000 ms). */
  maxDelayMs?: number;
  /** The longest Retry-After that is waited for (default 60 000 ms); longer, and the answer is returned as it is. */
  maxRetryAfterMs?: number;
}

export type FetchLike = (input: Request, init?: RequestInit) => Promise<Response>;

export const RETRY_DEFAULTS: Required<RetryOptions> = { retries: 4, minDelayMs: 250, maxDelayMs: 10_000, maxRetryAfterMs: 60_000 };

const RETRIED_METHODS = new Set(['GET', 'HEAD', 'PUT']);
const RETRIED_STATUSES = new Set([429, 503]);

/** Whether a request may be sent more than once. */
export function isRetryable(request: Request): boolean {
  return RETRIED_METHODS.has(request.method.toUpperCase()) || request.headers.has('idempotency-key');
}

/** Retry-After in milliseconds (delay-seconds or an HTTP date), or undefined when absent or unreadable. */
export function retryAfterMs(value: string | null, now: number = Date.now()): number | undefined {
  if (value === null) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const date = Date.parse(text);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** The full-jitter backoff wait before retry number `attempt` (0 for the first retry). */
export function backoffMs(attempt: number, options: Required<RetryOptions>, random: () => number = Math.random): number {
  const ceiling = Math.min(options.maxDelayMs, options.minDelayMs * 2 ** attempt);
  return Math.floor(random() * ceiling);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    // The caller's abort reason, as fetch rejects with it: an AbortError DOMException unless the caller gave another.
    // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- see above
    if (signal.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      // eslint-disable-next-line @typescript-eslint/prefer-promise-reject-errors -- the abort reason, as above
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Wraps `fetch` so that retryable requests are tried again per `options`. */
export function retryingFetch(fetch: FetchLike, options: RetryOptions = {}): FetchLike {
  const policy = { ...RETRY_DEFAULTS, ...stripUndefined(options) };
  return async (request, init) => {
    if (policy.retries <= 0 || !isRetryable(request)) return fetch(request, init);
    for (let attempt = 0; ; attempt++) {
      const last = attempt >= policy.retries;
      let wait: number;
      try {
        // A body can be read only once: every attempt but the last sends a copy, the last sends the original.
        const response = await fetch(last ? request : request.clone(), init);
        if (last || !RETRIED_STATUSES.has(response.status)) return response;
        const asked = retryAfterMs(response.headers.get('retry-after'));
        if (asked !== undefined && asked > policy.maxRetryAfterMs) return response;
        wait = asked ?? backoffMs(attempt, policy);
        // Free the connection before waiting; this answer is not used.
        await response.body?.cancel().catch(() => undefined);
      } catch (error) {
        // The caller gave up (AbortSignal): not a network failure, never retried.
        if (last || request.signal.aborted) throw error;
        wait = backoffMs(attempt, policy);
      }
      await sleep(wait, request.signal);
    }
  };
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
