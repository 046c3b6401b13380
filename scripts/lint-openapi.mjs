#!/usr/bin/env node
// Lints openapi/openapi.json with the two linters other teams run on it, and fails on anything either reports:
// redocly (recommended rules, redocly.yaml) exits non-zero only on errors, so its warnings are counted from its
// JSON report; spectral (spectral:oas, .spectral.yaml) fails on warnings by its own flag.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const bin = (name) => resolve(root, 'node_modules', '.bin', name);
const doc = 'openapi/openapi.json';

const redocly = spawnSync(bin('redocly'), ['lint', '--format=json', doc], { cwd: root, encoding: 'utf8' });
let failed = false;
try {
  const report = JSON.parse(redocly.stdout);
  const { errors, warnings, ignored } = report.totals;
  console.log(`redocly (recommended): ${errors} errors, ${warnings} warnings, ${ignored} ignored with a reason`);
  for (const p of report.problems) console.log(`  ${p.severity} ${p.ruleId}: ${p.message} at ${p.location?.[0]?.pointer ?? ''}`);
  failed ||= errors + warnings > 0;
} catch {
  console.log(redocly.stdout, redocly.stderr);
  failed = true;
}

const spectral = spawnSync(bin('spectral'), ['lint', '--fail-severity=warn', '--ruleset', '.spectral.yaml', doc], { cwd: root, encoding: 'utf8' });
console.log(`spectral (spectral:oas): ${spectral.stdout.trim()}`);
failed ||= spectral.status !== 0;

process.exit(failed ? 1 : 0);
