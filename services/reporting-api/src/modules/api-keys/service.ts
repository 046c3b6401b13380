/**
 * API keys: random secrets shown once, stored only as SHA-256 hashes. Resolving a key is on every request's
 * path, so resolved principals are cached briefly. A revocation (or a reactivation) sends a PostgreSQL NOTIFY in
 * its transaction; every instance LISTENs and drops that key from its cache as soon as the change commits, so
 * a revoked key stops working everywhere within milliseconds. The cache's TTL is only the fallback for the time
 * an instance's listening connection is down: while it is, and after it comes back, nothing cached is trusted.
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyBaseLogger } from 'fastify';
import type { Database, Db } from '../../db/connection.js';
import type { Principal } from '../../domain/roles.js';
import { ProblemError } from '../../errors.js';
import type { Actor } from '../../domain/actor.js';
import { recordAudit } from '../audit/repository.js';
import { findAgency } from '../agencies/repository.js';
import * as repo from './repository.js';
import type { ApiKey, NewApiKey } from './schemas.js';
import { generateApiKey, hashApiKey, keyPrefix } from './secret.js';

export const KEY_CACHE_TTL_MS = 10_000;
const KEY_CACHE_MAX = 10_000;

export function createApiKeyService(db: Db) {
  const cache = new Map<string, { principal: Principal | null; expires: number }>();
  let unlisten: (() => Promise<void>) | undefined;
  /** False until listening has started: before that nothing is cached (a missed NOTIFY must not keep a key alive). */
  let watching = false;
  /**
   * Moves with every change heard. A lookup that overlapped a change does not cache its answer: it may have read
   * the key just before the revocation committed, and its NOTIFY has already come and gone.
   */
  let changes = 0;

  /** A live cache entry's principal (null: a refused key), or undefined when the database must be asked. */
  function fromCache(hash: string): Principal | null | undefined {
    const hit = cache.get(hash);
    return hit && hit.expires > Date.now() ? hit.principal : undefined;
  }

  return {
    /** What the cache knows of a key, without the database: its principal, null (refused), or undefined (ask). */
    cached(presentedKey: string): Principal | null | undefined {
      return fromCache(hashApiKey(presentedKey));
    },

    /** The principal for a presented key, or null when the key is unknown or revoked. */
    async resolve(presentedKey: string): Promise<Principal | null> {
      const hash = hashApiKey(presentedKey);
      const hit = fromCache(hash);
      if (hit !== undefined) return hit;
      const seen = changes;
      const row = await repo.findApiKeyByHash(db, hash);
      const principal = row && !row.revokedAt ? { keyId: row.id, name: row.name, role: row.role, agencyCode: row.agencyCode } : null;
      if (!watching || seen !== changes) return principal;
      if (cache.size >= KEY_CACHE_MAX) cache.clear();
      cache.set(hash, { principal, expires: Date.now() + KEY_CACHE_TTL_MS });
      return principal;
    },

    /** Starts listening for key changes made by any instance (at start-up; the app's onReady). */
    async watchRevocations(database: Pick<Database, 'listen'>): Promise<void> {
      if (unlisten) return;
      unlisten = await database.listen(repo.KEY_CHANGES_CHANNEL, {
        onMessage: (hash) => {
          changes++;
          cache.delete(hash);
        },
        // Notifications may have been missed: forget everything cached so far.
        onGap: () => {
          changes++;
          cache.clear();
        },
      });
      watching = true;
    },

    async stopWatching(): Promise<void> {
      watching = false;
      cache.clear();
      const stop = unlisten;
      unlisten = undefined;
      await stop?.();
    },

    async list(): Promise<ApiKey[]> {
      return (await repo.listApiKeys(db)).map(repo.toApiKey);
    },

    async get(id: string): Promise<ApiKey> {
      const row = await repo.findApiKey(db, id);
      if (!row) throw new ProblemError('API_KEY_NOT_FOUND', `No API key ${id}`);
      return repo.toApiKey(row);
    },

    async create(actor: Actor, input: NewApiKey): Promise<{ apiKey: ApiKey; secret: string }> {
      const agencyCode = input.agencyCode ?? null;
      if ((input.role === 'agency') !== (agencyCode !== null)) {
        throw new ProblemError('VALIDATION_FAILED', 'An agency key needs agencyCode; other roles must not have one', {
          errors: [{ in: 'body', pointer: '/agencyCode', message: input.role === 'agency' ? 'required for the agency role' : 'only for the agency role' }],
        });
      }
      return db.transaction(async (tx) => {
        if (agencyCode !== null) {
          const agency = await findAgency(tx, agencyCode);
          if (!agency)
            throw new ProblemError('AGENCY_NOT_FOUND', `No agency has the code ${agencyCode}`, {
              errors: [{ in: 'body', pointer: '/agencyCode', message: 'no such agency' }],
            });
          if (!agency.active)
            throw new ProblemError('AGENCY_NOT_ACTIVE', `The agency ${agencyCode} is inactive`, {
              errors: [{ in: 'body', pointer: '/agencyCode', message: 'inactive agency' }],
            });
        }
        const secret = generateApiKey();
        const row = await repo.insertApiKey(tx, {
          name: input.name,
          role: input.role,
          agencyCode,
          keyHash: hashApiKey(secret),
          prefix: keyPrefix(secret),
          createdBy: actor.keyId,
        });
        const apiKey = repo.toApiKey(row);
        await recordAudit(tx, actor, { entity: 'api-key', entityId: apiKey.id, action: 'create', after: apiKey });
        return { apiKey, secret };
      });
    },

    /** Revoking is idempotent: revoking a revoked key answers the key as it is. */
    async revoke(actor: Actor, id: string): Promise<ApiKey> {
      const revoked = await db.transaction(async (tx) => {
        const current = await repo.findApiKey(tx, id);
        if (!current) throw new ProblemError('API_KEY_NOT_FOUND', `No API key ${id}`);
        if (current.revokedAt) return current;
        if (current.role === 'admin' && (await repo.countApiKeys(tx, { activeAdminsOnly: true })) <= 1) {
          throw new ProblemError('LAST_ADMIN_KEY', 'This is the last active admin key; create another admin key before revoking it');
        }
        const row = (await repo.setRevoked(tx, id, new Date()))!;
        await repo.notifyKeyChanged(tx, row.keyHash);
        await recordAudit(tx, actor, { entity: 'api-key', entityId: id, action: 'revoke', before: repo.toApiKey(current), after: repo.toApiKey(row) });
        return row;
      });
      cache.delete(revoked.keyHash);
      return repo.toApiKey(revoked);
    },

    /**
     * Makes sure an administrator can get in. ADMIN_API_KEY, when set, is registered (and un-revoked: the
     * operator who sets it means it to work). Otherwise, on a database with no keys at all, one admin key is
     * generated, logged once and written to DATA_DIR/admin-api-key with mode 0600.
     */
    async bootstrapAdminKey(options: {
      adminApiKey: string | undefined;
      dataDir: string;
      log: FastifyBaseLogger;
      /** Shows a line to the operator as it is, outside the JSON log (the generated key, once). */
      print: (line: string) => void;
    }): Promise<void> {
      const system: Actor = { keyId: null, requestId: 'bootstrap' };
      if (options.adminApiKey) {
        const hash = hashApiKey(options.adminApiKey);
        const existing = await repo.findApiKeyByHash(db, hash);
        if (!existing) {
          await db.transaction(async (tx) => {
            const row = await repo.insertApiKey(tx, {
              name: 'ADMIN_API_KEY (environment)',
              role: 'admin',
              agencyCode: null,
              keyHash: hash,
              prefix: keyPrefix(options.adminApiKey!),
              createdBy: null,
            });
            await recordAudit(tx, system, { entity: 'api-key', entityId: row.id, action: 'create', after: repo.toApiKey(row) });
          });
          options.log.info('registered the admin key from ADMIN_API_KEY');
        } else if (existing.revokedAt) {
          await db.transaction(async (tx) => {
            await repo.setRevoked(tx, existing.id, null);
            await repo.notifyKeyChanged(tx, hash);
          });
          options.log.warn('ADMIN_API_KEY had been revoked; it is active again because the environment sets it');
        }
        return;
      }
      if ((await repo.countApiKeys(db)) > 0) return;
      const { secret } = await this.create(system, { name: 'bootstrap admin (generated on first start)', role: 'admin' });
      await mkdir(options.dataDir, { recursive: true });
      const file = join(options.dataDir, 'admin-api-key');
      await writeFile(file, `${secret}\n`, { mode: 0o600 });
      await chmod(file, 0o600);
      // The secret stays out of the JSON log (logs are shipped and kept); the operator reads it once on its own line.
      options.log.warn({ adminApiKeyFile: file }, `No API keys existed, so an admin key was generated; it is printed once below and kept in ${file}`);
      options.print(`\nAdmin API key (shown once; also in ${file}):\n\n    ${secret}\n\n`);
    },
  };
}

export type ApiKeyService = ReturnType<typeof createApiKeyService>;
