/**
 * Random walks through the real functions (fast-check, a fixed seed): a buyer,
 * a merchant and an arbiter act on one order (one payment, or a presale's
 * deposit + balance) in any order — apply, modify,
 * cancel, re-apply after a rejection, approve, reject, ship, confirm (maybe a
 * lower amount), refuse receipt, appeal, decide, refund notifications,
 * payment faults (SYSTEMERROR, NOTENOUGH, FREQUENCY_LIMITED; CHANGE and
 * REFUNDCLOSE outcomes), retry, offline refunds, timer passes (sweepTimeouts) at any point of the walk, time passing
 * (then a pass). Outboxes may thus wait across several steps, as they do between two passes of the timer. After every
 * step the invariants the product promises must hold, whatever was refused on the way:
 * - every answer is an envelope; never INTERNAL; a refusal writes nothing;
 * - at most one open after-sale per order line;
 * - units refunded or held never exceed what was bought, per line;
 * - Σ refunds per payment never exceed what it paid; a REFUNDED after-sale got
 *   exactly its amount (through the payment, plus any recorded offline part);
 * - a timer pass drains every outbox; the order's stored ledger agrees with
 *   every after-sale whose outbox was drained (in a race: once none waits),
 *   and the per-line summary with all of them whenever no outbox is waiting
 *   (after a pass, and at the end of every walk after a last one).
 * The same holds when random pairs of steps run at the same moment.
 */
import fc from 'fast-check';
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, ejsonDate, buyer, merchant, arbiter, expectSame } from '../support/functions';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const TERMINAL = ['REFUNDED', 'CANCELLED', 'CLOSED'];
const LINES = [
  { lineId: 'L1', skuId: 'SKU-W1', title: '随机商品甲', quantity: 3, unitPrice: 3000, paidAmount: 8000 },
  { lineId: 'L2', skuId: 'SKU-W2', title: '随机商品乙', quantity: 1, unitPrice: 4500, paidAmount: 4500 },
];

const h = useEmulator();
const f = fx(h);

type Step =
  | { kind: 'apply'; line: number; quantity: number; type: 'REFUND_ONLY' | 'RETURN_REFUND'; reason: 'NO_LONGER_WANTED' | 'QUALITY_ISSUE' }
  | { kind: 'modify'; pick: number; quantity: number }
  | { kind: 'cancel' | 'approve' | 'reject' | 'ship' | 'refuse' | 'appeal' | 'decideBuyer' | 'decideMerchant'; pick: number }
  | { kind: 'confirm'; pick: number; lower: boolean }
  | { kind: 'flush' }
  | { kind: 'sweep' }
  | { kind: 'fault'; code: 'SYSTEMERROR' | 'NOTENOUGH' | 'FREQUENCY_LIMITED' }
  | { kind: 'callback'; status: 'SUCCESS' | 'CHANGE' | 'REFUNDCLOSE' }
  | { kind: 'retry' | 'offline'; pick: number }
  | { kind: 'time'; hours: number };

const pick = fc.nat();
const act = (kind: 'cancel' | 'approve' | 'reject' | 'ship' | 'refuse' | 'appeal' | 'decideBuyer' | 'decideMerchant') => fc.record({ kind: fc.constant(kind), pick });
/** Weighted so that walks go deep (shipping, receipt, disputes, refunds), not only refusals. */
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constant('apply' as const),
      line: fc.integer({ min: 0, max: 1 }),
      quantity: fc.integer({ min: 1, max: 3 }),
      type: fc.constantFrom('REFUND_ONLY' as const, 'RETURN_REFUND' as const),
      reason: fc.constantFrom('NO_LONGER_WANTED' as const, 'QUALITY_ISSUE' as const),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('modify' as const), pick, quantity: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 1, arbitrary: act('cancel') },
  { weight: 4, arbitrary: act('approve') },
  { weight: 2, arbitrary: act('reject') },
  { weight: 4, arbitrary: act('ship') },
  { weight: 1, arbitrary: act('refuse') },
  { weight: 2, arbitrary: act('appeal') },
  { weight: 1, arbitrary: act('decideBuyer') },
  { weight: 1, arbitrary: act('decideMerchant') },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('confirm' as const), pick, lower: fc.boolean() }) },
  { weight: 2, arbitrary: fc.constant({ kind: 'flush' as const }) },
  { weight: 3, arbitrary: fc.constant({ kind: 'sweep' as const }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('fault' as const), code: fc.constantFrom('SYSTEMERROR' as const, 'NOTENOUGH' as const, 'FREQUENCY_LIMITED' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('callback' as const), status: fc.constantFrom('SUCCESS' as const, 'CHANGE' as const, 'REFUNDCLOSE' as const) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('retry' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('offline' as const), pick }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('time' as const), hours: fc.constantFrom(1, 30, 80, 200) }) },
);

let walk = 0;

/** A fresh order: one full payment, or a presale paid as deposit + balance (refunds split across both). */
async function seedWalkOrder(prefix: string, presale: boolean): Promise<{ orderId: string; payments: { outTradeNo: string; amount: number }[] }> {
  const orderId = `${prefix}${++walk}${Date.now().toString(36)}`;
  const total = LINES.reduce((s, l) => s + l.paidAmount, 0);
  const now = await h.now();
  const payments = presale
    ? [
        { outTradeNo: `T${orderId}A`, channel: 'WECHAT_PAY', amount: 3000, paidAt: ejsonDate(now - 5 * DAY), kind: 'DEPOSIT' },
        { outTradeNo: `T${orderId}B`, channel: 'WECHAT_PAY', amount: total - 3000, paidAt: ejsonDate(now - 3 * DAY), kind: 'BALANCE' },
      ]
    : [{ outTradeNo: `T${orderId}`, channel: 'WECHAT_PAY', amount: total, paidAt: ejsonDate(now - 3 * DAY), kind: 'FULL' }];
  await f.seedOrder({ _id: orderId, daysAgo: { paid: 3, shipped: 2, received: 1 }, date: ejsonDate, lines: LINES, payments });
  return { orderId, payments };
}

async function returnsOf(orderId: string): Promise<any[]> {
  return (await h.db('returns', (r) => r.orderId === orderId)).sort((a: any, b: any) => String(a.createdAt).localeCompare(String(b.createdAt)));
}

async function run(orderId: string, step: Step): Promise<any> {
  const rets = await returnsOf(orderId);
  // Act on an open after-sale when there is one (a refusal on a closed one teaches little).
  const open = rets.filter((r) => !TERMINAL.includes(r.status));
  const pool = open.length ? open : rets;
  const target = 'pick' in step && pool.length ? pool[step.pick % pool.length] : undefined;
  const returnId = target?._id ?? 'R20200101000000000000';
  switch (step.kind) {
    case 'apply': {
      const evidence = step.reason === 'QUALITY_ISSUE' ? [await f.photo(DEMO.buyer)] : [];
      return h.call(
        'applyReturn',
        { action: 'apply', requestId: rid('w'), orderId, type: step.type, reason: step.reason, lines: [{ lineId: LINES[step.line].lineId, quantity: step.quantity }], evidence },
        buyer,
      );
    }
    case 'modify':
      return h.call('applyReturn', { action: 'modify', requestId: rid('w'), returnId, lines: [{ lineId: target?.lines?.[0]?.lineId ?? 'L1', quantity: step.quantity }] }, buyer);
    case 'cancel':
      return h.call('applyReturn', { action: 'cancel', requestId: rid('w'), returnId }, buyer);
    case 'appeal':
      return h.call('applyReturn', { action: 'appeal', requestId: rid('w'), returnId, description: '不同意商家的处理' }, buyer);
    case 'approve':
      return h.call('reviewReturn', { action: 'approve', requestId: rid('w'), returnId }, merchant);
    case 'reject':
      return h.call('reviewReturn', { action: 'reject', requestId: rid('w'), returnId, reason: '随机拒绝' }, merchant);
    case 'refuse':
      return h.call('reviewReturn', { action: 'refuseReceipt', requestId: rid('w'), returnId, reason: '验货不通过', evidence: [await f.photo(DEMO.merchant)] }, merchant);
    case 'confirm': {
      const lower = step.lower && target ? Math.max(1, Math.floor((target.amounts?.total ?? 2) / 2)) : undefined;
      return h.call('reviewReturn', { action: 'confirmReceipt', requestId: rid('w'), returnId, ...(lower ? { refundAmount: lower, reason: '部分扣款' } : {}) }, merchant);
    }
    case 'decideBuyer':
      return h.call('reviewReturn', { action: 'decide', requestId: rid('w'), returnId, decision: 'BUYER' }, arbiter);
    case 'decideMerchant':
      return h.call('reviewReturn', { action: 'decide', requestId: rid('w'), returnId, decision: 'MERCHANT', reason: '证据不足' }, arbiter);
    case 'ship':
      return h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('w'), returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer);
    case 'fault':
      await h.pay({ refund: [{ errCode: step.code }] });
      return null;
    case 'callback':
      await h.pay({ callback: { status: step.status } });
      return null;
    case 'retry':
      return h.call('executeRefund', { action: 'retry', requestId: rid('w'), returnId }, merchant);
    case 'offline':
      return h.call('executeRefund', { action: 'markOffline', requestId: rid('w'), returnId, note: '已通过银行转账退回' }, merchant);
    case 'flush':
      await h.flush();
      await f.quiet();
      return null;
    case 'sweep':
      await f.sweep();
      return null;
    case 'time':
      // the timer fires as time passes
      await f.advance(step.hours * HOUR);
      await f.sweep();
      return null;
  }
}

/**
 * `after`: 'pass' — a timer pass ran after the step (and nothing since), so no outbox may be waiting; 'step' — one
 * step ran alone, so an after-sale whose outbox was drained has its ledger entry in step already (only the others
 * may lag); 'race' — steps ran at the same moment (a settlement claim that lost its commit may hold its entry
 * until it is stale), so the ledger is checked once no outbox waits.
 */
async function checkInvariants(orderId: string, payments: { outTradeNo: string; amount: number }[], answer: any, step: Step, after: 'pass' | 'step' | 'race') {
  const where = `after ${JSON.stringify(step)}`;
  if (answer) {
    expect(typeof answer.ok).toBe('boolean');
    if (!answer.ok) {
      expect([where, answer.error.code]).not.toEqual([where, 'INTERNAL']);
      expect(answer.error.message).toMatch(/[\u4e00-\u9fff]/);
    }
  }
  const rets = await returnsOf(orderId);
  for (const line of LINES) {
    const holding = rets.filter((r) => r.lines.some((l: any) => l.lineId === line.lineId));
    const open = holding.filter((r) => !TERMINAL.includes(r.status));
    expectSame([where, line.lineId, open.map((r) => r._id)], [where, line.lineId, open.slice(0, 1).map((r) => r._id)]);
    const units = holding
      .filter((r) => r.status === 'REFUNDED' || !TERMINAL.includes(r.status))
      .reduce((s, r) => s + r.lines.filter((l: any) => l.lineId === line.lineId).reduce((u: number, l: any) => u + l.quantity, 0), 0);
    expect(units).toBeLessThanOrEqual(line.quantity);
  }
  // every refund record that could be this walk's: by its payments, its order or its after-sales
  const trades = new Set(payments.map((p) => p.outTradeNo));
  const returnIds = new Set(rets.map((r) => r._id));
  const refunds = await h.db('refunds', (r) => trades.has(r.outTradeNo) || r.orderId === orderId || returnIds.has(r.returnId));
  for (const p of payments) {
    const committed = refunds.filter((r: any) => r.outTradeNo === p.outTradeNo && r.status !== 'CLOSED' && r.status !== 'OFFLINE');
    expectSame([where, p.outTradeNo, committed.reduce((s: number, r: any) => s + r.refundFee, 0) <= p.amount], [where, p.outTradeNo, true]);
  }
  // a REFUNDED after-sale got exactly its amount: through the payment, plus what the merchant recorded offline
  for (const r of rets.filter((x) => x.status === 'REFUNDED')) {
    const online = refunds.filter((x: any) => x.returnId === r._id && x.status === 'SUCCESS').reduce((sum: number, x: any) => sum + x.refundFee, 0);
    const target = typeof r.approvedAmount === 'number' ? r.approvedAmount : r.amounts.total;
    expectSame([where, r._id, online + (r.offlineRefund?.amount ?? 0)], [where, r._id, target]);
  }
  // a timer pass drains every outbox; while one waits, the ledger and the summary may lag behind (until the next pass)
  const waiting = rets.filter((r) => r.outboxPending).map((r) => r._id);
  if (after === 'pass') expectSame([where, 'outboxes waiting after a timer pass', waiting], [where, 'outboxes waiting after a timer pass', []]);
  if (waiting.length && after === 'race') return;
  const [ledger] = await h.db('ledgers', (l) => l._id === orderId);
  for (const r of rets) {
    if (r.outboxPending) continue;
    expectSame([where, r._id, ledger?.entries?.[r._id]?.status], [where, r._id, r.status]);
  }
  // the order's summary is written for the whole order when its outboxes are drained
  if (waiting.length) return;
  const [order] = await h.db('orders', (o) => o._id === orderId);
  for (const line of LINES) {
    const open = rets.find((r) => !TERMINAL.includes(r.status) && r.lines.some((l: any) => l.lineId === line.lineId));
    if (open) expectSame([where, order.afterSale?.[line.lineId]?.returnId], [where, open._id]);
  }
}

describe('random walks of buyer, merchant and arbiter on one order', () => {
  it('keep every invariant after every step (15 walks of 16 steps, fixed seed)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(stepArb, { minLength: 16, maxLength: 16 }), async (presale, steps) => {
        const { orderId, payments } = await seedWalkOrder('W', presale);
        for (const step of steps) {
          const before = h.writeSeq();
          const answer = await run(orderId, step);
          // a refused call writes nothing at all: no document of any collection changed
          if (answer && !answer.ok) expectSame([JSON.stringify(step), answer.error.code, h.writtenSince(before)], [JSON.stringify(step), answer.error.code, []]);
          await checkInvariants(orderId, payments, answer, step, step.kind === 'sweep' || step.kind === 'time' ? 'pass' : 'step');
        }
        // the timer's next pass (every minute) drains what is left: the ledger and the summary catch up
        await f.sweep();
        await checkInvariants(orderId, payments, null, { kind: 'sweep' }, 'pass');
      }),
      { numRuns: 15, seed: 20261130, endOnFailure: true },
    );
  }, 240_000);
});

describe('random pairs of steps at the same moment', () => {
  it('races keep the same invariants (10 walks of 8 pairs, fixed seed; timer passes may race too)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.boolean(), fc.array(fc.tuple(stepArb, stepArb), { minLength: 8, maxLength: 8 }), async (presale, pairs) => {
        const { orderId, payments } = await seedWalkOrder('WP', presale);
        for (const [a, b] of pairs) {
          const [ra, rb] = await Promise.all([run(orderId, a), run(orderId, b)]);
          await f.quiet();
          // a timer pass in a pair races the other step: what that one committed may wait for the next pass
          await checkInvariants(orderId, payments, ra, a, 'race');
          await checkInvariants(orderId, payments, rb, b, 'race');
        }
        // the timer's next pass drains what is left: the ledger and the summary catch up
        await f.sweep();
        await checkInvariants(orderId, payments, null, { kind: 'sweep' }, 'pass');
      }),
      { numRuns: 10, seed: 20261201, endOnFailure: true },
    );
  }, 240_000);
});
