/**
 * The report workflow of the Department of Home Affairs, as data: draft → submitted → accepted, or returned with a
 * reason → draft … submitted again; an admin may reopen any report to draft. One table says which moves are
 * allowed, so submit, accept, return and reopen are one transition function and the API's refusals say the same
 * thing everywhere.
 */
import type { ReportState } from './report-states.js';

export type { ReportState };

export type ReportMove = 'submit' | 'accept' | 'return' | 'reopen';

export const REPORT_MOVES: Record<ReportMove, { from: readonly ReportState[]; to: ReportState }> = {
  submit: { from: ['draft', 'returned'], to: 'submitted' },
  accept: { from: ['submitted'], to: 'accepted' },
  return: { from: ['submitted', 'accepted'], to: 'returned' },
  reopen: { from: ['submitted', 'accepted', 'returned'], to: 'draft' },
};

/** A submitted or accepted report is frozen: its values, narrative and evidence wait until it is returned or reopened. */
export type FrozenState = 'submitted' | 'accepted';

export const isFrozen = (state: ReportState | undefined): state is FrozenState => state === 'submitted' || state === 'accepted';

/** The problem (and row conflict) code for a change refused because the report is frozen. */
export const frozenCode = (state: FrozenState) => (state === 'submitted' ? ('REPORT_SUBMITTED' as const) : ('REPORT_ACCEPTED' as const));

export const frozenMessage = (report: string, state: FrozenState) =>
  `The report ${report} is ${state}; its values cannot change until it is returned or reopened`;

/**
 * Why a move is refused from a state, or null when it is allowed. A frozen report refuses a second submit as
 * "already submitted/accepted"; otherwise an accepted report says so, and anything else is "not submitted".
 */
export function refusal(
  move: ReportMove,
  state: ReportState,
  report: string,
): { code: 'REPORT_SUBMITTED' | 'REPORT_ACCEPTED' | 'REPORT_NOT_SUBMITTED'; message: string } | null {
  const { from, to } = REPORT_MOVES[move];
  if (from.includes(state)) return null;
  if (move === 'submit' && isFrozen(state)) return { code: frozenCode(state), message: `The report is already ${state}` };
  return {
    code: state === 'accepted' ? 'REPORT_ACCEPTED' : 'REPORT_NOT_SUBMITTED',
    message: `The report ${report} is ${state}; it cannot become ${to} (allowed from: ${from.join(', ')})`,
  };
}
