/**
 * The audit trail of reported values: what happened to a value. The one list behind the value_audit column and
 * the API's audit entries.
 */
export const VALUE_AUDIT_ACTIONS = ['create', 'update', 'delete'] as const;
export type ValueAuditAction = (typeof VALUE_AUDIT_ACTIONS)[number];
