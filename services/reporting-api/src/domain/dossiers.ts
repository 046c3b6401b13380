/**
 * Dossier counts (hồ sơ TTHC) and the identities they obey, from the one-stop-shop system's point of view:
 *   resolved = early + on time + late;  pending = within the deadline + overdue;
 *   online + in person + postal (BCCI) = received new;  resolved + pending + withdrawn = received new + carried over.
 * An identity is checked only when every count in it is given. Pure functions, no I/O.
 */
import type { CountRefusal } from './row-codes.js';

export const COUNT_FIELDS = [
  'receivedNew', 'carriedOver', 'receivedOnline', 'receivedInPerson', 'receivedPostal', 'resolved', 'resolvedEarly',
  'resolvedOnTime', 'resolvedLate', 'pending', 'pendingWithin', 'pendingOverdue', 'withdrawn',
] as const;
export type CountField = (typeof COUNT_FIELDS)[number];
export type Counts = Partial<Record<CountField, number | null>>;


const IDENTITIES: Array<{ code: CountRefusal; left: CountField[]; right: CountField[]; says: string }> = [
  { code: 'IDENTITY_RESOLVED', left: ['resolved'], right: ['resolvedEarly', 'resolvedOnTime', 'resolvedLate'], says: 'resolved = early + on time + late' },
  { code: 'IDENTITY_PENDING', left: ['pending'], right: ['pendingWithin', 'pendingOverdue'], says: 'pending = within the deadline + overdue' },
  { code: 'IDENTITY_RECEIVED', left: ['receivedOnline', 'receivedInPerson', 'receivedPostal'], right: ['receivedNew'], says: 'online + in person + postal = received' },
  { code: 'IDENTITY_BALANCE', left: ['resolved', 'pending', 'withdrawn'], right: ['receivedNew', 'carriedOver'], says: 'resolved + pending + withdrawn = received + carried over' },
];

/** The first thing wrong with a row's counts, or undefined. */
export function checkCounts(counts: Counts): { code: CountRefusal; message: string; field?: CountField } | undefined {
  for (const field of COUNT_FIELDS) {
    const v = counts[field];
    if (v !== undefined && v !== null && v < 0) return { code: 'NEGATIVE_COUNT', field, message: `${field} is ${v}; counts are never negative` };
  }
  for (const identity of IDENTITIES) {
    const values = [...identity.left, ...identity.right].map((f) => counts[f]);
    if (values.some((v) => v === undefined || v === null)) continue;
    const sum = (fields: CountField[]) => fields.reduce((n, f) => n + (counts[f] as number), 0);
    const [l, r] = [sum(identity.left), sum(identity.right)];
    if (l !== r) return { code: identity.code, message: `${identity.says} does not hold: ${identity.left.join(' + ')} = ${l}, ${identity.right.join(' + ')} = ${r}` };
  }
  return undefined;
}
