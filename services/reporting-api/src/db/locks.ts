/**
 * The one registry of PostgreSQL advisory-lock ids. Advisory locks are named by plain integers shared by every
 * client of the database, so two features picking the same number would block (or worse, wrongly exclude) each
 * other: every id used by this service lives here, once.
 *
 * The values are fixed: instances still running older code take the same locks by number during a rolling
 * deploy, so changing a value would let old and new instances run the serialised work side by side.
 * Add new ids after the last one; never reuse or renumber one.
 */
export const LOCKS = {
  /**
   * Session lock held while applying the SQL migrations. Several instances may start at once; without it two
   * would race to apply the same migration.
   */
  migration: 640_092_019,
  /**
   * Transaction lock over the shape of the agency tree (create, re-parent). Checking "the new parent is not
   * below the agency" and writing the move must not interleave with another move, or two re-parentings could
   * close a cycle.
   */
  agencyTree: 640_092_020,
  /**
   * Transaction lock per report (period × agency), taken as (id, hashtext('period/agency')). Concurrent
   * submissions of values to the same report queue instead of racing on the report's state and audit trail.
   */
  reportWrite: 640_092_021,
  /**
   * Transaction lock per Idempotency-Key, taken as (id, hashtext('keyId|key')). Two requests with the same key
   * wait for each other, so the second sees (and replays) the first one's stored answer.
   */
  idempotencyKey: 640_092_022,
  /**
   * Transaction lock per document identity key, taken as (id, hashtext(identityKey)). Two scripts registering
   * the same legal document at once must not both insert it.
   */
  documentIdentity: 640_092_023,
  /**
   * Transaction lock over refreshing the dossier roll-up (dossier_monthly from its dirty marks), taken with
   * pg_try_advisory_xact_lock: one instance refreshes at a time and the others skip. Skipping is safe: the marks
   * stay, and reads roll marked months up from the raw rows until the next refresh.
   */
  dossierRollup: 640_092_024,
} as const;

export type LockName = keyof typeof LOCKS;
