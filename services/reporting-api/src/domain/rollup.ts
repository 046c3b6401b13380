/**
 * Rolling an indicator up over agencies (a department and its units, the whole province) by the indicator's
 * roll-up rule. Counts are summed; a rate is recomputed from the summed counts of its formula, never averaged
 * from the agencies' percentages (1 of 1 and 0 of 99 is 1 %, not 50 %). Overrides an agency reported for a
 * derived rate do not enter the roll-up: the rate is recomputed from the counts.
 *
 * The aggregates per indicator (sum, avg, min, max, any, all over the agencies that reported a number) are
 * computed by the database; this module applies the rules and formulas to them. Pure functions, no I/O.
 */
import { evaluate, references, roundTo } from './expression.js';
import type { CompiledTemplate } from './report.js';

export interface Aggregates {
  /** Agencies with a number for the indicator. */
  count: number;
  sum: number | null;
  avg: number | null;
  min: number | null;
  max: number | null;
  /** Some agency reported 1 / every agency that reported, reported 1. */
  any: boolean | null;
  all: boolean | null;
}

export type RollupStatus = 'derived' | 'not_applicable' | 'missing_input' | 'not_aggregated';

export interface RollupResult {
  indicator: string;
  value: number | null;
  status: RollupStatus;
  /** Agencies that contributed (for recompute: the most of any input). */
  agencies: number;
  /** For recompute: the rolled-up inputs the figure was computed from. */
  inputs?: Record<string, number | null>;
}

/** Codes whose aggregates a roll-up of `codes` needs: the codes themselves and, for recomputed ones, their formula inputs. */
export function aggregatesNeeded(template: CompiledTemplate, codes: string[]): string[] {
  const out = new Set<string>();
  const visit = (code: string) => {
    if (out.has(code)) return;
    out.add(code);
    const def = template.defs.get(code);
    const formula = template.formulas.get(code);
    if (def?.rollup === 'recompute' && formula) references(formula).forEach(visit);
  };
  codes.forEach(visit);
  return [...out];
}

export function rollupIndicator(template: CompiledTemplate, code: string, aggregates: ReadonlyMap<string, Aggregates>): RollupResult {
  const def = template.defs.get(code)!;
  const formula = template.formulas.get(code);
  if (def.rollup === 'recompute' && formula) {
    const parts = new Map<string, RollupResult>();
    const evaluated = evaluate(formula, (ref) => {
      const part = parts.get(ref) ?? rollupIndicator(template, ref, aggregates);
      parts.set(ref, part);
      return part.value;
    });
    const inputs = Object.fromEntries([...parts].map(([k, v]) => [k, v.value]));
    const agencies = Math.max(0, ...[...parts.values()].map((p) => p.agencies));
    return evaluated.value === null
      ? { indicator: code, value: null, status: evaluated.reason, agencies, inputs }
      : { indicator: code, value: roundTo(evaluated.value, def.decimals ?? 2), status: 'derived', agencies, inputs };
  }
  const a = aggregates.get(code);
  const agencies = a?.count ?? 0;
  if (def.rollup === 'none' || def.rollup === 'recompute') return { indicator: code, value: null, status: 'not_aggregated', agencies };
  if (!a || a.count === 0) return { indicator: code, value: null, status: 'missing_input', agencies };
  const round = (v: number | null) => (v === null || def.decimals == null ? v : roundTo(v, def.decimals));
  const value =
    def.rollup === 'sum'
      ? round(a.sum)
      : def.rollup === 'avg'
        ? round(a.avg)
        : def.rollup === 'min'
          ? a.min
          : def.rollup === 'max'
            ? a.max
            : def.rollup === 'any'
              ? a.any
                ? 1
                : 0
              : a.all
                ? 1
                : 0;
  return { indicator: code, value, status: 'derived', agencies };
}
