/**
 * The identities dossier counts obey: the one definition, used by the service's own check (domain/dossiers.ts,
 * which refuses breaking rows by index whatever a client did) and by the CLI, which reports a bad line with its
 * line number before anything is sent.
 *   resolved = early + on time + late;  pending = within the deadline + overdue;
 *   online + in person + postal (BCCI) = received new;  resolved + pending + withdrawn = received new + carried over.
 * An identity is checked only when every count in it is given.
 */
import type { CountField } from './columns.js';

export type IdentityCode = 'IDENTITY_RESOLVED' | 'IDENTITY_PENDING' | 'IDENTITY_RECEIVED' | 'IDENTITY_BALANCE';

export const IDENTITIES: ReadonlyArray<{ code: IdentityCode; says: string; left: CountField[]; right: CountField[] }> = [
  { code: 'IDENTITY_RESOLVED', says: 'resolved = early + on time + late', left: ['resolved'], right: ['resolvedEarly', 'resolvedOnTime', 'resolvedLate'] },
  { code: 'IDENTITY_PENDING', says: 'pending = within the deadline + overdue', left: ['pending'], right: ['pendingWithin', 'pendingOverdue'] },
  {
    code: 'IDENTITY_RECEIVED',
    says: 'online + in person + postal = received',
    left: ['receivedOnline', 'receivedInPerson', 'receivedPostal'],
    right: ['receivedNew'],
  },
  {
    code: 'IDENTITY_BALANCE',
    says: 'resolved + pending + withdrawn = received + carried over',
    left: ['resolved', 'pending', 'withdrawn'],
    right: ['receivedNew', 'carriedOver'],
  },
];

/** The first identity the counts break, or undefined. */
export function brokenIdentity(counts: Partial<Record<CountField, number | null>>): { code: IdentityCode; message: string } | undefined {
  for (const identity of IDENTITIES) {
    const fields = [...identity.left, ...identity.right];
    if (fields.some((f) => counts[f] === undefined || counts[f] === null)) continue;
    const sum = (of: CountField[]) => of.reduce((n, f) => n + (counts[f] as number), 0);
    const [l, r] = [sum(identity.left), sum(identity.right)];
    if (l !== r) {
      const terms = `${identity.left.join(' + ')} = ${l}, ${identity.right.join(' + ')} = ${r}`;
      return { code: identity.code, message: `${identity.says} does not hold: ${terms}` };
    }
  }
  return undefined;
}
