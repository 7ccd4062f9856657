import { rid, DEMO } from '../support/emulator';
import { fx, useEmulator } from '../support/functions';

const h = useEmulator();
const { sweep, writesNothing } = fx(h);

describe('refund-only before shipping, end to end through the built functions', () => {
  it('apply → approve → refund accepted → notification → REFUNDED, with the money back on the original payment', async () => {
    const applied = await h.call(
      'applyReturn',
      { action: 'apply', requestId: rid(), orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L2', quantity: 1 }] },
      { openid: DEMO.buyer },
    );
    expect(applied.ok).toBe(true);
    const ret = applied.data.return;
    expect(ret.returnId).toMatch(/^R\d{8}\d+$/);
    expect(ret.status).toBe('PENDING_REVIEW');
    expect(ret.statusLabel).toBe('待商家处理');
    expect(ret.amounts.total).toBe(6000);

    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: ret.returnId }, { openid: DEMO.merchant });
    expect(approved.ok).toBe(true);
    expect(approved.data.return.status).toBe('REFUNDING');

    const refunds = await h.db('refunds');
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ returnId: ret.returnId, outTradeNo: 'T1001', refundFee: 6000, totalFee: 16800, status: 'PROCESSING' });

    const delivered = await h.flush();
    expect(delivered.map((d: any) => d.result)).toEqual([{ errcode: 0, errmsg: 'OK' }]);

    const got = await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, { openid: DEMO.buyer });
    expect(got.data.return.status).toBe('REFUNDED');
    expect(got.data.return.timeline.map((e: any) => e.action)).toEqual(['apply', 'approve', 'refundSucceeded']);
    // the timer's next pass (every minute) writes the order's summary
    await sweep();
    const order = (await h.db('orders')).find((o: any) => o._id === 'O1001');
    expect(order.afterSale.L2).toMatchObject({ returnId: ret.returnId, status: 'REFUNDED' });
  });
});

describe('the harness', () => {
  it('writesNothing() fails on a call that changes a document, naming it, and passes a refusal', async () => {
    const refused = await writesNothing(() => h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: 'R20200101000000000000' }, { openid: DEMO.buyer }));
    expect(refused.ok).toBe(false);
    const applying = () =>
      h.call(
        'applyReturn',
        { action: 'apply', requestId: rid(), orderId: 'O1003', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] },
        { openid: DEMO.buyer },
      );
    await expect(writesNothing(applying)).rejects.toThrow(/returns\/R\d+/);
    // a test's own documents among many: the stored documents `where` accepts, nothing else
    const mine = await h.db('returns', (r) => r.orderId === 'O1003');
    expect(mine.map((r: any) => r.orderId)).toEqual(['O1003']);
    expect((await h.db('returns')).length).toBeGreaterThan(mine.length);
  });
});
