/**
 * The rejects file: every refused line, by the file's own line number, with why — whether the CLI refused it
 * before sending (bad date, text in a count, broken identity) or the service did (unknown agency, procedure,
 * scope). After "Dòng | Mã lỗi | Lý do" come the line's cells under the file's own header row, so the file can
 * be corrected in a spreadsheet and pushed again as it is (the three leading columns are ignored when read).
 */
import { rm, writeFile } from 'node:fs/promises';
import type { DossierTable } from '@cchc/dossier-table';
import type { IngestConflict } from '@cchc/client';
import { toCsv } from './csv-out.js';
import { cellText } from './table-file.js';

export interface Refusal {
  line: number;
  code: string;
  reason: string;
  /** refused before sending, or by the service */
  by: 'local' | 'server';
}

/** The lines refused locally, one refusal per error (a line may have several). */
export function localRefusals(table: DossierTable): Refusal[] {
  return table.errors.map((e) => ({ line: e.line, code: e.code, reason: e.message, by: 'local' }));
}

/** Conflicts of the service (indices among the rows sent) mapped back to the file's lines. */
export function serverRefusals(table: DossierTable, conflicts: readonly IngestConflict[]): Refusal[] {
  return conflicts.map((c) => ({ line: table.rows[c.index]?.line ?? 0, code: c.code, reason: c.message, by: 'server' }));
}

/** Writes the rejects CSV, or removes an old one when nothing was refused (it would describe another run). */
export async function writeRejects(path: string, refusals: readonly Refusal[], cells: readonly unknown[][], headerLine: number | null): Promise<void> {
  if (refusals.length === 0) {
    await rm(path, { force: true });
    return;
  }
  const byLine = new Map<number, Refusal[]>();
  for (const r of refusals) byLine.set(r.line, [...(byLine.get(r.line) ?? []), r]);
  const header = headerLine === null ? [] : (cells[headerLine - 1] ?? []).map(cellText);
  const rows = [...byLine.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([line, rs]) => {
      const original = line === headerLine ? [] : (cells[line - 1] ?? []).map(cellText);
      return [line, [...new Set(rs.map((r) => r.code))].join(' '), rs.map((r) => r.reason).join('; '), ...original];
    });
  await writeFile(path, toCsv([['Dòng', 'Mã lỗi', 'Lý do', ...header], ...rows]));
}
