#!/usr/bin/env node
// Runs every package's tap suite in turn and ends with one plain summary line ("N passed, N failed"),
// summed from tap's own "# { total, pass, fail }" lines. Exit code: non-zero if any suite failed or no
// test ran at all.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const packages = ['services/reporting-api', 'packages/dossier-table', 'packages/client', 'packages/cli'].map((p) => join(root, p));
let passed = 0;
let failed = 0;
let exitCode = 0;

for (const dir of packages) {
  process.stdout.write(`\n=== ${dir} ===\n`);
  const code = await new Promise((resolve) => {
    const child = spawn(join(dir, 'node_modules', '.bin', 'tap'), process.argv.slice(2), { cwd: dir, stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk).slice(-4096);
    });
    child.on('exit', (c) => {
      const summary = [...tail.matchAll(/^# \{ total: (\d+), pass: (\d+)(?:, fail: (\d+))?.*\}$/gm)].at(-1);
      if (summary) {
        passed += Number(summary[2]);
        failed += Number(summary[3] ?? 0);
      } else failed += 1;
      resolve(c ?? 1);
    });
  });
  if (code !== 0) exitCode = 1;
}

if (passed === 0) exitCode = 1;
process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
process.exit(exitCode);
