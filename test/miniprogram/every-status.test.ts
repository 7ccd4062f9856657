/**
 * @jest-environment jsdom
 *
 * Every non-terminal status of the table, made through the real functions,
 * shows who acts next and a deadline on both sides: the buyer's detail
 * (status phrase, 截止 time and countdown) and the staff work queue (the
 * phrase in the row, 截止 time, never 无处理期限). The walk fails when the
 * table gains a non-terminal status this test does not create.
 */
import { usePages, DEMO } from './support/pages';
import { apply, dispute, exchangeUntil, must, seedClothingOrder, seedOrder } from './support/returns';
import { ALL_STATUSES, STATUSES } from '../../miniprogram/aftersale/shared/contract';

const env = usePages();

const OPEN: string[] = ALL_STATUSES.filter((s) => !STATUSES[s].terminal);
const info = (status: string) => STATUSES[status as keyof typeof STATUSES];

/** An after-sale in `status`, made as the buyer and staff would. */
async function inStatus(status: string): Promise<string> {
  const refundOnly = async () => apply(env, await seedOrder(env, 9900, 'PAID'), 'REFUND_ONLY', 'WRONG_ORDER', [{ lineId: 'L1', quantity: 1 }]);
  const returnRefund = async () => apply(env, await seedOrder(env, 19900), 'RETURN_REFUND', 'NO_LONGER_WANTED', [{ lineId: 'L1', quantity: 1 }]);
  switch (status) {
    case 'PENDING_REVIEW':
      return returnRefund();
    case 'NEGOTIATING': {
      const id = await returnRefund();
      await must(env, 'reviewReturn', { action: 'propose', returnId: id, kind: 'PARTIAL_REFUND', refundAmount: 9900, reason: '保留商品，退一半' }, DEMO.merchant);
      return id;
    }
    case 'AWAITING_SHIPMENT': {
      const id = await returnRefund();
      await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
      return id;
    }
    case 'IN_TRANSIT': {
      const id = await returnRefund();
      await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
      await must(env, 'submitLogistics', { returnId: id, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890321' }, DEMO.buyer);
      return id;
    }
    case 'REJECTED': {
      const id = await returnRefund();
      await must(env, 'reviewReturn', { action: 'reject', returnId: id, reason: '商品已使用' }, DEMO.merchant);
      return id;
    }
    case 'DISPUTED': {
      const id = await returnRefund();
      await dispute(env, id);
      return id;
    }
    case 'REFUNDING': {
      const id = await refundOnly();
      await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
      return id;
    }
    case 'REFUND_FAILED': {
      const id = await refundOnly();
      await env.emu.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
      await must(env, 'reviewReturn', { action: 'approve', returnId: id }, DEMO.merchant);
      return id;
    }
    // 换货: the goods came back, the shop owes the replacement; then the buyer confirms it
    case 'AWAITING_RESHIP':
      return exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-W-L', 'AWAITING_RESHIP');
    case 'RESHIPPED':
      return exchangeUntil(env, await seedClothingOrder(env), 'SKU-TEE-B-M', 'RESHIPPED');
    default:
      throw new Error(`the walk does not make ${status}: add it here`);
  }
}

describe('every non-terminal status: who acts next and a deadline, on both sides', () => {
  it("the table's open statuses are the ones walked", () => {
    expect(OPEN.sort()).toEqual(
      ['AWAITING_RESHIP', 'AWAITING_SHIPMENT', 'DISPUTED', 'IN_TRANSIT', 'NEGOTIATING', 'PENDING_REVIEW', 'REFUNDING', 'REFUND_FAILED', 'REJECTED', 'RESHIPPED'].sort(),
    );
  });

  it.each(OPEN)(
    '%s',
    async (status) => {
      const id = await inStatus(status);
      expect((await env.emu.db('returns')).find((r: any) => r._id === id)?.status).toBe(status);
      const phrase = info(status).next.phrase;
      expect(phrase).toBeTruthy();

      env.as(DEMO.buyer);
      const buyer = await env.open('return-detail', { returnId: id });
      expect(buyer.text('.status-label')).toBe(info(status).label);
      expect(buyer.text('.status-next')).toBe(phrase);
      expect(buyer.text('.deadline-text')).toMatch(/^截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}$/);
      expect(buyer.text('.countdown-text')).not.toBe('');

      env.as(DEMO.merchant);
      const queue = await env.open('staff-queue', { status });
      const row = queue.data.items.findIndex((i: any) => i.returnId === id);
      expect(row).toBeGreaterThanOrEqual(0);
      expect(queue.texts('.queue-item .row-meta')[row]).toContain(phrase);
      expect(queue.texts('.queue-item .row-deadline')[row]).toMatch(/^截止 \d{4}-\d{2}-\d{2} \d{2}:\d{2}/);
      expect(queue.texts('.queue-item .row-deadline')[row]).not.toContain('无处理期限');
    },
    60_000,
  );
});
