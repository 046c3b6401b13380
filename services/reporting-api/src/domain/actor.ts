/**
 * Who is acting in a request, as every layer sees it: plugins fill it in, modules check and audit with it.
 * It lives in domain/ so that plugins and modules share it without importing each other.
 */
import type { Principal } from './roles.js';

/** Who did it, for audit trails: the API key (none for the system) and the request. */
export interface Actor {
  keyId: string | null;
  requestId: string | null;
}

/** What a scoped write needs: the key's role and agency (to check scope) and the actor (to audit). */
export interface WriteContext {
  principal: Principal | undefined;
  actor: Actor;
}
