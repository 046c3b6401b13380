/**
 * The baseline of the read benchmark (reads.ts): one bare Fastify route over `pg` (a pool of 10), no logger, auth,
 * validation beyond the query string, template or ETag, with a response schema so Fastify serialises it the fast
 * way. It reads one report's stored rows, the rows the service's report read starts from. Started as its own
 * process by reads.ts (DATABASE_URL, PORT).
 */
import Fastify from 'fastify';
import pg from 'pg';

const SQL = `select indicator_code, value_num, value_text, note, updated_at, updated_by
  from indicator_values where period_id = $1 and agency_code = $2 order by indicator_code`;

const nullable = { type: ['string', 'null'] } as const;
const row = {
  type: 'object',
  properties: {
    indicator_code: { type: 'string' },
    value_num: nullable, // numeric: pg hands it over as a string
    value_text: nullable,
    note: nullable,
    updated_at: { type: 'string', format: 'date-time' },
    updated_by: nullable,
  },
  required: ['indicator_code', 'value_num', 'value_text', 'note', 'updated_at', 'updated_by'],
  additionalProperties: false,
} as const;

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
pool.on('error', () => {});
const app = Fastify({ logger: false });
app.get(
  '/values',
  {
    schema: {
      querystring: { type: 'object', properties: { period: { type: 'string' }, agency: { type: 'string' } }, required: ['period', 'agency'] },
      response: { 200: { type: 'array', items: row } },
    },
  },
  async (request) => {
    const { period, agency } = request.query as { period: string; agency: string };
    return (await pool.query<Record<string, unknown>>(SQL, [period, agency])).rows;
  },
);
app.addHook('onClose', () => pool.end());
await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
