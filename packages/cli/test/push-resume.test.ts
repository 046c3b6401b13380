/**
 * The 100 000-row push end to end, through the CLI as a child process against a live service: progress and
 * summary; killed midway (SIGKILL) and rerun, the same counts as one clean push and exactly the file's rows in
 * the database; the same file pushed again, all unchanged.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { dossierCsv } from './helpers/generate.js';
import { runCli, startService } from './helpers/server.js';

const ROWS = 100_000;
const service = await startService(t);
const env = { url: service.url, apiKey: service.api.keys.ingest };
const dir = await mkdtemp(join(tmpdir(), 'cchc-cli-'));
const file = join(dir, 'motcua-100k.csv');
const generated = dossierCsv(ROWS);
await writeFile(file, generated.csv);

type Report = {
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: number;
  rows: number;
  runId: string;
  resumedAtBatch: number | null;
};
const reportOf = (stdout: string) => JSON.parse(stdout) as Report;

/** Rows and their summed receivedNew, straight from the table (GET /v1/dossier-stats over 100 000 raw rows is slow). */
async function stored(source: string): Promise<{ rows: number; receivedNew: number }> {
  const query = `select count(*)::int as rows, coalesce(sum(received_new), 0)::int as "receivedNew"
    from dossier_counts where source = '${source}'`;
  const result = (await service.api.database.db.execute(query)) as { rows: Array<{ rows: number; receivedNew: number }> };
  return result.rows[0]!;
}
const storedRows = async (source: string) => (await stored(source)).rows;

t.test('a clean push of 100 000 rows shows progress and the summary; the same file again is all unchanged', async (t) => {
  const first = await runCli(['dossiers', 'push', file, '--batch-size', '10000', '--source', 'gen-clean', '--json'], env);
  t.equal(first.code, 0, first.stderr);
  t.match(first.stderr, /batch 1\/10: 10000\/100000 rows \(10%\), \d+ rows\/s, ETA \S+/);
  t.match(first.stderr, /batch 10\/10: 100000\/100000 rows \(100%\)/);
  t.match(first.stderr, /asOf: the file's modification time/);
  const one = reportOf(first.stdout);
  t.match(one, { rows: ROWS, created: ROWS, updated: 0, unchanged: 0, stale: 0, rejected: 0, resumedAtBatch: null });
  t.notOk(existsSync(`${file}.cchc-push.json`), 'a finished push leaves no state');
  t.notOk(existsSync(`${file}.rejects.csv`), 'nothing refused, no rejects file');
  t.equal(await storedRows('gen-clean'), ROWS);

  const again = await runCli(['dossiers', 'push', file, '--batch-size', '10000', '--source', 'gen-clean', '--json'], env);
  t.equal(again.code, 0, again.stderr);
  const two = reportOf(again.stdout);
  t.match(two, { created: 0, updated: 0, unchanged: ROWS, stale: 0, rejected: 0, resumedAtBatch: null });
  t.not(two.runId, one.runId, 'a new run, with new idempotency keys');
  t.equal(await storedRows('gen-clean'), ROWS);
});

t.test('killed midway and run again, it resumes and ends as one clean push', async (t) => {
  const args = ['dossiers', 'push', file, '--batch-size', '5000', '--source', 'gen-resume', '--json'];
  let killedAt = 0;
  const killed = await runCli(args, env, (stderr, child) => {
    const done = [...stderr.matchAll(/batch (\d+)\/20:/g)].map((m) => Number(m[1]));
    const last = done.at(-1) ?? 0;
    if (!killedAt && last >= 3) {
      killedAt = last;
      child.kill('SIGKILL');
    }
  });
  t.equal(killed.signal, 'SIGKILL', 'killed');
  t.ok(killedAt >= 3 && killedAt < 20, `killed after batch ${killedAt} of 20`);
  t.ok(existsSync(`${file}.cchc-push.json`), 'the state survives the kill');
  const partly = await storedRows('gen-resume');
  t.ok(partly >= killedAt * 5000 && partly < ROWS, `${partly} rows stored before the kill`);

  const rerun = await runCli(args, env);
  t.equal(rerun.code, 0, rerun.stderr);
  t.match(rerun.stderr, /Resuming run [0-9a-f-]+: \d+ of 20 batches were done/);
  t.match(rerun.stderr, /batch 20\/20: 100000\/100000 rows/);
  const report = reportOf(rerun.stdout);
  t.ok(report.resumedAtBatch !== null && report.resumedAtBatch >= killedAt, `resumed at batch ${report.resumedAtBatch}`);
  t.match(report, { rows: ROWS, created: ROWS, updated: 0, unchanged: 0, stale: 0, rejected: 0 }, 'the counts of one clean push');
  t.equal(await storedRows('gen-resume'), ROWS, 'exactly the file’s rows');
  t.equal((await stored('gen-resume')).receivedNew, generated.receivedNew, 'and their counts');
  t.notOk(existsSync(`${file}.cchc-push.json`));
});
