/** Starting the service (and baselines) as processes of their own, as in production, from the repository root. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Starts a server process and waits until `readyUrl` answers 200. */
export async function start(args: string[], env: NodeJS.ProcessEnv, readyUrl: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], { cwd: repoRoot, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (out += d));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null || Date.now() > deadline) throw new Error(`${args.join(' ')} did not start:\n${out}`);
    const ok = await fetch(readyUrl).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The service on `databaseUrl`, without logging or rate limits (they would measure themselves). */
/** BENCH_CPU_PROFILE_DIR: node flags that write a V8 CPU profile of the service (open it in Chrome DevTools). */
export const profileArgs = (): string[] => (process.env.BENCH_CPU_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_CPU_PROFILE_DIR}`] : []);

export function startService(databaseUrl: string, port: number, adminKey: string, extraArgs: string[] = []): Promise<ChildProcess> {
  return start(
    [...extraArgs, 'services/reporting-api/src/server.ts'],
    { DATABASE_URL: databaseUrl, PORT: String(port), ADMIN_API_KEY: adminKey, LOG_LEVEL: 'warn', RATE_LIMIT_MAX: '0', SEED: 'false' },
    `http://127.0.0.1:${port}/readyz`,
  );
}

export const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

export const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};
