/**
 * Rule 5: no-reason window (buyer-side reasons only). The window starts the day
 * after 签收 and ends at 23:59:59.999 Asia/Shanghai of receivedAt's Shanghai
 * calendar date + policy.noReasonDays. Not yet received ⇒ open.
 */
import type { Refusal } from '../../types';
import { endOfShopDayAfter, formatShopTime, toDate } from '../../time';
import { ELIGIBILITY_CODES as C, reasonInfo, refusal, type EligibilityContext } from '../context';

const CN_DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九', '十'];

/** "七天" for 7, "15天" for 15: how Chinese shoppers name the no-reason period. */
export function noReasonLabel(days: number): string {
  return Number.isInteger(days) && days >= 0 && days <= 10 ? `${CN_DIGITS[days]}天` : `${days}天`;
}

/** End of the no-reason window, or null while the order has not been received. */
export function noReasonWindowEndsAt(ctx: EligibilityContext): Date | null {
  const receivedAt = toDate(ctx.order.receivedAt);
  return receivedAt ? endOfShopDayAfter(receivedAt, ctx.policy.noReasonDays) : null;
}

export function checkNoReasonWindow(ctx: EligibilityContext): Refusal[] {
  if (reasonInfo(ctx.reason)?.side !== 'BUYER') return [];
  const end = noReasonWindowEndsAt(ctx);
  if (end === null || ctx.now.getTime() <= end.getTime()) return [];
  return [
    refusal(C.NO_REASON_WINDOW_CLOSED, `本订单的${noReasonLabel(ctx.policy.noReasonDays)}无理由退货期已于${formatShopTime(end)}结束，` + '如商品存在质量问题，可选择对应原因申请'),
  ];
}
