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

/** CPU seconds of named processes and of each PostgreSQL process by pid, for {@link cpuBetween}. */
export interface CpuSample {
  named: Record<string, number>;
  postgres: Map<number, number>;
}

/** Whether a PostgreSQL process is a backend of `database` (its process title: `postgres: 15/main: user database host(port) state`). */
function servesDatabase(pid: number, database: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ').split(' ').includes(database);
  } catch {
    return false;
  }
}

/**
 * `database`: count only the backends connected to it, not the server's background processes nor the backends
 * of whatever else runs on the same PostgreSQL (other benches, test suites) at the time.
 */
export function sample(named: Record<string, number | undefined>, database?: string): CpuSample {
  const out: Record<string, number> = { bench: cpuOf(process.pid) };
  for (const [name, pid] of Object.entries(named)) if (pid) out[name] = cpuOf(pid);
  const pids = postgresPids().filter((pid) => database === undefined || servesDatabase(pid, database));
  return { named: out, postgres: new Map(pids.map((pid) => [pid, cpuOf(pid)])) };
}

/**
 * CPU seconds per process between two samples, PostgreSQL summed backend by backend: a backend that exits during
 * the phase (an idle pool connection timing out) drops out with only its share of the phase, not with the CPU of
 * its whole life as a plain total would; a backend that starts counts from zero. `exited` says how many left.
 */
export function cpuBetween(before: CpuSample, after: CpuSample): { seconds: Record<string, number>; exited: number } {
  const seconds: Record<string, number> = {};
  for (const [name, t] of Object.entries(after.named)) seconds[name] = t - (before.named[name] ?? 0);
  let postgres = 0;
  for (const [pid, t] of after.postgres) postgres += t - (before.postgres.get(pid) ?? 0);
  seconds.postgres = postgres;
  return { seconds, exited: [...before.postgres.keys()].filter((pid) => !after.postgres.has(pid)).length };
}
