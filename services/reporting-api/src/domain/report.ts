/**
 * One agency's report for one period, as the template sees it: reported values, derived values computed from
 * them, and the template's rules checked against both. Derived values are computed here on every read from the
 * stored inputs, never stored, so they cannot disagree with their inputs.
 *
 * Pure functions, no I/O.
 */
import { evaluate, parseExpression, references, roundTo, type Expression } from './expression.js';
import { isNumeric, type IndicatorDef, type ReportedValue } from './indicators.js';

/** counted: taken from the one-stop-shop's dossier counts (the agency reported nothing for it). */
export type CellStatus = 'reported' | 'counted' | 'derived' | 'not_applicable' | 'missing_input';

export interface DerivedCell {
  value: number | null;
  status: 'derived' | 'not_applicable' | 'missing_input';
  /** Inputs that were not reported, when status is missing_input. */
  missing?: string[];
}

export interface ReportCell {
  indicator: string;
  /** What a reader should use: the reported value, or the derived one when nothing was reported. */
  value: ReportedValue;
  status: CellStatus;
  /** For an indicator with a formula: the value computed from its inputs (shown beside an override). */
  derived?: DerivedCell;
}

interface CompiledRule extends RuleDef {
  leftExpression: Expression;
  rightExpression: Expression;
  indicators: string[];
}

/** Formulas and rules parsed and checked once per template. */
export interface CompiledTemplate {
  defs: Map<string, IndicatorDef>;
  order: string[];
  formulas: Map<string, Expression>;
  rules: CompiledRule[];
}

export class TemplateError extends Error {}

/**
 * Parses every formula and rule and checks them: they read indicators of the template that hold numbers, and no
 * formula depends on itself through others. Throws TemplateError naming the offending indicator or rule.
 */
export function compileTemplate(defs: IndicatorDef[], rules: RuleDef[] = []): CompiledTemplate {
  const byCode = new Map(defs.map((d) => [d.code, d]));
  const parseChecked = (owner: string, what: string, source: string): Expression => {
    let expression: Expression;
    try {
      expression = parseExpression(source);
    } catch (error) {
      throw new TemplateError(`${owner}: ${(error as Error).message}`);
    }
    for (const ref of references(expression)) {
      const input = byCode.get(ref);
      if (!input) throw new TemplateError(`${owner}: the ${what} reads ${ref}, which is not in the template`);
      if (!isNumeric(input.valueType)) throw new TemplateError(`${owner}: the ${what} reads ${ref}, which holds no number`);
    }
    return expression;
  };
  const formulas = new Map<string, Expression>();
  for (const def of defs) {
    if (def.formula) formulas.set(def.code, parseChecked(def.code, 'formula', def.formula));
    // A figure derived from counts rolls up by recomputing it from the summed counts, or not at all.
    if (def.formula && def.rollup !== 'recompute' && def.rollup !== 'none')
      throw new TemplateError(`${def.code}: a derived indicator rolls up by recompute (or none), not ${def.rollup}`);
    if (!def.formula && def.rollup === 'recompute') throw new TemplateError(`${def.code}: recompute needs a formula`);
  }
  const compiledRules = rules.map((rule) => {
    const leftExpression = parseChecked(rule.code, 'rule', rule.left);
    const rightExpression = parseChecked(rule.code, 'rule', rule.right);
    return { ...rule, leftExpression, rightExpression, indicators: [...new Set([...references(leftExpression), ...references(rightExpression)])] };
  });
  const visiting = new Set<string>();
  const done = new Set<string>();
  const visit = (code: string, path: string[]): void => {
    if (done.has(code)) return;
    if (visiting.has(code)) throw new TemplateError(`formulas form a cycle: ${[...path, code].join(' → ')}`);
    visiting.add(code);
    const expression = formulas.get(code);
    if (expression) for (const ref of references(expression)) visit(ref, [...path, code]);
    visiting.delete(code);
    done.add(code);
  };
  for (const code of formulas.keys()) visit(code, []);
  return { defs: byCode, order: defs.map((d) => d.code), formulas, rules: compiledRules };
}

/** Computes every cell of a report from what was reported (absent codes were not reported). */
export function computeReport(template: CompiledTemplate, reported: ReadonlyMap<string, ReportedValue>): Map<string, ReportCell> {
  const derivedCache = new Map<string, DerivedCell>();

  // A formula reads its inputs' own derived values when they have formulas (chains), else what was reported.
  const inputNumber = (code: string): number | null => {
    if (template.formulas.has(code)) return derive(code).value;
    const v = reported.get(code);
    return typeof v === 'number' ? v : null;
  };

  function derive(code: string): DerivedCell {
    const cached = derivedCache.get(code);
    if (cached) return cached;
    const def = template.defs.get(code)!;
    const result = evaluate(template.formulas.get(code)!, inputNumber);
    const cell: DerivedCell =
      result.value === null
        ? { value: null, status: result.reason, ...(result.missing && { missing: result.missing }) }
        : { value: roundTo(result.value, def.decimals ?? 2), status: 'derived' };
    derivedCache.set(code, cell);
    return cell;
  }

  const cells = new Map<string, ReportCell>();
  for (const code of template.order) {
    const def = template.defs.get(code)!;
    if (def.valueType === 'section') continue;
    const hasReport = reported.has(code);
    if (template.formulas.has(code)) {
      const derived = derive(code);
      if (hasReport) cells.set(code, { indicator: code, value: reported.get(code)!, status: 'reported', derived });
      else cells.set(code, { indicator: code, value: derived.value, status: derived.status, derived });
    } else if (hasReport) {
      cells.set(code, { indicator: code, value: reported.get(code)!, status: 'reported' });
    }
  }
  return cells;
}

export const RULE_OPS = ['=', '<=', '<', '>=', '>', 'both-or-neither'] as const;
export type RuleOp = (typeof RULE_OPS)[number];

/** A blocking finding refuses the report's submission; a warning is shown and let through. */
export const RULE_SEVERITIES = ['warning', 'blocking'] as const;
export type RuleSeverity = (typeof RULE_SEVERITIES)[number];

export interface RuleDef {
  code: string;
  left: string;
  op: RuleOp;
  right: string;
  severity: RuleSeverity;
  message: string;
}

export interface Finding {
  /** The rule's code, or DERIVED_MISMATCH for a reported figure that disagrees with its own formula. */
  rule: string;
  severity: RuleSeverity;
  message: string;
  /** Every indicator the finding is about. */
  indicators: string[];
  left: { expression: string; value: number | null };
  op: RuleOp;
  right: { expression: string; value: number | null };
}

export interface RuleOutcome {
  findings: Finding[];
  /** Rules that could not be checked because an input was not reported (blank is not 0). */
  skipped: Array<{ rule: string; missing: string[] }>;
}

/** Two figures count as equal when they agree to 2 decimal places (how rates are written). */
const EQUAL_TOLERANCE = 0.005 + 1e-9;

function holds(op: RuleOp, l: number, r: number): boolean {
  switch (op) {
    case '=':
      return Math.abs(l - r) <= EQUAL_TOLERANCE;
    case '<=':
      return l <= r + 1e-9;
    case '<':
      return l < r - 1e-9;
    case '>=':
      return l >= r - 1e-9;
    case '>':
      return l > r + 1e-9;
    case 'both-or-neither':
      return (l !== 0) === (r !== 0);
  }
}

/** Checks the template's rules, and every overridden derived figure against its formula. */
export function checkRules(template: CompiledTemplate, cells: ReadonlyMap<string, ReportCell>): RuleOutcome {
  const findings: Finding[] = [];
  const skipped: RuleOutcome['skipped'] = [];
  const lookup = (code: string): number | null => {
    const v = cells.get(code)?.value;
    return typeof v === 'number' ? v : null;
  };

  for (const cell of cells.values()) {
    const d = cell.derived;
    if (cell.status !== 'reported' || !d || typeof cell.value !== 'number') continue;
    const def = template.defs.get(cell.indicator)!;
    const formula = def.formula!;
    if (d.status === 'derived' && Math.abs(d.value! - cell.value) > EQUAL_TOLERANCE) {
      findings.push({
        rule: 'DERIVED_MISMATCH',
        severity: 'warning',
        message: `${cell.indicator} is reported as ${cell.value}, but its inputs give ${d.value} (${formula})`,
        indicators: [cell.indicator, ...references(template.formulas.get(cell.indicator)!)],
        left: { expression: cell.indicator, value: cell.value },
        op: '=',
        right: { expression: formula, value: d.value },
      });
    } else if (d.status === 'not_applicable') {
      findings.push({
        rule: 'DERIVED_MISMATCH',
        severity: 'warning',
        message: `${cell.indicator} is reported as ${cell.value}, but its inputs make it not applicable (division by zero in ${formula})`,
        indicators: [cell.indicator, ...references(template.formulas.get(cell.indicator)!)],
        left: { expression: cell.indicator, value: cell.value },
        op: '=',
        right: { expression: formula, value: null },
      });
    }
  }

  for (const rule of template.rules) {
    const left = evaluate(rule.leftExpression, lookup);
    const right = evaluate(rule.rightExpression, lookup);
    const missing = [...(left.reason === 'missing_input' ? (left.missing ?? []) : []), ...(right.reason === 'missing_input' ? (right.missing ?? []) : [])];
    if (missing.length > 0) {
      skipped.push({ rule: rule.code, missing: [...new Set(missing)] });
      continue;
    }
    if (left.value === null || right.value === null) continue; // a division by zero inside a rule: nothing to compare
    if (!holds(rule.op, left.value, right.value)) {
      findings.push({
        rule: rule.code,
        severity: rule.severity,
        message: rule.message,
        indicators: rule.indicators,
        left: { expression: rule.left, value: roundTo(left.value, 4) },
        op: rule.op,
        right: { expression: rule.right, value: roundTo(right.value, 4) },
      });
    }
  }
  return { findings, skipped };
}
