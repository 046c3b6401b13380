/**
 * cchc dossiers push FILE: reads a one-stop-shop export, refuses its bad lines locally (with line numbers, before
 * anything is sent), pushes the rest in batches through the client's pushDossierCounts, resumes a push that was
 * killed midway (push-state.ts), prints the merged summary and writes the refused lines to the rejects file.
 */
import { pushDossierCounts, ProblemError, type IngestConflict, type IngestSummary } from '@cchc/client';
import { readAsOf } from '@cchc/dossier-table';
import { connect, type ConnectionFlags } from '../connection.js';
import { describeFailure, EXIT, UsageError } from '../errors.js';
import { note } from '../output.js';
import { pushProgress } from '../progress.js';
import { fingerprintOf, loadState, newState, removeState, saveState, statePath, type PushState } from '../push-state.js';
import { localRefusals, serverRefusals, writeRejects, type Refusal } from '../rejects.js';
import { readInput, readTableFile } from '../table-file.js';

export interface PushFlags extends ConnectionFlags {
  dryRun?: boolean;
  batchSize: number;
  source?: string;
  asOf?: string;
  rejects?: string;
  atomic?: boolean;
  sheet?: string;
  stateDir?: string;
  json?: boolean;
}

interface Totals {
  created: number;
  updated: number;
  unchanged: number;
  stale: number;
  rejected: number;
}

export interface PushReport extends Totals {
  file: string;
  dryRun: boolean;
  /** Lines read as rows (and sent, unless dry run) */
  rows: number;
  /** Lines refused before sending */
  refusedLocally: number;
  batches: number;
  replayedBatches: number;
  runId: string | null;
  resumedAtBatch: number | null;
  rejectsFile: string | null;
  /** "CODE: detail" of the batch that failed, if one did */
  failure: string | null;
}

const MAX_LISTED = 20;

function merged(state: PushState): Totals & { conflicts: IngestConflict[] } {
  const totals = { created: 0, updated: 0, unchanged: 0, stale: 0, rejected: 0, conflicts: [] as IngestConflict[] };
  for (const { summary } of state.completed) {
    for (const k of ['created', 'updated', 'unchanged', 'stale', 'rejected'] as const) totals[k] += summary[k];
    totals.conflicts.push(...summary.conflicts);
  }
  return totals;
}

/** The default asOf: --as-of, else the file's modification time, which stays the same when a push is rerun. */
function asOfDefault(flag: string | undefined, modifiedAt: Date): string {
  if (flag === undefined) return modifiedAt.toISOString();
  const read = readAsOf(flag);
  if (!read.ok || !read.value) throw new UsageError(`--as-of: ${read.ok ? 'is blank' : read.reason}`);
  return read.value;
}

function listRefusals(refusals: readonly Refusal[], rejectsFile: string | null): void {
  for (const r of refusals.slice(0, MAX_LISTED)) note(`line ${r.line}: ${r.code}: ${r.reason}`);
  if (refusals.length > MAX_LISTED) note(`… and ${refusals.length - MAX_LISTED} more${rejectsFile ? ` (all in ${rejectsFile})` : ''}`);
}

function printReport(report: PushReport, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  const what = report.dryRun
    ? `Checked ${report.file}: ${report.rows} rows ready to send`
    : `Pushed ${report.file}: ${report.rows} rows in ${report.batches} batches`;
  const resumed =
    report.resumedAtBatch === null ? '' : ` (resumed run ${report.runId} at batch ${report.resumedAtBatch + 1}; ${report.replayedBatches} replayed)`;
  const counts = report.dryRun ? [] : (['created', 'updated', 'unchanged', 'stale', 'rejected'] as const).map((k) => `${k}: ${report[k]}`);
  const lines = [what + resumed, ...counts, `refused locally: ${report.refusedLocally}`];
  if (report.rejectsFile) lines.push(`rejects: ${report.rejectsFile}`);
  process.stdout.write(`${lines.join('\n')}\n`);
}

/** Conflicts of a batch refused as a whole (atomic): the service lists them in the problem's summary. */
function conflictsOfRefusedBatch(error: unknown, batchSize: number): IngestConflict[] {
  if (!(error instanceof ProblemError) || error.batch === undefined) return [];
  const summary = (error.problem as { summary?: IngestSummary }).summary;
  return (summary?.conflicts ?? []).map((c) => ({ ...c, index: c.index + error.batch! * batchSize }));
}

export async function pushCommand(file: string, flags: PushFlags): Promise<number> {
  // Configuration mistakes first: nothing should be read for a minute before "no --url" is said.
  const connection = flags.dryRun ? undefined : connect(flags);
  const input = await readInput(file);
  const asOf = asOfDefault(flags.asOf, input.modifiedAt);
  const defaults = { asOf, ...(flags.source !== undefined && { source: flags.source }) };
  if (flags.source !== undefined && flags.source.trim() === '') throw new UsageError('--source is blank');
  const tableFile = await readTableFile(file, input, { defaults, ...(flags.sheet !== undefined && { sheet: flags.sheet }) });
  const { table, cells } = tableFile;
  const rejectsFile = flags.rejects ?? `${file}.rejects.csv`;
  const local = localRefusals(table);
  const report: PushReport = {
    file,
    dryRun: Boolean(flags.dryRun),
    rows: table.rows.length,
    refusedLocally: new Set(local.map((r) => r.line)).size,
    created: 0,
    updated: 0,
    unchanged: 0,
    stale: 0,
    rejected: 0,
    batches: 0,
    replayedBatches: 0,
    runId: null,
    resumedAtBatch: null,
    rejectsFile: null,
    failure: null,
  };
  if (flags.asOf === undefined && table.columns.includes('asOf') === false) note(`asOf: the file's modification time, ${asOf}`);
  if (local.length > 0) {
    note(`${report.refusedLocally} lines refused locally (not sent):`);
    listRefusals(local, rejectsFile);
  }

  let server: Refusal[] = [];
  if (connection && table.rows.length > 0) {
    const fingerprint = fingerprintOf({
      fileSha256: tableFile.sha256,
      batchSize: flags.batchSize,
      atomic: Boolean(flags.atomic),
      source: flags.source ?? null,
      asOf,
      url: connection.url,
    });
    const batches = Math.ceil(table.rows.length / flags.batchSize);
    const path = statePath(file, flags.stateDir, tableFile.sha256);
    const resumed = await loadState(path, fingerprint);
    const state = resumed ?? newState(fingerprint, file, batches);
    // Saved before the first batch: a kill during batch 0 must resume with the same run id (the same keys).
    if (!resumed) await saveState(path, state);
    const startBatch = state.completed.length;
    report.runId = state.runId;
    if (resumed) {
      report.resumedAtBatch = startBatch;
      note(`Resuming run ${state.runId}: ${startBatch} of ${batches} batches were done`);
    }
    const progress = pushProgress();
    progress.start(table.rows.length, Math.min(startBatch * flags.batchSize, table.rows.length), batches);
    try {
      await pushDossierCounts(
        connection.client,
        table.rows.map((r) => r.count),
        {
          batchSize: flags.batchSize,
          keyPrefix: `cchc-push/${state.runId}`,
          startBatch,
          atomic: Boolean(flags.atomic),
          async onBatch(p) {
            state.completed.push({ index: p.index, rows: p.rows, replayed: p.replayed, summary: p.summary });
            await saveState(path, state);
            progress.batch(p);
          },
        },
      );
      progress.stop();
      await removeState(path);
    } catch (error) {
      progress.stop();
      report.failure = describeFailure(error, connection.url).join('\n');
      note(report.failure);
      server = serverRefusals(table, conflictsOfRefusedBatch(error, flags.batchSize));
      // A batch refused for its rows fails the same way again; one lost to the network or a 5xx may just be resent.
      const hint = server.length > 0 ? 'fix the refused lines (see the rejects file) and push again' : `run the same command again to resume (state: ${path})`;
      note(`The batches before the failed one are stored; ${hint}`);
    }
    const totals = merged(state);
    for (const k of ['created', 'updated', 'unchanged', 'stale', 'rejected'] as const) report[k] = totals[k];
    report.batches = state.completed.length;
    report.replayedBatches = state.completed.filter((b) => b.replayed).length;
    server = [...serverRefusals(table, totals.conflicts), ...server];
    if (server.length > 0) {
      note(`${new Set(server.map((r) => r.line)).size} lines refused by the service:`);
      listRefusals(server, rejectsFile);
    }
  }

  const refusals = [...local, ...server];
  await writeRejects(rejectsFile, refusals, cells, table.headerLine);
  if (refusals.length > 0) report.rejectsFile = rejectsFile;
  printReport(report, Boolean(flags.json));
  return refusals.length > 0 || report.failure !== null ? EXIT.refused : EXIT.ok;
}
