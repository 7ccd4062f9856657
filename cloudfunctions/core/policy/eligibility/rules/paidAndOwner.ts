/** Rule 1: the order is paid and not cancelled, and the caller owns it. */
import type { OrderStatus, Refusal } from '../../types';
import { ELIGIBILITY_CODES as C, refusal, type EligibilityContext } from '../context';

export const PAID_ORDER_STATUSES: ReadonlySet<OrderStatus> = new Set<OrderStatus>(['PAID', 'SHIPPED', 'RECEIVED', 'COMPLETED']);

export function checkPaidAndOwner(ctx: EligibilityContext): Refusal[] {
  const { order, callerOpenid } = ctx;
  // Ownership first: a non-owner learns nothing else about the order.
  if (typeof callerOpenid !== 'string' || callerOpenid === '' || order.buyerOpenid !== callerOpenid) {
    return [refusal(C.NOT_ORDER_OWNER, '该订单不属于当前账号，无法申请售后')];
  }
  if (order.status === 'CANCELLED') {
    return [refusal(C.ORDER_CANCELLED, '该订单已取消，无法申请售后')];
  }
  if (!PAID_ORDER_STATUSES.has(order.status)) {
    return [refusal(C.ORDER_NOT_PAID, '该订单尚未付款，暂时无法申请售后')];
  }
  return [];
}
