/**
 * Dossier counts (hồ sơ TTHC) and the identities they obey, from the one-stop-shop system's point of view:
 *   resolved = early + on time + late;  pending = within the deadline + overdue;
 *   online + in person + postal (BCCI) = received new;  resolved + pending + withdrawn = received new + carried over.
 * An identity is checked only when every count in it is given. Pure functions, no I/O.
 */
import { brokenIdentity, COUNT_FIELDS, type CountField } from '@cchc/dossier-table';
import type { CountRefusal } from './row-codes.js';

// One definition of the count fields and the identities, shared with the CLI that checks exports before sending
// them (@cchc/dossier-table): the service's check is the authoritative one, and it is the same code.
export { COUNT_FIELDS, type CountField };
export type Counts = Partial<Record<CountField, number | null>>;

/** The first thing wrong with a row's counts, or undefined. */
export function checkCounts(counts: Counts): { code: CountRefusal; message: string; field?: CountField } | undefined {
  for (const field of COUNT_FIELDS) {
    const v = counts[field];
    if (v !== undefined && v !== null && v < 0) return { code: 'NEGATIVE_COUNT', field, message: `${field} is ${v}; counts are never negative` };
  }
  return brokenIdentity(counts);
}
