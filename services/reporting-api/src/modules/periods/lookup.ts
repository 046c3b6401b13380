import type { Tx } from '../../db/connection.js';
import { ProblemError } from '../../errors.js';
import { findPeriod } from './repository.js';

/** The reporting period with this id, or 404 PERIOD_NOT_FOUND. */
export async function requirePeriod(db: Tx, id: string) {
  const period = await findPeriod(db, id);
  if (!period) throw new ProblemError('PERIOD_NOT_FOUND', `No reporting period ${id}`);
  return period;
}
