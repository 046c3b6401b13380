/** A report is one agency's filing for one period; everything in this module is keyed by it. */
export interface ReportKey {
  periodId: string;
  agencyCode: string;
}

export const reportKey = (k: ReportKey) => `${k.periodId}/${k.agencyCode}`;
export const valueKey = (k: ReportKey, indicator: string) => `${k.periodId}/${k.agencyCode}/${indicator}`;
/** Whether a decoded cursor is a report key (cursors are opaque to clients, but checked when they come back). */
export const isReportKey = (v: unknown): v is ReportKey =>
  typeof v === 'object' && v !== null && typeof (v as ReportKey).periodId === 'string' && typeof (v as ReportKey).agencyCode === 'string';

export const keyOf = (p: ReportKey): ReportKey => ({ periodId: p.periodId, agencyCode: p.agencyCode });
