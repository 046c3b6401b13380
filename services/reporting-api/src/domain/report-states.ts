/**
 * The states a report (one agency's filing for one period) can be in: the one list behind the database column,
 * its check constraint and the API's ReportState enum. Which moves lead from one to another is the workflow's
 * business (report-workflow.ts); this file only names them, so the storage and the schemas need not import it.
 */
export const REPORT_STATES = ['draft', 'submitted', 'accepted', 'returned'] as const;
export type ReportState = (typeof REPORT_STATES)[number];
