/**
 * Which after-sale a new application (or a modify that takes its units)
 * withdraws, read from the tables: one whose status says so
 * (statuses.ts `withdrawnByReapply`: REJECTED) and that the buyer may still
 * cancel by the transition table (its goods were never sent).
 */
import type { ReturnStatus } from '../policy/types';
import { allowedActions } from './apply';
import { DEFAULT_POLICY } from '../policy/settings';
import { STATUSES } from './statuses';

export function supersedable(r: { status: ReturnStatus; hasLogistics: boolean }): boolean {
  if (!STATUSES[r.status]?.withdrawnByReapply) return false;
  // Time plays no part in the cancel row: any instant and the default policy decide the same.
  return allowedActions({ status: r.status, type: 'RETURN_REFUND', version: 0, hasLogistics: r.hasLogistics }, 'BUYER', new Date(0), DEFAULT_POLICY).includes('cancel');
}
