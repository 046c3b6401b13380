/**
 * Writes openapi/openapi.json from the app definition, without listening and without touching a database
 * (the pool is created but never connected). `pnpm openapi` at the root then regenerates the client types.
 */
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { buildApp } from '../src/app.js';
import { openDatabase } from '../src/db/connection.js';

const target = fileURLToPath(new URL('../../../openapi/openapi.json', import.meta.url));
const database = await openDatabase({ databaseUrl: 'postgres://unused.invalid/never-connected' });
const app = await buildApp({ database, logger: false });
await app.ready();
const document = app.swagger();
await writeFile(target, `${JSON.stringify(document, null, 2)}\n`, 'utf8');
await app.close();
await database.close();
console.log(`wrote ${target}`);
