import { checkTypeForShipping } from '../../../cloudfunctions/core/policy/eligibility/rules/typeForShipping';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { OrderStatus, ReturnType } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, SHIPPED_AT, makeEligibilityContext, makeOrder, makeUnshippedOrder } from '../fixtures';

describe('rule 2: type allowed for the shipping state', () => {
  it('allows REFUND_ONLY on a paid, not yet shipped order', () => {
    const ctx = makeEligibilityContext({ order: makeUnshippedOrder(), type: 'REFUND_ONLY' });
    expect(checkTypeForShipping(ctx)).toEqual([]);
  });

  it.each<OrderStatus>(['SHIPPED', 'RECEIVED', 'COMPLETED'])('allows REFUND_ONLY on a %s order', (status) => {
    const ctx = makeEligibilityContext({ order: makeOrder({ status }), type: 'REFUND_ONLY' });
    expect(checkTypeForShipping(ctx)).toEqual([]);
  });

  it('refuses RETURN_REFUND before shipping with TYPE_NOT_ALLOWED and suggests 仅退款', () => {
    const ctx = makeEligibilityContext({ order: makeUnshippedOrder(), type: 'RETURN_REFUND' });
    const r = checkTypeForShipping(ctx);
    expect(r).toHaveLength(1);
    expect(r[0].code).toBe(C.TYPE_NOT_ALLOWED);
    expect(r[0].lineId).toBeUndefined();
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('仅退款');
  });

  it.each<OrderStatus>(['SHIPPED', 'RECEIVED', 'COMPLETED'])('allows RETURN_REFUND on a %s order', (status) => {
    const ctx = makeEligibilityContext({ order: makeOrder({ status }), type: 'RETURN_REFUND' });
    expect(checkTypeForShipping(ctx)).toEqual([]);
  });

  it('allows RETURN_REFUND when shippedAt is set even if the status still says PAID', () => {
    const ctx = makeEligibilityContext({ order: makeUnshippedOrder({ shippedAt: SHIPPED_AT }), type: 'RETURN_REFUND' });
    expect(checkTypeForShipping(ctx)).toEqual([]);
  });

  it('allows EXCHANGE once shipped, refuses it before (pointing to 仅退款)', () => {
    expect(checkTypeForShipping(makeEligibilityContext({ order: makeOrder({ status: 'RECEIVED' }), type: 'EXCHANGE' }))).toEqual([]);
    const r = checkTypeForShipping(makeEligibilityContext({ order: makeUnshippedOrder(), type: 'EXCHANGE' }));
    expect(r.map((x) => x.code)).toEqual([C.TYPE_NOT_ALLOWED]);
    expect(r[0].message).toContain('仅退款');
  });

  it('refuses an unknown type', () => {
    const ctx = makeEligibilityContext({ type: 'SWAP' as unknown as ReturnType });
    const r = checkTypeForShipping(ctx);
    expect(r.map((x) => x.code)).toEqual([C.TYPE_NOT_ALLOWED]);
    expect(r[0].message).toMatch(CHINESE);
  });
});
