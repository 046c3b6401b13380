/**
 * The package as others install it: its version is the API's, its manifest points the workspace at src/ and the
 * tarball at dist/, its only runtime dependency is openapi-fetch, and the generated types are fresh.
 */
import { readFile } from 'node:fs/promises';
import t from 'tap';
import { generate, outputUrl } from '../scripts/generate.js';

const manifest = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
const document = JSON.parse(await readFile(new URL('../../../openapi/openapi.json', import.meta.url), 'utf8'));

t.test('the version is the API version (openapi.json info.version)', async (t) => {
  t.equal(manifest.version, document.info.version);
});

t.test('the manifest', async (t) => {
  t.notOk(manifest.private, 'publishable');
  t.equal(manifest.type, 'module');
  t.same(Object.keys(manifest.dependencies), ['openapi-fetch'], 'openapi-fetch is the only runtime dependency');
  t.same(manifest.exports['.'], './src/index.ts', 'workspace consumers (tsx) read the sources, no build step');
  t.same(manifest.publishConfig.exports['.'], { types: './dist/index.d.ts', import: './dist/index.js' }, 'the tarball points at dist/');
  t.same(manifest.files, ['dist', 'README.md']);
  t.match(manifest.scripts.prepack, /pnpm run build/);
  t.match(manifest.scripts.build, /tsc -p tsconfig\.build\.json/);
});

t.test('src/generated/openapi.ts is what the generator makes of openapi/openapi.json (run pnpm openapi)', async (t) => {
  const fresh = await generate();
  t.ok(fresh === (await readFile(outputUrl, 'utf8')), 'fresh');
  t.equal(await generate(), fresh, 'deterministic');
  t.notMatch(fresh, /"application\/pdf": string/, 'binary bodies are not typed as string');
  t.match(fresh, /"application\/pdf": Blob/);
});
