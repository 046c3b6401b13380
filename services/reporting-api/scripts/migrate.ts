/** `pnpm db:migrate`: applies pending migrations to DATABASE_URL, or to the embedded database in DATA_DIR. */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connection.js';
import { migrateDatabase } from '../src/db/migrate.js';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await migrateDatabase(database);
  console.log(`migrations applied to ${database.location}`);
} finally {
  await database.close();
}
