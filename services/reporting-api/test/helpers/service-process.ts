/**
 * The real service process (src/server.ts) for tests that need one: several instances, crashes of the database under
 * it, signals. It is started with a clean environment (only what the test gives, beside the runtime's own), waited
 * for by polling /healthz, and its stdout and stderr are kept so a failing test can show them.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { freePort } from './net.js';

const serviceDir = fileURLToPath(new URL('../..', import.meta.url));

/** A 24+ character admin key every test instance accepts (ADMIN_API_KEY). */
export const TEST_ADMIN_KEY = 'outage-tests-admin-key-0123456789abcdef';

/** The variables of the service's configuration: the test decides them all, none leaks from the shell. */
const SERVICE_VARIABLES = [
  'PORT',
  'HOST',
  'DATABASE_URL',
  'DATA_DIR',
  'LOG_LEVEL',
  'ADMIN_API_KEY',
  'PUBLIC_READ',
  'SEED',
  'BODY_LIMIT',
  'DOCUMENT_FILE_LIMIT',
  'RATE_LIMIT_MAX',
  'DB_POOL_MAX',
  'TRUST_PROXY',
  'CORS_ORIGINS',
  'DB_STATEMENT_TIMEOUT_MS',
  'DB_LOCK_TIMEOUT_MS',
  'DB_POOL_ACQUIRE_TIMEOUT_MS',
  'REQUEST_TIMEOUT_MS',
  'TEST_DATABASE_URL',
];

export interface ServiceProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** http://127.0.0.1:port */
  readonly base: string;
  readonly name: string;
  /** Everything it wrote so far, stdout and stderr interleaved. */
  output(): string;
  /** The last `lines` lines of output, for failure messages. */
  tail(lines?: number): string;
  /** Its stdout JSON log lines (pino), parsed; lines that are not JSON are left out. */
  logs(): Array<Record<string, unknown>>;
  /** Whether it has exited, and how. */
  exited(): { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  /** Resolves when it exits (at once if it has). */
  exit(): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Sends a signal and waits for the exit, up to timeoutMs (then SIGKILL, and rejects). */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Waits for an exit already under way (no signal sent: a second SIGTERM would force it), up to timeoutMs. */
  exitWithin(timeoutMs: number): Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** SIGKILL if still running (teardown). */
  kill(): void;
}

export interface StartServiceOptions {
  name?: string;
  env: Record<string, string | undefined>;
  port?: number;
  /** How long to wait for it to be up (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * What "up" means: 'requests' (default): /healthz answers and then three authenticated reads in a row answer 200
   * (the process listens before it has migrated, and sheds load while start-up's event-loop delay fades);
   * 'listening': /healthz answers 200 (for a start with the database down).
   */
  waitFor?: 'requests' | 'listening';
}

export async function startService(options: StartServiceOptions): Promise<ServiceProcess> {
  const port = options.port ?? (await freePort());
  const name = options.name ?? `service:${port}`;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const key of SERVICE_VARIABLES) delete env[key];
  Object.assign(env, {
    HOST: '127.0.0.1',
    PORT: String(port),
    LOG_LEVEL: 'info',
    SEED: 'false',
    RATE_LIMIT_MAX: '0',
    ADMIN_API_KEY: TEST_ADMIN_KEY,
  });
  for (const [key, value] of Object.entries(options.env)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/server.ts'], { cwd: serviceDir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let stdoutBuffer = '';
  const parsed: Array<Record<string, unknown>> = [];
  child.stdout.on('data', (d: Buffer) => {
    const text = d.toString();
    out += text;
    stdoutBuffer += text;
    const lines = stdoutBuffer.split('\n');
    stdoutBuffer = lines.pop() ?? '';
    for (const line of lines) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        // not a log line
      }
    }
  });
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  let exitInfo: { code: number | null; signal: NodeJS.Signals | null; at: number } | undefined;
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal, at: Date.now() };
      resolve(exitInfo);
    }),
  );
  const tail = (lines = 40) => out.split('\n').slice(-lines).join('\n');
  const service: ServiceProcess = {
    child,
    port,
    base: `http://127.0.0.1:${port}`,
    name,
    output: () => out,
    tail,
    logs: () => parsed,
    exited: () => exitInfo,
    exit: () => exited,
    async stop(signal = 'SIGTERM', timeoutMs = 20_000) {
      if (exitInfo) return exitInfo;
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error(`${name} did not exit within ${timeoutMs} ms of ${signal}:\n${tail()}`));
        }, timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async exitWithin(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`${name} did not exit within ${timeoutMs} ms:\n${tail()}`)), timeoutMs);
      });
      try {
        return await Promise.race([exited, timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    kill() {
      if (!exitInfo) child.kill('SIGKILL');
    },
  };

  const deadline = Date.now() + (options.readyTimeoutMs ?? 60_000);
  for (;;) {
    // Through the method: TypeScript cannot see the exit callback assign exitInfo meanwhile.
    const early = service.exited();
    if (early) throw new Error(`${name} exited before answering /healthz (code ${early.code}, signal ${early.signal}):\n${tail(80)}`);
    if (Date.now() > deadline) {
      service.kill();
      throw new Error(`${name} did not answer /healthz within ${options.readyTimeoutMs ?? 60_000} ms:\n${tail(80)}`);
    }
    const ok = await fetch(`${service.base}/healthz`, { signal: AbortSignal.timeout(1_000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    await sleep(100);
  }
  if (options.waitFor === 'listening') return service;
  const headers = { authorization: `Bearer ${env.ADMIN_API_KEY}` };
  for (let good = 0; good < 3; ) {
    const early = service.exited();
    if (early) throw new Error(`${name} exited before taking requests (code ${early.code}, signal ${early.signal}):\n${tail(80)}`);
    if (Date.now() > deadline) {
      service.kill();
      throw new Error(`${name} did not take requests within ${options.readyTimeoutMs ?? 60_000} ms:\n${tail(80)}`);
    }
    const status = await fetch(`${service.base}/v1/periods`, { headers, signal: AbortSignal.timeout(5_000) }).then(
      (r) => r.status,
      () => 0,
    );
    good = status === 200 ? good + 1 : 0;
    await sleep(status === 200 ? 50 : 200);
  }
  return service;
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One HTTP answer or failure as a test records it. */
export interface Exchange {
  start: number;
  end: number;
  status?: number;
  contentType?: string;
  retryAfter?: string | null;
  code?: string;
  body?: unknown;
  headers?: Record<string, string>;
  /** A network failure (reset, refused, timeout) instead of an answer. */
  error?: string;
}

/** Sends a request and records what came back, never throwing on network errors. */
export async function exchange(url: string, init: RequestInit & { timeoutMs?: number } = {}): Promise<Exchange> {
  const start = Date.now();
  try {
    const res = await fetch(url, { ...init, signal: AbortSignal.timeout(init.timeoutMs ?? 20_000) });
    const text = await res.text();
    let body: unknown = text;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON
    }
    const problem = res.headers.get('content-type')?.startsWith('application/problem+json');
    const code = problem && body && typeof body === 'object' && 'code' in body ? String(body.code) : undefined;
    return {
      start,
      end: Date.now(),
      status: res.status,
      contentType: res.headers.get('content-type') ?? undefined,
      retryAfter: res.headers.get('retry-after'),
      code,
      body,
      headers: Object.fromEntries(res.headers.entries()),
    };
  } catch (error) {
    const e = error as Error & { cause?: { code?: string; message?: string } };
    return { start, end: Date.now(), error: `${e.name}: ${e.message}${e.cause ? ` (${e.cause.code ?? ''} ${e.cause.message ?? ''})` : ''}` };
  }
}

/** Whether an exchange is the contract's answer to a database outage: a 503 problem with a database code and Retry-After. */
export function isDatabaseProblem(x: Exchange, codes: readonly string[] = ['DATABASE_UNAVAILABLE', 'DATABASE_TIMEOUT']): boolean {
  return x.status === 503 && !!x.contentType?.startsWith('application/problem+json') && !!x.retryAfter && codes.includes(x.code ?? '');
}

/** A short description of an exchange for test messages. */
export function describe(x: Exchange): string {
  if (x.error) return `network error after ${x.end - x.start} ms: ${x.error}`;
  return `${x.status} ${x.contentType ?? ''} code=${x.code ?? '-'} retry-after=${x.retryAfter ?? '-'} in ${x.end - x.start} ms`;
}

/** Procedures of the seeded agency BQL-KCN (seed/procedures/bql-kcn.json), for pushes of dossier counts. */
export const SEEDED_PROCEDURES = [
  'BQL-KCN.XD.01',
  'DEMO-BQL-01',
  'DEMO-BQL-02',
  'DEMO-BQL-03',
  'DEMO-BQL-04',
  'DEMO-BQL-05',
  'DEMO-BQL-06',
  'DEMO-BQL-07',
  'DEMO-BQL-08',
  'DEMO-BQL-09',
];
