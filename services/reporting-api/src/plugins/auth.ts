/**
 * API keys and roles. Every route declares `config.access` (see domain/roles.ts); a route without one
 * fails at start-up, so no route is ever open by accident. The declaration also becomes the route's
 * OpenAPI security requirement, its 401/403 responses and a "Roles:" line in its description, so Swagger UI
 * and the client say exactly what the code enforces.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Access, Principal } from '../domain/roles.js';
import { ProblemError } from '../errors.js';
import type { Actor, WriteContext } from '../domain/actor.js';
import { problemResponses } from '../schemas/common.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    access?: Access;
    /** The route checks its own credentials (/metrics and its token): this plugin leaves it alone. */
    ownAuth?: boolean;
  }
  interface FastifyRequest {
    principal: Principal | undefined;
  }
  interface FastifyInstance {
    /** Every route's declared access, for the role-matrix test and the docs. */
    accessRules: Array<{ method: string; url: string; access: Access }>;
  }
}

export function actorOf(request: FastifyRequest): Actor {
  return { keyId: request.principal?.keyId ?? null, requestId: String(request.id) };
}

export function writeContextOf(request: FastifyRequest): WriteContext {
  return { principal: request.principal, actor: actorOf(request) };
}

function describeAccess(access: Access): string {
  if (access === 'public') return 'Access: public.';
  if (access === 'read') return 'Access: any API key (no key when the service runs with PUBLIC_READ=true).';
  const scoped = access.includes('agency') ? ' An agency key only for its own agency subtree.' : '';
  return `Roles: ${access.join(', ')}.${scoped}`;
}

/** Routes that plugins register (Swagger UI's assets, the CORS preflight) are public; ours must declare. */
const PLUGIN_ROUTE = /^(\/docs(\/|$)|\*$)/;

export interface AuthOptions {
  /** The principal of a presented API key, or null when it is unknown or revoked (the api-keys service, cached). */
  resolveKey: (secret: string) => Promise<Principal | null>;
  /** What the cache already knows of a key without asking the database: a principal, null (refused), or undefined. */
  cachedKey?: (secret: string) => Principal | null | undefined;
  publicRead: boolean;
  /**
   * Failed authentications per minute per client address; past it the address meets 429 for any key the cache
   * does not already know, so guessing keys costs the database nothing, while keys in use (cached) keep working
   * for the other clients behind the same address. 0 turns it off.
   */
  failureLimit?: number;
}

/** The one accepted spelling of the header, but for the case of the scheme and the spaces around the key. */
const BEARER = /^Bearer +(\S+) *$/i;

/**
 * Counts failures per address in fixed one-minute windows. Kept in memory per instance: with n instances an address
 * gets n times the limit, which still bounds guessing; the map is capped so a flood of addresses cannot grow it.
 */
function createFailureWindow(limit: number, windowMs: number) {
  const windows = new Map<string, { count: number; endsAt: number }>();
  const MAX_ADDRESSES = 50_000;
  return {
    /** Seconds the address must wait, or 0 when it may try. */
    blockedFor(address: string): number {
      if (limit <= 0) return 0;
      const window = windows.get(address);
      const now = Date.now();
      if (!window || window.endsAt <= now) return 0;
      return window.count >= limit ? Math.ceil((window.endsAt - now) / 1000) : 0;
    },
    record(address: string): void {
      if (limit <= 0) return;
      const now = Date.now();
      const window = windows.get(address);
      if (window && window.endsAt > now) {
        window.count++;
        return;
      }
      if (windows.size >= MAX_ADDRESSES) {
        for (const [key, w] of windows) if (w.endsAt <= now) windows.delete(key);
        if (windows.size >= MAX_ADDRESSES) windows.clear();
      }
      windows.set(address, { count: 1, endsAt: now + windowMs });
    },
  };
}

export default fp<AuthOptions>(
  async function auth(app: FastifyInstance, options: AuthOptions) {
    app.decorateRequest('principal', undefined);
    app.decorate('accessRules', []);

    app.addHook('onRoute', (route) => {
      const access = route.config?.access;
      if (access === undefined) {
        if (PLUGIN_ROUTE.test(route.url)) {
          route.config = { ...route.config, access: 'public' };
          return;
        }
        throw new Error(`route ${[route.method].flat().join(',')} ${route.url} declares no config.access`);
      }
      for (const method of [route.method].flat()) app.accessRules.push({ method, url: route.url, access });
      if (!route.schema) return;
      const schema = route.schema as { security?: unknown; description?: string; response?: Record<string, unknown> };
      if (access === 'public') {
        // Said explicitly, so tools that check every operation's security see "no key needed" and not an omission.
        schema.security = [];
        return;
      }
      schema.security = [{ bearerAuth: [] }];
      // The HEAD route Fastify adds for a GET shares its schema object: say it once.
      const line = describeAccess(access);
      if (!schema.description?.includes(line)) schema.description = [schema.description, line].filter(Boolean).join('\n\n');
      schema.response = { ...problemResponses(401, 403), ...schema.response };
    });

    const failures = createFailureWindow(options.failureLimit ?? 0, 60_000);

    app.addHook('onRequest', async (request, reply) => {
      const config = request.routeOptions.config;
      if (config.ownAuth) return;
      const access = config.access ?? 'public';
      const header = request.headers.authorization;
      if (header !== undefined) {
        const match = BEARER.exec(header);
        const known = match ? options.cachedKey?.(match[1]!) : null;
        if (known === undefined) {
          const waitSeconds = failures.blockedFor(request.ip);
          if (waitSeconds > 0) {
            reply.header('retry-after', String(waitSeconds));
            throw new ProblemError('RATE_LIMITED', 'Too many failed authentications from this address; retry later');
          }
        }
        const principal = known === undefined ? await options.resolveKey(match![1]!) : known;
        if (!principal) {
          failures.record(request.ip);
          throw new ProblemError(
            'UNAUTHENTICATED',
            match ? 'The API key is not valid or has been revoked' : 'The Authorization header must be "Bearer <API key>"',
          );
        }
        request.principal = principal;
      }
      if (access === 'public') return;
      if (!request.principal) {
        if (access === 'read' && options.publicRead) return;
        throw new ProblemError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
      }
      if (access === 'read') return;
      if (!access.includes(request.principal.role)) {
        throw new ProblemError('FORBIDDEN', `A ${request.principal.role} key may not do this; it needs one of: ${access.join(', ')}`);
      }
    });
  },
  { name: 'auth', dependencies: ['problems'] },
);
