/**
 * CPU seconds used by this process, the service, the baseline server and PostgreSQL during a phase, from
 * /proc (Linux). On a 2-core machine the load generator, the service and the database share the cores, so
 * where the CPU goes explains a ratio better than wall time alone.
 */
import { readdirSync, readFileSync } from 'node:fs';

const TICKS = 100; // USER_HZ on Linux

function cpuOf(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS;
  } catch {
    return 0;
  }
}

function postgresPids(): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      if (readFileSync(`/proc/${entry}/comm`, 'utf8').trim().startsWith('postgres')) pids.push(Number(entry));
    } catch {
      // the process ended
    }
  }
  return pids;
}

export type CpuSnapshot = Record<string, number>;

export function snapshot(named: Record<string, number | undefined>): CpuSnapshot {
  const out: CpuSnapshot = { bench: cpuOf(process.pid) };
  for (const [name, pid] of Object.entries(named)) if (pid) out[name] = cpuOf(pid);
  out.postgres = postgresPids().reduce((sum, pid) => sum + cpuOf(pid), 0);
  return out;
}

/** Deltas per process. A PostgreSQL backend that exits during the phase takes its CPU time with it: n/a then. */
export function describe(before: CpuSnapshot, after: CpuSnapshot): string {
  return Object.keys(after)
    .map((k) => {
      const delta = after[k]! - (before[k] ?? 0);
      return `${k} ${delta < 0 ? 'n/a' : `${delta.toFixed(1)} s`}`;
    })
    .join(', ');
}
