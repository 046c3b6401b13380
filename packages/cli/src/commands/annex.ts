/** cchc annex export / import: the official annex table (phụ lục) of one report, as CSV or XLSX. */
import { exportAnnex, importAnnex, type AnnexFormat, type ImportSummary } from '@cchc/client';
import { extname } from 'node:path';
import { connect, type ConnectionFlags } from '../connection.js';
import { EXIT, UsageError } from '../errors.js';
import { emit, note } from '../output.js';
import { readInput } from '../table-file.js';

export interface AnnexFlags extends ConnectionFlags {
  period: string;
  agency: string;
  format?: AnnexFormat;
  json?: boolean;
}

/** --format, else the file's extension, else `fallback`. */
function formatOf(flag: AnnexFormat | undefined, file: string | undefined, fallback: AnnexFormat): AnnexFormat {
  if (flag) return flag;
  const ext = file ? extname(file).toLowerCase() : '';
  if (ext === '.xlsx') return 'xlsx';
  if (ext === '.csv') return 'csv';
  return fallback;
}

export async function annexExportCommand(flags: AnnexFlags & { out?: string; supplementary?: boolean }): Promise<number> {
  const { client } = connect(flags);
  const format = formatOf(flags.format, flags.out, 'csv');
  if (format === 'xlsx' && !flags.out && process.stdout.isTTY) {
    throw new UsageError('an XLSX workbook is binary: give --out FILE (or redirect stdout)');
  }
  const scope = { periodId: flags.period, agencyCode: flags.agency };
  const file = await exportAnnex(client, { ...scope, format, ...(flags.supplementary && { supplementary: true }) });
  await emit(file.bytes, flags.out);
  if (flags.out && flags.out !== '-') note(`wrote ${flags.out} (${file.bytes.length} bytes, ${file.contentType})`);
  return EXIT.ok;
}

function printImport(summary: ImportSummary, json: boolean): void {
  if (json) {
    process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    return;
  }
  const lines = [
    `${summary.dryRun ? 'Dry run (nothing written)' : summary.written ? 'Imported' : 'Nothing written'}`,
    `created: ${summary.created}`,
    `updated: ${summary.updated}`,
    `unchanged: ${summary.unchanged}`,
    `rejected: ${summary.rejected}`,
    `findings: ${summary.findings.length}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  for (const c of summary.conflicts) note(`row ${c.row ?? c.index} (${c.indicator}): ${c.code}: ${c.message}`);
}

export async function annexImportCommand(file: string, flags: AnnexFlags & { dryRun?: boolean; atomic?: boolean }): Promise<number> {
  const { client } = connect(flags);
  const { bytes } = await readInput(file);
  const format = formatOf(flags.format, file, bytes[0] === 0x50 && bytes[1] === 0x4b ? 'xlsx' : 'csv');
  const summary = await importAnnex(client, {
    periodId: flags.period,
    agencyCode: flags.agency,
    file: bytes,
    format,
    dryRun: Boolean(flags.dryRun),
    ...(flags.atomic === false && { atomic: false }),
  });
  printImport(summary, Boolean(flags.json));
  return summary.rejected > 0 ? EXIT.refused : EXIT.ok;
}
