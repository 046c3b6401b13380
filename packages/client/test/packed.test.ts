/**
 * The package as another system gets it: `pnpm pack`, `npm install` of the tarball in a project outside the
 * workspace (openapi-fetch from the npm registry), a TypeScript program compiled there with tsc --strict (package
 * types checked too: skipLibCheck false, no @types/node), then run under plain node against a live server.
 */
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import t from 'tap';
import { buildTestApp } from '@cchc/reporting-api/testing';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const tsc = fileURLToPath(import.meta.resolve('typescript/bin/tsc'));
const manifest = JSON.parse(await readFile(join(packageDir, 'package.json'), 'utf8')) as { version: string };

/** The environment without the npm_/pnpm_ settings of whatever started the tests, which would steer npm. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(npm|pnpm)_/i.test(k)));
  return { ...env, ...extra };
}

t.test('packed, installed outside the workspace, compiled strictly, run against a live server', async (t) => {
  const started = Date.now();
  const phase = (name: string) => t.comment(`${name}: ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const dir = await mkdtemp(join(tmpdir(), 'cchc-client-packed-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  // The service starts (migrations, seed) while the package is packed, installed and compiled.
  const server = buildTestApp(t).then(async (api) => ({ api, baseUrl: await api.app.listen({ port: 0, host: '127.0.0.1' }) }));
  server.catch(() => undefined);
  t.ok(!dir.startsWith(fileURLToPath(new URL('../../..', import.meta.url))), `outside the workspace: ${dir}`);

  // pnpm pack applies publishConfig (exports → dist) and runs prepack (the build).
  const packs = join(dir, 'packs');
  await mkdir(packs);
  await run('pnpm', ['pack', '--pack-destination', packs], { cwd: packageDir, env: cleanEnv(), timeout: 60_000 });
  phase('packed');
  const tarballs = await readdir(packs);
  t.same(tarballs, [`cchc-client-${manifest.version}.tgz`]);

  await run('tar', ['-xzf', join(packs, tarballs[0]!), '-C', packs]);
  const packed = JSON.parse(await readFile(join(packs, 'package', 'package.json'), 'utf8'));
  t.same(packed.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' }, 'exports point at dist/');
  t.equal(packed.types, './dist/index.d.ts');
  t.notOk(packed.publishConfig, 'publishConfig applied, not shipped');
  t.notOk(packed.private);
  t.same(packed.dependencies, { 'openapi-fetch': '~0.17.0' });
  t.notOk(packed.scripts?.prepack, 'no publish lifecycle scripts in the tarball');
  const files = (await run('tar', ['-tzf', join(packs, tarballs[0]!)])).stdout.split('\n').filter(Boolean);
  t.ok(files.includes('package/dist/index.js') && files.includes('package/dist/index.d.ts'));
  t.ok(files.includes('package/dist/generated/openapi.d.ts'), 'the generated types are in the tarball');
  t.ok(files.includes('package/README.md'));
  t.notOk(
    files.some((f) => f.startsWith('package/src/') || f.startsWith('package/test/')),
    'no sources or tests',
  );

  const app = join(dir, 'app');
  await mkdir(app);
  await writeFile(join(app, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await copyFile(join(packs, tarballs[0]!), join(app, tarballs[0]!));
  const npmInstall = ['install', `./${tarballs[0]}`, '--no-audit', '--no-fund', '--loglevel=error'];
  await run('npm', npmInstall, { cwd: app, env: cleanEnv(), timeout: 90_000 });
  phase('installed');
  const installed = JSON.parse(await readFile(join(app, 'node_modules', '@cchc', 'client', 'package.json'), 'utf8'));
  t.equal(installed.version, manifest.version);

  await copyFile(new URL('fixtures/consumer.ts', import.meta.url), join(app, 'main.ts'));
  // types: [] keeps @types/* out, so the package's .d.ts must stand on the web globals alone (as in a browser build).
  const compilerOptions = {
    strict: true,
    module: 'nodenext',
    moduleResolution: 'nodenext',
    target: 'es2022',
    lib: ['es2023', 'dom'],
    skipLibCheck: false,
    // TypeScript's own lib files are not what is under test, and checking them doubles the time.
    skipDefaultLibCheck: true,
    types: [],
    outDir: 'out',
  };
  await writeFile(join(app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files: ['main.ts'] }));
  const compiled = await run(process.execPath, [tsc, '-p', app], { cwd: app, env: cleanEnv() }).then(
    () => '',
    (e: { stdout?: string; message: string }) => e.stdout || e.message,
  );
  phase('compiled');
  t.equal(compiled, '', 'tsc --strict compiles the program and the package types');
  if (compiled) return;

  const { api, baseUrl } = await server;
  phase('server up');
  const env = cleanEnv({ CCHC_BASE_URL: baseUrl, CCHC_ADMIN_KEY: api.keys.admin, CCHC_INGEST_KEY: api.keys.ingest });
  const { stdout } = await run(process.execPath, [join(app, 'out', 'main.js')], { cwd: app, env, timeout: 30_000 });
  phase('program ran');
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!);

  t.equal(result.codesAreLiterals, true);
  t.ok(result.agencies.count > 10, `${result.agencies.count} agencies`);
  t.equal(result.agencies.unique, result.agencies.count, 'each agency once');
  t.ok(result.agencies.requests >= Math.ceil(result.agencies.count / 5), `${result.agencies.requests} pages of 5`);
  t.ok(result.report.items > 0 && result.report.reported > 0, 'the 2023 report of BQL-KCN has values');
  t.match(result.first, { created: 12, rejected: 0, batches: 3, replayedBatches: 0 });
  t.match(result.again, { created: 12, batches: 3, replayedBatches: 3, replayedFlags: [true, true, true] }, 'the first answers, replayed');
  t.match(result.annex, { contentType: 'text/csv', filename: /\.csv$/ });
  t.ok(result.annex.bytes > 100);
  t.match(result.dryRun, { dryRun: true, written: false, created: 0, updated: 0, rejected: 0 });
  t.ok(result.dryRun.unchanged > 10, 'every row of its own export unchanged');
  t.same(result.conflict, { status: 409, code: 'PERIOD_EXISTS', described: 'exists' });
});
