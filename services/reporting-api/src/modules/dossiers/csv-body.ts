/**
 * Dossier counts sent as text/csv (`curl --data-binary @export.csv`), read by the same table definition the `cchc`
 * command uses (@cchc/dossier-table): Vietnamese or our column names, Vietnamese numbers, dd/mm/yyyy dates, a BOM,
 * `,` or `;`. A file with a line that cannot be read, or that breaks itself (an identity, a negative count, a
 * repeated key), is refused whole with every such line listed, as a JSON batch that fails its schema is; what only
 * the store can tell (unknown agency or procedure, the key's scope) comes back per row, with the row's line.
 */
import { parseDossierCsv } from '@cchc/dossier-table';
import { ProblemError } from '../../errors.js';
import type { DossierCountInput, IngestSummary } from './schemas.js';

/** At most this many bad lines are listed; the count says how many there were. */
const LISTED_LINES = 1000;

export interface CsvCounts {
  counts: DossierCountInput[];
  /** The file line of each count, by index. */
  lines: number[];
}

export function countsFromCsv(bytes: Buffer, defaults: { source?: string | undefined; asOf?: string | undefined }): CsvCounts {
  let table;
  try {
    table = parseDossierCsv(bytes, { defaults: { ...(defaults.source && { source: defaults.source }), ...(defaults.asOf && { asOf: defaults.asOf }) } });
  } catch (error) {
    // Only invalid defaults throw; they come from the query string.
    if (error instanceof RangeError) {
      const name = error.message.startsWith('defaults.asOf') ? 'asOf' : 'source';
      throw new ProblemError('VALIDATION_FAILED', error.message.replace('defaults.', ''), {
        errors: [{ in: 'querystring', pointer: `/${name}`, message: error.message }],
      });
    }
    throw error;
  }
  if (table.errors.length > 0) {
    const errors = table.errors.slice(0, LISTED_LINES).map((e) => ({
      in: 'body',
      pointer: `/lines/${e.line}${e.column ? `/${e.column}` : ''}`,
      message: `${e.code}: ${e.message}`,
    }));
    const lines = new Set(table.errors.map((e) => e.line)).size;
    throw new ProblemError(
      'VALIDATION_FAILED',
      `${lines} line(s) of the file cannot be read or break an identity; nothing was written. The first: line ${table.errors[0]!.line}, ${table.errors[0]!.message}`,
      { errors },
    );
  }
  if (table.rows.length === 0) {
    throw new ProblemError('VALIDATION_FAILED', 'The file has a header row but no counts', { errors: [{ in: 'body', pointer: '', message: 'no data lines' }] });
  }
  return { counts: table.rows.map((r) => r.count), lines: table.rows.map((r) => r.line) };
}

/** The summary with each refused row's file line beside its index. */
export function withLines(summary: IngestSummary, lines: number[]): IngestSummary {
  return { ...summary, conflicts: summary.conflicts.map((c) => ({ ...c, line: lines[c.index]! })) };
}
