/**
 * The model-based test's invariant checker (test/functions/model/invariants.ts)
 * must be able to fail: a consistent state passes, and each deliberately
 * corrupted database state or wrong answer is reported under its rule.
 * Pure: no emulator.
 */
import { checkOutbox, checkStep, learnFromAnswer, syncModel, type DbState, type Observation } from './model/invariants';
import { newModel, orderFor, type Model } from './model/model';

const NOW = Date.parse('2026-12-01T04:00:00Z');
const { doc: orderDoc, model: order } = orderFor('SHIPPED', 'OX1', NOW, 'buyer-1');
// L1 ×2 (9990), L2 ×1 (6000), SKU.9 ×1 (9000), shipping 800; one payment TOX1 of 25790.
const PAY = order.payments[0];

function ret(id: string, status: string, lines: { lineId: string; quantity: number; amount: number }[], extra: Record<string, unknown> = {}) {
  const items = lines.reduce((s, l) => s + l.amount, 0);
  return { _id: id, orderId: 'OX1', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', status, lines, amounts: { items, shipping: 0, total: items }, createdAt: id, ...extra };
}
function refund(id: string, returnId: string, fee: number, status = 'SUCCESS', outTradeNo = PAY.outTradeNo) {
  return { _id: id, returnId, orderId: 'OX1', outTradeNo, totalFee: PAY.amount, refundFee: fee, status };
}
/** The state with these after-sales and records; each after-sale names its records (refundIds) unless it says otherwise. */
function db(returns: any[], refunds: any[] = [], extra: Partial<DbState> = {}): DbState {
  const named = returns.map((r) => ('refundIds' in r ? r : { ...r, refundIds: refunds.filter((x) => x.returnId === r._id).map((x) => x._id) }));
  return { returns: named, orders: [orderDoc], refunds, ledgers: [], bookings: {}, ...extra };
}
/** A model that knows the given after-sales with their stored lines. */
function modelOf(state: DbState): Model {
  const m = newModel([order]);
  for (const r of state.returns)
    m.returns.set(r._id, {
      returnId: r._id,
      orderId: 'OX1',
      lines: r.lines.map((l: any) => ({ lineId: l.lineId, quantity: l.quantity })),
      status: r.status,
      goodsSent: false,
      hadPickup: false,
      corrections: 0,
      pickups: 0,
    });
  syncModel(m, state);
  return m;
}
function check(state: DbState, obs: Partial<Observation> = {}, model = modelOf(state)) {
  const full: Observation = { label: 'test', before: state, after: state, ...obs };
  learnFromAnswer(model, full);
  return checkStep(model, full).map((v) => v.rule);
}

const A = ret('RA', 'REFUNDED', [{ lineId: 'L1', quantity: 2, amount: 9990 }]);
const B = ret('RB', 'PENDING_REVIEW', [{ lineId: 'L2', quantity: 1, amount: 6000 }]);

describe('the model-based test’s invariant checker', () => {
  it('passes a consistent state', () => {
    expect(check(db([A, B], [refund('X1', 'RA', 9990)]))).toEqual([]);
  });

  it('one holder per unit: a REJECTED after-sale still holds its unit', () => {
    const rejected = ret('RC', 'REJECTED', [{ lineId: 'L2', quantity: 1, amount: 6000 }]);
    expect(check(db([A, B, rejected], [refund('X1', 'RA', 9990)]))).toContain('one holder per unit');
    // a CANCELLED one does not
    expect(check(db([A, B, { ...rejected, status: 'CANCELLED' }], [refund('X1', 'RA', 9990)]))).toEqual([]);
  });

  it('refunded units and fen within what was bought and paid, per line', () => {
    const twice = ret('RD', 'REFUNDING', [{ lineId: 'L1', quantity: 1, amount: 4995 }]);
    const rules = check(db([A, twice], [refund('X1', 'RA', 9990), refund('X2', 'RD', 4995, 'PROCESSING')]));
    expect(rules).toEqual(expect.arrayContaining(['one holder per unit', 'refunded units ≤ bought', 'refunded fen ≤ paid']));
    // fen alone: a settled plan above the line's paidAmount
    const plan = ret('RE', 'REFUNDING', [{ lineId: 'L2', quantity: 1, amount: 6000 }], {
      refundPlan: { lines: [{ lineId: 'L2', quantity: 1, amount: 6001 }], items: 6001, shipping: 0, postage: 0, total: 6001 },
    });
    expect(check(db([plan], [refund('X3', 'RE', 6001, 'PROCESSING')]))).toContain('refunded fen ≤ paid');
  });

  it('per payment and per order: refund records never above what was paid; only to the original payment', () => {
    const records = [refund('X1', 'RA', 9990), refund('X2', 'RA', 20000, 'PROCESSING')];
    expect(check(db([A], records))).toEqual(expect.arrayContaining(['per payment Σ refunds ≤ amount', 'per order Σ refunds ≤ paid', 'an after-sale gets at most its amount']));
    // a CLOSED record holds nothing
    expect(check(db([A], [refund('X1', 'RA', 9990), refund('X2', 'RA', 20000, 'CLOSED')]))).toEqual([]);
    expect(check(db([A], [refund('X1', 'RA', 9990, 'SUCCESS', 'T-ELSEWHERE')]))).toEqual(expect.arrayContaining(['refunds go to the original payment']));
  });

  it('a REFUNDED after-sale got exactly its amount (online + offline)', () => {
    expect(check(db([A], [refund('X1', 'RA', 9000)]))).toEqual(['REFUNDED got exactly its amount']);
    expect(check(db([{ ...A, offlineRefund: { amount: 990 } }], [refund('X1', 'RA', 9000)]))).toEqual([]);
  });

  it('outbound shipping: once, only with the refund of every unit, only when unshipped or all seller-side', () => {
    const partial = { ...A, reason: 'QUALITY_ISSUE', amounts: { items: 9990, shipping: 800, total: 10790 } };
    expect(check(db([partial], [refund('X1', 'RA', 10790)]))).toContain('shipping only with the refund of every unit');
    const lines = [
      ret('R1', 'REFUNDED', [{ lineId: 'L1', quantity: 2, amount: 9990 }], { reason: 'QUALITY_ISSUE', amounts: { items: 9990, shipping: 800, total: 10790 } }),
      ret('R2', 'REFUNDED', [{ lineId: 'L2', quantity: 1, amount: 6000 }], { reason: 'DAMAGED', amounts: { items: 6000, shipping: 800, total: 6800 } }),
      ret('R3', 'REFUNDED', [{ lineId: 'SKU.9', quantity: 1, amount: 9000 }], { reason: 'NO_LONGER_WANTED' }),
    ];
    const rules = check(db(lines, [refund('X1', 'R1', 10790), refund('X2', 'R2', 6800), refund('X3', 'R3', 9000)]));
    expect(rules).toEqual(expect.arrayContaining(['shipping refunded at most once', 'shipping only when unshipped or all seller-side']));
  });

  it('answers: an envelope, never INTERNAL; a refusal writes nothing and books no courier', () => {
    const before = db([B]);
    const call = { fn: 'applyReturn', event: { action: 'cancel', returnId: 'RB', requestId: 'req-00001' }, openid: 'buyer-1' };
    expect(check(before, { call, answer: { status: 200, body: { ok: false, error: { code: 'INTERNAL', message: '系统繁忙' } } } })).toEqual(['no INTERNAL']);
    expect(check(before, { call, answer: { status: 500, body: { errCode: 'X' } } })).toEqual(['envelope']);
    const wrote = db([{ ...B, status: 'CANCELLED' }]);
    const model = modelOf(before);
    expect(
      check(wrote, { call, before, after: wrote, answer: { status: 200, body: { ok: false, error: { code: 'INVALID_STATE', message: '当前状态不能撤销' } } } }, model),
    ).toContain('a refusal writes nothing');
    const booked = db([B], [], { bookings: { RB: 1 } });
    expect(check(booked, { call, before, after: booked, answer: { status: 200, body: { ok: false, error: { code: 'DEADLINE_PASSED', message: '已超过寄回期限' } } } })).toEqual(
      expect.arrayContaining(['a refusal writes nothing']),
    );
  });

  it('the answer and the database agree; the same requestId changes nothing more', () => {
    const state = db([B]);
    const call = { fn: 'reviewReturn', event: { action: 'approve', returnId: 'RB', requestId: 'req-00002' }, openid: 'merchant' };
    expect(
      check(state, { call, answer: { status: 200, body: { ok: true, data: { return: { returnId: 'RB', orderId: 'OX1', status: 'AWAITING_SHIPMENT', lines: B.lines } } } } }),
    ).toEqual(['answer = database']);
    const after = db([{ ...B, version: 2 }]);
    const first = { status: 200, body: { ok: true, data: { return: { returnId: 'RB', status: 'PENDING_REVIEW' } } } };
    expect(check(after, { call, before: state, after, answer: first, repeatOf: first })).toEqual(['same requestId changes nothing more']);
  });

  it('model rules: no cancel once goods were sent, lines fixed, terminal statuses never change, ≤ 3 corrections, no postage after a pickup, one courier per pickup', () => {
    const inTransit = ret('RT', 'IN_TRANSIT', [{ lineId: 'L2', quantity: 1, amount: 6000 }], { reason: 'QUALITY_ISSUE' });
    const model = modelOf(db([inTransit]));
    const m = model.returns.get('RT')!;
    Object.assign(m, { goodsSent: true, sentLines: [{ lineId: 'L2', quantity: 1 }], hadPickup: true, corrections: 4, pickups: 1 });
    expect(check(db([inTransit], [], { bookings: { RT: 2 } }), {}, model)).toEqual(['one courier per accepted pickup', 'at most 3 logistics corrections']);
    m.corrections = 0;
    expect(check(db([{ ...inTransit, status: 'CANCELLED' }]), {}, model)).toEqual(['no cancel once goods were sent']);
    const moreLines = {
      ...inTransit,
      lines: [
        { lineId: 'L2', quantity: 1, amount: 6000 },
        { lineId: 'L1', quantity: 1, amount: 4995 },
      ],
    };
    expect(check(db([moreLines]), {}, model)).toEqual(['lines fixed once goods were sent', 'lines as answered']);
    const withPostage = { ...inTransit, status: 'REFUNDING', amounts: { items: 6000, shipping: 0, postage: 1500, total: 7500 } };
    expect(check(db([withPostage], [refund('X1', 'RT', 7500, 'PROCESSING')]), {}, model)).toEqual(['no postage after a pickup']);
    const done = modelOf(db([A], [refund('X1', 'RA', 9990)]));
    expect(check(db([{ ...A, status: 'REFUNDING' }], [refund('X1', 'RA', 9990)]), {}, done)).toEqual(['terminal never changes']);
    expect(check(db([], []), {}, done)).toEqual(['after-sales are never deleted']);
  });

  it('the order summary reads back keyed by lineId (a dotted lineId must not nest)', () => {
    const nested = { ...orderDoc, afterSale: { SKU: { 9: { returnId: 'RS', status: 'PENDING_REVIEW' } } } };
    expect(check({ ...db([]), orders: [nested] })).toEqual(['summary keyed by lineId']);
    // The key of a dotted line id is percent-encoded (a field name cannot hold a dot).
    const flat = { ...orderDoc, afterSale: { 'SKU%2E9': { returnId: 'RS', status: 'PENDING_REVIEW' } } };
    expect(check({ ...db([]), orders: [flat] })).toEqual([]);
  });

  it('after-sales come only from an accepted apply', () => {
    expect(check(db([B]), {}, modelOf(db([])))).toEqual(['after-sales come from an accepted apply']);
  });
});

describe('the checker on exchanges (换货)', () => {
  const exchange = (id: string, status: string, extra: Record<string, unknown> = {}) =>
    ret(id, status, [{ lineId: 'L2', quantity: 1, amount: 6000 }], {
      type: 'EXCHANGE',
      amounts: { items: 0, shipping: 0, total: 0 },
      exchange: { replacements: [{ lineId: 'L2', quantity: 1, skuId: 'S2', title: 't', attrs: {}, price: 6000 }], freight: { back: 'BUYER', out: 'SELLER', text: '' } },
      timeline: [{ at: '2026-12-01T04:00:00Z', from: null, to: 'PENDING_REVIEW', action: 'apply' }],
      ...extra,
    });
  const reshipped = {
    reship: { carrier: 'SF', trackingNo: 'SF1', at: '2026-12-02T04:00:00Z' },
    replacements: [{ lineId: 'L2', quantity: 1, skuId: 'S2', title: 't', attrs: {}, price: 6000 }],
    freight: { back: 'BUYER', out: 'SELLER', text: '' },
  };
  const viaReship = [
    { at: '2026-12-01T04:00:00Z', from: null, to: 'PENDING_REVIEW', action: 'apply' },
    { at: '2026-12-02T03:00:00Z', from: 'IN_TRANSIT', to: 'AWAITING_RESHIP', action: 'confirmReceipt' },
    { at: '2026-12-02T04:00:00Z', from: 'AWAITING_RESHIP', to: 'RESHIPPED', action: 'reship' },
    { at: '2026-12-03T04:00:00Z', from: 'RESHIPPED', to: 'EXCHANGED', action: 'confirmExchange' },
  ];

  it('passes an exchange done without money, whose unit is free again', () => {
    const done = exchange('RE', 'EXCHANGED', { exchange: reshipped, timeline: viaReship, events: [{ stock: { op: 'exchangeReserved' } }, { stock: { op: 'exchangeShipped' } }] });
    const later = ret('RL', 'PENDING_REVIEW', [{ lineId: 'L2', quantity: 1, amount: 6000 }]);
    expect(check(db([A, done, later], [refund('X1', 'RA', 9990)]))).toEqual([]);
  });

  it('a record no after-sale names (a settlement that never committed) moves no money, and is never sent', () => {
    const A1 = ret('RA', 'PENDING_REVIEW', [{ lineId: 'L1', quantity: 1, amount: 4995 }], { refundIds: [] });
    // Stored, never tried, not named: counts nowhere (not even above the payment) and is fine.
    expect(
      check(
        db(
          [A1],
          [
            { ...refund('RA-1', 'RA', 25790, 'CREATED'), tries: 0 },
            { ...refund('RA-2', 'RA', 25790, 'CLOSED'), tries: 0, lastError: { code: 'NOT_COMMITTED' } },
          ],
        ),
      ),
    ).toEqual([]);
    // Sent although nothing names it: reported.
    expect(check(db([A1], [{ ...refund('RA-1', 'RA', 4995, 'PROCESSING'), tries: 1 }]))).toContain('a record no after-sale names is never sent');
  });

  it('money moves only for a planned refund: a refund record for an exchange that was never converted', () => {
    const open = exchange('RE', 'AWAITING_RESHIP');
    expect(check(db([A, open], [refund('X1', 'RA', 9990), refund('X2', 'RE', 6000)]))).toContain('money moves only for a planned refund');
  });

  it('EXCHANGED without a shipment, a second shipment, a refund after the shipment, or a release after it are reported', () => {
    expect(check(db([exchange('RE', 'EXCHANGED')]))).toContain('EXCHANGED only after the replacement went out');
    const twice = exchange('RE', 'RESHIPPED', {
      exchange: reshipped,
      timeline: viaReship.slice(0, 3),
      events: [{ stock: { op: 'exchangeShipped' } }, { stock: { op: 'exchangeShipped' } }],
    });
    expect(check(db([twice]))).toContain('a replacement ships once');
    const refunded = exchange('RE', 'REFUNDING', {
      exchange: reshipped,
      timeline: [...viaReship.slice(0, 3), { at: '2026-12-04T04:00:00Z', from: 'AWAITING_RESHIP', to: 'REFUNDING', action: 'convertToRefund' }],
    });
    expect(check(db([refunded]))).toContain('a shipped replacement is never refunded');
    const released = exchange('RE', 'RESHIPPED', {
      exchange: reshipped,
      timeline: viaReship.slice(0, 3),
      events: [{ stock: { op: 'exchangeShipped' } }, { stock: { op: 'exchangeReleased' } }],
    });
    expect(check(db([released]))).toContain('stock records in order');
    const releasedTwice = exchange('RE', 'REFUNDED', {
      events: [{ stock: { op: 'exchangeReserved' } }, { stock: { op: 'exchangeReleased' } }, { stock: { op: 'exchangeReleased' } }],
    });
    expect(check(db([releasedTwice]))).toContain('a reservation is released once');
    const reReserved = exchange('RE', 'CANCELLED', {
      events: [{ stock: { op: 'exchangeReserved' } }, { stock: { op: 'exchangeReleased' } }, { stock: { op: 'exchangeReserved' } }, { stock: { op: 'exchangeReleased' } }],
    });
    expect(check(db([reReserved]))).not.toContain('a reservation is released once');
    const early = exchange('RE', 'RESHIPPED', { exchange: reshipped });
    expect(check(db([early]))).toContain('replacement only after the goods came back');
  });
});

describe('after a timer pass (checkOutbox)', () => {
  const at = new Date(NOW).toISOString();
  const before = new Date(NOW - 60_000).toISOString();
  const line = [{ lineId: 'L1', quantity: 1, amount: 4995 }];
  const summary = (status: string) => ({ ...orderDoc, afterSale: { L1: { returnId: 'R1', status } } });

  it('a drained outbox and a summary that shows the stored after-sale pass', () => {
    const state = db([ret('R1', 'AWAITING_SHIPMENT', line, { updatedAt: before, outboxPending: false, version: 2 })], [], { orders: [summary('AWAITING_SHIPMENT')] });
    expect(checkOutbox(state, { at })).toEqual([]);
  });

  it('an after-sale committed before the pass and still pending is reported; one committed during it is not', () => {
    const pending = db([ret('R1', 'AWAITING_SHIPMENT', line, { updatedAt: before, outboxPending: true, version: 2 })], [], { orders: [summary('AWAITING_SHIPMENT')] });
    expect(checkOutbox(pending, { at }).map((x) => x.rule)).toEqual(['a timer pass drains the outbox']);
    const later = db([ret('R1', 'AWAITING_SHIPMENT', line, { updatedAt: new Date(NOW + 5).toISOString(), outboxPending: true, version: 2 })], [], {
      orders: [summary('PENDING_REVIEW')],
    });
    expect(checkOutbox(later, { at })).toEqual([]);
  });

  it('a summary that lags its drained after-sales is reported', () => {
    const state = db([ret('R1', 'AWAITING_SHIPMENT', line, { updatedAt: before, outboxPending: false, version: 2 })], [], { orders: [summary('PENDING_REVIEW')] });
    expect(checkOutbox(state, { at }).map((x) => x.rule)).toEqual(['the order summary follows its after-sales']);
    expect(checkOutbox(db([ret('R1', 'AWAITING_SHIPMENT', line, { updatedAt: before, version: 2 })]), { at }).map((x) => x.rule)).toEqual([
      'the order summary follows its after-sales',
    ]);
  });
});
