import { checkMoney } from '../../../cloudfunctions/core/policy/amounts/guard';
import type { RefundPlan } from '../../../cloudfunctions/core/policy/amounts/settle';

const NOW = new Date('2026-03-10T02:00:00.000Z');
const order = {
  _id: 'O1',
  shippingFee: 800,
  lines: [
    { lineId: 'L1', skuId: 'S1', title: '甲', quantity: 2, unitPrice: 5000, paidAmount: 10000 },
    { lineId: 'L2', skuId: 'S2', title: '乙', quantity: 1, unitPrice: 6000, paidAmount: 6000 },
  ],
  payments: [
    { outTradeNo: 'T1', channel: 'WECHAT_PAY' as const, amount: 8000, paidAt: NOW },
    { outTradeNo: 'T2', channel: 'WECHAT_PAY' as const, amount: 8800, paidAt: NOW },
  ],
};
const plan = (lines: { lineId: string; quantity: number; amount: number }[], shipping = 0): RefundPlan => {
  const items = lines.reduce((s, l) => s + l.amount, 0);
  return { lines, items, shipping, postage: 0, total: items + shipping, target: items + shipping, offline: 0, lowered: false, at: NOW };
};
const rec = (_id: string, returnId: string, outTradeNo: string, refundFee: number, live = true) => ({
  _id,
  returnId,
  outTradeNo,
  totalFee: outTradeNo === 'T1' ? 8000 : 8800,
  refundFee,
  live,
});
const rules = (v: { rule: string }[]) => v.map((x) => x.rule).sort();

describe('checkMoney: the last-line guard', () => {
  it('a consistent order passes', () => {
    const returns = [
      { _id: 'R1', orderId: 'O1', refundPlan: plan([{ lineId: 'L1', quantity: 2, amount: 10000 }]) },
      { _id: 'R2', orderId: 'O1', refundPlan: plan([{ lineId: 'L2', quantity: 1, amount: 6000 }], 800) },
    ];
    const refunds = [rec('R1-1', 'R1', 'T1', 8000), rec('R1-2', 'R1', 'T2', 2000), rec('R2-1', 'R2', 'T2', 6800)];
    expect(checkMoney({ order, returns, refunds })).toEqual([]);
  });

  it('a unit settled twice, a fee refunded twice, a payment overdrawn, records above their plan or without one, another payment: each caught', () => {
    const returns = [
      { _id: 'R1', orderId: 'O1', refundPlan: plan([{ lineId: 'L1', quantity: 2, amount: 10000 }], 800) },
      { _id: 'R2', orderId: 'O1', refundPlan: plan([{ lineId: 'L1', quantity: 1, amount: 5000 }], 800) },
    ];
    const refunds = [rec('R1-1', 'R1', 'T1', 8000), rec('R1-2', 'R1', 'T1', 2900), rec('R3-1', 'R3', 'T2', 100), { ...rec('X', 'R2', 'T9', 1), totalFee: 1 }];
    expect(rules(checkMoney({ order, returns, refunds }))).toEqual(
      ['LINE_AMOUNT', 'LINE_UNITS', 'PAYMENT', 'RECORDS_ABOVE_PLAN', 'RECORD_NOT_ORIGINAL_PAYMENT', 'RECORD_WITHOUT_PLAN', 'SHIPPING'].sort(),
    );
  });

  it('closed records do not count', () => {
    const returns = [{ _id: 'R1', orderId: 'O1', refundPlan: plan([{ lineId: 'L2', quantity: 1, amount: 6000 }]) }];
    const refunds = [rec('R1-1', 'R1', 'T1', 6000, false), rec('R1-2', 'R1', 'T1', 6000)];
    expect(checkMoney({ order, returns, refunds })).toEqual([]);
  });
});
