/**
 * Return postage (domain.md "Freight"): for a seller-side reason, when the
 * buyer ships the goods back (SELF_SHIP), the postage declared at
 * submitLogistics is reimbursed, capped at `policy.returnShippingCap`.
 * Buyer-side reasons and pickups (free to the buyer) reimburse nothing.
 */
import type { Policy, ReasonCode } from '../types';
import { reasonSide } from '../reasons';

export type LogisticsMode = 'SELF_SHIP' | 'PICKUP';

export interface PostageInput {
  reason: ReasonCode;
  /** How the goods travel back; undefined (no logistics yet) ⇒ 0. */
  mode?: LogisticsMode;
  /** Postage the buyer declared (fen). Missing / non-finite / negative ⇒ 0; fractions are floored. */
  declared?: number;
  policy: Pick<Policy, 'returnShippingCap'>;
}

function toFen(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.floor(v) : 0;
}

/** Reimbursed return postage (fen, integer ≥ 0). */
export function reimbursedPostage(input: PostageInput): number {
  if (reasonSide(input.reason) !== 'SELLER') return 0;
  if (input.mode !== 'SELF_SHIP') return 0;
  return Math.min(toFen(input.declared), toFen(input.policy.returnShippingCap));
}
