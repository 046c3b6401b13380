/**
 * What happens before the service takes requests: pending migrations are applied, demo data is loaded when
 * asked (or, by default, on a fresh embedded database so a newcomer sees real data at once), and an admin key
 * is made available.
 */
import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Database } from './db/connection.js';
import { migrateDatabase } from './db/migrate.js';
import { isEmpty, seedDatabase } from './seed.js';
import type { Services } from './services.js';

export async function prepareDatabase(
  database: Database,
  services: Services,
  config: Pick<Config, 'seed' | 'adminApiKey' | 'dataDir'>,
  log: FastifyBaseLogger,
  print: (line: string) => void = (line) => process.stdout.write(line),
): Promise<void> {
  await migrateDatabase(database);
  const seed = config.seed === 'true' || (config.seed === 'auto' && database.engine === 'pglite' && (await isEmpty(database.db)));
  if (seed) log.info({ seeded: await seedDatabase(database, services) }, 'loaded demo data');
  await services.apiKeys.bootstrapAdminKey({ adminApiKey: config.adminApiKey, dataDir: config.dataDir, log, print });
}
