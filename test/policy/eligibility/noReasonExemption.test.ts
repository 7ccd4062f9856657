import { checkNoReasonExemption } from '../../../cloudfunctions/core/policy/eligibility/rules/noReasonExemption';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { NoReasonExempt, ReasonCode } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, at, makeEligibilityContext, makeLine, makeOrder } from '../fixtures';

const pairs = (r: { code: string; lineId?: string }[]) => r.map((x) => [x.code, x.lineId]);

function orderWith(l1: Parameters<typeof makeLine>[0]) {
  return makeOrder({
    lines: [makeLine({ lineId: 'L1', quantity: 1, unitPrice: 5000, ...l1 }), makeLine({ lineId: 'L2', quantity: 1, unitPrice: 3000 })],
  });
}

describe('rule 7: no-reason exemptions', () => {
  it.each<[NoReasonExempt, string]>([
    ['CUSTOM', '定制'],
    ['FRESH', '生鲜'],
    ['DIGITAL_OPENED', '已拆封的数字化商品'],
    ['PERIODICAL', '期刊'],
  ])('refuses a buyer-side reason on a %s line, naming the category', (exempt, label) => {
    const ctx = makeEligibilityContext({ order: orderWith({ noReasonExempt: exempt }) });
    const r = checkNoReasonExemption(ctx);
    expect(pairs(r)).toEqual([[C.NO_REASON_EXEMPT, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain(label);
    expect(r[0].message).toContain('七天无理由');
  });

  it('refuses a buyer-side reason on a line whose waiver the buyer confirmed at purchase', () => {
    const ctx = makeEligibilityContext({ order: orderWith({ waiverConfirmedAt: at('2026-01-20T01:59:00Z') }) });
    const r = checkNoReasonExemption(ctx);
    expect(pairs(r)).toEqual([[C.NO_REASON_EXEMPT, 'L1']]);
    expect(r[0].message).toContain('您下单时已确认该商品不支持七天无理由退货');
  });

  it.each<ReasonCode>(['NO_LONGER_WANTED', 'WRONG_ORDER', 'OTHER'])('applies to %s', (reason) => {
    const ctx = makeEligibilityContext({ order: orderWith({ noReasonExempt: 'FRESH' }), reason });
    expect(pairs(checkNoReasonExemption(ctx))).toEqual([[C.NO_REASON_EXEMPT, 'L1']]);
  });

  it.each<ReasonCode>(['QUALITY_ISSUE', 'DAMAGED', 'WRONG_ITEM', 'MISSING_PARTS', 'NOT_AS_DESCRIBED', 'NOT_RECEIVED'])(
    'keeps seller-side reason %s allowed on exempt and waived lines',
    (reason) => {
      const exempt = makeEligibilityContext({ order: orderWith({ noReasonExempt: 'CUSTOM' }), reason });
      expect(checkNoReasonExemption(exempt)).toEqual([]);
      const waived = makeEligibilityContext({ order: orderWith({ waiverConfirmedAt: at('2026-01-20T01:59:00Z') }), reason });
      expect(checkNoReasonExemption(waived)).toEqual([]);
    },
  );

  it('only refuses the exempt lines, in request order, once each', () => {
    const order = makeOrder({
      lines: [makeLine({ lineId: 'L1', noReasonExempt: 'PERIODICAL' }), makeLine({ lineId: 'L2' }), makeLine({ lineId: 'L3', waiverConfirmedAt: at('2026-01-20T01:59:00Z') })],
    });
    const ctx = makeEligibilityContext({
      order,
      lines: [
        { lineId: 'L3', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L3', quantity: 1 },
        { lineId: 'L9', quantity: 1 },
      ],
    });
    expect(pairs(checkNoReasonExemption(ctx))).toEqual([
      [C.NO_REASON_EXEMPT, 'L3'],
      [C.NO_REASON_EXEMPT, 'L1'],
    ]);
  });

  it('accepts ordinary lines', () => {
    expect(checkNoReasonExemption(makeEligibilityContext())).toEqual([]);
  });
});
