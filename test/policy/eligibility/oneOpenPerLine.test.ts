import { checkOneOpenPerLine, openReturnForLine, supersededReturns } from '../../../cloudfunctions/core/policy/eligibility/rules/oneOpenPerLine';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { ReturnStatus } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, makeEligibilityContext, makePriorReturn } from '../fixtures';

const pairs = (r: { code: string; lineId?: string }[]) => r.map((x) => [x.code, x.lineId]);

const OPEN: ReturnStatus[] = ['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'IN_TRANSIT', 'REJECTED', 'DISPUTED', 'REFUNDING', 'REFUND_FAILED'];

describe('rule 4a: one open after-sale per line', () => {
  it('accepts a line without prior after-sales', () => {
    expect(checkOneOpenPerLine(makeEligibilityContext())).toEqual([]);
  });

  it.each(OPEN)('refuses a line held by a %s after-sale with RETURN_ALREADY_OPEN', (status) => {
    const open = makePriorReturn({ status, lines: [['L1', 1]] });
    const r = checkOneOpenPerLine(makeEligibilityContext({ priorReturns: [open] }));
    expect(pairs(r)).toEqual([[C.RETURN_ALREADY_OPEN, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain(open.returnId);
  });

  it('a REJECTED one whose goods were never sent does not block: it is listed to be superseded', () => {
    const unsent = makePriorReturn({ status: 'REJECTED', shipped: false, lines: [['L1', 1]] });
    const ctx = makeEligibilityContext({ priorReturns: [unsent] });
    expect(checkOneOpenPerLine(ctx)).toEqual([]);
    expect(supersededReturns(ctx)).toEqual([unsent.returnId]);
    expect(supersededReturns(makeEligibilityContext({ priorReturns: [unsent], lines: [{ lineId: 'L2', quantity: 1 }] }))).toEqual([]);
  });

  it('a REJECTED one points the buyer to modifying it or appealing, not to waiting', () => {
    const rejected = makePriorReturn({ status: 'REJECTED', lines: [['L1', 1]] });
    const [r] = checkOneOpenPerLine(makeEligibilityContext({ priorReturns: [rejected] }));
    expect(r.message).toBe(`该商品的售后申请（${rejected.returnId}）已被商家拒绝，请在原申请中修改后重新提交，或申请平台介入`);
    const pending = makePriorReturn({ status: 'PENDING_REVIEW', lines: [['L1', 1]] });
    expect(checkOneOpenPerLine(makeEligibilityContext({ priorReturns: [pending] }))[0].message).toContain('请等待处理完成后再申请');
  });

  it.each<ReturnStatus>(['REFUNDED', 'CANCELLED', 'CLOSED'])('accepts a line whose after-sale is %s', (status) => {
    const done = makePriorReturn({ status, lines: [['L1', 1]] });
    expect(checkOneOpenPerLine(makeEligibilityContext({ priorReturns: [done] }))).toEqual([]);
  });

  it('does not block the after-sale being modified', () => {
    const modified = makePriorReturn({ status: 'PENDING_REVIEW', lines: [['L1', 1]] });
    const ctx = makeEligibilityContext({ priorReturns: [modified], excludeReturnId: modified.returnId });
    expect(checkOneOpenPerLine(ctx)).toEqual([]);
    expect(openReturnForLine(ctx, 'L1')).toBeUndefined();
  });

  it('still blocks on another open after-sale while modifying', () => {
    const modified = makePriorReturn({ status: 'REJECTED', lines: [['L2', 1]] });
    const other = makePriorReturn({ status: 'IN_TRANSIT', lines: [['L1', 1]] });
    const ctx = makeEligibilityContext({
      priorReturns: [modified, other],
      excludeReturnId: modified.returnId,
      lines: [
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(pairs(checkOneOpenPerLine(ctx))).toEqual([[C.RETURN_ALREADY_OPEN, 'L1']]);
  });

  it('only looks at the requested lines, reports each once, in request order', () => {
    const open = makePriorReturn({
      status: 'PENDING_REVIEW',
      lines: [
        ['L1', 1],
        ['L2', 1],
      ],
    });
    const ctx = makeEligibilityContext({
      priorReturns: [open],
      lines: [
        { lineId: 'L2', quantity: 1 },
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(pairs(checkOneOpenPerLine(ctx))).toEqual([
      [C.RETURN_ALREADY_OPEN, 'L2'],
      [C.RETURN_ALREADY_OPEN, 'L1'],
    ]);
    const onlyL2 = makeEligibilityContext({
      priorReturns: [makePriorReturn({ status: 'PENDING_REVIEW', lines: [['L1', 1]] })],
      lines: [{ lineId: 'L2', quantity: 1 }],
    });
    expect(checkOneOpenPerLine(onlyL2)).toEqual([]);
  });
});
