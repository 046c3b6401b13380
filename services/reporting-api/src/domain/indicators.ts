/**
 * Indicators of a template and the values agencies report for them: what a value may be, and why not.
 * Pure functions, no I/O.
 */
import type { ValueRefusal } from './row-codes.js';

export const VALUE_TYPES = ['section', 'integer', 'decimal', 'percent', 'boolean', 'choice', 'text'] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export const ROLLUPS = ['sum', 'recompute', 'avg', 'min', 'max', 'any', 'all', 'none'] as const;
export type Rollup = (typeof ROLLUPS)[number];

export interface CodedOption {
  value: number;
  label: string;
}

export interface IndicatorDef {
  code: string;
  name: string;
  valueType: ValueType;
  options?: CodedOption[] | null;
  min?: number | null;
  max?: number | null;
  decimals?: number | null;
  formula?: string | null;
  overridable?: boolean;
  rollup: Rollup;
}

/** A reported value: a number for numeric, boolean and choice types, a string for text, null for a blank cell. */
export type ReportedValue = number | string | null;

export type ValueCheck = { ok: true; value: ReportedValue } | { ok: false; code: ValueRefusal; message: string };

export const MAX_TEXT_LENGTH = 10_000;

const refuse = (code: ValueRefusal, message: string): ValueCheck => ({ ok: false, code, message });

export function isNumeric(type: ValueType): boolean {
  return type === 'integer' || type === 'decimal' || type === 'percent' || type === 'boolean' || type === 'choice';
}

/** Checks one reported value against its indicator. Blank (null) is always allowed: it means "not reported". */
export function checkValue(def: IndicatorDef, value: unknown): ValueCheck {
  if (def.valueType === 'section') return refuse('INDICATOR_NOT_REPORTABLE', `${def.code} is a heading; it has no value of its own`);
  if (def.formula && !def.overridable) return refuse('INDICATOR_DERIVED', `${def.code} is computed from ${def.formula}; send its inputs instead`);
  if (value === null) return { ok: true, value: null };

  if (def.valueType === 'text') {
    if (typeof value !== 'string') return refuse('VALUE_TYPE_MISMATCH', `${def.code} takes text`);
    if (value.length > MAX_TEXT_LENGTH) return refuse('VALUE_OUT_OF_RANGE', `${def.code} takes at most ${MAX_TEXT_LENGTH} characters`);
    return { ok: true, value };
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    const kind = def.valueType === 'boolean' || def.valueType === 'choice' ? 'a code' : 'a number';
    return refuse('VALUE_TYPE_MISMATCH', `${def.code} takes ${kind}, not ${JSON.stringify(value)}`);
  }
  if (def.valueType === 'boolean' || def.valueType === 'choice') {
    const options = def.options ?? [];
    if (!options.some((o) => o.value === value)) {
      const allowed = options.map((o) => `${o.value} (${o.label})`).join(', ');
      return refuse('VALUE_NOT_ALLOWED', `${def.code} takes one of ${allowed}; ${value} is not among them`);
    }
    return { ok: true, value };
  }
  if (def.valueType === 'integer' && !Number.isInteger(value)) return refuse('VALUE_NOT_INTEGER', `${def.code} counts whole units; ${value} is not whole`);
  const [min, max] = bounds(def);
  if ((min !== null && value < min) || (max !== null && value > max)) {
    const range = min !== null && max !== null ? `from ${min} to ${max}` : min !== null ? `at least ${min}` : `at most ${max}`;
    return refuse('VALUE_OUT_OF_RANGE', `${def.code} must be ${range}; ${value} is not`);
  }
  return { ok: true, value };
}

/** Declared bounds, with the type's own: a percent is 0–100, a count is ≥ 0. */
export function bounds(def: IndicatorDef): [min: number | null, max: number | null] {
  const typeMin = def.valueType === 'percent' || def.valueType === 'integer' ? 0 : null;
  const typeMax = def.valueType === 'percent' ? 100 : null;
  const min = def.min ?? null;
  const max = def.max ?? null;
  return [typeMin === null ? min : min === null ? typeMin : Math.max(min, typeMin), typeMax === null ? max : max === null ? typeMax : Math.min(max, typeMax)];
}
