/**
 * Typed after-sale events for the shop's other systems (stock, order list,
 * accounting): one per committed transition, named from the table's action
 * and the status it reached. Pure.
 */
import type { ReturnStatus } from '../policy/types';
import { STATUSES } from './statuses';
import type { ActionName } from './transitions';

export const AFTER_SALE_EVENT_TYPES = [
  'aftersale.requested',
  'aftersale.modified',
  'aftersale.cancelled',
  'aftersale.approved',
  'aftersale.rejected',
  'aftersale.goods_shipped',
  'aftersale.logistics_corrected',
  'aftersale.goods_received',
  'aftersale.receipt_refused',
  'aftersale.appealed',
  'aftersale.decided',
  'aftersale.refund_retried',
  'aftersale.proposed',
  'aftersale.proposal_accepted',
  'aftersale.proposal_declined',
  'aftersale.refunded',
  'aftersale.refund_failed',
  'aftersale.exchange_shipped',
  'aftersale.exchange_converted',
  'aftersale.exchanged',
  'aftersale.closed',
] as const;
export type AfterSaleEventType = (typeof AFTER_SALE_EVENT_TYPES)[number];

const BY_ACTION: Readonly<Record<ActionName, AfterSaleEventType>> = Object.freeze({
  apply: 'aftersale.requested',
  modify: 'aftersale.modified',
  cancel: 'aftersale.cancelled',
  submitLogistics: 'aftersale.goods_shipped',
  correctLogistics: 'aftersale.logistics_corrected',
  appeal: 'aftersale.appealed',
  approve: 'aftersale.approved',
  reject: 'aftersale.rejected',
  confirmReceipt: 'aftersale.goods_received',
  refuseReceipt: 'aftersale.receipt_refused',
  retryRefund: 'aftersale.refund_retried',
  markOffline: 'aftersale.refunded',
  decide: 'aftersale.decided',
  autoApprove: 'aftersale.approved',
  closeUnshipped: 'aftersale.closed',
  autoReceive: 'aftersale.goods_received',
  closeAppealWindow: 'aftersale.closed',
  refundSucceeded: 'aftersale.refunded',
  refundFailed: 'aftersale.refund_failed',
  propose: 'aftersale.proposed',
  acceptProposal: 'aftersale.proposal_accepted',
  declineProposal: 'aftersale.proposal_declined',
  lapseProposal: 'aftersale.proposal_declined',
  autoDecide: 'aftersale.decided',
  reship: 'aftersale.exchange_shipped',
  convertToRefund: 'aftersale.exchange_converted',
  autoConvert: 'aftersale.exchange_converted',
  confirmExchange: 'aftersale.exchanged',
  autoConfirmExchange: 'aftersale.exchanged',
});

/**
 * The event of a transition: a terminal status names it (refunded, exchanged,
 * cancelled, closed — so `decide` for the merchant is `closed`), otherwise the action.
 */
export function eventFor(action: ActionName, to: ReturnStatus): AfterSaleEventType {
  const info = STATUSES[to];
  if (info?.terminal) {
    if (info.refundBound) return 'aftersale.refunded';
    if (to === 'EXCHANGED') return 'aftersale.exchanged';
    return action === 'cancel' ? 'aftersale.cancelled' : 'aftersale.closed';
  }
  return BY_ACTION[action];
}
