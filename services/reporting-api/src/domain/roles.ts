/** API key roles and what a route may require of them. */
export const ROLES = ['admin', 'agency', 'ingest', 'reader'] as const;
export type Role = (typeof ROLES)[number];

/**
 * A route's access rule, declared in its `config.access`:
 * - `public`: anyone (health checks, the API document);
 * - `read`: any valid key, or no key at all when PUBLIC_READ=true;
 * - a list of roles: a valid key with one of them. An `agency` key is further limited, by the service,
 *   to its own agency's subtree.
 */
export type Access = 'public' | 'read' | readonly Role[];

/** The caller behind a request, resolved from its API key. */
export interface Principal {
  keyId: string;
  name: string;
  role: Role;
  /** For an `agency` key: the agency it is bound to. */
  agencyCode: string | null;
}
