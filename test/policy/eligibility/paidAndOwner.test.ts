import { checkPaidAndOwner } from '../../../cloudfunctions/core/policy/eligibility/rules/paidAndOwner';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { OrderStatus } from '../../../cloudfunctions/core/policy/types';
import { BUYER, CHINESE, OTHER_BUYER, makeEligibilityContext, makeOrder } from '../fixtures';

describe('rule 1: order paid, not cancelled, owned by the caller', () => {
  it.each<OrderStatus>(['PAID', 'SHIPPED', 'RECEIVED', 'COMPLETED'])('accepts the owner of a %s order', (status) => {
    expect(checkPaidAndOwner(makeEligibilityContext({ order: makeOrder({ status }) }))).toEqual([]);
  });

  it('refuses a cancelled order with ORDER_CANCELLED', () => {
    const r = checkPaidAndOwner(makeEligibilityContext({ order: makeOrder({ status: 'CANCELLED' }) }));
    expect(r).toHaveLength(1);
    expect(r[0].code).toBe(C.ORDER_CANCELLED);
    expect(r[0].lineId).toBeUndefined();
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('取消');
  });

  it('refuses an order in an unpaid status with ORDER_NOT_PAID', () => {
    const order = makeOrder({ status: 'CREATED' as unknown as OrderStatus });
    const r = checkPaidAndOwner(makeEligibilityContext({ order }));
    expect(r.map((x) => x.code)).toEqual([C.ORDER_NOT_PAID]);
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('付款');
  });

  it('refuses a caller who does not own the order, and says nothing else about it', () => {
    const order = makeOrder({ status: 'CANCELLED', buyerOpenid: BUYER });
    const r = checkPaidAndOwner(makeEligibilityContext({ order, callerOpenid: OTHER_BUYER }));
    expect(r.map((x) => x.code)).toEqual([C.NOT_ORDER_OWNER]);
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).not.toContain('取消');
  });

  it('never treats an empty openid as the owner, even when the order has none', () => {
    const order = makeOrder({ buyerOpenid: '' });
    const r = checkPaidAndOwner(makeEligibilityContext({ order, callerOpenid: '' }));
    expect(r.map((x) => x.code)).toEqual([C.NOT_ORDER_OWNER]);
  });
});
