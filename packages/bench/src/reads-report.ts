/**
 * The read benchmark's tables, as markdown: per target the median req/s over rounds with its spread, latency,
 * unexpected answers and CPU per request per process; the ratios (median of the per-round ratios, with their
 * spread) and whether each goal is met.
 */
import type { Phase, Target } from './load.js';
import { median } from './processes.js';

export interface Goal {
  label: string;
  over: string;
  under: string;
  atLeast: number;
}

const fmt = (x: number, digits = 0) => (Number.isFinite(x) ? x.toFixed(digits) : 'n/a');
const spread = (xs: number[], digits = 0) => `${fmt(Math.min(...xs), digits)}–${fmt(Math.max(...xs), digits)}`;
const medianOf = (xs: number[]) => {
  const known = xs.filter(Number.isFinite);
  return known.length ? median(known) : Number.NaN;
};

export function ratiosPerRound(runs: Record<string, Phase[]>, over: string, under: string): number[] {
  return runs[over]!.map((phase, r) => phase.rps / runs[under]![r]!.rps);
}

export function readsTables(targets: Target[], runs: Record<string, Phase[]>, goals: Goal[]): string {
  const lines = [
    '| target | req/s (median) | req/s min–max | p50 ms | p99 ms | unexpected answers | CPU ms/req: server | PostgreSQL | load generator |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const t of targets) {
    const phases = runs[t.key]!;
    const cpu = (k: keyof Phase['cpuMs']) => fmt(medianOf(phases.map((p) => p.cpuMs[k])), 2);
    lines.push(
      `| ${t.key} ${t.label} | ${fmt(median(phases.map((p) => p.rps)))} | ${spread(phases.map((p) => p.rps))} | ${fmt(median(phases.map((p) => p.p50)), 1)} | ${fmt(median(phases.map((p) => p.p99)), 1)} | ` +
        `${phases.reduce((n, p) => n + p.unexpected, 0)} of ${phases.reduce((n, p) => n + p.answered, 0)} | ${cpu('server')} | ${cpu('postgres')} | ${cpu('loadGenerator')} |`,
    );
  }
  lines.push('', '| ratio | median of per-round ratios | min–max | goal | |', '|---|---:|---:|---|---|');
  for (const g of goals) {
    const ratios = ratiosPerRound(runs, g.over, g.under);
    const m = median(ratios);
    // A rate of wrong answers (errors, another status) meets no goal.
    const wrong = [g.over, g.under].filter((k) => runs[k]!.some((p) => p.unexpected > 0));
    const verdict = (m >= g.atLeast && !wrong.length ? 'met' : '**not met**') + (wrong.length ? ` (unexpected answers from ${wrong.join(' and ')})` : '');
    lines.push(`| ${g.label} | ${fmt(m, 2)}× | ${spread(ratios, 2)} | ≥ ${g.atLeast}× | ${verdict} |`);
  }
  return lines.join('\n');
}

export function roundLine(round: number, target: Target, p: Phase): string {
  return (
    `round ${round} ${target.key} ${fmt(p.rps).padStart(6)} req/s  p50 ${fmt(p.p50, 1)} ms  p99 ${fmt(p.p99, 1)} ms  unexpected ${p.unexpected} of ${p.answered}  ` +
    `CPU ms/req: server ${fmt(p.cpuMs.server, 2)}, PostgreSQL ${fmt(p.cpuMs.postgres, 2)}, load generator ${fmt(p.cpuMs.loadGenerator, 2)}`
  );
}
