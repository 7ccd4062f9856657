import { availableUnits, checkQuantity } from '../../../cloudfunctions/core/policy/eligibility/rules/quantity';
import { ELIGIBILITY_CODES as C } from '../../../cloudfunctions/core/policy/eligibility/context';
import type { RequestedLine, ReturnStatus } from '../../../cloudfunctions/core/policy/types';
import { CHINESE, makeEligibilityContext, makePriorReturn } from '../fixtures';

const pairs = (r: { code: string; lineId?: string }[]) => r.map((x) => [x.code, x.lineId]);

describe('rule 3: quantity per line', () => {
  it('a REJECTED after-sale whose goods were never sent does not hold its units (a new application replaces it); one whose goods were sent does', () => {
    const unsent = makePriorReturn({ status: 'REJECTED', shipped: false, lines: [['L1', 1]] });
    expect(availableUnits(makeEligibilityContext({ priorReturns: [unsent] }), 'L1')).toBe(2);
    const sent = makePriorReturn({ status: 'REJECTED', shipped: true, lines: [['L1', 1]] });
    expect(availableUnits(makeEligibilityContext({ priorReturns: [sent] }), 'L1')).toBe(1);
    const unknown = makePriorReturn({ status: 'REJECTED', lines: [['L1', 1]] }); // older ledger entries: held
    expect(availableUnits(makeEligibilityContext({ priorReturns: [unknown] }), 'L1')).toBe(1);
  });

  it('accepts 1..purchased units of existing lines', () => {
    const ctx = makeEligibilityContext({
      lines: [
        { lineId: 'L1', quantity: 2 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(checkQuantity(ctx)).toEqual([]);
  });

  it('refuses an empty request with LINES_EMPTY', () => {
    const r = checkQuantity(makeEligibilityContext({ lines: [] }));
    expect(pairs(r)).toEqual([[C.LINES_EMPTY, undefined]]);
    expect(r[0].message).toMatch(CHINESE);
  });

  it('refuses a line that is not in the order with LINE_NOT_FOUND', () => {
    const r = checkQuantity(makeEligibilityContext({ lines: [{ lineId: 'L9', quantity: 1 }] }));
    expect(pairs(r)).toEqual([[C.LINE_NOT_FOUND, 'L9']]);
    expect(r[0].message).toMatch(CHINESE);
  });

  it('refuses a lineId requested twice with LINE_DUPLICATE (once per duplicated line)', () => {
    const lines = [
      { lineId: 'L1', quantity: 1 },
      { lineId: 'L2', quantity: 1 },
      { lineId: 'L1', quantity: 1 },
      { lineId: 'L1', quantity: 1 },
    ];
    const r = checkQuantity(makeEligibilityContext({ lines }));
    expect(pairs(r)).toEqual([[C.LINE_DUPLICATE, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
  });

  it.each([0, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY])('refuses quantity %p with QUANTITY_INVALID', (q) => {
    const r = checkQuantity(makeEligibilityContext({ lines: [{ lineId: 'L1', quantity: q }] }));
    expect(pairs(r)).toEqual([[C.QUANTITY_INVALID, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
  });

  it('refuses a non-number quantity with QUANTITY_INVALID', () => {
    const lines = [{ lineId: 'L1', quantity: '1' }] as unknown as RequestedLine[];
    expect(pairs(checkQuantity(makeEligibilityContext({ lines })))).toEqual([[C.QUANTITY_INVALID, 'L1']]);
  });

  it('refuses more than purchased with QUANTITY_EXCEEDED naming the limit', () => {
    const r = checkQuantity(makeEligibilityContext({ lines: [{ lineId: 'L1', quantity: 3 }] }));
    expect(pairs(r)).toEqual([[C.QUANTITY_EXCEEDED, 'L1']]);
    expect(r[0].message).toMatch(CHINESE);
    expect(r[0].message).toContain('2件');
  });

  it('subtracts units already refunded', () => {
    const priorReturns = [makePriorReturn({ status: 'REFUNDED', lines: [['L1', 1]] })];
    const ok = makeEligibilityContext({ priorReturns, lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(checkQuantity(ok)).toEqual([]);
    const tooMany = makeEligibilityContext({ priorReturns, lines: [{ lineId: 'L1', quantity: 2 }] });
    const r = checkQuantity(tooMany);
    expect(pairs(r)).toEqual([[C.QUANTITY_EXCEEDED, 'L1']]);
    expect(r[0].message).toContain('1件');
  });

  it.each<ReturnStatus>(['PENDING_REVIEW', 'AWAITING_SHIPMENT', 'IN_TRANSIT', 'REJECTED', 'DISPUTED', 'REFUNDING', 'REFUND_FAILED'])(
    'subtracts units held by an open (%s) after-sale',
    (status) => {
      const priorReturns = [makePriorReturn({ status, lines: [['L1', 1]] })];
      const ctx = makeEligibilityContext({ priorReturns, lines: [{ lineId: 'L1', quantity: 2 }] });
      expect(availableUnits(ctx, 'L1')).toBe(1);
      expect(pairs(checkQuantity(ctx))).toEqual([[C.QUANTITY_EXCEEDED, 'L1']]);
    },
  );

  it.each<ReturnStatus>(['CANCELLED', 'CLOSED'])('does not count units of a %s after-sale', (status) => {
    const priorReturns = [makePriorReturn({ status, lines: [['L1', 2]] })];
    const ctx = makeEligibilityContext({ priorReturns, lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(checkQuantity(ctx)).toEqual([]);
  });

  it('says nothing is left when every unit is refunded or in progress', () => {
    const priorReturns = [makePriorReturn({ status: 'REFUNDED', lines: [['L1', 1]] }), makePriorReturn({ status: 'IN_TRANSIT', lines: [['L1', 1]] })];
    const r = checkQuantity(makeEligibilityContext({ priorReturns, lines: [{ lineId: 'L1', quantity: 1 }] }));
    expect(pairs(r)).toEqual([[C.QUANTITY_EXCEEDED, 'L1']]);
    expect(r[0].message).toContain('没有可申请');
  });

  it('does not count the after-sale being modified against itself', () => {
    const modified = makePriorReturn({ status: 'REJECTED', lines: [['L1', 2]] });
    const ctx = makeEligibilityContext({
      priorReturns: [modified],
      excludeReturnId: modified.returnId,
      lines: [{ lineId: 'L1', quantity: 2 }],
    });
    expect(checkQuantity(ctx)).toEqual([]);
    // without the exclusion, the same request is refused
    expect(pairs(checkQuantity({ ...ctx, excludeReturnId: undefined }))).toEqual([[C.QUANTITY_EXCEEDED, 'L1']]);
  });

  it('still counts refunded units even if a refunded after-sale id is passed as excludeReturnId', () => {
    const refunded = makePriorReturn({ status: 'REFUNDED', lines: [['L1', 2]] });
    const ctx = makeEligibilityContext({
      priorReturns: [refunded],
      excludeReturnId: refunded.returnId,
      lines: [{ lineId: 'L1', quantity: 1 }],
    });
    expect(pairs(checkQuantity(ctx))).toEqual([[C.QUANTITY_EXCEEDED, 'L1']]);
  });

  it('reports every bad line, in request order', () => {
    const lines = [
      { lineId: 'L2', quantity: 5 },
      { lineId: 'LX', quantity: 1 },
      { lineId: 'L1', quantity: 0 },
      { lineId: 'L2', quantity: 1 },
    ];
    expect(pairs(checkQuantity(makeEligibilityContext({ lines })))).toEqual([
      [C.QUANTITY_EXCEEDED, 'L2'],
      [C.LINE_NOT_FOUND, 'LX'],
      [C.QUANTITY_INVALID, 'L1'],
      [C.LINE_DUPLICATE, 'L2'],
    ]);
  });

  it('counts units of other lines separately', () => {
    const priorReturns = [makePriorReturn({ status: 'REFUNDED', lines: [['L2', 1]] })];
    const ctx = makeEligibilityContext({ priorReturns, lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(checkQuantity(ctx)).toEqual([]);
  });
});
