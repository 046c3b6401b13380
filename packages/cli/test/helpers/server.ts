/** A live service on a random port with the seeded demo data, and how to run the CLI against it. */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildTestApp, type TestApp, type TestContext } from '@cchc/reporting-api/testing';

export const BIN = fileURLToPath(new URL('../../bin/cchc.mjs', import.meta.url));

export interface LiveService {
  api: TestApp;
  url: string;
}

export async function startService(t: TestContext): Promise<LiveService> {
  const api = await buildTestApp(t);
  const url = await api.app.listen({ port: 0, host: '127.0.0.1' });
  return { api, url };
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Spawns `cchc …` with CCHC_URL and CCHC_API_KEY; `watch` sees stderr as it comes (to kill the child midway). */
export function runCli(
  args: string[],
  env: { url: string; apiKey?: string; [name: string]: string | undefined },
  watch?: (stderr: string, child: ChildProcess) => void,
): Promise<CliResult> {
  const { url, apiKey, ...rest } = env;
  const child = spawn(process.execPath, [BIN, ...args], {
    env: { ...process.env, ...rest, CCHC_URL: url, CCHC_API_KEY: apiKey ?? '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr += d;
    watch?.(stderr, child);
  });
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}
