import { readFile } from 'node:fs/promises';
import t from 'tap';
import { PROBLEMS } from '../src/errors.js';

t.test('docs/architecture.md lists every problem code', async (t) => {
  const doc = await readFile(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
  for (const code of Object.keys(PROBLEMS)) t.ok(doc.includes(`\`${code}\``), code);
});
