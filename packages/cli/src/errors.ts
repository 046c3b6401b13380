/**
 * How failures reach the person at the terminal. Exit codes are part of the interface (scripts branch on them):
 * 0 everything went through; 1 a row was refused, a batch failed, or the service answered with a problem;
 * 2 the command line itself is wrong (unknown option, missing file, no server configured).
 */
import { HttpError, IntegrityError, ProblemError } from '@cchc/client';

export const EXIT = { ok: 0, refused: 1, usage: 2 } as const;

/** A mistake in the command line: printed as "error: …", exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

const MAX_FIELD_LINES = 20;

/** "CODE: detail" and, under it, the fields the service pointed at; for any failure a command can meet. */
export function describeFailure(error: unknown, url?: string): string[] {
  if (error instanceof ProblemError) {
    const lines = [`${error.code}: ${error.problem.detail}`];
    const issues = error.problem.errors ?? [];
    for (const issue of issues.slice(0, MAX_FIELD_LINES)) lines.push(`  ${issue.in} ${issue.pointer}: ${issue.message}`);
    if (issues.length > MAX_FIELD_LINES) lines.push(`  … and ${issues.length - MAX_FIELD_LINES} more`);
    return lines;
  }
  if (error instanceof HttpError) return [`HTTP_${error.status}: ${error.message}${error.body ? ` ${error.body}` : ''}`];
  if (error instanceof IntegrityError) return [`INTEGRITY: ${error.message}`];
  if (error instanceof TypeError && error.message === 'fetch failed') {
    // undici hides the reason (ECONNREFUSED, ENOTFOUND…) in `cause`.
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    return [`NETWORK: cannot reach ${url ?? 'the service'} (${cause?.code ?? cause?.message ?? 'fetch failed'})`];
  }
  return [`ERROR: ${error instanceof Error ? error.message : String(error)}`];
}
