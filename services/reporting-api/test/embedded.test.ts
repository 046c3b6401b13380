/**
 * The embedded path end to end, as a newcomer meets it: the real server process (src/server.ts) on PGlite
 * in a fresh DATA_DIR, without DATABASE_URL. It migrates, seeds, writes the bootstrap admin key, serves
 * real data, shuts down gracefully on SIGTERM, and finds its data again on the next start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { freePort } from './helpers/net.js';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));

async function startServer(dataDir: string, port: number): Promise<{ child: ChildProcess; output: () => string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'info' };
  delete env.DATABASE_URL;
  delete env.ADMIN_API_KEY;
  delete env.SEED;
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 90_000;
  // It listens before it has migrated (the probes answer meanwhile); the Swagger UI line says it takes requests.
  while (!out.includes('Swagger UI:')) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${out}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => out };
}

async function stop(child: ChildProcess): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  child.kill('SIGTERM');
  return exited;
}

t.test('first start on the embedded database, then a restart', async (t) => {
  const dataDir = await mkdtemp(join(tmpdir(), 'cchc-embedded-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;

  const first = await startServer(dataDir, port);
  t.teardown(() => first.child.kill('SIGKILL'));
  const keyFile = join(dataDir, 'admin-api-key');
  const key = (await readFile(keyFile, 'utf8')).trim();
  t.equal((await stat(keyFile)).mode & 0o777, 0o600, 'the bootstrap key file is 0600');
  t.match(first.output(), /Swagger UI: http:\/\/127\.0\.0\.1:\d+\/docs/);
  t.match(first.output(), /loaded demo data/);

  const auth = { authorization: `Bearer ${key}` };
  const period = await (await fetch(`${base}/v1/periods/2023`, { headers: auth })).json();
  t.match(period, { id: '2023', startsOn: '2022-12-15', endsOn: '2023-12-14' });
  const agencies = (await (await fetch(`${base}/v1/agencies?q=ban%20quan%20ly`, { headers: auth })).json()) as any;
  t.ok(agencies.items.some((a: any) => a.name === 'Ban Quản lý các khu công nghiệp tỉnh Sóc Trăng'));
  t.equal((await fetch(`${base}/docs/`)).status, 200);
  t.equal(((await (await fetch(`${base}/readyz`)).json()) as any).database, 'pglite');

  const created = await fetch(`${base}/v1/agencies`, {
    method: 'POST',
    headers: { ...auth, 'content-type': 'application/json' },
    body: JSON.stringify({ code: 'PERSIST', name: 'Còn đó sau khi khởi động lại', kind: 'unit', parentCode: 'SNV' }),
  });
  t.equal(created.status, 201);

  // A request in flight when SIGTERM arrives still completes.
  const inFlight = fetch(`${base}/v1/agencies/UBND-ST/subtree`, { headers: auth });
  await new Promise((r) => setTimeout(r, 5));
  const exitCode = await stop(first.child);
  t.equal((await inFlight).status, 200, 'the in-flight request finished');
  t.equal(exitCode, 0, 'graceful shutdown exits 0');
  t.match(first.output(), /shutting down/);

  const second = await startServer(dataDir, port);
  t.teardown(() => second.child.kill('SIGKILL'));
  t.notMatch(second.output(), /loaded demo data/, 'the second start does not seed again');
  t.notMatch(second.output(), /admin key was generated/, 'nor generate another key');
  const persisted = await fetch(`${base}/v1/agencies/PERSIST`, { headers: auth });
  const body = (await persisted.json()) as any;
  t.equal(body.name, 'Còn đó sau khi khởi động lại', JSON.stringify(body));
  t.equal(await stop(second.child), 0);
});

t.test('a bad configuration stops the start with a clear message', async (t) => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], {
    cwd: serviceDir,
    env: { ...process.env, PORT: 'eighty', LOG_LEVEL: 'loud' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  child.stderr.on('data', (d) => (err += d));
  const code = await new Promise((resolve) => child.once('exit', resolve));
  t.equal(code, 2);
  t.match(err, /Invalid configuration: PORT must be an integer from 1 to 65535 \(got "eighty"\); LOG_LEVEL must be one of/);
});
