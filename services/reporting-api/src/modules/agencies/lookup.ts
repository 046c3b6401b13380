import type { Tx } from '../../db/connection.js';
import { ProblemError } from '../../errors.js';
import { findAgency } from './repository.js';

/** The agency with this code, or 404 AGENCY_NOT_FOUND. */
export async function requireAgency(db: Tx, code: string) {
  const agency = await findAgency(db, code);
  if (!agency) throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${code}`);
  return agency;
}
