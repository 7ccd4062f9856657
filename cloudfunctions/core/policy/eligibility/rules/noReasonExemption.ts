/**
 * Rule 7: goods exempt from no-reason returns — by law (定制商品, 生鲜, 已拆封的
 * 数字化商品, 报纸期刊: line.noReasonExempt) or confirmed by the buyer at purchase
 * (line.waiverConfirmedAt) — refuse buyer-side reasons. Seller-side reasons stay allowed.
 */
import type { NoReasonExempt, Refusal } from '../../types';
import { toDate } from '../../time';
import { ELIGIBILITY_CODES as C, findOrderLine, reasonInfo, refusal, uniqueRequestedLineIds, type EligibilityContext } from '../context';

export const NO_REASON_EXEMPT_LABELS: Readonly<Record<NoReasonExempt, string>> = Object.freeze({
  CUSTOM: '定制商品',
  FRESH: '鲜活易腐商品（生鲜）',
  DIGITAL_OPENED: '已拆封的数字化商品',
  PERIODICAL: '报纸、期刊',
});

const QUALITY_HINT = '如商品存在质量问题，可选择对应原因申请售后';

export function checkNoReasonExemption(ctx: EligibilityContext): Refusal[] {
  if (reasonInfo(ctx.reason)?.side !== 'BUYER') return [];
  const out: Refusal[] = [];
  for (const lineId of uniqueRequestedLineIds(ctx)) {
    const line = findOrderLine(ctx.order, lineId);
    if (!line) continue; // rule 3 reports unknown lines
    const exempt = line.noReasonExempt;
    if (exempt && Object.prototype.hasOwnProperty.call(NO_REASON_EXEMPT_LABELS, exempt)) {
      out.push(refusal(C.NO_REASON_EXEMPT, `该商品属于${NO_REASON_EXEMPT_LABELS[exempt]}，依法不支持七天无理由退货；${QUALITY_HINT}`, lineId));
    } else if (toDate(line.waiverConfirmedAt) !== undefined) {
      out.push(refusal(C.NO_REASON_EXEMPT, `您下单时已确认该商品不支持七天无理由退货；${QUALITY_HINT}`, lineId));
    }
  }
  return out;
}
