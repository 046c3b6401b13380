/**
 * `pnpm build`: compiles the service with esbuild into dist/, runnable with plain `node dist/server.js` (no tsx).
 * - One ESM bundle per entry point (server, migrate, seed, rebuild-dossier-rollup), with linked source maps
 *   (run with --enable-source-maps so stack traces name the .ts lines).
 * - The workspace packages (@cchc/*, whose exports point at .ts sources) are bundled in; every other package
 *   stays external and is loaded from node_modules, so it must be a `dependencies` entry of this package:
 *   the build fails otherwise (a dev-only or undeclared import would break in the production image).
 * - What the code reads at run time is copied beside the bundles, so dist/ does not depend on the repository
 *   layout: dist/migrations (from the top-level migrations/) and dist/seed (from seed/). MIGRATIONS_DIR in
 *   src/db/migrate.ts and SEED_DIR in src/seed.ts resolve there when running from dist.
 */
import { builtinModules } from 'node:module';
import { cp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

const serviceDir = fileURLToPath(new URL('..', import.meta.url));
const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));
const outdir = `${serviceDir}dist`;

const manifest = JSON.parse(await readFile(`${serviceDir}package.json`, 'utf8')) as { dependencies?: Record<string, string> };
const dependencies = new Set(Object.keys(manifest.dependencies ?? {}));
const builtins = new Set(builtinModules);

/** `@scope/name/sub/path` → `@scope/name`, `name/sub` → `name`. */
function packageName(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

/** Bare imports stay external, except the workspace's own packages, which are bundled from their TS sources. */
const externalPackages: Plugin = {
  name: 'external-packages',
  setup(b) {
    b.onResolve({ filter: /^[^./]/ }, (args) => {
      if (args.path.startsWith('@cchc/')) return undefined;
      return { path: args.path, external: true };
    });
  },
};

const started = performance.now();
await rm(outdir, { recursive: true, force: true });
const result = await build({
  absWorkingDir: serviceDir,
  entryPoints: {
    server: 'src/server.ts',
    migrate: 'scripts/migrate.ts',
    seed: 'scripts/seed.ts',
    'rebuild-dossier-rollup': 'scripts/rebuild-dossier-rollup.ts',
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  sourcemap: 'linked',
  // Stack traces only need the mappings; the sources themselves stay out of the image.
  sourcesContent: false,
  // Bundling renames clashing top-level names (Foo → Foo2); keep .name of functions and classes as written.
  keepNames: true,
  metafile: true,
  logLevel: 'warning',
  plugins: [externalPackages],
});

const undeclared = new Set<string>();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imported of output.imports) {
    if (!imported.external) continue;
    const name = imported.path.startsWith('node:') ? imported.path : packageName(imported.path);
    if (name.startsWith('node:') || builtins.has(name)) continue;
    if (!dependencies.has(name)) undeclared.add(name);
  }
}
if (undeclared.size > 0) {
  process.stderr.write(`build: imported at run time but not in "dependencies" of services/reporting-api/package.json: ${[...undeclared].sort().join(', ')}\n`);
  process.exit(1);
}

await cp(`${repoRoot}migrations`, `${outdir}/migrations`, { recursive: true });
await cp(`${serviceDir}seed`, `${outdir}/seed`, { recursive: true });
// dist/ is ESM whatever directory it is copied to.
await mkdir(outdir, { recursive: true });
await writeFile(`${outdir}/package.json`, `${JSON.stringify({ type: 'module' })}\n`, 'utf8');

const entries = Object.keys(result.metafile.outputs).filter((o) => o.endsWith('.js'));
console.log(`built ${entries.length} entry points into ${outdir} in ${Math.round(performance.now() - started)} ms`);
