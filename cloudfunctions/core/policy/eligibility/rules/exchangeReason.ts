/**
 * 换货 needs goods to swap: "not received" (未收到货) cannot be exchanged —
 * the buyer is pointed to a refund. Every other reason may ask for an
 * exchange (size/colour, quality, wrong item, …).
 */
import type { Refusal } from '../../types';
import { ELIGIBILITY_CODES as C, refusal, type EligibilityContext } from '../context';

export function checkExchangeReason(ctx: EligibilityContext): Refusal[] {
  if (ctx.type !== 'EXCHANGE' || ctx.reason !== 'NOT_RECEIVED') return [];
  return [refusal(C.REASON_INVALID, '未收到货不能申请换货，请申请“仅退款”')];
}
