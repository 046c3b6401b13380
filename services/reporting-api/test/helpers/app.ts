/** Builds the app on a fresh test database with the demo data, and mints API keys of every role. */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppOptions } from '../../src/app.js';
import type { Database } from '../../src/db/connection.js';
import { seedDatabase } from '../../src/seed.js';
import type { Role } from '../../src/domain/roles.js';
import { openTestDatabase } from './database.js';

export interface TestContext {
  teardown(fn: () => unknown): void;
}

export interface TestApp {
  app: FastifyInstance;
  database: Database;
  /** Secrets by name: admin, reader, ingest, agency (bound to BQL-KCN), agencyOther (bound to SNV). */
  keys: Record<'admin' | 'reader' | 'ingest' | 'agency' | 'agencyOther', string>;
  /** app.inject with `Authorization: Bearer <key>` when `as` names a key. */
  request(options: InjectOptions & { as?: keyof TestApp['keys'] | null }): Promise<LightMyRequestResponse>;
  mintKey(role: Role, agencyCode?: string): Promise<{ id: string; secret: string }>;
}

const system = { keyId: null, requestId: 'test' };

export async function buildTestApp(t: TestContext, options: Partial<AppOptions> & { seed?: boolean } = {}): Promise<TestApp> {
  const { database, drop } = await openTestDatabase();
  // Limits off unless a test asks: a test file makes many requests, and many failed ones, from one address.
  // Load shedding too: a busy CI machine's event loop must not turn a test's request into a 503.
  const app = await buildApp({ database, logger: false, rateLimitMax: 0, authFailureLimit: 0, maxEventLoopDelayMs: 0, ...options });
  if (options.seed !== false) await seedDatabase(database, app.services);
  t.teardown(async () => {
    await app.close();
    await drop();
  });
  const mintKey = async (role: Role, agencyCode?: string) => {
    const { apiKey, secret } = await app.services.apiKeys.create(system, { name: `test ${role}`, role, ...(agencyCode && { agencyCode }) });
    return { id: apiKey.id, secret };
  };
  const seeded = options.seed !== false;
  const keys = {
    admin: (await mintKey('admin')).secret,
    reader: (await mintKey('reader')).secret,
    ingest: (await mintKey('ingest')).secret,
    agency: seeded ? (await mintKey('agency', 'BQL-KCN')).secret : '',
    agencyOther: seeded ? (await mintKey('agency', 'SNV')).secret : '',
  };
  return {
    app,
    database,
    keys,
    mintKey,
    request({ as = 'admin', ...inject }) {
      const headers = { ...(inject.headers ?? {}) } as Record<string, string>;
      if (as) headers.authorization = `Bearer ${keys[as]}`;
      return app.inject({ ...inject, headers });
    },
  };
}
