/**
 * The production image without a Docker engine: the Dockerfile's stages read as text, the compiled build run the
 * way the image runs it (`node --enable-source-maps dist/server.js`, no tsx) against PostgreSQL and on the embedded
 * engine, and docker-compose.yml's defaults. When `docker info` answers, the image is also built.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { openTestDatabase, serverUrl } from '../helpers/database.js';
import { freePort } from '../helpers/net.js';

const serviceDir = fileURLToPath(new URL('../..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../../..', import.meta.url));
const RUNTIME_COMMAND = ['--enable-source-maps', 'dist/server.js'];

// --- The Dockerfile, as instructions grouped by stage ---------------------------------------------------------------

interface Instruction {
  keyword: string;
  args: string;
}
interface Stage {
  from: string;
  name: string | undefined;
  instructions: Instruction[];
}

function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  // Join continuation lines, drop comments and blank lines.
  const logical = text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  for (const line of logical) {
    const [, keyword = '', args = ''] = /^(\S+)\s*(.*)$/.exec(line) ?? [];
    const instruction = { keyword: keyword.toUpperCase(), args };
    if (instruction.keyword === 'FROM') {
      const [, from = '', name] = /^(\S+)(?:\s+AS\s+(\S+))?/i.exec(args) ?? [];
      stages.push({ from, name, instructions: [] });
    } else stages.at(-1)?.instructions.push(instruction);
  }
  return stages;
}

t.test('Dockerfile: a build stage, then a runtime stage without dev tooling', async (t) => {
  const stages = parseDockerfile(await readFile(join(serviceDir, 'Dockerfile'), 'utf8'));
  t.ok(stages.length >= 2, `at least two stages (got ${stages.length})`);
  const runtime = stages.find((s) => s.name === 'runtime') ?? stages.at(-1)!;
  t.equal(runtime, stages.at(-1), 'the runtime stage is the last one (the default target)');
  t.match(runtime.from, /^node:20-bookworm-slim$/, 'runtime on node:20-bookworm-slim');
  const of = (keyword: string) => runtime.instructions.filter((i) => i.keyword === keyword);

  const cmd = of('CMD').at(-1);
  t.ok(cmd, 'runtime has a CMD');
  const argv = JSON.parse(cmd?.args ?? '[]') as string[];
  t.same(argv, ['node', ...RUNTIME_COMMAND], 'CMD runs the bundle with source maps (exec form)');
  t.notMatch(argv.join(' '), /tsx|--import|--loader|\.ts\b/, 'CMD loads no TypeScript tooling');

  const installs = of('RUN').filter((i) => /\b(pnpm|npm|yarn)\b.*\b(install|add|ci)\b/.test(i.args));
  t.same(installs, [], 'the runtime stage installs nothing (its node_modules come from the build stage)');
  const build = stages.find((s) => s.instructions.some((i) => i.keyword === 'RUN' && /\bdeploy\b.*--prod/.test(i.args)));
  t.ok(build && build !== runtime, 'production dependencies are deployed (pnpm deploy --prod) in an earlier stage');
  for (const copy of of('COPY')) {
    t.notMatch(copy.args, /\bsrc\b|\.ts\b/, `runtime copies no TypeScript sources: COPY ${copy.args}`);
  }

  const users = of('USER');
  t.ok(users.length > 0, 'runtime sets a USER');
  t.notMatch(users.at(-1)?.args ?? 'root', /^(root|0)(:|$)/, 'and it is not root');
  const healthcheck = of('HEALTHCHECK').at(-1);
  t.match(healthcheck?.args ?? '', /\/healthz/, 'HEALTHCHECK asks /healthz');
  t.match(healthcheck?.args ?? '', /fetch\(/, "with node's fetch (no curl in a slim image)");
  t.ok(
    of('RUN').some((i) => /mkdir\b[^&]*\/data\b/.test(i.args) && /chmod\s+0?700\s+\/data\b/.test(i.args) && /chown\s+\S+\s+\/data\b/.test(i.args)),
    'runtime creates /data, owned by the service user, mode 0700',
  );
  t.ok(
    of('ENV').some((i) => /\bNODE_ENV=production\b/.test(i.args)),
    'NODE_ENV=production',
  );
  t.ok(
    of('ENV').some((i) => /\bDATA_DIR=\/data\b/.test(i.args)),
    'DATA_DIR=/data',
  );

  const ignore = (await readFile(join(repoRoot, '.dockerignore'), 'utf8')).split(/\r?\n/).map((l) => l.trim());
  for (const entry of ['**/node_modules', '**/dist', '**/data', '.git']) t.ok(ignore.includes(entry), `.dockerignore has ${entry}`);
});

// --- The compiled service, run as the image runs it ----------------------------------------------------------------

async function buildDist(): Promise<void> {
  const result = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/build.ts'], { cwd: serviceDir, encoding: 'utf8', env: cleanEnv() });
  if (result.status !== 0) throw new Error(`build failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
}

/** The environment of this test without tap's loaders: the child must run on plain node. */
function cleanEnv(overrides: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(env)) if (key === 'NODE_OPTIONS' || key.startsWith('TAP') || key.startsWith('_TAPJS')) delete env[key];
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

async function startDist(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; output: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, RUNTIME_COMMAND, { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  while (!out.includes('Server listening')) {
    if (child.exitCode !== null) throw new Error(`server exited early (${child.exitCode}):\n${out}`);
    if (Date.now() > deadline) throw new Error(`server did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return { child, output: () => out, exited };
}

/**
 * The server listens at once and finishes starting (migrations, admin key) after: until then the API answers 503.
 * Waits until an authenticated request gets something else, and returns that answer.
 */
async function whenReady(base: string, key: string): Promise<Response> {
  const deadline = Date.now() + 120_000;
  for (;;) {
    const response = await fetch(`${base}/v1/agencies`, { headers: { authorization: `Bearer ${key}` } });
    if (response.status !== 503 || Date.now() > deadline) return response;
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stop(server: { child: ChildProcess; exited: Promise<number | null> }): Promise<number | null> {
  server.child.kill('SIGTERM');
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref());
  const code = await Promise.race([server.exited, timeout]);
  if (code === 'timeout') {
    server.child.kill('SIGKILL');
    throw new Error('the server did not exit within 20 s of SIGTERM');
  }
  return code;
}

t.test('the build: dist/ from a clean state, runnable without tsx', async (t) => {
  await rm(join(serviceDir, 'dist'), { recursive: true, force: true });
  const started = performance.now();
  await buildDist();
  t.comment(`build took ${Math.round(performance.now() - started)} ms`);
  for (const file of ['server.js', 'server.js.map', 'migrate.js', 'seed.js', 'migrations/meta/_journal.json', 'seed/agencies.json']) {
    t.ok(existsSync(join(serviceDir, 'dist', file)), `dist/${file}`);
  }
  const bundle = await readFile(join(serviceDir, 'dist/server.js'), 'utf8');
  t.notMatch(bundle, /from\s+["']tsx|import\(["']tsx/, 'the bundle does not import tsx');
  t.notMatch(bundle, /from\s+["']@cchc\//, 'the workspace packages are bundled in, not imported');
  t.match(bundle, /\/\/# sourceMappingURL=server\.js\.map/, 'with a linked source map');
});

const adminKey = `test-admin-${randomBytes(16).toString('hex')}`;

t.test('node dist/server.js against PostgreSQL', { skip: serverUrl ? false : 'needs DATABASE_URL or TEST_DATABASE_URL (a PostgreSQL server)' }, async (t) => {
  if (!existsSync(join(serviceDir, 'dist/server.js'))) await buildDist();
  const { url, database, drop } = await openTestDatabase();
  // The server migrates by itself; this handle is not needed (the database is already migrated, which it must accept).
  await database.close();
  t.teardown(drop);
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startDist(
    cleanEnv({
      NODE_ENV: 'production',
      DATABASE_URL: url,
      DATA_DIR: undefined,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_API_KEY: adminKey,
      SEED: 'false',
      LOG_LEVEL: 'info',
      LOG_FORMAT: undefined,
    }),
  );
  t.teardown(() => server.child.kill('SIGKILL'));

  t.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz');
  t.equal((await whenReady(base, adminKey)).status, 200, 'GET /v1/agencies with ADMIN_API_KEY: 200');
  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 200, '/readyz');
  t.match(await ready.json(), { database: 'postgres' });
  t.equal((await fetch(`${base}/v1/agencies`)).status, 401, 'GET /v1/agencies without a key: 401');
  t.notMatch(server.output(), /loaded demo data/, 'SEED=false: no demo data');

  t.equal(await stop(server), 0, 'SIGTERM: clean exit 0', { output: server.output().slice(-3000) });
  t.match(server.output(), /shutting down/);
});

/** Every path under `dir` (itself included) whose mode lets group or others in, as "path mode". */
async function openToOthers(dir: string): Promise<{ folders: string[]; files: string[] }> {
  const found = { folders: [] as string[], files: [] as string[] };
  const walk = async (path: string): Promise<void> => {
    const info = await stat(path);
    const shown = `${path.slice(dir.length) || '.'} ${(info.mode & 0o777).toString(8)}`;
    if ((info.mode & 0o077) !== 0) (info.isDirectory() ? found.folders : found.files).push(shown);
    if (info.isDirectory()) for (const entry of await readdir(path)) await walk(join(path, entry));
  };
  await walk(dir);
  return found;
}

t.test('node dist/server.js on the embedded engine (no DATABASE_URL)', async (t) => {
  if (!existsSync(join(serviceDir, 'dist/server.js'))) await buildDist();
  const parent = await mkdtemp(join(tmpdir(), 'cchc-image-'));
  t.teardown(() => rm(parent, { recursive: true, force: true }));
  // Not created beforehand: the service makes it, as it would on a host without the image's /data.
  const dataDir = join(parent, 'data');
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const server = await startDist(
    cleanEnv({
      NODE_ENV: 'production',
      DATABASE_URL: undefined,
      TEST_DATABASE_URL: undefined,
      DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_API_KEY: adminKey,
      SEED: 'false',
      LOG_LEVEL: 'info',
      LOG_FORMAT: undefined,
    }),
  );
  t.teardown(() => server.child.kill('SIGKILL'));

  t.equal((await fetch(`${base}/healthz`)).status, 200, '/healthz');
  t.equal((await whenReady(base, adminKey)).status, 200, 'GET /v1/agencies with ADMIN_API_KEY: 200');
  const ready = await fetch(`${base}/readyz`);
  t.equal(ready.status, 200, '/readyz');
  t.match(await ready.json(), { database: 'pglite' });

  t.ok(existsSync(join(dataDir, 'PG_VERSION')), 'PGlite wrote its files into DATA_DIR');
  const open = await openToOthers(dataDir);
  t.same(open.folders.slice(0, 10), [], `DATA_DIR and the folders in it are closed to group and others (${open.folders.length} are not)`);
  t.same(open.files.slice(0, 10), [], `every file in DATA_DIR is closed to group and others (${open.files.length} are not)`);

  t.equal(await stop(server), 0, 'SIGTERM: clean exit 0', { output: server.output().slice(-3000) });
});

// --- docker-compose.yml ---------------------------------------------------------------------------------------------

t.test('docker-compose.yml: secrets required, no demo seed, loopback by default', async (t) => {
  const compose = await readFile(join(repoRoot, 'docker-compose.yml'), 'utf8');
  const active = compose
    .split(/\r?\n/)
    .filter((l) => !l.trim().startsWith('#'))
    .join('\n');
  t.match(active, /^\s*ADMIN_API_KEY:\s*\$\{ADMIN_API_KEY:\?[^}]+\}\s*$/m, 'ADMIN_API_KEY is required (${ADMIN_API_KEY:?…})');
  t.notMatch(active, /ADMIN_API_KEY:-|ADMIN_API_KEY-[^}]/, 'and has no default');
  t.match(active, /^\s*SEED:\s*\$\{SEED:-false\}\s*$/m, 'SEED defaults to false');
  t.notMatch(active, /^\s*SEED:\s*["']?true["']?\s*$/m, 'SEED is not hard-wired to true');
  t.match(active, /^\s*-\s*"\$\{BIND_ADDRESS:-127\.0\.0\.1\}:3000:3000"\s*$/m, 'the port is published on 127.0.0.1 by default');
  t.notMatch(active, /^\s*-\s*["']?\d+:\d+["']?\s*$/m, 'no port published on every interface');
  t.match(active, /^\s*POSTGRES_PASSWORD:\s*\$\{POSTGRES_PASSWORD:\?[^}]+\}\s*$/m, 'POSTGRES_PASSWORD is required');
  t.match(active, /^\s*DATABASE_URL:\s*postgres:\/\/cchc:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/cchc\s*$/m, 'DATABASE_URL is built from it');
  t.match(active, /reporting-api:[\s\S]*healthcheck:[\s\S]*\/readyz/, 'the service keeps its healthcheck');
});

// --- With a Docker engine: the real image ---------------------------------------------------------------------------

const engine = spawnSync('docker', ['info'], { stdio: 'ignore', timeout: 15_000 }).status === 0;

t.test('docker build', { skip: engine ? false : 'no Docker engine here (`docker info` failed): the image itself is not built' }, async (t) => {
  const tag = `cchc-reporting-api:test-${process.pid}`;
  const built = spawnSync('docker', ['build', '-f', 'services/reporting-api/Dockerfile', '-t', tag, '.'], {
    cwd: repoRoot,
    encoding: 'utf8',
    timeout: 900_000,
  });
  t.equal(built.status, 0, `docker build${built.status === 0 ? '' : `:\n${built.stderr.slice(-4000)}`}`);
  if (built.status !== 0) return;
  t.teardown(() => void spawnSync('docker', ['image', 'rm', '-f', tag], { stdio: 'ignore' }));
  const inspected = spawnSync('docker', ['image', 'inspect', tag, '--format', '{{json .Config}}'], { encoding: 'utf8' });
  const config = JSON.parse(inspected.stdout) as { User: string; Cmd: string[]; Healthcheck?: { Test: string[] }; Env: string[] };
  t.notMatch(config.User, /^(root|0)?(:|$)/, 'the image runs as a non-root user');
  t.same(config.Cmd, ['node', ...RUNTIME_COMMAND]);
  t.match(config.Healthcheck?.Test.join(' ') ?? '', /\/healthz/);
  t.ok(config.Env.includes('NODE_ENV=production'));
  const listing = spawnSync('docker', ['run', '--rm', '--entrypoint', 'sh', tag, '-c', 'stat -c "%a %U" /data'], {
    encoding: 'utf8',
  });
  t.match(listing.stdout, /^700 node$/m, '/data is 0700 and owned by the service user');
});
