import type { Tx } from '../../db/connection.js';
import type { Principal } from '../../domain/roles.js';
import { ProblemError } from '../../errors.js';
import { isWithinSubtree } from './repository.js';

/**
 * An `agency` key writes only within its own agency's subtree. Admins pass; other roles never reach a write
 * route (the auth hook stops them), but are refused here too so a mistake in a route cannot widen access.
 * `strictlyBelow` refuses the key's own agency (it may not re-parent or deactivate itself).
 */
export async function assertMayWriteFor(db: Tx, principal: Principal | undefined, code: string, options: { strictlyBelow?: boolean } = {}): Promise<void> {
  if (principal?.role === 'admin') return;
  if (principal?.role === 'agency' && principal.agencyCode) {
    const own = principal.agencyCode;
    const inside = options.strictlyBelow ? code !== own && (await isWithinSubtree(db, own, code)) : await isWithinSubtree(db, own, code);
    if (inside) return;
    throw new ProblemError(
      'FORBIDDEN',
      `This key writes only for agency ${own}${options.strictlyBelow ? ' and below' : ' and its subtree'}; ${code} is outside it`,
    );
  }
  throw new ProblemError('FORBIDDEN', 'This key may not write agency data');
}
