/** cchc values pull: indicator values of a period (and an agency), every page of GET /v1/values, as CSV or JSON. */
import { paginate, type PageItem } from '@cchc/client';
import { connect, type ConnectionFlags } from '../connection.js';
import { toCsv } from '../csv-out.js';
import { EXIT } from '../errors.js';
import { emit, note } from '../output.js';

export interface ValuesFlags extends ConnectionFlags {
  period: string[];
  agency?: string;
  subtree?: boolean;
  indicator?: string[];
  format: 'csv' | 'json';
  out?: string;
}

type ValueItem = PageItem<'/v1/values'>;

const COLUMNS = ['period', 'agency', 'indicator', 'value', 'status', 'note', 'evidence', 'updatedAt', 'updatedBy'] as const;

function csvOf(items: readonly ValueItem[]): string {
  return toCsv([
    [...COLUMNS],
    ...items.map((v) => [v.period, v.agency, v.indicator, v.value, v.status, v.note, v.evidence.join(' '), v.updatedAt, v.updatedBy]),
  ]);
}

export async function valuesPullCommand(flags: ValuesFlags): Promise<number> {
  const { client } = connect(flags);
  const query = {
    period: flags.period,
    limit: 100,
    ...(flags.agency && { agency: flags.agency }),
    ...(flags.subtree && { subtree: true }),
    ...(flags.indicator?.length && { indicator: flags.indicator }),
  };
  const items: ValueItem[] = [];
  for await (const item of paginate(client, '/v1/values', { params: { query } })) items.push(item);
  await emit(flags.format === 'json' ? `${JSON.stringify(items, null, 2)}\n` : csvOf(items), flags.out);
  if (flags.out && flags.out !== '-') note(`wrote ${items.length} values to ${flags.out}`);
  return EXIT.ok;
}
