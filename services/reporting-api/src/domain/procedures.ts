/**
 * Administrative procedures (thủ tục hành chính, TTHC) of the catalogue: the lists the database columns and the
 * API's enums are made from, declared once.
 */

/** Dịch vụ công trực tuyến: full (toàn trình), partial (một phần), none (not online). */
export const ONLINE_LEVELS = ['full', 'partial', 'none'] as const;
export type OnlineLevel = (typeof ONLINE_LEVELS)[number];

/** An abolished procedure (bãi bỏ) stays in the catalogue, so dossiers counted against it keep their meaning. */
export const PROCEDURE_STATUSES = ['active', 'abolished'] as const;
export type ProcedureStatus = (typeof PROCEDURE_STATUSES)[number];
