/**
 * Orders and reads shared by the refund-fault tests (test/functions/refunds.test.ts,
 * refund-timeouts.test.ts): a fresh paid order with one or more payments, the
 * buyer's refund-only application, the pay sandbox's refunds of an after-sale
 * and a refund record's history.
 */
import type { Harness } from './emulator';
import { ejsonDate, orderFixture, type fx } from './functions';

const DAY = 86_400_000;

export function refundFixtures(h: Harness, f: ReturnType<typeof fx>) {
  let orderSeq = 0;

  /** A fresh PAID order (refund only) with one or more payments. */
  async function seedOrder(payments: number[] = [20000], opts: { quantity?: number } = {}): Promise<{ orderId: string; outTradeNos: string[] }> {
    const now = await h.now();
    const orderId = `ORF${++orderSeq}${Date.now().toString(36)}`;
    const total = payments.reduce((s, p) => s + p, 0);
    const quantity = opts.quantity ?? 1;
    const outTradeNos = payments.map((_, i) => `T${orderId}${String.fromCharCode(65 + i)}`);
    const order = orderFixture(now, {
      _id: orderId,
      status: 'PAID',
      daysAgo: { paid: 1 },
      date: ejsonDate,
      payments: payments.map((amount, i) => ({
        outTradeNo: outTradeNos[i],
        channel: 'WECHAT_PAY',
        amount,
        paidAt: ejsonDate(now - DAY - (payments.length - i) * 1000),
        kind: payments.length > 1 ? (i === 0 ? 'DEPOSIT' : 'BALANCE') : 'FULL',
      })),
      lines: [{ lineId: 'L1', skuId: 'SKU-RF', title: '测试商品', quantity, unitPrice: Math.floor(total / quantity), paidAmount: total }],
    });
    await h.seed({ orders: [order] });
    return { orderId, outTradeNos };
  }

  return {
    seedOrder,
    /** How many orders seedOrder made so far. */
    orderCount: () => orderSeq,
    /** The buyer applies for a refund only of `quantity` units of L1 (WRONG_ORDER). */
    apply: (orderId: string, quantity = 1) => f.apply(orderId, 'REFUND_ONLY', { reason: 'WRONG_ORDER', quantity }),
    /** The pay sandbox's refunds of this after-sale. */
    sandboxOf: (returnId: string) => h.emu.pay.refunds().filter((r) => r.outRefundNo.startsWith(returnId)),
    /** A refund record's history, as its event names. */
    events: (ref: any): string[] => ref.history.map((e: any) => e.event),
  };
}
