/**
 * `pnpm db:rollup`: rebuilds the reporting-month roll-up of dossier counts from the raw rows. Needed only after a
 * bulk load that bypassed the API (COPY, a restore); pushes through the API keep it up to date by themselves.
 */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connection.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { rebuildMonthly } from '../src/modules/dossiers/repository.js';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await migrateDatabase(database);
  const started = performance.now();
  await database.db.transaction((tx) => rebuildMonthly(tx));
  console.log(`dossier roll-up rebuilt in ${database.location} (${Math.round(performance.now() - started)} ms)`);
} finally {
  await database.close();
}
