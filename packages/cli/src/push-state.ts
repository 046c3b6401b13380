/**
 * The state of a push, so a push killed midway (SIGKILL, a reboot, a dropped VPN) resumes instead of starting
 * over. It lives beside the file (FILE.cchc-push.json) or in --state-dir, and holds:
 * - a fingerprint: the file's SHA-256 and every option that changes what is sent (batch size, atomic, defaults,
 *   service URL). A different fingerprint is a different push and starts a new run;
 * - a run id, the Idempotency-Key prefix of every batch: a resumed run re-sends the batch that was in flight with
 *   the same key, so the service replays its answer if it had committed it, and nothing is counted twice;
 * - the answers of the completed batches, written after each one (temp file + rename, so a kill never leaves half
 *   a state), from which the final summary is merged.
 * A finished run removes its state: pushing the file again later is a new run (new keys), which the service
 * answers as all unchanged.
 */
import { createHash, randomUUID } from 'node:crypto';
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { IngestSummary } from '@cchc/client';

export interface PushFingerprint {
  fileSha256: string;
  batchSize: number;
  atomic: boolean;
  source: string | null;
  asOf: string;
  url: string;
}

export interface CompletedBatch {
  index: number;
  rows: number;
  replayed: boolean;
  /** The service's answer, conflict indices re-based to positions among all rows sent. */
  summary: IngestSummary;
}

export interface PushState {
  version: 1;
  fingerprint: string;
  runId: string;
  file: string;
  batches: number;
  startedAt: string;
  completed: CompletedBatch[];
}

export function fingerprintOf(f: PushFingerprint): string {
  return createHash('sha256').update(JSON.stringify(f)).digest('hex');
}

/** FILE.cchc-push.json, or in stateDir a name that cannot collide between files of the same name. */
export function statePath(file: string, stateDir: string | undefined, fileSha256: string): string {
  return stateDir ? join(stateDir, `${basename(file)}.${fileSha256.slice(0, 12)}.cchc-push.json`) : `${file}.cchc-push.json`;
}

/** The unfinished state of this very push, or undefined (none, another push's, or unreadable: start afresh). */
export async function loadState(path: string, fingerprint: string): Promise<PushState | undefined> {
  let state: PushState;
  try {
    state = JSON.parse(await readFile(path, 'utf8')) as PushState;
  } catch {
    return undefined;
  }
  if (state.version !== 1 || state.fingerprint !== fingerprint || !Array.isArray(state.completed)) return undefined;
  // Batches run in order, so the completed ones are 0..k-1; anything else is not ours to trust.
  if (state.completed.some((b, i) => b.index !== i)) return undefined;
  return state;
}

export function newState(fingerprint: string, file: string, batches: number): PushState {
  return { version: 1, fingerprint, runId: randomUUID(), file, batches, startedAt: new Date().toISOString(), completed: [] };
}

export async function saveState(path: string, state: PushState): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(JSON.stringify(state));
    // On disk before the rename, so even a power cut leaves the old state or the new one.
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
}

export async function removeState(path: string): Promise<void> {
  await rm(path, { force: true });
}
