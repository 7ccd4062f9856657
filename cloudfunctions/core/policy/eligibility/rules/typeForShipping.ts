/**
 * Rule 2: the after-sale type must fit the order's shipping state.
 * REFUND_ONLY (仅退款) is allowed once paid (rule 1 checks payment);
 * RETURN_REFUND (退货退款) and EXCHANGE (换货) only once the goods have shipped.
 */
import type { OrderStatus, Refusal } from '../../types';
import { toDate } from '../../time';
import { ELIGIBILITY_CODES as C, refusal, type EligibilityContext } from '../context';

const SHIPPED_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['SHIPPED', 'RECEIVED', 'COMPLETED']);

/** Whether the order's goods have left the shop (status or a shippedAt instant). */
export function hasShipped(ctx: EligibilityContext): boolean {
  return SHIPPED_STATUSES.has(ctx.order.status) || toDate(ctx.order.shippedAt) !== undefined;
}

export function checkTypeForShipping(ctx: EligibilityContext): Refusal[] {
  switch (ctx.type) {
    case 'REFUND_ONLY':
      return [];
    case 'RETURN_REFUND':
      return hasShipped(ctx) ? [] : [refusal(C.TYPE_NOT_ALLOWED, '商品尚未发货，暂不支持退货退款，您可以申请“仅退款”')];
    case 'EXCHANGE':
      return hasShipped(ctx) ? [] : [refusal(C.TYPE_NOT_ALLOWED, '商品尚未发货，暂不支持换货，您可以申请“仅退款”后重新下单')];
    default:
      return [refusal(C.TYPE_NOT_ALLOWED, '不支持该售后类型，请选择“仅退款”“退货退款”或“换货”')];
  }
}
