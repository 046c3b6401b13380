/** `pnpm db:seed`: applies migrations, then loads the demo data (idempotent). */
import { loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/connection.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { seedDatabase } from '../src/seed.js';

const config = loadConfig();
const database = await openDatabase({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  await migrateDatabase(database);
  const seeded = await seedDatabase(database);
  console.log(
    `seeded ${database.location}: ${seeded.agencies} new agencies, ${seeded.periods} new periods, ${seeded.templates} new templates, ${seeded.procedures} new procedures, ${seeded.values} new values`,
  );
} finally {
  await database.close();
}
