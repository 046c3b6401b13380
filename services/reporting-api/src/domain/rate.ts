import { roundTo } from './expression.js';

/** A rate as dashboards read it: both terms, and the percent (2 decimals), or null when nothing was counted. */
export interface Rate {
  numerator: number;
  denominator: number;
  value: number | null;
}

export function rate(numerator: number, denominator: number): Rate {
  return { numerator, denominator, value: denominator === 0 ? null : roundTo((numerator / denominator) * 100, 2) };
}
