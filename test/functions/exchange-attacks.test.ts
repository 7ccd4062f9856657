/**
 * 换货 attacked through the functions' HTTP contract (buyer, another buyer,
 * merchant, arbiter): other paths to the same money / stock state, odd
 * inputs, races. Each `it` is one rule; the ones that found a bug say so.
 * The clock only moves forward: tests that move it come last.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, dataOf, expectError, ejsonDate } from '../support/functions';

const DAY = 86_400_000;

const h = useEmulator();
const f = fx(h);
const { quiet, sweep, returnDoc, refundsOf, photo, writesNothing } = f;
afterEach(async () => {
  await quiet();
});

const buyer = { openid: DEMO.buyer };
let seq = 0;

/** The attack's own catalogue (product P-ATK at 5000, one dearer SKU), so the demo's stock is never touched. */
async function seedSkus(overrides: Record<string, Record<string, unknown>> = {}) {
  const base: Record<string, Record<string, unknown>> = {
    'SKU-ATK-S': { productId: 'P-ATK', title: '攻击测试衫 S', attrs: { 尺码: 'S' }, price: 5000, stock: 10 },
    'SKU-ATK-M': { productId: 'P-ATK', title: '攻击测试衫 M', attrs: { 尺码: 'M' }, price: 5000, stock: 10 },
    'SKU-ATK-L': { productId: 'P-ATK', title: '攻击测试衫 L', attrs: { 尺码: 'L' }, price: 5000, stock: 2 },
    'SKU-ATK-XL': { productId: 'P-ATK', title: '攻击测试衫 XL', attrs: { 尺码: 'XL' }, price: 5500, stock: 10 },
  };
  await h.seed({ skus: Object.entries({ ...base, ...overrides }).map(([_id, s]) => ({ _id, ...base[_id], ...s })) });
}

/** A RECEIVED order of DEMO.buyer: `qty` × size-M shirt at 5000 (L1), and a mug without productId (L2). */
async function order(qty = 1, extra: Partial<Parameters<typeof f.seedOrder>[0]> = {}): Promise<string> {
  const orderId = `OATK${++seq}${Date.now().toString(36)}`;
  await f.seedOrder({
    _id: orderId,
    daysAgo: { paid: 3, shipped: 2, received: 1 },
    lines: [
      { lineId: 'L1', skuId: 'SKU-ATK-M', productId: 'P-ATK', title: '攻击测试衫 M', quantity: qty, unitPrice: 5000, paidAmount: 5000 * qty },
      { lineId: 'L2', skuId: 'SKU-MUG', title: '马克杯', quantity: 1, unitPrice: 2000, paidAmount: 2000 },
    ],
    ...extra,
  });
  return orderId;
}

function applyEx(orderId: string, body: Record<string, unknown> = {}, openid: string = DEMO.buyer) {
  return h.call(
    'applyReturn',
    {
      action: 'apply',
      requestId: rid('ex'),
      orderId,
      type: 'EXCHANGE',
      reason: 'SIZE_COLOR',
      lines: [{ lineId: 'L1', quantity: 1 }],
      replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-L' }],
      ...body,
    },
    { openid },
  );
}

const exchange = async (orderId: string, body: Record<string, unknown> = {}) => dataOf(await applyEx(orderId, body)).return;
const review = async (event: Record<string, unknown>, openid: string = DEMO.merchant) => dataOf(await f.review(event, openid)).return;
const shipBack = async (returnId: string) =>
  dataOf(await h.call('submitLogistics', { requestId: rid('ship'), returnId, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer)).return;
const reship = (returnId: string, extra: Record<string, unknown> = {}, openid: string = DEMO.merchant) =>
  f.review({ action: 'reship', returnId, carrier: 'SF', trackingNo: 'SF9876543210987', ...extra }, openid);
const buyerCall = (action: string, body: Record<string, unknown>, openid: string = DEMO.buyer) => h.call('applyReturn', { action, requestId: rid(action), ...body }, { openid });

/** apply → approve → ship back → receipt: waiting for the replacement. */
async function awaitingReship(orderId: string, body: Record<string, unknown> = {}) {
  const ret = await exchange(orderId, body);
  await review({ action: 'approve', returnId: ret.returnId });
  await shipBack(ret.returnId);
  const received = await review({ action: 'confirmReceipt', returnId: ret.returnId });
  expect(received.status).toBe('AWAITING_RESHIP');
  return received;
}

/** The stock ops the after-sale's events told the shop, in order. */
async function stockOps(returnId: string): Promise<string[]> {
  return (await returnDoc(returnId)).events.filter((e: any) => e.stock).map((e: any) => e.stock.op);
}

beforeAll(async () => {
  await seedSkus();
});

describe('stock records on events', () => {
  it('a converted exchange releases its reservation once: the refund that follows does not release it again', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    await review({ action: 'convertToRefund', returnId: received.returnId, reason: 'L 码断货' });
    await h.flush();
    await quiet();
    expect((await returnDoc(received.returnId)).status).toBe('REFUNDED');
    expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeReleased']);
  });

  it('a converted exchange whose refund fails, is retried and fails again, then is refunded offline: still one release', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    expect((await review({ action: 'convertToRefund', returnId: received.returnId, reason: '断货' })).status).toBe('REFUND_FAILED');
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    dataOf(await h.call('executeRefund', { action: 'retry', requestId: rid('retry'), returnId: received.returnId }, { openid: DEMO.merchant }));
    await h.flush();
    await quiet();
    expect((await returnDoc(received.returnId)).status).toBe('REFUND_FAILED');
    dataOf(await h.call('executeRefund', { action: 'markOffline', requestId: rid('off'), returnId: received.returnId, note: '银行转账' }, { openid: DEMO.merchant }));
    const doc = await returnDoc(received.returnId);
    expect(doc.status).toBe('REFUNDED');
    expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeReleased']);
    expect(doc.events.filter((e: any) => e.stock).map((e: any) => e.type)).toEqual(['aftersale.requested', 'aftersale.exchange_converted']);
  });
});

describe('money: an exchange moves none unless converted', () => {
  it('decide for the buyer after a refused receipt takes no refund amount on an exchange: nothing moves, and a later conversion refunds the units', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'approve', returnId: ret.returnId });
    await shipBack(ret.returnId);
    await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '退回商品已洗涤', evidence: [await photo(DEMO.merchant)] });
    await buyerCall('appeal', { returnId: ret.returnId, description: '没有洗过' });
    const granted = await writesNothing(() => f.review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', refundAmount: 999_999, reason: '支持买家' }, DEMO.arbiter));
    expectError(granted, 'INVALID_ARGUMENT');
    const decided = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', reason: '支持买家' }, DEMO.arbiter);
    expect(decided.status).toBe('AWAITING_RESHIP');
    const converted = await review({ action: 'convertToRefund', returnId: ret.returnId, reason: 'L 码断货' });
    expect(converted.status).toMatch(/REFUNDING|REFUNDED/);
    await h.flush();
    await quiet();
    expect((await refundsOf(ret.returnId)).map((r: any) => r.refundFee)).toEqual([5000]);
  });

  it('a converted exchange refunds as a return would: the outbound shipping fee only for a seller-side reason completing the order', async () => {
    const line = { lineId: 'L1', skuId: 'SKU-ATK-M', productId: 'P-ATK', title: '攻击测试衫 M', quantity: 1, unitPrice: 5000, paidAmount: 5000 };
    const refunded = async (reason: string) => {
      const orderId = await order(1, { lines: [line], shippingFee: 800 });
      const received = await awaitingReship(orderId, { reason, ...(reason === 'QUALITY_ISSUE' ? { evidence: [await photo()] } : {}) });
      await review({ action: 'convertToRefund', returnId: received.returnId, reason: '断货' });
      await h.flush();
      await quiet();
      return (await refundsOf(received.returnId)).reduce((sum: number, r: any) => sum + r.refundFee, 0);
    };
    expect(await refunded('QUALITY_ISSUE')).toBe(5800);
    expect(await refunded('SIZE_COLOR')).toBe(5000);
  });

  it('confirmReceipt of an exchange takes no refund amount (it was answered ok and dropped): refused, nothing written', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'approve', returnId: ret.returnId });
    await shipBack(ret.returnId);
    const lowered = await writesNothing(() => f.review({ action: 'confirmReceipt', returnId: ret.returnId, refundAmount: 2500, reason: '有污渍，扣 25 元' }));
    expectError(lowered, 'INVALID_ARGUMENT');
    expect(lowered.error.details.issues).toEqual([expect.objectContaining({ path: 'refundAmount' })]);
    expect((await review({ action: 'confirmReceipt', returnId: ret.returnId })).status).toBe('AWAITING_RESHIP');
  });
});

describe('the replacement is checked again before it goes out', () => {
  it('a SKU deleted after apply: reship refused (REPLACEMENT_NOT_FOUND), nothing written', async () => {
    const orderId = await order();
    await h.seed({ skus: [{ _id: 'SKU-ATK-GONE', productId: 'P-ATK', title: '攻击测试衫 限定', attrs: { 尺码: 'M' }, price: 5000, stock: 3 }] });
    const received = await awaitingReship(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-GONE' }] });
    await h.emu.db.remove('skus', { _id: 'SKU-ATK-GONE' });
    const res = await writesNothing(() => reship(received.returnId));
    expectError(res, 'INVALID_STATE');
    expect(res.error.details.refusal).toBe('REPLACEMENT_NOT_FOUND');
    // converting needs no SKU: the returned unit is refunded
    await review({ action: 'convertToRefund', returnId: received.returnId, reason: '该规格已下架' });
    await h.flush();
    await quiet();
    expect((await refundsOf(received.returnId)).map((r: any) => r.refundFee)).toEqual([5000]);
  });

  it('a SKU whose price changed after apply: reship refused (REPLACEMENT_PRICE_DIFFERS)', async () => {
    const orderId = await order();
    await h.seed({ skus: [{ _id: 'SKU-ATK-P', productId: 'P-ATK', title: '攻击测试衫 调价', attrs: { 尺码: 'M' }, price: 5000, stock: 3 }] });
    const received = await awaitingReship(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-P' }] });
    await h.seed({ skus: [{ _id: 'SKU-ATK-P', productId: 'P-ATK', title: '攻击测试衫 调价', attrs: { 尺码: 'M' }, price: 4500, stock: 3 }] });
    const res = await writesNothing(() => reship(received.returnId));
    expectError(res, 'INVALID_STATE');
    expect(res.error.details.refusal).toBe('REPLACEMENT_PRICE_DIFFERS');
  });

  it('the exchanged line gone from the order (the shop rewrote it) and the SKU deleted: reship is refused, not shipped unchecked', async () => {
    const orderId = await order();
    await h.seed({ skus: [{ _id: 'SKU-ATK-GONE2', productId: 'P-ATK', title: '攻击测试衫 绝版', attrs: { 尺码: 'M' }, price: 5000, stock: 3 }] });
    const received = await awaitingReship(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-GONE2' }] });
    const stored = await f.orderDoc(orderId);
    await h.seed({ orders: [{ ...stored, lines: stored.lines.map((l: any) => (l.lineId === 'L1' ? { ...l, lineId: 'L1-new' } : l)) }] });
    await h.emu.db.remove('skus', { _id: 'SKU-ATK-GONE2' });
    const res = await writesNothing(() => reship(received.returnId));
    expectError(res, 'INVALID_STATE');
    expect(await stockOps(received.returnId)).toEqual(['exchangeReserved']);
  });

  it('quantity above the stock is refused at apply', async () => {
    const orderId = await order(3);
    const res = await writesNothing(() => applyEx(orderId, { lines: [{ lineId: 'L1', quantity: 3 }] }));
    expectError(res, 'NOT_ELIGIBLE');
    expect(res.error.details.refusals.map((r: any) => r.code)).toEqual(['REPLACEMENT_OUT_OF_STOCK']);
  });
});

describe('one SKU for two lines', () => {
  /** L1 (M) and L3 (S) of the same product, one unit each; SKU-ATK-ONE has one unit in stock. */
  async function twoLines(): Promise<string> {
    await h.seed({ skus: [{ _id: 'SKU-ATK-ONE', productId: 'P-ATK', title: '攻击测试衫 限量', attrs: { 尺码: 'L' }, price: 5000, stock: 1 }] });
    return order(1, {
      lines: [
        { lineId: 'L1', skuId: 'SKU-ATK-M', productId: 'P-ATK', title: '攻击测试衫 M', quantity: 1, unitPrice: 5000, paidAmount: 5000 },
        { lineId: 'L3', skuId: 'SKU-ATK-S', productId: 'P-ATK', title: '攻击测试衫 S', quantity: 1, unitPrice: 5000, paidAmount: 5000 },
      ],
    });
  }
  const both = {
    lines: [
      { lineId: 'L1', quantity: 1 },
      { lineId: 'L3', quantity: 1 },
    ],
  };

  it('two lines swapped for the same SKU need its stock for both: refused at apply when it has one', async () => {
    const orderId = await twoLines();
    const res = await writesNothing(() =>
      applyEx(orderId, {
        ...both,
        replacements: [
          { lineId: 'L1', skuId: 'SKU-ATK-ONE' },
          { lineId: 'L3', skuId: 'SKU-ATK-ONE' },
        ],
      }),
    );
    expectError(res, 'NOT_ELIGIBLE');
    expect(res.error.details.refusals.map((r: any) => r.code)).toContain('REPLACEMENT_OUT_OF_STOCK');
  });

  it('… and at reship when the stock fell to one; the reservation is told per SKU', async () => {
    const orderId = await twoLines();
    await h.seed({ skus: [{ _id: 'SKU-ATK-ONE', productId: 'P-ATK', title: '攻击测试衫 限量', attrs: { 尺码: 'L' }, price: 5000, stock: 2 }] });
    const received = await awaitingReship(orderId, {
      ...both,
      replacements: [
        { lineId: 'L1', skuId: 'SKU-ATK-ONE' },
        { lineId: 'L3', skuId: 'SKU-ATK-ONE' },
      ],
    });
    expect((await returnDoc(received.returnId)).events[0].stock).toEqual({ op: 'exchangeReserved', skus: [{ skuId: 'SKU-ATK-ONE', quantity: 2 }] });
    await h.seed({ skus: [{ _id: 'SKU-ATK-ONE', productId: 'P-ATK', title: '攻击测试衫 限量', attrs: { 尺码: 'L' }, price: 5000, stock: 1 }] });
    const res = await writesNothing(() => reship(received.returnId));
    expectError(res, 'INVALID_STATE');
    expect(res.error.details.refusal).toBe('REPLACEMENT_OUT_OF_STOCK');
  });
});

describe('odd inputs', () => {
  it.each([
    [
      'a replacement for a line not requested',
      {
        replacements: [
          { lineId: 'L1', skuId: 'SKU-ATK-L' },
          { lineId: 'L2', skuId: 'SKU-ATK-S' },
        ],
      },
      'NOT_ELIGIBLE',
    ],
    [
      'a replacement for a line not in the order',
      {
        replacements: [
          { lineId: 'L1', skuId: 'SKU-ATK-L' },
          { lineId: 'L9', skuId: 'SKU-ATK-S' },
        ],
      },
      'NOT_ELIGIBLE',
    ],
    ['a line without productId', { lines: [{ lineId: 'L2', quantity: 1 }], replacements: [{ lineId: 'L2', skuId: 'SKU-ATK-S' }] }, 'NOT_ELIGIBLE'],
    [
      'duplicated lineIds in replacements',
      {
        replacements: [
          { lineId: 'L1', skuId: 'SKU-ATK-L' },
          { lineId: 'L1', skuId: 'SKU-ATK-S' },
        ],
      },
      'INVALID_ARGUMENT',
    ],
    ['replacements not a list', { replacements: { L1: 'SKU-ATK-L' } }, 'INVALID_ARGUMENT'],
    ['a numeric skuId', { replacements: [{ lineId: 'L1', skuId: 42 }] }, 'INVALID_ARGUMENT'],
    ['a skuId that is an operator object', { replacements: [{ lineId: 'L1', skuId: { $ne: null } }] }, 'INVALID_ARGUMENT'],
    ['a blank skuId', { replacements: [{ lineId: 'L1', skuId: '   ' }] }, 'INVALID_ARGUMENT'],
    ['NOT_RECEIVED as the reason', { reason: 'NOT_RECEIVED' }, 'NOT_ELIGIBLE'],
  ])('%s: refused without an INTERNAL error, nothing written', async (_name, body, code) => {
    const orderId = await order();
    const res = await writesNothing(() => applyEx(orderId, body));
    expectError(res, code);
  });

  it('an exchange of an order not shipped yet is refused', async () => {
    const orderId = `OATKP${++seq}`;
    await f.seedOrder({
      _id: orderId,
      status: 'PAID',
      daysAgo: { paid: 1 },
      lines: [{ lineId: 'L1', skuId: 'SKU-ATK-M', productId: 'P-ATK', title: '攻击测试衫 M', quantity: 1, unitPrice: 5000, paidAmount: 5000 }],
    });
    expectError(await writesNothing(() => applyEx(orderId)), 'NOT_ELIGIBLE');
  });
});

describe('bad input to the exchange actions never answers INTERNAL', () => {
  it('reship, convertToRefund, confirmExchange, exchangeOptions and modify with odd fields', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    const id = received.returnId;
    const calls: [string, Record<string, unknown>, string][] = [
      ['reviewReturn', { action: 'reship', requestId: rid(), returnId: id, carrier: 'SF', trackingNo: { $gt: '' } }, DEMO.merchant],
      ['reviewReturn', { action: 'reship', requestId: rid(), returnId: id, carrier: 'NOPE', trackingNo: 'SF9876543210987' }, DEMO.merchant],
      ['reviewReturn', { action: 'reship', requestId: rid(), returnId: { $ne: null }, carrier: 'SF', trackingNo: 'SF9876543210987' }, DEMO.merchant],
      ['reviewReturn', { action: 'reship', requestId: rid(), returnId: id, carrier: 'SF', trackingNo: 'x'.repeat(5000) }, DEMO.merchant],
      ['reviewReturn', { action: 'reship', returnId: id, carrier: 'SF', trackingNo: 'SF9876543210987' }, DEMO.merchant],
      ['reviewReturn', { action: 'convertToRefund', requestId: rid(), returnId: id, reason: '   ' }, DEMO.merchant],
      ['reviewReturn', { action: 'convertToRefund', requestId: rid(), returnId: id, reason: ['断货'] }, DEMO.merchant],
      ['reviewReturn', { action: 'reship', requestId: rid(), returnId: 'R00000000000000000000', carrier: 'SF', trackingNo: 'SF9876543210987' }, DEMO.merchant],
      ['applyReturn', { action: 'confirmExchange', requestId: rid(), returnId: id }, DEMO.buyer],
      ['applyReturn', { action: 'confirmExchange', requestId: 42, returnId: id }, DEMO.buyer],
      ['applyReturn', { action: 'modify', requestId: rid(), returnId: id, replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] }, DEMO.buyer],
      ['queryReturns', { action: 'exchangeOptions', orderId: { $exists: true } }, DEMO.buyer],
      ['queryReturns', { action: 'exchangeOptions', orderId: 'NO-SUCH-ORDER' }, DEMO.buyer],
      ['queryReturns', { action: 'exchangeOptions' }, DEMO.buyer],
    ];
    for (const [fn, event, openid] of calls) {
      const res = await writesNothing(() => h.call(fn, event, { openid }));
      expect({ event, ok: res.ok }).toEqual({ event, ok: false });
      expect({ event, code: res.error.code }).not.toEqual({ event, code: 'INTERNAL' });
      expect(res.error.message).toMatch(/[\u4e00-\u9fff]/);
    }
  });
});

describe('who may act', () => {
  it('another buyer can neither apply on the order, nor confirm, modify, cancel or read the exchange', async () => {
    const orderId = await order();
    expectError(await writesNothing(() => applyEx(orderId, {}, DEMO.otherBuyer)), 'FORBIDDEN');
    const received = await awaitingReship(orderId);
    expectError(
      await writesNothing(() => buyerCall('modify', { returnId: received.returnId, replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] }, DEMO.otherBuyer)),
      'FORBIDDEN',
    );
    await reship(received.returnId);
    expectError(await writesNothing(() => buyerCall('confirmExchange', { returnId: received.returnId }, DEMO.otherBuyer)), 'FORBIDDEN');
    expectError(await writesNothing(() => buyerCall('cancel', { returnId: received.returnId }, DEMO.otherBuyer)), 'FORBIDDEN');
    expectError(await h.call('queryReturns', { action: 'get', returnId: received.returnId }, { openid: DEMO.otherBuyer }), 'FORBIDDEN');
  });

  it('the buyer cannot reship or convert; the arbiter cannot reship; the merchant cannot confirm for the buyer', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    expectError(await writesNothing(() => reship(received.returnId, {}, DEMO.buyer)), 'FORBIDDEN');
    expectError(await writesNothing(() => f.review({ action: 'convertToRefund', returnId: received.returnId, reason: '我要退款' }, DEMO.buyer)), 'FORBIDDEN');
    expectError(await writesNothing(() => reship(received.returnId, {}, DEMO.arbiter)), 'FORBIDDEN');
    await reship(received.returnId);
    expectError(await writesNothing(() => buyerCall('confirmExchange', { returnId: received.returnId }, DEMO.merchant)), 'FORBIDDEN');
  });
});

describe('one transition per state', () => {
  it('convert twice: the second is refused, one refund', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    await review({ action: 'convertToRefund', returnId: received.returnId, reason: '断货' });
    expectError(await f.review({ action: 'convertToRefund', returnId: received.returnId, reason: '断货' }), 'INVALID_STATE');
    await h.flush();
    await quiet();
    expect((await refundsOf(received.returnId)).map((r: any) => r.refundFee)).toEqual([5000]);
    expectError(await reship(received.returnId), 'INVALID_STATE');
  });

  it('reship twice with two waybills: the second is refused, one shipment recorded', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    dataOf(await reship(received.returnId));
    expectError(await writesNothing(() => reship(received.returnId, { trackingNo: 'SF1111111111111' })), 'INVALID_STATE');
    expectError(await f.review({ action: 'convertToRefund', returnId: received.returnId, reason: '断货' }), 'INVALID_STATE');
    expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeShipped']);
  });

  it('concurrent reship and convert: exactly one wins; the stock records and the money agree with the winner', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    const [a, b] = await Promise.all([reship(received.returnId), f.review({ action: 'convertToRefund', returnId: received.returnId, reason: '断货' })]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    await h.flush();
    await quiet();
    const doc = await returnDoc(received.returnId);
    const refunds = await refundsOf(received.returnId);
    if (a.ok) {
      expect(doc.status).toBe('RESHIPPED');
      expect(refunds).toEqual([]);
      expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeShipped']);
    } else {
      expect(doc.status).toBe('REFUNDED');
      expect(refunds.map((r: any) => r.refundFee)).toEqual([5000]);
      expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeReleased']);
    }
    // the loser's settlement claim was undone: the ledger never counts a shipped exchange as refunded
    const ledger = await f.ledgerOf(orderId);
    if (a.ok) expect(ledger[received.returnId]?.refundPlan ?? null).toBeNull();
    else expect(ledger[received.returnId].refundPlan).toMatchObject({ target: 5000 });
  });

  it('exchanges and a return of the one unit applied at once: one holder; only it reserved stock', async () => {
    const orderId = await order();
    await Promise.all(Array.from({ length: 3 }, () => h.call('applyReturn', {}, buyer)));
    const answers = await Promise.all([
      applyEx(orderId),
      applyEx(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] }),
      applyEx(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-M' }] }),
      h.call('applyReturn', { action: 'apply', requestId: rid(), orderId, type: 'RETURN_REFUND', reason: 'SIZE_COLOR', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
    ]);
    expect(answers.filter((a: any) => a.ok)).toHaveLength(1);
    for (const a of answers.filter((x: any) => !x.ok)) expect(['RETURN_ALREADY_OPEN', 'CONFLICT', 'NOT_ELIGIBLE']).toContain(a.error.code);
    const stored = (await h.db('returns')).filter((r: any) => r.orderId === orderId);
    expect(stored).toHaveLength(1);
    expect(stored[0].events.filter((e: any) => e.stock)).toHaveLength(stored[0].type === 'EXCHANGE' ? 1 : 0);
  });

  it('the same convertToRefund ×5 at once: one conversion, one refund, five identical answers (three rounds)', async () => {
    await Promise.all(Array.from({ length: 3 }, () => h.call('reviewReturn', {}, { openid: DEMO.merchant })));
    for (let round = 0; round < 3; round++) {
      const orderId = await order();
      const received = await awaitingReship(orderId);
      const event = { action: 'convertToRefund', requestId: rid('dup'), returnId: received.returnId, reason: '断货' };
      const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('reviewReturn', event, { openid: DEMO.merchant })));
      expect(answers.map((a: any) => (a.ok ? 'ok' : a.error.code))).toEqual(Array(5).fill('ok'));
      await h.flush();
      await quiet();
      expect((await refundsOf(received.returnId)).map((r: any) => r.refundFee)).toEqual([5000]);
      expect((await returnDoc(received.returnId)).timeline.filter((e: any) => e.action === 'convertToRefund')).toHaveLength(1);
    }
  });

  it('the same swap of the replacement ×5 at once: one modification, one new reservation, five identical answers', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await Promise.all(Array.from({ length: 3 }, () => h.call('applyReturn', {}, buyer)));
    const event = { action: 'modify', requestId: rid('swap'), returnId: ret.returnId, replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] };
    const answers = await Promise.all(Array.from({ length: 5 }, () => h.call('applyReturn', event, buyer)));
    expect(answers.map((a: any) => (a.ok ? a.data.return.exchange.replacements[0].skuId : a.error.code))).toEqual(Array(5).fill('SKU-ATK-S'));
    const doc = await returnDoc(ret.returnId);
    expect(doc.events.filter((e: any) => e.stock).map((e: any) => e.stock.skus[0].skuId)).toEqual(['SKU-ATK-L', 'SKU-ATK-S']);
    expect(doc.attempts).toBe(2);
  });

  it('the same reship sent twice at once answers both with the one shipment', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    const requestId = rid('twin');
    const [a, b] = await Promise.all([reship(received.returnId, { requestId }), reship(received.returnId, { requestId })]);
    expect(dataOf(a).return.version).toBe(dataOf(b).return.version);
    expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeShipped']);
  });
});

describe('later after-sales of an exchanged unit', () => {
  it('exchange → EXCHANGED → return refunded → a second exchange or refund of that unit is refused: one unit, one refund', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    await reship(received.returnId);
    await buyerCall('confirmExchange', { returnId: received.returnId });
    const back = await f.apply(orderId, 'RETURN_REFUND', { reason: 'QUALITY_ISSUE', evidence: [await photo()] });
    await review({ action: 'approve', returnId: back.returnId });
    await shipBack(back.returnId);
    await review({ action: 'confirmReceipt', returnId: back.returnId });
    await h.flush();
    await quiet();
    expect((await returnDoc(back.returnId)).status).toBe('REFUNDED');
    expect((await refundsOf(back.returnId)).map((r: any) => r.refundFee)).toEqual([5000]);
    const again = await writesNothing(() => applyEx(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] }));
    expect(again.ok).toBe(false);
    expect(['NOT_ELIGIBLE', 'RETURN_ALREADY_OPEN']).toContain(again.error.code);
    const refundAgain = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId: rid(), orderId, type: 'REFUND_ONLY', reason: 'QUALITY_ISSUE', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
    );
    expect(refundAgain.ok).toBe(false);
  });

  it('a presale order (deposit + balance): a converted exchange refunds across both payments, never above either', async () => {
    const orderId = `OATKS${++seq}`;
    const now = await h.now();
    await f.seedOrder({
      _id: orderId,
      daysAgo: { paid: 5, shipped: 2, received: 1 },
      lines: [{ lineId: 'L1', skuId: 'SKU-ATK-M', productId: 'P-ATK', title: '攻击测试衫 M', quantity: 2, unitPrice: 5000, paidAmount: 10000 }],
      payments: [
        { outTradeNo: `T${orderId}A`, channel: 'WECHAT_PAY', amount: 3000, paidAt: ejsonDate(now - 5 * DAY), kind: 'DEPOSIT' },
        { outTradeNo: `T${orderId}B`, channel: 'WECHAT_PAY', amount: 7000, paidAt: ejsonDate(now - 3 * DAY), kind: 'BALANCE' },
      ],
    });
    const first = await awaitingReship(orderId);
    await review({ action: 'convertToRefund', returnId: first.returnId, reason: '断货' });
    await h.flush();
    await quiet();
    const second = await awaitingReship(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] });
    await review({ action: 'convertToRefund', returnId: second.returnId, reason: '断货' });
    await h.flush();
    await quiet();
    const all = [...(await refundsOf(first.returnId)), ...(await refundsOf(second.returnId))];
    const byPayment: Record<string, number> = {};
    for (const r of all) byPayment[r.outTradeNo] = (byPayment[r.outTradeNo] ?? 0) + r.refundFee;
    expect(byPayment).toEqual({ [`T${orderId}A`]: 3000, [`T${orderId}B`]: 7000 });
    const third = await writesNothing(() => applyEx(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] }));
    expect(third.ok).toBe(false);
  });
});

describe('proposals on an exchange', () => {
  it('PARTIAL_REFUND accepted: the buyer keeps the goods, gets exactly the agreed amount; the reservation is released once', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'propose', returnId: ret.returnId, kind: 'PARTIAL_REFUND', refundAmount: 1500, reason: '补偿 15 元，不用换了' });
    const accepted = dataOf(await buyerCall('acceptProposal', { returnId: ret.returnId })).return;
    expect(accepted.type).toBe('REFUND_ONLY');
    await h.flush();
    await quiet();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    expect((await refundsOf(ret.returnId)).map((r: any) => r.refundFee)).toEqual([1500]);
    expect(await stockOps(ret.returnId)).toEqual(['exchangeReserved', 'exchangeReleased']);
    // the unit is held by a refunded after-sale: no exchange of it any more
    expect((await writesNothing(() => applyEx(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] }))).ok).toBe(false);
  });

  it('a proposal above the settled maximum is REFUND_LIMIT; LOWER_AFTER_RECEIPT is not open on an exchange in transit', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    const high = await writesNothing(() => f.review({ action: 'propose', returnId: ret.returnId, kind: 'PARTIAL_REFUND', refundAmount: 5001, reason: '多退' }));
    expectError(high, 'REFUND_LIMIT');
    expect(high.error.details.maximum).toBe(5000);
    await review({ action: 'approve', returnId: ret.returnId });
    await shipBack(ret.returnId);
    const lower = await writesNothing(() =>
      f.review({ action: 'propose', returnId: ret.returnId, kind: 'LOWER_AFTER_RECEIPT', refundAmount: 1000, reason: '有磨损', evidence: [] }),
    );
    expect(lower.ok).toBe(false);
    expect(lower.error.code).not.toBe('INTERNAL');
  });
});

describe('modify and re-apply', () => {
  it('no modify after approval: the replacement cannot be swapped once the merchant agreed', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'approve', returnId: ret.returnId });
    expectError(await writesNothing(() => buyerCall('modify', { returnId: ret.returnId, replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] })), 'INVALID_STATE');
  });

  it('modify from REJECTED to a SKU of another price, or of another product, is refused and writes nothing', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'reject', returnId: ret.returnId, reason: '不支持' });
    for (const skuId of ['SKU-ATK-XL', 'SKU-TEE-W-M']) {
      const res = await writesNothing(() => buyerCall('modify', { returnId: ret.returnId, replacements: [{ lineId: 'L1', skuId }] }));
      expectError(res, 'NOT_ELIGIBLE');
    }
  });

  it('modify from REJECTED after a refused receipt may swap the replacement; the new reservation replaces the old one', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'approve', returnId: ret.returnId });
    await shipBack(ret.returnId);
    await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '吊牌缺失', evidence: [await photo(DEMO.merchant)] });
    const moved = dataOf(await buyerCall('modify', { returnId: ret.returnId, replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] })).return;
    expect(moved.status).toBe('PENDING_REVIEW');
    const doc = await returnDoc(ret.returnId);
    expect(doc.events.filter((e: any) => e.stock).map((e: any) => e.stock)).toEqual([
      { op: 'exchangeReserved', skus: [{ skuId: 'SKU-ATK-L', quantity: 1 }] },
      { op: 'exchangeReserved', skus: [{ skuId: 'SKU-ATK-S', quantity: 1 }] },
    ]);
    // lines are fixed once the goods were sent
    expectError(await writesNothing(() => buyerCall('modify', { returnId: ret.returnId, lines: [{ lineId: 'L2', quantity: 1 }], replacements: [] })), 'INVALID_STATE');
  });

  it('re-applying as a return over a rejected exchange withdraws it and releases its reservation; and an exchange over a rejected return', async () => {
    const orderId = await order();
    const ex = await exchange(orderId);
    await review({ action: 'reject', returnId: ex.returnId, reason: '不支持换货' });
    const back = await f.apply(orderId, 'RETURN_REFUND', { reason: 'SIZE_COLOR' });
    expect((await returnDoc(ex.returnId)).status).toBe('CANCELLED');
    expect(await stockOps(ex.returnId)).toEqual(['exchangeReserved', 'exchangeReleased']);
    await review({ action: 'reject', returnId: back.returnId, reason: '不支持退货' });
    const ex2 = await exchange(orderId, { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-S' }] });
    expect((await returnDoc(back.returnId)).status).toBe('CANCELLED');
    expect((await returnDoc(back.returnId)).events.some((e: any) => e.stock)).toBe(false);
    expect(await stockOps(ex2.returnId)).toEqual(['exchangeReserved']);
  });

  it('cancel after the goods were sent is refused (in transit; GOODS_SENT after a refused receipt); the reservation stays', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'approve', returnId: ret.returnId });
    await shipBack(ret.returnId);
    expectError(await writesNothing(() => buyerCall('cancel', { returnId: ret.returnId })), 'INVALID_STATE');
    await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '吊牌缺失', evidence: [await photo(DEMO.merchant)] });
    const res = await writesNothing(() => buyerCall('cancel', { returnId: ret.returnId }));
    expectError(res, 'INVALID_STATE');
    expect(res.error.details.refusal).toBe('GOODS_SENT');
    expect(await stockOps(ret.returnId)).toEqual(['exchangeReserved']);
  });
});

describe('what the buyer sees', () => {
  it("the buyer's view of a reshipped exchange names no staff openid (the replacement's waybill by role only)", async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    const shipped = dataOf(await reship(received.returnId)).return;
    expect(shipped.exchange.reship.trackingNo).toBe('SF9876543210987');
    const seen = await f.getReturn(received.returnId);
    expect(seen.exchange.reship).toMatchObject({ carrier: 'SF', trackingNo: 'SF9876543210987' });
    expect(JSON.stringify(seen)).not.toContain(DEMO.merchant);
    const listed = dataOf(await h.call('queryReturns', { action: 'list', scope: 'mine' }, buyer));
    expect(JSON.stringify(listed)).not.toContain(DEMO.merchant);
    const staff = await f.getReturn(received.returnId, DEMO.merchant);
    expect(staff.exchange.reship.by).toBe(DEMO.merchant);
  });
});

describe('the complaint summary of an exchange', () => {
  it('decided for the merchant: the summary says which replacement was asked for, not a refund of 0 元', async () => {
    const orderId = await order();
    const ret = await exchange(orderId);
    await review({ action: 'reject', returnId: ret.returnId, reason: '不支持换货' });
    await buyerCall('appeal', { returnId: ret.returnId, description: '请复核' });
    await review({ action: 'decide', returnId: ret.returnId, decision: 'MERCHANT', reason: '证据不足' }, DEMO.arbiter);
    const seen = await f.getReturn(ret.returnId);
    expect(seen.complaintSummary).toContain('售后类型：换货');
    expect(seen.complaintSummary).toContain('申请换货：换为「攻击测试衫 L」×1');
    expect(seen.complaintSummary).not.toContain('申请退款');
  });
});

describe("the example events consumer follows an exchange's stock records", () => {
  it('the returned unit goes back on the shelf, the replacement leaves it; a converted exchange ships nothing', async () => {
    // the outboxes of the tests above are drained first, with no consumer yet: it hears only of this test's after-sales
    await sweep();
    const [shop] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
    await h.seed({ settings: [{ ...shop, events: { function: 'afterSaleEvents', maxTries: 3 } }] });
    await f.advanceQuietly(61_000);
    try {
      await h.seed({
        skus: [
          { _id: 'SKU-ATK-EVT-A', productId: 'P-ATK', title: '攻击测试衫 A', attrs: { 尺码: 'A' }, price: 5000, stock: 5 },
          { _id: 'SKU-ATK-EVT-B', productId: 'P-ATK', title: '攻击测试衫 B', attrs: { 尺码: 'B' }, price: 5000, stock: 5 },
        ],
      });
      const line = { lineId: 'L1', skuId: 'SKU-ATK-EVT-A', productId: 'P-ATK', title: '攻击测试衫 A', quantity: 1, unitPrice: 5000, paidAmount: 5000 };
      const stockOf = async (id: string) => (await h.db('skus')).find((k: any) => k._id === id).stock;
      const swapped = await awaitingReship(await order(1, { lines: [line] }), { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-EVT-B' }] });
      dataOf(await reship(swapped.returnId));
      // the consumer hears of the events from the after-sale's outbox, at the timer's next pass (every minute)
      await sweep();
      expect([await stockOf('SKU-ATK-EVT-A'), await stockOf('SKU-ATK-EVT-B')]).toEqual([6, 4]);
      const converted = await awaitingReship(await order(1, { lines: [line] }), { replacements: [{ lineId: 'L1', skuId: 'SKU-ATK-EVT-B' }] });
      await review({ action: 'convertToRefund', returnId: converted.returnId, reason: '断货' });
      await h.flush();
      await sweep();
      expect([await stockOf('SKU-ATK-EVT-A'), await stockOf('SKU-ATK-EVT-B')]).toEqual([7, 4]);
    } finally {
      await h.seed({ settings: [shop] });
      await f.advanceQuietly(61_000);
    }
  });
});

describe('deadlines (the clock moves forward from here)', () => {
  it('reship just past its deadline is refused (DEADLINE_PASSED, nothing written); the sweep converts once, releasing the stock once', async () => {
    const orderId = await order();
    const received = await awaitingReship(orderId);
    await f.advanceJustPast(new Date(received.deadline).getTime());
    expect((await returnDoc(received.returnId)).status).toBe('AWAITING_RESHIP');
    const late = await writesNothing(() => reship(received.returnId));
    expectError(late, 'INVALID_STATE');
    expect(late.error.details.refusal).toBe('DEADLINE_PASSED');
    await sweep();
    await h.flush();
    await quiet();
    await sweep();
    expect((await returnDoc(received.returnId)).status).toBe('REFUNDED');
    expect((await refundsOf(received.returnId)).map((r: any) => r.refundFee)).toEqual([5000]);
    expect(await stockOps(received.returnId)).toEqual(['exchangeReserved', 'exchangeReleased']);
    expectError(await reship(received.returnId), 'INVALID_STATE');
  });

  it('an exchange never shipped back closes and releases its reservation once; one rejected and never appealed too', async () => {
    const orderId = await order();
    const unshipped = await exchange(orderId);
    const approved = await review({ action: 'approve', returnId: unshipped.returnId });
    const other = await order();
    const rejected = await exchange(other);
    await review({ action: 'reject', returnId: rejected.returnId, reason: '不支持' });
    await f.advance(new Date(approved.deadline).getTime() - (await h.now()) + 60_000);
    await sweep();
    const late = (await returnDoc(rejected.returnId)).deadline;
    if (late) await f.advance(Math.max(0, new Date(late).getTime() - (await h.now())) + 60_000);
    await sweep();
    for (const id of [unshipped.returnId, rejected.returnId]) {
      expect((await returnDoc(id)).status).toBe('CLOSED');
      expect(await stockOps(id)).toEqual(['exchangeReserved', 'exchangeReleased']);
      expect(await refundsOf(id)).toEqual([]);
    }
  });
});
