/**
 * 换货 end to end through the built functions and the emulator: the picker,
 * refusals at apply (out of stock, another price, another product), the whole
 * lifecycle (self-ship and pickup), each failure path with its default outcome
 * through the sweep, and the money rule: an exchange moves no money unless it
 * is converted to a refund. The clock only moves forward: tests that move it
 * come last.
 */
import { pickupTomorrow, rid, DEMO } from '../support/emulator';
import { useEmulator, fx, dataOf, expectError } from '../support/functions';

const HOUR = 3_600_000;
const DAY = 86_400_000;

const h = useEmulator();
const f = fx(h);
const { quiet, sweep, returnDoc, refundsOf, getReturn, photo, writesNothing } = f;
afterEach(async () => {
  await quiet();
});

const buyer = { openid: DEMO.buyer };
let seq = 0;

/** A RECEIVED clothing order of DEMO.buyer: a white M T-shirt (×qty) and size-42 shoes, received yesterday. */
async function clothingOrder(qty = 1): Promise<string> {
  const orderId = `OEX${++seq}${Date.now().toString(36)}`;
  await f.seedOrder({
    _id: orderId,
    daysAgo: { paid: 3, shipped: 2, received: 1 },
    lines: [
      { lineId: 'L1', skuId: 'SKU-TEE-W-M', productId: 'P-TEE', title: '纯棉圆领T恤 白色 M', quantity: qty, unitPrice: 5900, paidAmount: 5900 * qty },
      { lineId: 'L2', skuId: 'SKU-SHOE-42', productId: 'P-SHOE', title: '轻跑运动鞋 42码', quantity: 1, unitPrice: 39900, paidAmount: 39900 },
    ],
  });
  return orderId;
}

function applyExchange(orderId: string, skuId: string, opts: { lineId?: string; quantity?: number; reason?: string; evidence?: string[]; requestId?: string } = {}) {
  const lineId = opts.lineId ?? 'L1';
  return h.call(
    'applyReturn',
    {
      action: 'apply',
      requestId: opts.requestId ?? rid('ex'),
      orderId,
      type: 'EXCHANGE',
      reason: opts.reason ?? 'SIZE_COLOR',
      lines: [{ lineId, quantity: opts.quantity ?? 1 }],
      replacements: [{ lineId, skuId }],
      ...(opts.evidence ? { evidence: opts.evidence } : {}),
    },
    buyer,
  );
}

async function exchange(orderId: string, skuId: string, opts: Parameters<typeof applyExchange>[2] = {}) {
  return dataOf(await applyExchange(orderId, skuId, opts)).return;
}

async function review(event: Record<string, unknown>, openid: string = DEMO.merchant) {
  return dataOf(await f.review(event, openid)).return;
}

async function shipBack(returnId: string) {
  return dataOf(await h.call('submitLogistics', { requestId: rid('ship'), returnId, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer)).return;
}

/** apply → approve → self-ship → confirm receipt: the exchange waits for the replacement. */
async function awaitingReship(orderId: string, skuId = 'SKU-TEE-W-L') {
  const ret = await exchange(orderId, skuId);
  await review({ action: 'approve', returnId: ret.returnId });
  await shipBack(ret.returnId);
  const received = await review({ action: 'confirmReceipt', returnId: ret.returnId });
  expect(received.status).toBe('AWAITING_RESHIP');
  return received;
}

const reship = (returnId: string, extra: Record<string, unknown> = {}) => f.review({ action: 'reship', returnId, carrier: 'SF', trackingNo: 'SF9876543210987', ...extra });

describe('the picker and apply-time refusals', () => {
  it('offers per line only SKUs of the same product, same price, in stock', async () => {
    const orderId = await clothingOrder();
    const res = dataOf(await h.call('queryReturns', { action: 'exchangeOptions', orderId }, buyer));
    const tee = res.lines.find((l: any) => l.lineId === 'L1');
    const ids = tee.options.map((o: any) => o.skuId);
    expect(ids).toEqual(expect.arrayContaining(['SKU-TEE-W-S', 'SKU-TEE-W-M', 'SKU-TEE-W-L', 'SKU-TEE-B-M']));
    expect(ids).not.toContain('SKU-TEE-B-XL'); // sold out
    expect(ids).not.toContain('SKU-TEE-W-2XL'); // another price
    expect(tee.options.find((o: any) => o.skuId === 'SKU-TEE-W-M').current).toBe(true);
    expect(tee.otherPrices).toBe(1);
    const shoes = res.lines.find((l: any) => l.lineId === 'L2');
    expect(shoes.options.map((o: any) => o.skuId)).toEqual(['SKU-SHOE-40', 'SKU-SHOE-41', 'SKU-SHOE-42', 'SKU-SHOE-43']);
    // another buyer's order: nothing about it
    expectError(await h.call('queryReturns', { action: 'exchangeOptions', orderId }, { openid: DEMO.otherBuyer }), 'FORBIDDEN');
  });

  it.each([
    ['SKU-TEE-B-XL', 'REPLACEMENT_OUT_OF_STOCK', '库存不足'],
    ['SKU-TEE-W-2XL', 'REPLACEMENT_PRICE_DIFFERS', '退货退款后重新下单'],
    ['SKU-SHOE-43', 'REPLACEMENT_OTHER_PRODUCT', '同一商品'],
    ['SKU-NOPE', 'REPLACEMENT_NOT_FOUND', '不存在'],
  ])('refuses %s (%s) with a Chinese reason and zero writes', async (skuId, code, words) => {
    const orderId = await clothingOrder();
    const res = await writesNothing(() => applyExchange(orderId, skuId));
    expectError(res, 'NOT_ELIGIBLE');
    expect(res.error.details.refusals.map((r: any) => r.code)).toEqual([code]);
    expect(res.error.message).toContain(words);
  });

  it('needs a replacement for an exchange, and takes none for a return', async () => {
    const orderId = await clothingOrder();
    const none = await h.call('applyReturn', { action: 'apply', requestId: rid(), orderId, type: 'EXCHANGE', reason: 'SIZE_COLOR', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer);
    expect(none.error.details.refusals.map((r: any) => r.code)).toEqual(['REPLACEMENT_REQUIRED']);
    const stray = await h.call(
      'applyReturn',
      {
        action: 'apply',
        requestId: rid(),
        orderId,
        type: 'RETURN_REFUND',
        reason: 'SIZE_COLOR',
        lines: [{ lineId: 'L1', quantity: 1 }],
        replacements: [{ lineId: 'L1', skuId: 'SKU-TEE-W-L' }],
      },
      buyer,
    );
    expect(stray.error.details.refusals.map((r: any) => r.code)).toEqual(['REPLACEMENT_NOT_ALLOWED']);
  });

  it('the preview shows the replacement, postage each way and the deadlines; no money', async () => {
    const orderId = await clothingOrder();
    const p = dataOf(
      await h.call(
        'applyReturn',
        { action: 'preview', orderId, type: 'EXCHANGE', reason: 'SIZE_COLOR', lines: [{ lineId: 'L1', quantity: 1 }], replacements: [{ lineId: 'L1', skuId: 'SKU-TEE-W-L' }] },
        buyer,
      ),
    );
    expect(p).toMatchObject({
      eligible: true,
      amounts: { items: 0, shipping: 0, total: 0 },
      exchange: {
        replacements: [{ lineId: 'L1', skuId: 'SKU-TEE-W-L', title: '纯棉圆领T恤 白色 L' }],
        freight: { back: 'BUYER', out: 'SELLER' },
        reshipHours: 48,
        confirmDays: 10,
      },
    });
  });
});

describe('the exchange lifecycle', () => {
  it('self-ship: apply → approve → ship back → receipt → reship → the buyer confirms → EXCHANGED; no money moves', async () => {
    const orderId = await clothingOrder();
    const ret = await exchange(orderId, 'SKU-TEE-W-L');
    expect(ret).toMatchObject({ type: 'EXCHANGE', typeLabel: '换货', status: 'PENDING_REVIEW', amounts: { total: 0 }, freightPayer: 'BUYER' });
    expect(ret.exchange.replacements).toEqual([expect.objectContaining({ skuId: 'SKU-TEE-W-L', attrsText: '白色 / L' })]);
    expect((await returnDoc(ret.returnId)).events[0]).toMatchObject({
      type: 'aftersale.requested',
      stock: { op: 'exchangeReserved', skus: [{ skuId: 'SKU-TEE-W-L', quantity: 1 }] },
    });

    // the state is checked first: nothing can be shipped before the goods came back, whatever the waybill
    expectError(await reship(ret.returnId, { trackingNo: '12' }), 'INVALID_STATE');
    expect((await review({ action: 'approve', returnId: ret.returnId })).status).toBe('AWAITING_SHIPMENT');
    await shipBack(ret.returnId);
    const received = await review({ action: 'confirmReceipt', returnId: ret.returnId });
    expect(received).toMatchObject({ status: 'AWAITING_RESHIP', statusLabel: '待商家换货', nextActor: { role: 'MERCHANT' } });
    expect(received.deadline).not.toBeNull();
    expect(await refundsOf(ret.returnId)).toEqual([]);

    // the waybill is required and checked per carrier, as the buyer's own
    expectError(await f.review({ action: 'reship', returnId: ret.returnId, carrier: 'SF' }), 'INVALID_ARGUMENT');
    expectError(await reship(ret.returnId, { trackingNo: '12' }), 'LOGISTICS_INVALID');
    const shipped = dataOf(await reship(ret.returnId)).return;
    expect(shipped).toMatchObject({
      status: 'RESHIPPED',
      statusLabel: '换货已发出',
      exchange: { reship: { carrier: 'SF', carrierName: '顺丰速运', trackingNo: 'SF9876543210987' } },
    });

    // the buyer sees both waybills and the confirm action
    const seen = await getReturn(ret.returnId);
    expect(seen.logistics).toMatchObject({ trackingNo: 'SF1234567890123' });
    expect(seen.exchange.reship.trackingNo).toBe('SF9876543210987');
    expect(seen.allowedActions).toEqual(['confirmExchange']);
    expect(seen.actions).toEqual([{ name: 'confirmExchange', label: '确认收到换货', function: 'applyReturn', action: 'confirmExchange' }]);

    const requestId = rid('got');
    const done = dataOf(await h.call('applyReturn', { action: 'confirmExchange', requestId, returnId: ret.returnId }, buyer)).return;
    expect(done).toMatchObject({ status: 'EXCHANGED', statusLabel: '换货完成', allowedActions: [] });
    // idempotent on (buyer, requestId)
    expect(dataOf(await h.call('applyReturn', { action: 'confirmExchange', requestId, returnId: ret.returnId }, buyer)).return.version).toBe(done.version);
    expect(await refundsOf(ret.returnId)).toEqual([]);
    const doc = await returnDoc(ret.returnId);
    expect(doc.events.map((e: any) => [e.type, e.stock?.op ?? null])).toEqual([
      ['aftersale.requested', 'exchangeReserved'],
      ['aftersale.approved', null],
      ['aftersale.goods_shipped', null],
      ['aftersale.goods_received', null],
      ['aftersale.exchange_shipped', 'exchangeShipped'],
      ['aftersale.exchanged', null],
    ]);
    expect(doc.events.every((e: any) => e.amount === 0)).toBe(true);
  });

  it('an exchanged unit stays bought: the replacement may be the subject of a later (quality) after-sale on the same line', async () => {
    const orderId = await clothingOrder();
    const received = await awaitingReship(orderId);
    await reship(received.returnId);
    await h.call('applyReturn', { action: 'confirmExchange', requestId: rid(), returnId: received.returnId }, buyer);
    const later = await f.apply(orderId, 'RETURN_REFUND', { reason: 'QUALITY_ISSUE', evidence: [await photo()] });
    expect(later).toMatchObject({ status: 'PENDING_REVIEW', lines: [{ lineId: 'L1', quantity: 1, amount: 5900 }] });
  });

  it('pickup: the shop books the courier on its account for a seller-side reason; no postage claim on an exchange', async () => {
    const orderId = await clothingOrder();
    const ret = await exchange(orderId, 'SKU-SHOE-43', { lineId: 'L2', reason: 'QUALITY_ISSUE', evidence: [await photo()] });
    expect(ret.freightPayer).toBe('SELLER');
    expect(ret.exchange.freight.text).toContain('上门取件');
    await review({ action: 'approve', returnId: ret.returnId });
    const claim = await h.call(
      'submitLogistics',
      { requestId: rid(), returnId: ret.returnId, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123', postage: 1200 },
      buyer,
    );
    expectError(claim, 'LOGISTICS_INVALID');
    expect(claim.error.message).toContain('换货不退运费');
    const picked = dataOf(
      await h.call(
        'submitLogistics',
        {
          requestId: rid(),
          returnId: ret.returnId,
          mode: 'PICKUP',
          pickup: pickupTomorrow(await h.now()),
        },
        buyer,
      ),
    ).return;
    expect(picked).toMatchObject({ status: 'IN_TRANSIT', logistics: { mode: 'PICKUP' } });
    await review({ action: 'confirmReceipt', returnId: ret.returnId });
    expect(dataOf(await reship(ret.returnId)).return.status).toBe('RESHIPPED');
    const done = dataOf(await h.call('applyReturn', { action: 'confirmExchange', requestId: rid(), returnId: ret.returnId }, buyer)).return;
    expect(done).toMatchObject({ status: 'EXCHANGED', logistics: { mode: 'PICKUP' }, exchange: { reship: { trackingNo: 'SF9876543210987' } } });
    expect(await refundsOf(ret.returnId)).toEqual([]);
  });

  it('receipt refused with evidence → REJECTED, appealable; decided for the buyer → the replacement is owed', async () => {
    const orderId = await clothingOrder();
    const ret = await exchange(orderId, 'SKU-TEE-W-S');
    await review({ action: 'approve', returnId: ret.returnId });
    await shipBack(ret.returnId);
    const refused = await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '退回商品已洗涤', evidence: [await photo(DEMO.merchant)] });
    expect(refused.status).toBe('REJECTED');
    const appealed = dataOf(await h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: ret.returnId, description: '吊牌还在，没有洗过' }, buyer)).return;
    expect(appealed.status).toBe('DISPUTED');
    const decided = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', reason: '吊牌完好' }, DEMO.arbiter);
    expect(decided.status).toBe('AWAITING_RESHIP');
    expect(await refundsOf(ret.returnId)).toEqual([]);
  });

  it('out of stock at receipt: reship is refused, the merchant converts to a refund of the returned units (original route); the buyer is told why', async () => {
    const orderId = await clothingOrder();
    const received = await awaitingReship(orderId, 'SKU-TEE-B-S');
    await h.seed({ skus: [{ _id: 'SKU-TEE-B-S', productId: 'P-TEE', title: '纯棉圆领T恤 黑色 S', attrs: { 颜色: '黑色', 尺码: 'S' }, price: 5900, stock: 0 }] });
    const refusedReship = await writesNothing(() => reship(received.returnId));
    expectError(refusedReship, 'INVALID_STATE');
    expect(refusedReship.error.message).toContain('可转为退款');
    expect(refusedReship.error.details.refusal).toBe('REPLACEMENT_OUT_OF_STOCK');

    expectError(await f.review({ action: 'convertToRefund', returnId: received.returnId }), 'INVALID_ARGUMENT');
    const converted = dataOf(await f.review({ action: 'convertToRefund', returnId: received.returnId, reason: '黑色 S 码已售罄' })).return;
    expect(converted.status).toMatch(/REFUNDING|REFUNDED/);
    expect(converted.exchange.converted).toMatchObject({ note: expect.stringContaining('黑色 S 码已售罄') });
    // the timer's next pass (every minute) sends the messages, here while the refund is still running
    await sweep();
    await h.flush();
    await quiet();
    const records = await refundsOf(received.returnId);
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ refundFee: 5900, outTradeNo: `T${orderId}` });
    const doc = await returnDoc(received.returnId);
    expect(doc.status).toBe('REFUNDED');
    expect(doc.events.find((e: any) => e.type === 'aftersale.exchange_converted')).toMatchObject({ stock: { op: 'exchangeReleased' }, amount: 5900 });
    const told = (await h.outbox()).filter((m: any) => m.touser === DEMO.buyer && JSON.stringify(m).includes('换货无法完成'));
    expect(told.length + (await h.db('notifications')).filter((n: any) => n.returnId === received.returnId && JSON.stringify(n).includes('换货无法完成')).length).toBeGreaterThan(
      0,
    );
  });
});

/** subscribeMessage.send calls about one after-sale and template. */
async function messages(returnId: string, templateId: string) {
  return (await h.outbox()).filter((m: any) => m.api === 'subscribeMessage.send' && m.data?.data?.character_string1?.value === returnId && m.data?.template_id === templateId);
}

describe('default outcomes through the sweep', () => {
  it('the buyer hears of the latest step at the next timer pass, within their consents; the merchant is reminded 24 h before the reship deadline', async () => {
    await f.consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS'], 10);
    await f.consent(DEMO.merchant, ['TPL_AFTERSALE_REMINDER'], 5);
    const orderId = await clothingOrder();
    const received = await awaitingReship(orderId, 'SKU-TEE-B-L');
    // the timer's next pass (every minute) sends the messages: of the steps since the last pass, the buyer hears of the latest one
    await sweep();
    // the status fits WeChat's 5-character phrase field (the emulator answers 47003 otherwise)
    const told = await messages(received.returnId, 'TPL_AFTERSALE_STATUS');
    expect(told.map((m: any) => [m.data.data.phrase2.value, m.result.errCode])).toContainEqual(['待商家换货', 0]);
    await f.advanceQuietly(25 * HOUR);
    await sweep();
    const reminded = await messages(received.returnId, 'TPL_AFTERSALE_REMINDER');
    expect(reminded.map((m: any) => [m.data.touser, m.data.data.phrase2.value, m.result.errCode])).toContainEqual([DEMO.merchant, '待商家换货', 0]);
    expect(reminded[0].data.page).toBe(`aftersale/pages/staff-review/index?returnId=${received.returnId}`);
  });

  it('merchant silent past the reship deadline → converted to a refund automatically', async () => {
    const orderId = await clothingOrder();
    const received = await awaitingReship(orderId, 'SKU-TEE-W-XL');
    await f.advanceJustPast(new Date(received.deadline).getTime());
    await sweep();
    await h.flush();
    await quiet();
    const doc = await returnDoc(received.returnId);
    expect(doc.timeline.map((e: any) => e.action)).toContain('autoConvert');
    expect(doc.status).toBe('REFUNDED');
    const records = await refundsOf(received.returnId);
    expect(records.map((r: any) => r.refundFee)).toEqual([5900]);
    // late reship is refused once the deadline passed (the sweep already converted it anyway)
    expectError(await reship(received.returnId), 'INVALID_STATE');
  });

  it('buyer silent after the replacement went out → confirmed for them after 10 days; still no money', async () => {
    const orderId = await clothingOrder();
    const received = await awaitingReship(orderId, 'SKU-TEE-B-M');
    const shipped = dataOf(await reship(received.returnId)).return;
    expect(new Date(shipped.deadline).getTime() - (await h.now())).toBeLessThanOrEqual(10 * DAY);
    await f.advanceJustPast(new Date(shipped.deadline).getTime());
    await sweep();
    const doc = await returnDoc(received.returnId);
    expect(doc.status).toBe('EXCHANGED');
    expect(doc.timeline.at(-1).action).toBe('autoConfirmExchange');
    expect(await refundsOf(received.returnId)).toEqual([]);
  });
});
