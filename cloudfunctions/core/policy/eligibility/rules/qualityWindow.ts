/**
 * Rule 6: quality window (seller-side reasons): policy.qualityDays counted like
 * the no-reason window (ends 23:59:59.999 Asia/Shanghai of receivedAt's date +
 * qualityDays). Never received (including NOT_RECEIVED) ⇒ open.
 */
import type { Refusal } from '../../types';
import { endOfShopDayAfter, formatShopTime, toDate } from '../../time';
import { ELIGIBILITY_CODES as C, reasonInfo, refusal, type EligibilityContext } from '../context';

/** End of the quality window, or null while the order has not been received. */
export function qualityWindowEndsAt(ctx: EligibilityContext): Date | null {
  const receivedAt = toDate(ctx.order.receivedAt);
  return receivedAt ? endOfShopDayAfter(receivedAt, ctx.policy.qualityDays) : null;
}

export function checkQualityWindow(ctx: EligibilityContext): Refusal[] {
  if (reasonInfo(ctx.reason)?.side !== 'SELLER') return [];
  const end = qualityWindowEndsAt(ctx);
  if (end === null || ctx.now.getTime() <= end.getTime()) return [];
  return [refusal(C.QUALITY_WINDOW_CLOSED, `本订单签收后${ctx.policy.qualityDays}天内的质量问题售后期已于${formatShopTime(end)}结束，` + '如有疑问请联系商家协商处理')];
}
