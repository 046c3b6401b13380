/**
 * The baseline for the roll-up benchmark: a bare Fastify route that runs the same roll-up SQL as the service
 * (the very same repository function), with no auth, validation, templates, ETag or logging, and computes the
 * on-time rate from the summed counts. Started as its own process by run.ts.
 */
import Fastify from 'fastify';
import { openDatabase } from '@cchc/reporting-api/db';
import { subtreeAggregates } from '@cchc/reporting-api/values-repository';

const database = await openDatabase({ databaseUrl: process.env.DATABASE_URL, poolMax: 10 });
const app = Fastify({ logger: false });
app.get('/rollup', async (request) => {
  const { period, agency } = request.query as { period: string; agency: string };
  const { byPeriod, treeSize } = await subtreeAggregates(database.db, {
    periods: [period],
    root: agency,
    codes: ['III.7.3', 'III.7.2.1', 'III.7.2.2', 'III.7.2'],
  });
  const sums = byPeriod.get(period);
  const sum = (code: string) => sums?.get(code)?.sum ?? null;
  const [early, onTime, returned] = [sum('III.7.2.1'), sum('III.7.2.2'), sum('III.7.2')];
  const value = early === null || onTime === null || !returned ? null : Math.round(((early + onTime) / returned) * 10000) / 100;
  return { period, agency, agenciesInTree: treeSize, items: [{ indicator: 'III.7.3', value }] };
});
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
