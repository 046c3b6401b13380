/**
 * The process: reads the configuration, opens the database, applies migrations, builds the app, listens,
 * and shuts down gracefully on SIGTERM/SIGINT (in-flight requests finish, then the pool closes).
 */
import closeWithGrace from 'close-with-grace';
import { buildApp, DEFAULT_LOGGER } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connection.js';
import { prepareDatabase } from './startup.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }

  const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, poolMax: config.dbPoolMax });
  const app = await buildApp({
    database,
    publicRead: config.publicRead,
    bodyLimit: config.bodyLimit,
    documentFileLimit: config.documentFileLimit,
    rateLimitMax: config.rateLimitMax,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    logger: { ...(DEFAULT_LOGGER as object), level: config.logLevel },
  });
  // onClose hooks run last-registered first: stop the roll-up refresher (it may be mid-refresh) before the pool goes.
  app.addHook('onClose', async () => {
    await app.services.dossierRollup.stop();
    await database.close();
  });

  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  try {
    app.log.info({ database: database.location }, 'opening database');
    await prepareDatabase(database, app.services, config, app.log);
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    app.log.error({ err: error }, 'could not start');
    await app.close();
    process.exit(1);
  }
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  app.log.info(`Swagger UI: http://${shown}:${config.port}/docs`);
}

await main();
