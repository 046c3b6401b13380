/** cchc completeness: who reported in a period, on time or late, and who is missing. */
import { unwrap, type Schemas } from '@cchc/client';
import { connect, type ConnectionFlags } from '../connection.js';
import { toCsv } from '../csv-out.js';
import { EXIT } from '../errors.js';
import { emit } from '../output.js';

export interface CompletenessFlags extends ConnectionFlags {
  period: string;
  format: 'table' | 'json' | 'csv';
  out?: string;
}

type Completeness = Schemas['Completeness'];

const percent = (r: { value: number | null; numerator: number; denominator: number }) =>
  `${r.value === null ? '–' : `${r.value}%`} (${r.numerator}/${r.denominator})`;

/** Plain aligned columns; no box drawing, so it pastes into mail and chat intact. */
function columns(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat(widths[i]! - [...c].length))).join('  ')).join('\n');
}

function tableOf(c: Completeness): string {
  const head = [
    `Period ${c.period}, due ${c.dueOn}: ${c.expected} expected, ${c.submitted} submitted (${c.accepted} accepted), ` +
      `${c.onTime} on time, ${c.late} late, ${c.missing} missing`,
    `submitted ${percent(c.submittedRate)}, on time ${percent(c.onTimeRate)}`,
    '',
  ];
  const rows = [
    ['agency', 'state', 'submitted at', 'timeliness', 'name'],
    ...c.agencies.map((a) => [a.code, a.state, a.submittedAt ?? '', a.timeliness ?? '', a.name]),
  ];
  return `${head.join('\n')}${columns(rows)}\n`;
}

function csvOf(c: Completeness): string {
  return toCsv([
    ['period', 'agency', 'name', 'kind', 'state', 'firstSubmittedAt', 'submittedAt', 'timeliness'],
    ...c.agencies.map((a) => [c.period, a.code, a.name, a.kind, a.state, a.firstSubmittedAt, a.submittedAt, a.timeliness]),
  ]);
}

export async function completenessCommand(flags: CompletenessFlags): Promise<number> {
  const { client } = connect(flags);
  const c = await unwrap(client.GET('/v1/periods/{id}/completeness', { params: { path: { id: flags.period } } }));
  const text = flags.format === 'json' ? `${JSON.stringify(c, null, 2)}\n` : flags.format === 'csv' ? csvOf(c) : tableOf(c);
  await emit(text, flags.out);
  return EXIT.ok;
}
