#!/usr/bin/env node
// Checks that seed/templates/cchc-2023.json and seed/demo/bql-kcn-2023-values.json are a faithful
// transcription of the statistics annex of the reference report (cchc-report-2023.txt).
// Plain Node, no dependencies. Usage: node scripts/check-annex-transcription.mjs [path/to/reference.txt]
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const serviceDir = resolve(here, '..');
const referencePath = resolve(process.argv[2] ?? process.env.CCHC_REFERENCE ?? resolve(serviceDir, 'seed/reference/cchc-report-2023.txt'));
const templatePath = resolve(serviceDir, 'seed/templates/cchc-2023.json');
const valuesPath = resolve(serviceDir, 'seed/demo/bql-kcn-2023-values.json');

const errors = [];
const fail = (msg) => errors.push(msg);

const reference = readFileSync(referencePath, 'utf8');
const template = JSON.parse(readFileSync(templatePath, 'utf8'));
const demo = JSON.parse(readFileSync(valuesPath, 'utf8'));

// ---- the annex part of the reference text
const ANNEX_TITLE = '**THỐNG KÊ SỐ LIỆU VÀ KẾT QUẢ THỰC HIỆN CÔNG TÁC CẢI CÁCH HÀNH CHÍNH';
const annexStart = reference.indexOf(ANNEX_TITLE);
if (annexStart < 0) throw new Error(`annex title not found in ${referencePath}`);
const annex = reference.slice(annexStart);

// Table rows of the annex: lines with a tab that are not note continuations (which start with 4 tabs).
// A row normally is STT \t name \t unit \t value \t note; a few rows lost their STT cell in conversion.
const STT = /^(|[IVX]+|\d+)$/;
const annexLines = annex.split('\n');
const headerIdx = annexLines.findIndex((l) => l.startsWith('STT\t'));
const tableRows = [];
for (const line of annexLines.slice(headerIdx + 2)) {
  if (!line.includes('\t') || line.startsWith('\t\t\t\t')) continue;
  const cells = line.split('\t');
  const [stt, name, unit, value] = STT.test(cells[0].trim()) ? cells : ['', ...cells];
  tableRows.push({ stt: stt.trim(), name: (name ?? '').trim(), unit: (unit ?? '').trim(), value: (value ?? '').trim() });
}

// ---- template structure
const VALUE_TYPES = new Set(['section', 'integer', 'decimal', 'percent', 'boolean', 'choice', 'text']);
const ROLLUPS = new Set(['sum', 'recompute', 'avg', 'all', 'any', 'none']);
const OPS = new Set(['=', '<=', '<', '>=', '>', 'both-or-neither']);
const indicators = template.indicators ?? [];
const byCode = new Map();
for (const ind of indicators) {
  if (byCode.has(ind.code)) fail(`duplicate indicator code ${ind.code}`);
  byCode.set(ind.code, ind);
}
const isSection = (ind) => ind?.valueType === 'section';

for (const [i, ind] of indicators.entries()) {
  const where = `indicator ${ind.code}`;
  if (!VALUE_TYPES.has(ind.valueType)) fail(`${where}: unknown valueType ${ind.valueType}`);
  if (!ROLLUPS.has(ind.rollup)) fail(`${where}: unknown rollup ${ind.rollup}`);
  if (typeof ind.name !== 'string' || ind.name === '' || ind.name !== ind.name.trim()) fail(`${where}: bad name`);
  else if (ind.printed !== false && !annex.includes(ind.name)) fail(`${where}: name does not occur verbatim in the annex: ${ind.name}`);
  // parent / level / code shape
  if (ind.level === 1) {
    if (ind.parentCode !== null) fail(`${where}: level 1 must have parent null`);
    if (!/^[IVX]+$/.test(ind.code)) fail(`${where}: section code must be a Roman numeral`);
  } else {
    const parent = byCode.get(ind.parentCode);
    if (!parent) fail(`${where}: parent ${ind.parentCode} does not exist`);
    else {
      if (parent.level !== ind.level - 1) fail(`${where}: level ${ind.level} under parent of level ${parent.level}`);
      if (!ind.code.startsWith(`${parent.code}.`)) fail(`${where}: code does not extend parent code ${parent.code}`);
      if (indicators.indexOf(parent) > i) fail(`${where}: parent ${parent.code} comes after its child`);
    }
  }
  // typed attributes
  if (['boolean', 'choice'].includes(ind.valueType)) {
    if (!Array.isArray(ind.options) || ind.options.length < 2) fail(`${where}: ${ind.valueType} needs options`);
    else if (
      ind.valueType === 'boolean' &&
      ind.options
        .map((o) => o.value)
        .sort()
        .join() !== '0,1'
    )
      fail(`${where}: boolean options must be 0/1`);
    for (const o of ind.options ?? []) if (!ind.unit?.includes(o.label)) fail(`${where}: option label "${o.label}" not in unit cell`);
  } else if ('options' in ind) fail(`${where}: options on a ${ind.valueType}`);
  if (ind.valueType === 'percent' && (ind.min !== 0 || ind.max !== 100 || ind.decimals !== 2)) fail(`${where}: percent needs min 0, max 100, decimals 2`);
  if (ind.valueType === 'integer' && (ind.min !== 0 || ind.decimals !== 0)) fail(`${where}: integer needs min 0, decimals 0`);
  if ('formula' in ind && ind.rollup !== 'recompute') fail(`${where}: formula rows roll up by recompute`);
}

// ---- the printed template rows are the annex rows, in order, cell for cell (printed: false rows are
// supplementary inputs a formula needs, such as the on-time count behind III.7.3)
const printed = indicators.filter((ind) => ind.printed !== false);
if (printed.length !== tableRows.length) fail(`template has ${printed.length} printed indicators, annex has ${tableRows.length} rows`);
for (const [i, row] of tableRows.entries()) {
  const ind = printed[i];
  if (!ind) break;
  if (ind.name !== row.name) fail(`row ${i + 1}: name "${ind.name}" != annex "${row.name}"`);
  if (ind.stt !== row.stt) fail(`row ${i + 1} (${ind.code}): stt "${ind.stt}" != annex "${row.stt}"`);
  if ((ind.unit ?? '') !== row.unit) fail(`row ${i + 1} (${ind.code}): unit "${ind.unit}" != annex "${row.unit}"`);
  row.code = ind.code;
}

// ---- expressions: only codes, numbers, + - * / and parentheses; every code must exist
const TOKEN = /\s*(?:([IVX]+(?:\.\d+)*)(?![\w.])|(\d+(?:\.\d+)?)|([-+*/()]))/y;
function checkExpr(expr, where) {
  if (typeof expr !== 'string' || expr.trim() === '') return fail(`${where}: empty expression`);
  TOKEN.lastIndex = 0;
  let depth = 0;
  while (TOKEN.lastIndex < expr.length) {
    if (/^\s*$/.test(expr.slice(TOKEN.lastIndex))) break;
    const m = TOKEN.exec(expr);
    if (!m) return fail(`${where}: bad token at "${expr.slice(TOKEN.lastIndex)}" in "${expr}"`);
    if (m[1]) {
      const ref = byCode.get(m[1]);
      if (!ref) fail(`${where}: unknown indicator ${m[1]} in "${expr}"`);
      else if (isSection(ref)) fail(`${where}: ${m[1]} is a section/heading row and has no value`);
    }
    if (m[3] === '(') depth++;
    if (m[3] === ')' && --depth < 0) return fail(`${where}: unbalanced parentheses in "${expr}"`);
  }
  if (depth !== 0) fail(`${where}: unbalanced parentheses in "${expr}"`);
}
for (const ind of indicators) if ('formula' in ind) checkExpr(ind.formula, `formula of ${ind.code}`);

const rules = template.rules ?? [];
const ruleCodes = new Set();
for (const r of rules) {
  const where = `rule ${r.code}`;
  if (!/^R-/.test(r.code ?? '')) fail(`${where}: code must start with R-`);
  if (ruleCodes.has(r.code)) fail(`${where}: duplicate rule code`);
  ruleCodes.add(r.code);
  if (!OPS.has(r.op)) fail(`${where}: unknown op ${r.op}`);
  if (!['warning', 'blocking'].includes(r.severity)) fail(`${where}: unknown severity ${r.severity}`);
  if (typeof r.message !== 'string' || r.message.trim() === '') fail(`${where}: empty message`);
  checkExpr(r.left, `${where} left`);
  checkExpr(r.right, `${where} right`);
}

// ---- values
const parseVi = (raw) => {
  if (raw === '') return null;
  const m = /^(\d{1,3}(?:\.\d{3})+|\d+)(?:,(\d+))?\s*%?(?:\s*\(.*\))?$/.exec(raw);
  if (!m) return undefined;
  return Number(m[1].replaceAll('.', '') + (m[2] ? `.${m[2]}` : ''));
};
const noteOk = (note) => note.split('\n').every((part) => annex.includes(part));
if (demo.template !== template.id) fail(`values file is for template ${demo.template}, not ${template.id}`);
const seen = new Set();
for (const v of demo.values ?? []) {
  const where = `value ${v.indicator}`;
  const ind = byCode.get(v.indicator);
  if (!ind) {
    fail(`${where}: unknown indicator`);
    continue;
  }
  if (isSection(ind)) fail(`${where}: indicator is a section/heading row`);
  if (seen.has(v.indicator)) fail(`${where}: duplicate entry`);
  seen.add(v.indicator);
  const row = tableRows.find((r) => r.code === v.indicator);
  if (row && row.value !== v.raw) fail(`${where}: raw "${v.raw}" != annex cell "${row.value}"`);
  const parsed = parseVi(v.raw);
  if (parsed === undefined) fail(`${where}: raw "${v.raw}" is not a Vietnamese number`);
  else if (parsed !== v.value) fail(`${where}: value ${v.value} != parsed raw ${parsed}`);
  if (v.value !== null && ind.options && !ind.options.some((o) => o.value === v.value)) fail(`${where}: ${v.value} is not an option`);
  if (v.raw === '' && !v.note) fail(`${where}: entry with neither value nor note`);
  if ('note' in v && (!v.note || !noteOk(v.note))) fail(`${where}: note does not occur in the annex`);
}
for (const row of tableRows) {
  const ind = byCode.get(row.code);
  if (ind && !isSection(ind) && row.value !== '' && !seen.has(row.code)) fail(`value missing for ${row.code} (annex has "${row.value}")`);
}
for (const h of demo.headingNotes ?? []) {
  const ind = byCode.get(h.indicator);
  if (!ind) fail(`heading note ${h.indicator}: unknown indicator`);
  else if (!isSection(ind)) fail(`heading note ${h.indicator}: not a section/heading row (put it in values)`);
  if (!h.note || !noteOk(h.note)) fail(`heading note ${h.indicator}: note does not occur in the annex`);
}

// ---- report
const count = (pred) => indicators.filter(pred).length;
console.log(`reference: ${referencePath}`);
console.log(`annex rows:        ${tableRows.length}`);
console.log(`indicators:        ${indicators.length}`);
console.log(`  sections (L1):   ${count((i) => i.level === 1)}`);
console.log(`  items (L2):      ${count((i) => i.level === 2)} (headings: ${count((i) => i.level === 2 && i.heading)})`);
console.log(`  sub-items (L3):  ${count((i) => i.level === 3)} (headings: ${count((i) => i.level === 3 && i.heading)})`);
console.log(`  sub-sub (L4):    ${count((i) => i.level === 4)}`);
console.log(`  formulas:        ${count((i) => 'formula' in i)}`);
console.log(
  `rules:             ${rules.length} (blocking ${rules.filter((r) => r.severity === 'blocking').length}, warning ${rules.filter((r) => r.severity === 'warning').length})`,
);
console.log(
  `values:            ${(demo.values ?? []).length} (blank ${(demo.values ?? []).filter((v) => v.value === null).length}, with note ${(demo.values ?? []).filter((v) => v.note).length})`,
);
console.log(`heading notes:     ${(demo.headingNotes ?? []).length}`);
if (errors.length) {
  console.error(`\n${errors.length} problem(s):`);
  for (const e of errors) console.error(`  - ${e}`);
  process.exit(1);
}
console.log('\nOK: transcription matches the annex');
