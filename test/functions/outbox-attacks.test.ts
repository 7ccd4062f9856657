/**
 * The outbox design (issue 14) attacked through the real functions: a
 * transition is one read + one compare-and-set of the after-sale; the ledger
 * is read with the after-sales and overlaid with them; only claims write it;
 * refund records are planned in the settlement's claim and stored before the
 * commit; the guard leaves out records no after-sale names; the sweep closes
 * them. Each `it` asserts the correct outcome. Those marked BUG fail on the
 * outbox branch (see the report of the attack).
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, dataOf, buyer, merchant, arbiter, admin, ejsonDate } from '../support/functions';
import { deadSettlementDocs } from '../support/crash';

const MINUTE = 60_000;
const DAY = 86_400_000;

const h = useEmulator();
const f = fx(h);
const { returnDoc, refundsOf, ledgerOf, orderDoc, photo, quiet } = f;
afterEach(async () => {
  await quiet();
});

let seq = 0;
const newId = (p: string) => `${p}${++seq}${Date.now().toString(36)}`;

type Line = { lineId: string; quantity: number; paidAmount: number };

/** An order of DEMO.buyer (PAID: unshipped; RECEIVED: shipped and received yesterday). */
async function seedOrder(lines: Line[], opts: { status?: 'PAID' | 'RECEIVED'; shippingFee?: number; payments?: Record<string, unknown>[] } = {}): Promise<string> {
  const orderId = newId('OAT');
  const now = await h.now();
  const status = opts.status ?? 'PAID';
  await f.seedOrder({
    _id: orderId,
    status,
    daysAgo: status === 'PAID' ? { paid: 1 } : { paid: 4, shipped: 3, received: 1 },
    shippingFee: opts.shippingFee ?? 0,
    lines: lines.map((l) => ({ ...l, skuId: `SKU-${l.lineId}`, title: `商品${l.lineId}`, unitPrice: Math.floor(l.paidAmount / l.quantity) })),
    ...(opts.payments ? { payments: opts.payments.map((p) => ({ channel: 'WECHAT_PAY', paidAt: new Date(now - DAY).toISOString(), ...p })) } : {}),
  });
  return orderId;
}

const applyCall = (orderId: string, lines: { lineId: string; quantity: number }[], type = 'REFUND_ONLY', reason = 'NO_LONGER_WANTED') =>
  h.call('applyReturn', { action: 'apply', requestId: rid('apply'), orderId, type, reason, lines }, buyer);
const apply = async (orderId: string, lines: { lineId: string; quantity: number }[], type = 'REFUND_ONLY') => dataOf(await applyCall(orderId, lines, type)).return;
const buyerCall = (event: Record<string, unknown>) => h.call('applyReturn', { requestId: rid('buyer'), ...event }, buyer);
/** The buyer modifies `returnId` to these (line, quantity) pairs. */
const modifyTo = (returnId: string, ...lines: [string, number][]) => buyerCall({ action: 'modify', returnId, lines: lines.map(([lineId, quantity]) => ({ lineId, quantity })) });
const review = (event: Record<string, unknown>, who: { openid: string } = merchant) => h.call('reviewReturn', { requestId: rid('review'), ...event }, who);
const ship = (returnId: string, trackingNo = 'SF1234567890123') =>
  h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId, carrier: 'SF', trackingNo }, buyer);

async function returnsOf(orderId: string): Promise<any[]> {
  return h.db('returns', (r) => r.orderId === orderId);
}
async function recordsOf(orderId: string): Promise<any[]> {
  return h.db('refunds', (r) => r.orderId === orderId);
}
/** What the pay sandbox refunded for this payment (what really left the merchant's account). */
const paidOut = (outTradeNo: string) =>
  h.emu.pay
    .refunds()
    .filter((r: any) => r.outTradeNo === outTradeNo && r.status === 'SUCCESS')
    .reduce((s: number, r: any) => s + r.refundFee, 0);
const sumSuccess = (records: any[]) => records.filter((r) => r.status === 'SUCCESS').reduce((s, r) => s + r.refundFee, 0);

/** Lets every refund finish: notifications, a sweep past the "too frequent" window, the sweep's completion. */
async function drainRefunds(): Promise<void> {
  await f.settle();
  for (let i = 0; i < 2; i++) {
    await f.advanceQuietly(2 * MINUTE);
    await f.sweep();
    await f.settle();
  }
}

/**
 * The money invariants of an order, as the database and the pay sandbox hold
 * them: each unit held by one after-sale at most; every record the platform
 * refunded is SUCCESS in the database and named by its after-sale; per
 * payment Σ ≤ paid; per after-sale Σ SUCCESS ≤ its plan's target; no live
 * record that no after-sale names.
 */
async function expectMoneySound(orderId: string): Promise<void> {
  const order = await orderDoc(orderId);
  const rets = await returnsOf(orderId);
  const records = await recordsOf(orderId);
  const released = ['CANCELLED', 'CLOSED', 'EXCHANGED'];
  for (const line of order.lines) {
    const held = rets
      .filter((r) => !released.includes(r.status))
      .reduce((s, r) => s + r.lines.filter((l: any) => l.lineId === line.lineId).reduce((a: number, l: any) => a + l.quantity, 0), 0);
    expect({ line: line.lineId, held: held <= line.quantity }).toEqual({ line: line.lineId, held: true });
  }
  for (const p of order.payments) {
    expect(paidOut(p.outTradeNo)).toBeLessThanOrEqual(p.amount);
    expect(sumSuccess(records.filter((r) => r.outTradeNo === p.outTradeNo))).toBe(paidOut(p.outTradeNo));
  }
  for (const r of rets) {
    const mine = records.filter((x) => x.returnId === r._id);
    expect(sumSuccess(mine)).toBeLessThanOrEqual(r.refundPlan?.target ?? 0);
  }
  const named = new Set(rets.flatMap((r) => r.refundIds ?? []));
  for (const rec of records) {
    if (rec.status === 'CLOSED') continue;
    expect({ record: rec._id, status: rec.status, named: named.has(rec._id) }).toEqual({ record: rec._id, status: rec.status, named: true });
  }
}

/** After the timer's pass: the stored ledger and the order's summary agree with the after-sales. */
async function expectLedgerInStep(orderId: string): Promise<void> {
  await f.sweep();
  const rets = await returnsOf(orderId);
  const ledger = await ledgerOf(orderId);
  for (const r of rets) expect({ id: r._id, status: ledger[r._id]?.status, version: ledger[r._id]?.version }).toEqual({ id: r._id, status: r.status, version: r.version });
  const order = await orderDoc(orderId);
  for (const r of rets) expect(r.outboxPending).toBe(false);
  const holding = (lineId: string) => rets.filter((r) => r.lines.some((l: any) => l.lineId === lineId));
  for (const line of order.lines) {
    const hs = holding(line.lineId);
    if (!hs.length) continue;
    const shown = order.afterSale?.[line.lineId];
    const it = hs.find((r) => r._id === shown?.returnId);
    expect(it).toBeDefined();
    expect(shown).toEqual({ returnId: it._id, status: it.status, version: it.version });
  }
}

/** What an approve of `ret` that died between storing its refund record and its commit leaves behind (the design's crash case). */
async function deadSettlement(orderId: string, ret: any, amount: number, lineId = 'L1'): Promise<string> {
  const [ledger] = await h.db('ledgers', (l) => l._id === orderId);
  const outRefundNo = `${ret.returnId}-1`;
  const payment = (await orderDoc(orderId)).payments[0];
  const version = ledger.entries[ret.returnId].version;
  const lines = [{ lineId, quantity: 1, amount }];
  await h.seed(deadSettlementDocs({ ledger, returnId: ret.returnId, orderId, version, lines, payment, amount, outRefundNo, now: await h.now(), claimId: 'dead-settlement' }));
  return outRefundNo;
}

const twoLines = (): Line[] => [
  { lineId: 'L1', quantity: 1, paidAmount: 5000 },
  { lineId: 'L2', quantity: 1, paidAmount: 5000 },
];

describe('units: one holder per unit under races', () => {
  it('appeal vs re-apply of a REJECTED after-sale’s units (6 rounds): one wins, the unit is held and refunded once', async () => {
    for (let round = 0; round < 6; round++) {
      const orderId = await seedOrder([{ lineId: 'L1', quantity: 1, paidAmount: 5000 }]);
      const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
      expect((await review({ action: 'reject', returnId: r1.returnId, reason: '不符合条件' })).ok).toBe(true);
      const [appeal, again] = await Promise.all([
        buyerCall({ action: 'appeal', returnId: r1.returnId, description: '请主管复核' }),
        applyCall(orderId, [{ lineId: 'L1', quantity: 1 }]),
      ]);
      expect(appeal.ok && again.ok).toBe(false);
      const rets = await returnsOf(orderId);
      const holders = rets.filter((r) => !['CANCELLED', 'CLOSED'].includes(r.status));
      expect(holders).toHaveLength(1);
      if (holders[0]._id === r1.returnId && holders[0].status === 'DISPUTED') {
        expect(dataOf(await review({ action: 'decide', returnId: r1.returnId, decision: 'BUYER', reason: '买家有理' }, arbiter)).return.status).toBe('REFUNDING');
      } else if (holders[0].status === 'PENDING_REVIEW') {
        expect(dataOf(await review({ action: 'approve', returnId: holders[0]._id })).return.status).toBe('REFUNDING');
      }
      // whoever won, nobody else can take the unit now
      const third = await applyCall(orderId, [{ lineId: 'L1', quantity: 1 }]);
      expect(third.ok).toBe(false);
      await f.settle();
      await expectMoneySound(orderId);
      expect(paidOut(`T${orderId}`)).toBeLessThanOrEqual(5000);
      await expectLedgerInStep(orderId);
    }
  });

  it('appeal vs a modify of another after-sale taking the REJECTED one’s units (4 rounds): never two holders', async () => {
    for (let round = 0; round < 4; round++) {
      const orderId = await seedOrder(twoLines());
      const a = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
      const b = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
      expect((await review({ action: 'reject', returnId: b.returnId, reason: '不符合条件' })).ok).toBe(true);
      await Promise.all([buyerCall({ action: 'appeal', returnId: b.returnId, description: '请主管复核' }), modifyTo(a.returnId, ['L1', 1], ['L2', 1])]);
      await expectMoneySound(orderId);
      // Settle whatever holds L2 now; L2 is refunded at most once.
      const rets = await returnsOf(orderId);
      for (const r of rets) {
        if (r.status === 'PENDING_REVIEW') await review({ action: 'approve', returnId: r._id });
        if (r.status === 'DISPUTED') await review({ action: 'decide', returnId: r._id, decision: 'BUYER', reason: '买家有理' }, arbiter);
      }
      await drainRefunds();
      await expectMoneySound(orderId);
      expect(paidOut(`T${orderId}`)).toBeLessThanOrEqual(10000);
      const l2 = (await returnsOf(orderId)).filter((r) => r.refundPlan?.lines.some((l: any) => l.lineId === 'L2'));
      expect(l2.length).toBeLessThanOrEqual(1);
      await expectLedgerInStep(orderId);
    }
  });

  it('maxAttemptsPerLine under concurrent description-only modifies (no ledger claim): never exceeded', async () => {
    const orderId = await seedOrder([{ lineId: 'L1', quantity: 2, paidAmount: 10000 }]);
    const r = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    for (let i = 0; i < 3; i++) expect((await buyerCall({ action: 'modify', returnId: r.returnId, description: `说明${i}` })).ok).toBe(true);
    // attempts 4 of 5: five more modifies and an apply for the other unit at once
    await Promise.all([
      ...Array.from({ length: 5 }, (_, i) => buyerCall({ action: 'modify', returnId: r.returnId, description: `并发${i}` })),
      buyerCall({ action: 'modify', returnId: r.returnId, lines: [{ lineId: 'L1', quantity: 2 }] }),
      applyCall(orderId, [{ lineId: 'L1', quantity: 1 }]),
    ]);
    const used = (await returnsOf(orderId)).reduce((s, x) => s + x.attempts, 0);
    expect(used).toBeLessThanOrEqual(5);
    const more = await buyerCall({ action: 'modify', returnId: r.returnId, description: '再改一次' });
    expect(more.ok).toBe(false);
  });
});

describe('settlements racing each other', () => {
  it.each([1, 2])('two settlements of one order at once, deposit + balance, partial quantities (round %i): per payment ≤ paid, every record planned and named', async () => {
    const orderId = await seedOrder(
      [
        { lineId: 'L1', quantity: 2, paidAmount: 6000 },
        { lineId: 'L2', quantity: 3, paidAmount: 4000 },
      ],
      {
        payments: [
          { outTradeNo: `D-${newId('p')}`, amount: 3000, kind: 'DEPOSIT' },
          { outTradeNo: `B-${newId('p')}`, amount: 7000, kind: 'BALANCE' },
        ],
      },
    );
    const a = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const b = await apply(orderId, [{ lineId: 'L2', quantity: 2 }]);
    const answers = await Promise.all([a, b].map((r) => review({ action: 'approve', returnId: r.returnId })));
    for (const res of answers) if (!res.ok) expect(res.error.code).toBe('CONFLICT');
    for (const r of [a, b]) if ((await returnDoc(r.returnId)).status === 'PENDING_REVIEW') expect((await review({ action: 'approve', returnId: r.returnId })).ok).toBe(true);
    await drainRefunds();
    for (const r of [a, b]) expect((await returnDoc(r.returnId)).status).toBe('REFUNDED');
    const plans = (await returnsOf(orderId)).map((r) => r.refundPlan.total);
    expect(plans.reduce((s, x) => s + x, 0)).toBe(3000 + 2666);
    await expectMoneySound(orderId);
    const order = await orderDoc(orderId);
    expect(order.payments.reduce((s: number, p: any) => s + paidOut(p.outTradeNo), 0)).toBe(5666);
    await expectLedgerInStep(orderId);
  });

  it.each([1, 2, 3])('two settlements completing the order at once (round %i): the shipping fee is refunded exactly once', async () => {
    const orderId = await seedOrder(twoLines(), { shippingFee: 800 });
    const a = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const b = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    await Promise.all([a, b].map((r) => review({ action: 'approve', returnId: r.returnId })));
    for (const r of [a, b]) if ((await returnDoc(r.returnId)).status === 'PENDING_REVIEW') expect((await review({ action: 'approve', returnId: r.returnId })).ok).toBe(true);
    await drainRefunds();
    const rets = await returnsOf(orderId);
    expect(rets.filter((r) => r.refundPlan.shipping > 0).map((r) => r.refundPlan.shipping)).toEqual([800]);
    expect(paidOut(`T${orderId}`)).toBe(10800);
    await expectMoneySound(orderId);
  });

  it.each([1, 2, 3])('a settlement racing the cancel of another after-sale of the order (round %i): no shipping then, exactly once at the end', async () => {
    const orderId = await seedOrder(twoLines(), { shippingFee: 800 });
    const a = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const b = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    const [approved, cancelled] = await Promise.all([review({ action: 'approve', returnId: a.returnId }), buyerCall({ action: 'cancel', returnId: b.returnId })]);
    expect(approved.ok && cancelled.ok).toBe(true);
    expect((await returnDoc(a.returnId)).refundPlan.shipping).toBe(0);
    await drainRefunds();
    const c = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    expect(dataOf(await review({ action: 'approve', returnId: c.returnId })).return.amounts.shipping).toBe(800);
    await drainRefunds();
    expect(paidOut(`T${orderId}`)).toBe(10800);
    await expectMoneySound(orderId);
    await expectLedgerInStep(orderId);
  });

  it.each([1, 2, 3])('records stored before a commit that loses: confirmReceipt by two staff, confirmReceipt vs refuseReceipt, vs the buyer’s correction (round %i)', async () => {
    const orderId = await seedOrder(twoLines(), { status: 'RECEIVED' });
    const inTransit = async (lineId: string) => {
      const r = await apply(orderId, [{ lineId, quantity: 1 }], 'RETURN_REFUND');
      expect((await review({ action: 'approve', returnId: r.returnId })).ok).toBe(true);
      expect((await ship(r.returnId)).ok).toBe(true);
      return r;
    };
    const a = await inTransit('L1');
    const b = await inTransit('L2');
    const evidence = [await photo(DEMO.merchant)];
    await Promise.all([
      review({ action: 'confirmReceipt', returnId: a.returnId }),
      review({ action: 'confirmReceipt', returnId: a.returnId }, admin),
      review({ action: 'refuseReceipt', returnId: a.returnId, reason: '商品有损坏', evidence }),
      review({ action: 'confirmReceipt', returnId: b.returnId }),
      ship(b.returnId, 'SF1234567890999'),
    ]);
    // No record of a lost commit is left live, none is sent, none is named.
    for (const r of [a, b]) {
      const doc = await returnDoc(r.returnId);
      const recs = await refundsOf(r.returnId);
      for (const rec of recs) expect(doc.refundIds).toContain(rec._id);
      if (doc.status !== 'REFUNDING' && doc.status !== 'REFUNDED') expect(recs).toEqual([]);
    }
    await drainRefunds();
    await expectMoneySound(orderId);
    await expectLedgerInStep(orderId);
  });
});

describe('the sweep and the outbox', () => {
  it('two sweep passes at once while transitions commit: each message sent once, the summary consistent after a final pass', async () => {
    await f.consent(buyer.openid, undefined, 6);
    await f.consent(merchant.openid, undefined, 6);
    const orders = [await seedOrder(twoLines(), { status: 'RECEIVED' }), await seedOrder(twoLines(), { status: 'RECEIVED' })];
    const rets: any[] = [];
    for (const o of orders) for (const lineId of ['L1', 'L2']) rets.push(await apply(o, [{ lineId, quantity: 1 }], 'RETURN_REFUND'));
    await Promise.all([
      h.trigger('sweepTimeouts'),
      h.trigger('sweepTimeouts'),
      review({ action: 'approve', returnId: rets[0].returnId }),
      review({ action: 'reject', returnId: rets[1].returnId, reason: '不符合条件' }),
      review({ action: 'approve', returnId: rets[2].returnId }),
      buyerCall({ action: 'cancel', returnId: rets[3].returnId }),
    ]);
    await quiet();
    await Promise.all([h.trigger('sweepTimeouts'), h.trigger('sweepTimeouts'), ship(rets[0].returnId), buyerCall({ action: 'modify', returnId: rets[1].returnId })]);
    await quiet();
    await f.sweep();
    const sends = (await h.outbox()).filter((m: any) => m.api === 'subscribeMessage.send' && rets.some((r) => r.returnId === m.data?.data?.character_string1?.value));
    // One send per message key (a key names the after-sale, its version and the recipient): none twice.
    const notes = (await h.db('notifications')).filter((n: any) => rets.some((r) => r.returnId === n.returnId));
    expect(sends.length).toBeGreaterThan(0);
    expect(sends.length).toBe(notes.filter((n: any) => n.status === 'SENT').length);
    const perRecipientAndVersion = notes.map((n: any) => n._id);
    expect(perRecipientAndVersion.length).toBe(new Set(perRecipientAndVersion).size);
    for (const o of orders) await expectLedgerInStep(o);
  });

  it('many moves before one pass: the summary shows the after-sales as they stand', async () => {
    const orderId = await seedOrder(twoLines());
    const a = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    expect((await modifyTo(a.returnId, ['L1', 1], ['L2', 1])).ok).toBe(true);
    expect((await review({ action: 'reject', returnId: a.returnId, reason: '不符合条件' })).ok).toBe(true);
    const b = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    expect((await returnDoc(a.returnId)).status).toBe('CANCELLED');
    const c = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    expect((await review({ action: 'approve', returnId: b.returnId })).ok).toBe(true);
    await f.settle();
    await expectLedgerInStep(orderId);
    const order = await orderDoc(orderId);
    expect(order.afterSale.L1.returnId).toBe(c.returnId);
    expect(order.afterSale.L2.returnId).toBe(b.returnId);
  });
});

describe('the ledger overlay and claims ahead of their after-sale', () => {
  it('a claim for an after-sale never stored holds the units while fresh and is dropped once stale', async () => {
    const orderId = await seedOrder(twoLines());
    await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    const now = await h.now();
    const [ledger] = await h.db('ledgers', (l) => l._id === orderId);
    const ghostId = 'R20990101000000000123';
    const ghost = {
      returnId: ghostId,
      status: 'PENDING_REVIEW',
      type: 'REFUND_ONLY',
      reason: 'NO_LONGER_WANTED',
      lines: [{ lineId: 'L1', quantity: 1, amount: 5000 }],
      attempts: 1,
      shipped: false,
      version: 1,
      applyKey: 'k',
      createdAt: ejsonDate(now),
      claimedAt: ejsonDate(now),
    };
    await h.seed({ ledgers: [{ ...ledger, rev: ledger.rev + 1, entries: { ...ledger.entries, [ghostId]: ghost } }] });
    expect((await applyCall(orderId, [{ lineId: 'L1', quantity: 1 }])).ok).toBe(false);
    await f.advanceQuietly(3 * MINUTE);
    expect((await applyCall(orderId, [{ lineId: 'L1', quantity: 1 }])).ok).toBe(true);
    await expectLedgerInStep(orderId);
    expect(Object.keys(await ledgerOf(orderId))).not.toContain(ghostId);
  });

  it('found by attack: a settlement claim whose commit never came, then another move to the same version (buyer cancel): the units are free again once the claim is stale', async () => {
    const orderId = await seedOrder(twoLines());
    const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    await deadSettlement(orderId, r1, 5000);
    expect(dataOf(await buyerCall({ action: 'cancel', returnId: r1.returnId })).return.status).toBe('CANCELLED');
    await f.advanceQuietly(3 * MINUTE);
    await f.sweep();
    // The after-sale is CANCELLED: the ledger, the order's summary and a new application must say so.
    expect((await ledgerOf(orderId))[r1.returnId]).toMatchObject({ status: 'CANCELLED' });
    expect((await orderDoc(orderId)).afterSale.L1).toMatchObject({ returnId: r1.returnId, status: 'CANCELLED' });
    const again = await applyCall(orderId, [{ lineId: 'L1', quantity: 1 }]);
    expect(again.ok ? 'ok' : again.error.code).toBe('ok');
  });

  it('approve vs cancel vs another claim vs a sweep on one order (6 rounds): the ledger follows the after-sales', async () => {
    for (let round = 0; round < 6; round++) {
      const orderId = await seedOrder([...twoLines(), { lineId: 'L3', quantity: 1, paidAmount: 5000 }]);
      const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
      const r2 = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
      await Promise.all([
        review({ action: 'approve', returnId: r1.returnId }),
        buyerCall({ action: 'cancel', returnId: r1.returnId }),
        modifyTo(r2.returnId, ['L2', 1], ['L3', 1]),
        h.trigger('sweepTimeouts'),
      ]);
      await f.settle();
      await f.advanceQuietly(3 * MINUTE);
      await expectLedgerInStep(orderId);
      await expectMoneySound(orderId);
    }
  });
});

describe('a settlement in flight', () => {
  it('found by the model (crashSettlement): another settlement of the order is not decided on it — CONFLICT while it may still commit, then settled without it (no shipping for units never refunded)', async () => {
    const orderId = await seedOrder(twoLines(), { shippingFee: 600 });
    const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const r2 = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    await deadSettlement(orderId, r1, 5000);
    const first = await review({ action: 'approve', returnId: r2.returnId });
    expect(first.ok ? first.data.return.status : first.error.code).toBe('CONFLICT');
    expect((await returnDoc(r2.returnId)).status).toBe('PENDING_REVIEW');
    // The claim is stale after 2 minutes: r1 never committed, so r2's refund does not complete the order (no shipping).
    await f.advanceQuietly(3 * MINUTE);
    const second = dataOf(await review({ action: 'approve', returnId: r2.returnId })).return;
    expect(second.status).toBe('REFUNDING');
    expect((await returnDoc(r2.returnId)).refundPlan).toMatchObject({ shipping: 0, target: 5000 });
    await drainRefunds();
    await expectMoneySound(orderId);
  });
});

describe('a modify that takes a rejected after-sale’s units', () => {
  it('found by the model (crashSettlement + modify, seed 37000147): refused while its own settlement claim may still commit — before it withdraws the rejected after-sale, so the refusal writes nothing', async () => {
    // two units of L1: the one the dead claim holds leaves the other free, so the modify is eligible and supersedes r2
    const orderId = await seedOrder([
      { lineId: 'L1', quantity: 2, paidAmount: 10000 },
      { lineId: 'L2', quantity: 1, paidAmount: 5000 },
    ]);
    const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const r2 = await apply(orderId, [{ lineId: 'L2', quantity: 1 }]);
    expect((await review({ action: 'reject', returnId: r2.returnId, reason: '不符合条件' })).ok).toBe(true);
    await quiet();
    await deadSettlement(orderId, r1, 5000);
    const refused = await f.writesNothing(() => modifyTo(r1.returnId, ['L1', 1], ['L2', 1]));
    expect(refused.ok ? refused.data.return.status : refused.error.code).toBe('CONFLICT');
    expect((await returnDoc(r2.returnId)).status).toBe('REJECTED');
    // Once the claim is stale (it never committed), the same modify goes through and withdraws the rejected one.
    await f.advanceQuietly(3 * MINUTE);
    const moved = dataOf(await modifyTo(r1.returnId, ['L1', 1], ['L2', 1])).return;
    expect(moved.lines.map((l: any) => l.lineId).sort()).toEqual(['L1', 'L2']);
    expect((await returnDoc(r2.returnId)).status).toBe('CANCELLED');
    await quiet();
    await expectLedgerInStep(orderId);
  });
});

describe('records no after-sale names', () => {
  it('found by the model (crashSettlement + markOffline): a record its after-sale does not name is not closed offline with its refunds, nor counted in them', async () => {
    const orderId = await seedOrder(twoLines());
    const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const ghost = await deadSettlement(orderId, r1, 5000);
    await f.advanceQuietly(3 * MINUTE);
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    expect(dataOf(await review({ action: 'approve', returnId: r1.returnId })).return.status).toBe('REFUND_FAILED');
    const offline = await h.call('executeRefund', { action: 'markOffline', requestId: rid('offline'), returnId: r1.returnId, note: '已线下退款' }, merchant);
    expect(dataOf(offline).return.status).toBe('REFUNDED');
    const records = await refundsOf(r1.returnId);
    expect(records.find((r: any) => r._id === ghost)).toMatchObject({ status: 'CREATED', tries: 0 });
    const own = (await returnDoc(r1.returnId)).refundIds;
    expect(own).not.toContain(ghost);
    expect(records.filter((r: any) => own.includes(r._id)).map((r: any) => r.status)).toEqual(['OFFLINE']);
  });

  it('found by attack: a record left by a settlement that died is never sent unless its after-sale names it (re-approve after the claim went stale, before the sweep closed it)', async () => {
    const orderId = await seedOrder(twoLines());
    const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
    const ghost = await deadSettlement(orderId, r1, 5000);
    // Past the claim's staleness (2 min), before the next pass closes the record.
    await f.advanceQuietly(2.5 * MINUTE);
    expect(dataOf(await review({ action: 'approve', returnId: r1.returnId })).return.status).toBe('REFUNDING');
    await drainRefunds();
    const doc = await returnDoc(r1.returnId);
    expect(doc.status).toBe('REFUNDED');
    const sentRecords = (await refundsOf(r1.returnId)).filter((r: any) => r.tries > 0);
    expect(sentRecords.length).toBeGreaterThan(0);
    // Every record sent for the after-sale is one it names (the design: "no record sent without its after-sale naming it").
    for (const r of sentRecords) expect({ record: r._id, named: doc.refundIds.includes(r._id) }).toEqual({ record: r._id, named: true });
    // The dead settlement's record was never sent.
    expect((await refundsOf(r1.returnId)).find((r: any) => r._id === ghost)).toMatchObject({ tries: 0 });
    await expectMoneySound(orderId);
  });

  it('found by attack: the same re-approve racing the sweep (8 rounds): a record the platform refunded is never closed as NOT_COMMITTED, the unit is never refunded twice', async () => {
    const outcomes: string[] = [];
    for (let round = 0; round < 8; round++) {
      const orderId = await seedOrder(twoLines());
      const r1 = await apply(orderId, [{ lineId: 'L1', quantity: 1 }]);
      await deadSettlement(orderId, r1, 5000);
      await f.advanceQuietly(2.5 * MINUTE);
      await Promise.all([review({ action: 'approve', returnId: r1.returnId }), new Promise((r) => setTimeout(r, 2 + round * 3)).then(() => h.trigger('sweepTimeouts'))]);
      await drainRefunds();
      // The merchant handles a REFUND_FAILED as the page tells them: retry.
      if ((await returnDoc(r1.returnId)).status === 'REFUND_FAILED') {
        await h.call('executeRefund', { action: 'retry', requestId: rid('retry'), returnId: r1.returnId }, merchant);
        await drainRefunds();
      }
      const recs = await refundsOf(r1.returnId);
      outcomes.push(`${(await returnDoc(r1.returnId)).status} db=${recs.map((r: any) => `${r._id.slice(-2)}:${r.status}`).join(',')} platform=${paidOut(`T${orderId}`)}`);
      expect({ round, outcome: outcomes.at(-1), platform: paidOut(`T${orderId}`) }).toEqual({ round, outcome: outcomes.at(-1), platform: 5000 });
      expect(sumSuccess(await recordsOf(orderId))).toBe(paidOut(`T${orderId}`));
    }
  });
});
