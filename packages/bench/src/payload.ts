/**
 * A full annex for one agency: the reference agency's reported 2023 values (seed/demo), the realistic shape of
 * a filled annex (a handful of findings, blank cells, notes), for every agency alike. Rows differ only by agency.
 */
import { readFileSync } from 'node:fs';

export interface AnnexRow {
  indicator: string;
  value: number | string | null;
  note?: string;
}

const demo = JSON.parse(readFileSync(new URL('../../../services/reporting-api/seed/demo/bql-kcn-2023-values.json', import.meta.url), 'utf8')) as {
  values: Array<{ indicator: string; value: number | string | null; note?: string }>;
};

export function referenceAnnex(): AnnexRow[] {
  return demo.values.map((v) => ({ indicator: v.indicator, value: v.value, ...(v.note !== undefined && { note: v.note }) }));
}
