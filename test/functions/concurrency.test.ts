/**
 * Races through the real functions (several worker processes per function):
 * idempotent applies, one open after-sale per line, one winner between two
 * merchant decisions, and the order's ledger and summary in step with the
 * after-sales whoever wins (once the timer's pass has caught them up).
 */
import { rid, jpeg, DEMO } from '../support/emulator';
import { useEmulator, fx, buyer, merchant } from '../support/functions';

const DAY = 86_400_000;

const h = useEmulator();
const { orderDoc, ledgerOf, seedOneLineOrder, sweep, advanceQuietly } = fx(h);

const seedOrder = (id: string, quantity = 3) => seedOneLineOrder(id, quantity, 3000);

async function returnsOf(orderId: string): Promise<any[]> {
  return (await h.db('returns')).filter((r: any) => r.orderId === orderId);
}

/** Once the timer has passed, the order's stored ledger and summary agree with the stored after-sales. */
async function expectLedgerInStep(orderId: string) {
  // the timer's next pass (every minute) writes the order's summary and catches the stored ledger up with the statuses
  await sweep();
  const order = await orderDoc(orderId);
  const ledger = await ledgerOf(orderId);
  const rets = await returnsOf(orderId);
  expect(Object.keys(ledger).sort()).toEqual(rets.map((r) => r._id).sort());
  for (const r of rets) {
    expect(ledger[r._id]).toMatchObject({ status: r.status, attempts: r.attempts, lines: r.lines });
  }
  const open = rets.filter((r) => !['REFUNDED', 'CANCELLED', 'CLOSED'].includes(r.status));
  expect(open.length).toBeLessThanOrEqual(1);
  if (open.length) expect(order.afterSale.L1).toMatchObject({ returnId: open[0]._id, status: open[0].status });
}

function applyEvent(orderId: string, requestId: string, quantity = 1) {
  return { action: 'apply', requestId, orderId, type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity }] };
}

describe('apply races', () => {
  it('50 parallel identical applies (same requestId) → exactly one after-sale, every answer carries its returnId', async () => {
    await seedOrder('C-SAME');
    const requestId = rid('same');
    const answers = await Promise.all(Array.from({ length: 50 }, () => h.call('applyReturn', applyEvent('C-SAME', requestId), buyer)));
    const failed = answers.filter((a) => !a.ok);
    expect(failed).toEqual([]);
    const ids = new Set(answers.map((a) => a.data.return.returnId));
    expect(ids.size).toBe(1);
    const rets = await returnsOf('C-SAME');
    expect(rets).toHaveLength(1);
    expect(rets[0]._id).toBe([...ids][0]);
    expect(rets[0].timeline).toHaveLength(1);
    expect(answers.every((a) => a.data.return.status === 'PENDING_REVIEW' && a.data.return.amounts.total === 3000)).toBe(true);
    await expectLedgerInStep('C-SAME');
  });

  it.each([1, 2, 3])('one requestId sent for two orders at once (round %i) → one after-sale, both answers carry it, the other order keeps no claim', async (round) => {
    const a = `C-XA${round}`;
    const b = `C-XB${round}`;
    await seedOrder(a);
    await seedOrder(b);
    const requestId = rid('cross');
    const answers = await Promise.all([a, b, a, b].map((orderId) => h.call('applyReturn', applyEvent(orderId, requestId), buyer)));
    expect(answers.map((x) => x.ok)).toEqual([true, true, true, true]);
    const ids = new Set(answers.map((x) => x.data.return.returnId));
    expect(ids.size).toBe(1);
    const rets = [...(await returnsOf(a)), ...(await returnsOf(b))];
    expect(rets).toHaveLength(1);
    await expectLedgerInStep(rets[0].orderId);
    const otherOrder = await orderDoc(rets[0].orderId === a ? b : a);
    expect(Object.keys(otherOrder.afterSale ?? {})).toEqual([]);
    // The other order keeps no claim: its copies release theirs; one whose release lost a race leaves a claim for an
    // after-sale that was never stored, which holds the unit for at most 2 minutes (app/ledger.ts overlay), then none.
    const left = Object.values(await ledgerOf(otherOrder._id));
    expect(left.filter((e: any) => !e.claimedAt || rets.some((r: any) => r._id === e.returnId && r.orderId === otherOrder._id))).toEqual([]);
    if (left.length) await advanceQuietly(3 * 60_000);
    const fresh = await h.call('applyReturn', applyEvent(otherOrder._id, rid('again')), buyer);
    expect(fresh.ok ? fresh.data.return.status : fresh.error.code).toBe('PENDING_REVIEW');
  });

  it('20 parallel applies with different requestIds on the same line → exactly one after-sale; the others RETURN_ALREADY_OPEN or CONFLICT', async () => {
    await seedOrder('C-DIFF');
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => h.call('applyReturn', applyEvent('C-DIFF', rid(`diff${i}`)), buyer)));
    const won = answers.filter((a) => a.ok);
    expect(won).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok)) {
      expect(['RETURN_ALREADY_OPEN', 'CONFLICT']).toContain(a.error.code);
      expect(a.error.message).toMatch(/[\u4e00-\u9fff]/);
    }
    const rets = await returnsOf('C-DIFF');
    expect(rets.map((r) => r._id)).toEqual([won[0].data.return.returnId]);
    await expectLedgerInStep('C-DIFF');
  });

  it('20 parallel applies for all units of a line → one after-sale; the others RETURN_ALREADY_OPEN or CONFLICT (never NOT_ELIGIBLE)', async () => {
    await seedOrder('C-ALL', 2);
    const answers = await Promise.all(Array.from({ length: 20 }, (_, i) => h.call('applyReturn', applyEvent('C-ALL', rid(`all${i}`), 2), buyer)));
    expect(answers.filter((a) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x) => !x.ok)) expect(['RETURN_ALREADY_OPEN', 'CONFLICT']).toContain(a.error.code);
    expect(await returnsOf('C-ALL')).toHaveLength(1);
    await expectLedgerInStep('C-ALL');
  });

  it('two requests on different lines of one order both succeed (the ledger claim retries a lost race)', async () => {
    const now = await h.now();
    await h.seed({
      orders: [
        {
          _id: 'C-TWO',
          buyerOpenid: DEMO.buyer,
          status: 'PAID',
          paidAt: new Date(now - DAY).toISOString(),
          shippingFee: 0,
          payments: [{ outTradeNo: 'TC-TWO', channel: 'WECHAT_PAY', amount: 6000, paidAt: new Date(now - DAY).toISOString(), kind: 'FULL' }],
          lines: [
            { lineId: 'L1', skuId: 'A', title: '甲', quantity: 1, unitPrice: 3000, paidAmount: 3000 },
            { lineId: 'L2', skuId: 'B', title: '乙', quantity: 1, unitPrice: 3000, paidAmount: 3000 },
          ],
        },
      ],
    });
    const [a, b] = await Promise.all([
      h.call('applyReturn', { action: 'apply', requestId: rid('l1'), orderId: 'C-TWO', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
      h.call('applyReturn', { action: 'apply', requestId: rid('l2'), orderId: 'C-TWO', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L2', quantity: 1 }] }, buyer),
    ]);
    expect([a.ok, b.ok]).toEqual([true, true]);
    const rets = await returnsOf('C-TWO');
    expect(rets).toHaveLength(2);
    // the order's summary comes with the timer's pass
    await sweep();
    const order = await orderDoc('C-TWO');
    expect(order.afterSale.L1.returnId).toBe(a.data.return.returnId);
    expect(order.afterSale.L2.returnId).toBe(b.data.return.returnId);
  });
});

describe('merchant decisions at the same moment', () => {
  it.each([1, 2, 3, 4, 5])('approve and reject together (round %i) → exactly one wins, the other CONFLICT or INVALID_STATE, one review event', async (round) => {
    const orderId = `C-REV${round}`;
    await seedOrder(orderId);
    const applied = await h.call('applyReturn', { ...applyEvent(orderId, rid('apply')), type: 'RETURN_REFUND' }, buyer);
    const returnId = applied.data.return.returnId;
    const [approve, reject] = await Promise.all([
      h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId }, merchant),
      h.call('reviewReturn', { action: 'reject', requestId: rid('reject'), returnId, reason: '不符合退货条件' }, merchant),
    ]);
    const results = [approve, reject];
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    const loser = results.find((r) => !r.ok);
    expect(['CONFLICT', 'INVALID_STATE']).toContain(loser.error.code);
    if (loser.error.code === 'CONFLICT') expect(loser.error.message).toBe('售后单刚刚被其他操作更新，请刷新后重试');
    const [doc] = await returnsOf(orderId);
    const reviews = doc.timeline.filter((e: any) => e.action === 'approve' || e.action === 'reject');
    expect(reviews).toHaveLength(1);
    expect(doc.status).toBe(approve.ok ? 'AWAITING_SHIPMENT' : 'REJECTED');
    expect(doc.version).toBe(2);
    await expectLedgerInStep(orderId);
  });
});

describe('buyer and merchant at the same moment', () => {
  it.each([1, 2, 3])('modify vs approve (round %i): one wins, the ledger follows the after-sale', async (round) => {
    const orderId = `C-MA${round}`;
    await seedOrder(orderId);
    const applied = await h.call('applyReturn', applyEvent(orderId, rid('apply')), buyer);
    const returnId = applied.data.return.returnId;
    const [modify, approve] = await Promise.all([
      h.call('applyReturn', { action: 'modify', requestId: rid('modify'), returnId, lines: [{ lineId: 'L1', quantity: 2 }] }, buyer),
      h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId }, merchant),
    ]);
    for (const r of [modify, approve]) if (!r.ok) expect(['CONFLICT', 'INVALID_STATE']).toContain(r.error.code);
    expect(modify.ok || approve.ok).toBe(true);
    const [doc] = await returnsOf(orderId);
    if (approve.ok) expect(['REFUNDING', 'REFUNDED']).toContain(doc.status);
    if (modify.ok && !approve.ok) expect(doc).toMatchObject({ status: 'PENDING_REVIEW', lines: [{ lineId: 'L1', quantity: 2, amount: 6000 }] });
    // whatever happened, the amount refunded is the amount of the units the stored after-sale holds
    if (approve.ok) {
      const refunds = (await h.db('refunds')).filter((r: any) => r.returnId === returnId);
      expect(refunds.reduce((s: number, r: any) => s + r.refundFee, 0)).toBe(doc.amounts.total);
    }
    await expectLedgerInStep(orderId);
  });

  it.each([1, 2, 3])('cancel vs approve (round %i): one wins, the ledger follows', async (round) => {
    const orderId = `C-CA${round}`;
    await seedOrder(orderId);
    const applied = await h.call('applyReturn', { ...applyEvent(orderId, rid('apply')), type: 'RETURN_REFUND' }, buyer);
    const returnId = applied.data.return.returnId;
    const [cancel, approve] = await Promise.all([
      h.call('applyReturn', { action: 'cancel', requestId: rid('cancel'), returnId }, buyer),
      h.call('reviewReturn', { action: 'approve', requestId: rid('approve'), returnId }, merchant),
    ]);
    const [doc] = await returnsOf(orderId);
    // cancel is allowed in AWAITING_SHIPMENT too: both may succeed one after the other
    if (cancel.ok) expect(doc.status).toBe('CANCELLED');
    else {
      expect(['CONFLICT', 'INVALID_STATE']).toContain(cancel.error.code);
      expect(doc.status).toBe('AWAITING_SHIPMENT');
    }
    if (!approve.ok) expect(['CONFLICT', 'INVALID_STATE']).toContain(approve.error.code);
    expect(doc.timeline.filter((e: any) => e.action === 'cancel')).toHaveLength(cancel.ok ? 1 : 0);
    expect(doc.timeline.filter((e: any) => e.action === 'approve')).toHaveLength(approve.ok ? 1 : 0);
    await expectLedgerInStep(orderId);
  });

  it('parallel evidence uploads: nothing acknowledged is lost, nothing attached twice', async () => {
    await seedOrder('C-EV');
    const applied = await h.call('applyReturn', applyEvent('C-EV', rid('apply')), buyer);
    const returnId = applied.data.return.returnId;
    const files = await Promise.all(Array.from({ length: 6 }, (_, i) => h.upload(`evidence/${DEMO.buyer}/race-${i}.jpg`, jpeg(1000 + i))));
    const answers = await Promise.all(files.map((fileID) => h.call('uploadEvidence', { requestId: rid('ev'), returnId, files: [{ fileID, kind: 'PHOTO' }] }, buyer)));
    for (const a of answers) if (!a.ok) expect(a.error.code).toBe('CONFLICT');
    const [doc] = await returnsOf('C-EV');
    const attached = doc.evidence.map((e: any) => e.fileID);
    expect(new Set(attached).size).toBe(attached.length);
    const acknowledged = files.filter((_, i) => answers[i].ok);
    expect(acknowledged.length).toBeGreaterThanOrEqual(1);
    expect(attached.sort()).toEqual(acknowledged.sort());
    expect(doc.timeline.filter((e: any) => e.action === 'addEvidence')).toHaveLength(acknowledged.length);
  });
});

describe("the same request sent several times at once (double taps, retries): every copy gets the first one's answer", () => {
  /** Every worker of the function warm, so the copies really run side by side. */
  const warm = (fn: string, who: { openid: string }) => Promise.all(Array.from({ length: 3 }, () => h.call(fn, {}, who)));

  async function open(orderId: string, type = 'REFUND_ONLY'): Promise<string> {
    await seedOrder(orderId);
    const applied = await h.call('applyReturn', { ...applyEvent(orderId, rid('apply')), type }, buyer);
    return applied.data.return.returnId;
  }

  it('reject ×5 → one transition, five identical answers', async () => {
    const returnId = await open('C-DUP-REJ');
    const event = { action: 'reject', requestId: rid('dup'), returnId, reason: '重复点击' };
    await warm('reviewReturn', merchant);
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('reviewReturn', event, merchant)));
    expect(answers.map((a) => (a.ok ? a.data.return.status : a.error.code))).toEqual(Array(5).fill('REJECTED'));
    const [doc] = await returnsOf('C-DUP-REJ');
    expect(doc.timeline.filter((e: any) => e.action === 'reject')).toHaveLength(1);
    expect(doc.version).toBe(2);
  });

  it('modify ×5 → one modification, one attempt counted, five identical answers', async () => {
    const returnId = await open('C-DUP-MOD');
    const event = { action: 'modify', requestId: rid('dup'), returnId, description: '补充说明' };
    await warm('applyReturn', buyer);
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('applyReturn', event, buyer)));
    expect(answers.map((a) => (a.ok ? a.data.return.attempts : a.error.code))).toEqual(Array(5).fill(2));
    const [doc] = await returnsOf('C-DUP-MOD');
    expect(doc.timeline.filter((e: any) => e.action === 'modify')).toHaveLength(1);
    expect(doc.attempts).toBe(2);
    await expectLedgerInStep('C-DUP-MOD');
  });

  it('the same evidence upload ×5 → attached once, five answers that show it', async () => {
    const returnId = await open('C-DUP-EV');
    const fileID = await h.upload(`evidence/${DEMO.buyer}/dup.jpg`, jpeg(1500));
    const event = { requestId: rid('dup'), returnId, files: [{ fileID, kind: 'PHOTO' }] };
    await warm('uploadEvidence', buyer);
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('uploadEvidence', event, buyer)));
    for (const a of answers) {
      expect(a.ok).toBe(true);
      expect(a.data.return.evidence.map((e: any) => e.fileID)).toEqual([fileID]);
    }
    const [doc] = await returnsOf('C-DUP-EV');
    expect(doc.evidence).toHaveLength(1);
    expect(doc.timeline.filter((e: any) => e.action === 'addEvidence')).toHaveLength(1);
  });
});

describe('a pickup booked twice at once', () => {
  it('one booking at the carrier (the same order id), one transition, every copy answers with the waybill', async () => {
    await seedOrder('C-DUP-PK');
    const applied = await h.call('applyReturn', { ...applyEvent('C-DUP-PK', rid('apply')), type: 'RETURN_REFUND' }, buyer);
    const returnId = applied.data.return.returnId;
    expect((await h.call('reviewReturn', { action: 'approve', requestId: rid('ok'), returnId }, merchant)).data.return.status).toBe('AWAITING_SHIPMENT');
    const start = Math.floor((await h.now()) / DAY) * DAY + DAY + 2 * 3_600_000;
    const event = {
      mode: 'PICKUP',
      requestId: rid('dup'),
      returnId,
      pickup: {
        name: '王小明',
        phone: '13800138000',
        address: '北京市朝阳区示例街道 100 号 5 单元 501',
        slotStart: new Date(start).toISOString(),
        slotEnd: new Date(start + 7_200_000).toISOString(),
      },
    };
    await Promise.all(Array.from({ length: 3 }, () => h.call('submitLogistics', {}, buyer)));
    const answers = await Promise.all(Array.from({ length: 4 }, () => h.call('submitLogistics', event, buyer)));
    const waybills = answers.map((a) => (a.ok ? a.data.return.logistics.waybillId : a.error.code));
    expect(new Set(waybills).size).toBe(1);
    expect(waybills[0]).toMatch(/^SF\d+$/);
    const [doc] = await returnsOf('C-DUP-PK');
    expect(doc.status).toBe('IN_TRANSIT');
    expect(doc.timeline.filter((e: any) => e.action === 'submitLogistics')).toHaveLength(1);
    const bookings = new Set(
      (await h.outbox()).filter((c: any) => c.api === 'logistics.addOrder' && String(c.data.order_id).startsWith(`${returnId}-v`)).map((c: any) => c.result.waybillId),
    );
    expect([...bookings]).toEqual([waybills[0]]);
  });
});
