/**
 * The process: reads the configuration, opens the database, listens at once (the probes answer while it starts),
 * applies migrations (retrying with backoff while the database cannot be reached), then takes requests; and shuts
 * down gracefully on SIGTERM/SIGINT (in-flight requests finish, then the pool closes).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import closeWithGrace from 'close-with-grace';
import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { openDatabase } from './db/connection.js';
import { classifyDatabaseError } from './db/errors.js';
import { loggerOptions } from './logger.js';
import { prepareDatabase } from './startup.js';

/** Waits between start-up attempts while the database cannot be reached: 1 s, doubling, at most 30 s. */
function backoffMs(attempt: number): number {
  return Math.min(30_000, 1_000 * 2 ** Math.min(attempt - 1, 5));
}

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
  // Everything this process writes (the embedded database's files, the admin key file) is for its own user only.
  process.umask(0o077);

  const logger = loggerOptions(config.logLevel, config.logFormat);
  const database = await openDatabase({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolMax: config.dbPoolMax,
    timeouts: { statementMs: config.db.statementTimeoutMs, lockMs: config.db.lockTimeoutMs, acquireMs: config.db.acquireTimeoutMs },
    // Until the app's logger exists, and for the pool's own events after: the same settings, its own instance.
    log: { warn: (object, message) => app.log.warn(object, message) },
  }).catch((error: unknown) => {
    // Only the embedded engine opens anything here (its folder); a real server is first reached by the migrations.
    process.stderr.write(`Cannot open the database in ${config.dataDir}: ${(error as Error).message}\n`);
    process.exit(1);
  });
  const app = await buildApp({
    database,
    publicRead: config.publicRead,
    bodyLimit: config.bodyLimit,
    documentFileLimit: config.documentFileLimit,
    rateLimitMax: config.rateLimitMax,
    authFailureLimit: config.authFailureLimit,
    trustProxy: config.trustProxy,
    corsOrigins: config.corsOrigins,
    requestTimeoutMs: config.requestTimeoutMs,
    bulkTimeoutMs: config.db.bulkStatementTimeoutMs,
    maxPoolWaiting: config.db.maxWaiting,
    metricsToken: config.metricsToken,
    logger,
    ready: false,
  });
  // onClose hooks run last-registered first: stop the roll-up refresher (it may be mid-refresh) before the pool goes.
  app.addHook('onClose', async () => {
    await app.services.dossierRollup.stop();
    await database.close();
  });

  let stopping = false;
  closeWithGrace({ delay: 10_000 }, async ({ signal, err }) => {
    stopping = true;
    if (err) app.log.error({ err }, 'shutting down after an error');
    else app.log.info({ signal }, 'shutting down');
    await app.close();
  });

  try {
    await app.listen({ port: config.port, host: config.host });
  } catch (error) {
    app.log.error({ err: error }, 'could not listen');
    await app.close();
    process.exit(1);
  }

  app.log.info({ database: database.location }, 'opening database');
  for (let attempt = 1; !stopping; attempt++) {
    try {
      await prepareDatabase(database, app.services, config, app.log);
      break;
    } catch (error) {
      // Unreachable or not answering: wait and try again (a database that starts after us is normal in compose).
      // Anything else (a failed migration, a bad key file) will not mend by itself: stop and say why.
      const failure = classifyDatabaseError(error);
      if (!failure || failure.kind === 'sqlstate') {
        app.log.error({ err: error }, 'could not start');
        await app.close();
        process.exit(1);
      }
      const wait = backoffMs(attempt);
      app.log.warn({ attempt, retryInMs: wait, reason: (error as Error).message }, 'the database cannot be reached; retrying');
      await sleep(wait, undefined, { ref: false });
    }
  }
  if (stopping) return;
  app.markReady();
  const shown = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  app.log.info(`Swagger UI: http://${shown}:${config.port}/docs`);
}

await main();
