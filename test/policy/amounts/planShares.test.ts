import { planShares } from '../../../cloudfunctions/core/policy/amounts/planShares';
import { RefundSplitError } from '../../../cloudfunctions/core/policy/amounts/splitPayments';

const DEPOSIT = { outTradeNo: 'TD', amount: 3000 };
const BALANCE = { outTradeNo: 'TB', amount: 7000 };
const rec = (id: string, returnId: string, outTradeNo: string, refundFee: number, status = 'SUCCESS') => ({ _id: id, returnId, outTradeNo, refundFee, status });

describe('planShares: the records a settled refund needs, planned with the settlement', () => {
  it('one payment: one share numbered after the after-sale', () => {
    expect(planShares({ returnId: 'R1', target: 2500, payments: [BALANCE], records: [], planned: [], named: [] })).toEqual([
      { outRefundNo: 'R1-1', outTradeNo: 'TB', amount: 2500 },
    ]);
  });

  it('two payments: proportional to what each has left, the numbers after the highest of its own', () => {
    const records = [rec('R1-1', 'R1', 'TB', 1000, 'CLOSED'), rec('R9-1', 'R9', 'TB', 4000)];
    // TD has 3000 left, TB 3000 (7000 − 4000; the closed record is not live): 2000 split 1000 / 1000.
    expect(planShares({ returnId: 'R1', target: 2000, payments: [DEPOSIT, BALANCE], records, planned: [], named: ['R1-1'] })).toEqual([
      { outRefundNo: 'R1-2', outTradeNo: 'TD', amount: 1000 },
      { outRefundNo: 'R1-3', outTradeNo: 'TB', amount: 1000 },
    ]);
  });

  it('a share another after-sale planned but has not stored yet holds its payment like a live record', () => {
    const planned = [{ outRefundNo: 'R2-1', outTradeNo: 'TB', amount: 7000 }];
    expect(planShares({ returnId: 'R1', target: 3000, payments: [DEPOSIT, BALANCE], records: [], planned, named: [] })).toEqual([
      { outRefundNo: 'R1-1', outTradeNo: 'TD', amount: 3000 },
    ]);
    // Once stored, the record counts instead (not twice).
    const stored = [rec('R2-1', 'R2', 'TB', 7000, 'PROCESSING')];
    expect(planShares({ returnId: 'R1', target: 3000, payments: [DEPOSIT, BALANCE], records: stored, planned, named: [] })).toEqual([
      { outRefundNo: 'R1-1', outTradeNo: 'TD', amount: 3000 },
    ]);
  });

  it('what its own live records cover is not planned again', () => {
    const records = [rec('R1-1', 'R1', 'TB', 1500, 'PROCESSING')];
    expect(planShares({ returnId: 'R1', target: 1500, payments: [BALANCE], records, planned: [], named: ['R1-1'] })).toEqual([]);
    expect(planShares({ returnId: 'R1', target: 2000, payments: [BALANCE], records, planned: [], named: ['R1-1'] })).toEqual([
      { outRefundNo: 'R1-2', outTradeNo: 'TB', amount: 500 },
    ]);
  });

  it('a record of its own that it does not name (a settlement of it that never committed) covers nothing and holds nothing; the numbers go past it', () => {
    const records = [rec('R1-1', 'R1', 'TB', 5000, 'CREATED')];
    expect(planShares({ returnId: 'R1', target: 5000, payments: [{ outTradeNo: 'TB', amount: 5000 }], records, planned: [], named: [] })).toEqual([
      { outRefundNo: 'R1-2', outTradeNo: 'TB', amount: 5000 },
    ]);
    // Another after-sale's record it does not name still holds its payment (its commit may be on the way).
    const other = [rec('R2-1', 'R2', 'TB', 5000, 'CREATED')];
    expect(() => planShares({ returnId: 'R1', target: 1, payments: [{ outTradeNo: 'TB', amount: 5000 }], records: other, planned: [], named: [] })).toThrow(RefundSplitError);
  });

  it('more than the payments have left (records and planned shares) → REFUND_LIMIT', () => {
    const planned = [{ outRefundNo: 'R2-1', outTradeNo: 'TB', amount: 6000 }];
    expect(() => planShares({ returnId: 'R1', target: 4001, payments: [DEPOSIT, BALANCE], records: [], planned, named: [] })).toThrow(RefundSplitError);
    expect(planShares({ returnId: 'R1', target: 4000, payments: [DEPOSIT, BALANCE], records: [], planned, named: [] }).reduce((s, x) => s + x.amount, 0)).toBe(4000);
  });
});
