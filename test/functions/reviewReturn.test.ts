/**
 * reviewReturn end to end (built functions, real wx-server-sdk, local emulator):
 * the merchant's approve / reject / confirmReceipt / refuseReceipt and the
 * arbiter's decide, with roles, states, amounts and idempotency. Every test
 * seeds its own order (fresh _id, dates relative to the emulator clock).
 */
import { rid, DEMO, DEMO_RETURN_ADDRESS } from '../support/emulator';
import { useEmulator, fx, ejsonDate } from '../support/functions';

const DAY = 86_400_000;

const h = useEmulator();
const f = fx(h);
const { apply, review, returnDoc, refundsOf, getReturn, photo } = f;

// ------------------------------------------------------------------ helpers

let orderSeq = 0;

/** A fresh order of DEMO.buyer: 'PAID' (refund only) or 'RECEIVED' yesterday (returns). */
async function seedOrder(opts: { status?: 'PAID' | 'RECEIVED'; quantity?: number; paidAmount?: number; shippingFee?: number } = {}): Promise<string> {
  const id = `ORV${++orderSeq}${Date.now().toString(36)}`;
  const quantity = opts.quantity ?? 2;
  const paidAmount = opts.paidAmount ?? 20000;
  await f.seedOrder({
    _id: id,
    status: opts.status,
    daysAgo: { paid: 3, shipped: 2, received: 1 },
    date: ejsonDate,
    shippingFee: opts.shippingFee,
    lines: [{ lineId: 'L1', skuId: 'SKU-RV', title: '测试商品', quantity, unitPrice: paidAmount / quantity, paidAmount }],
  });
  return id;
}

/** Snapshot of everything a refused call must leave untouched. */
async function snapshot(returnId: string) {
  const d = await returnDoc(returnId);
  return {
    version: d.version,
    status: d.status,
    timeline: d.timeline.length,
    refunds: (await refundsOf(returnId)).length,
    approvedAmount: d.approvedAmount,
    evidence: d.evidence.length,
  };
}

async function expectRefused(returnId: string, call: () => Promise<any>, code: string, message?: RegExp) {
  const before = await snapshot(returnId);
  const res = await call();
  expect(res.ok).toBe(false);
  expect(res.error.code).toBe(code);
  expect(typeof res.error.message).toBe('string');
  expect(res.error.message).toMatch(/[\u4e00-\u9fa5]/);
  if (message) expect(res.error.message).toMatch(message);
  expect(await snapshot(returnId)).toEqual(before);
  return res;
}

async function returnInTransit(opts: { reason?: string; evidence?: string[]; quantity?: number } = {}) {
  const orderId = await seedOrder({ quantity: 2, paidAmount: 20000 });
  const ret = await apply(orderId, 'RETURN_REFUND', { quantity: opts.quantity ?? 2, reason: opts.reason, evidence: opts.evidence });
  const approved = await review({ action: 'approve', returnId: ret.returnId });
  expect(approved.data.return.status).toBe('AWAITING_SHIPMENT');
  const shipped = await h.call(
    'submitLogistics',
    { requestId: rid('ship'), returnId: ret.returnId, mode: 'SELF_SHIP', carrier: 'SF', trackingNo: 'SF1234567890123' },
    { openid: DEMO.buyer },
  );
  expect(shipped).toMatchObject({ ok: true, data: { return: { status: 'IN_TRANSIT' } } });
  return ret;
}

async function disputed(type: 'REFUND_ONLY' | 'RETURN_REFUND' = 'REFUND_ONLY') {
  const orderId = await seedOrder({ status: type === 'REFUND_ONLY' ? 'PAID' : 'RECEIVED' });
  const ret = await apply(orderId, type);
  expect((await review({ action: 'reject', returnId: ret.returnId, reason: '商品已发出，无法仅退款' })).data.return.status).toBe('REJECTED');
  const appealed = await h.call(
    'applyReturn',
    { action: 'appeal', requestId: rid('appeal'), returnId: ret.returnId, description: '商品一直没有发货，商家却拒绝退款' },
    { openid: DEMO.buyer },
  );
  expect(appealed).toMatchObject({ ok: true, data: { return: { status: 'DISPUTED' } } });
  return ret;
}

// ------------------------------------------------------------------ approve

describe('approve', () => {
  it('REFUND_ONLY → REFUNDING, and the refund is submitted in the same invocation (original payment, full amount)', async () => {
    const orderId = await seedOrder({ status: 'PAID', quantity: 2, paidAmount: 20000 });
    await f.consent(DEMO.buyer, ['TPL_AFTERSALE_STATUS'], 2); // two taps: 退款处理中 is sent only with a consent to spare
    const ret = await apply(orderId, 'REFUND_ONLY', { quantity: 1 });
    expect(ret.amounts.total).toBe(10000);

    const res = await review({ action: 'approve', returnId: ret.returnId });
    expect(res.ok).toBe(true);
    const view = res.data.return;
    expect(view.status).toBe('REFUNDING');
    expect(view.statusLabel).toBe('退款中');
    expect(view.refundHint).toContain('原路退回');
    // What the buyer can expect (refundArrivalDays): a deadline with no default outcome, nobody is waited on.
    expect(view.deadlineAction).toBeNull();
    expect(Date.parse(view.deadline) - Date.parse(view.updatedAt)).toBe(3 * 86_400_000);

    // The refund record exists and was sent before the call answered.
    const refunds = await refundsOf(ret.returnId);
    expect(refunds).toHaveLength(1);
    expect(refunds[0]).toMatchObject({ outTradeNo: `T${orderId}`, totalFee: 20000, refundFee: 10000, status: 'PROCESSING', tries: 1 });
    expect(view.refundIds).toEqual([refunds[0]._id]);
    const sandbox = h.emu.pay.refunds().find((r) => r.outRefundNo === refunds[0]._id);
    expect(sandbox).toMatchObject({ outTradeNo: `T${orderId}`, refundFee: 10000, functionName: 'refundCallback' });

    const stored = await returnDoc(ret.returnId);
    expect(stored.timeline.map((e: any) => [e.action, e.from, e.to, e.actor.role])).toEqual([
      ['apply', null, 'PENDING_REVIEW', 'BUYER'],
      ['approve', 'PENDING_REVIEW', 'REFUNDING', 'MERCHANT'],
    ]);
    expect(stored.timeline[1].actor.openid).toBe(DEMO.merchant);
    expect(stored.timeline[1].note).toContain('商家同意售后');
    // the timer's next pass (every minute) writes the order's summary and sends the messages
    await f.sweep();
    const order = (await h.db('orders')).find((o: any) => o._id === orderId);
    expect(order.afterSale.L1).toMatchObject({ returnId: ret.returnId, status: 'REFUNDING' });

    // The buyer is told (subscribe message with the configured template).
    const sent = (await h.outbox()).filter((m: any) => m.api === 'subscribeMessage.send' && m.data?.data?.character_string1?.value === ret.returnId);
    expect(sent.length).toBeGreaterThanOrEqual(1);
    expect(sent[0].data).toMatchObject({ touser: DEMO.buyer, template_id: 'TPL_AFTERSALE_STATUS' });
  });

  it('RETURN_REFUND with a given return address → AWAITING_SHIPMENT, address stored, 7-day ship deadline', async () => {
    const orderId = await seedOrder();
    const ret = await apply(orderId, 'RETURN_REFUND');
    const address = { name: '售后仓 张三', phone: '13912345678', address: '浙江省杭州市余杭区测试路 1 号 2 号仓' };
    const res = await review({ action: 'approve', returnId: ret.returnId, returnAddress: address });
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ status: 'AWAITING_SHIPMENT', statusLabel: '待买家寄回', returnAddress: address, deadlineAction: 'closeUnshipped' });
    const stored = await returnDoc(ret.returnId);
    const approvedAt = new Date(stored.timeline[1].at).getTime();
    expect(new Date(stored.deadline).getTime() - approvedAt).toBe(7 * DAY);
    expect(stored.returnAddress).toEqual(address);
    expect(await refundsOf(ret.returnId)).toHaveLength(0);
    const buyerView = await getReturn(ret.returnId);
    expect(buyerView.allowedActions).toEqual(expect.arrayContaining(['submitLogistics', 'cancel']));
  });

  it('RETURN_REFUND without an address → the shop default return address', async () => {
    const orderId = await seedOrder();
    const ret = await apply(orderId, 'RETURN_REFUND');
    const res = await review({ action: 'approve', returnId: ret.returnId });
    expect(res.data.return).toMatchObject({ status: 'AWAITING_SHIPMENT', returnAddress: DEMO_RETURN_ADDRESS });
    expect((await returnDoc(ret.returnId)).returnAddress).toEqual(DEMO_RETURN_ADDRESS);
  });

  it('an invalid return address is refused before anything is written', async () => {
    const orderId = await seedOrder();
    const ret = await apply(orderId, 'RETURN_REFUND');
    const res = await expectRefused(
      ret.returnId,
      () => review({ action: 'approve', returnId: ret.returnId, returnAddress: { name: '张三', phone: '123', address: '短' } }),
      'INVALID_ARGUMENT',
    );
    expect(res.error.details.issues.map((i: any) => i.path)).toEqual(expect.arrayContaining(['returnAddress.phone', 'returnAddress.address']));
  });
});

// ------------------------------------------------------------------ reject

describe('reject', () => {
  it('needs a reason: refused with INVALID_ARGUMENT and nothing written', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const res = await expectRefused(ret.returnId, () => review({ action: 'reject', returnId: ret.returnId }), 'INVALID_ARGUMENT');
    expect(res.error.details.issues).toEqual([expect.objectContaining({ path: 'reason', message: '请填写拒绝原因' })]);
    await expectRefused(ret.returnId, () => review({ action: 'reject', returnId: ret.returnId, reason: '   ' }), 'INVALID_ARGUMENT');
  });

  it('with a reason → REJECTED, reason shown, 7-day appeal window, buyer may modify / appeal / cancel', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const res = await review({ action: 'reject', returnId: ret.returnId, reason: '商品已打包出库，请收货后申请退货' });
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ status: 'REJECTED', statusLabel: '商家已拒绝', rejectReason: '商品已打包出库，请收货后申请退货', deadlineAction: 'closeAppealWindow' });
    const stored = await returnDoc(ret.returnId);
    const ev = stored.timeline[1];
    expect(ev).toMatchObject({ action: 'reject', from: 'PENDING_REVIEW', to: 'REJECTED', actor: { role: 'MERCHANT', openid: DEMO.merchant } });
    expect(ev.note).toContain('商品已打包出库');
    expect(new Date(stored.deadline).getTime() - new Date(ev.at).getTime()).toBe(7 * DAY);
    expect(await refundsOf(ret.returnId)).toHaveLength(0);
    const buyerView = await getReturn(ret.returnId);
    expect(buyerView.allowedActions).toEqual(expect.arrayContaining(['modify', 'appeal', 'cancel']));
  });
});

// ------------------------------------------------------------------ confirmReceipt / refuseReceipt

describe('confirmReceipt', () => {
  it('with a lower refundAmount and a reason → approvedAmount, refund of exactly that amount', async () => {
    const ret = await returnInTransit();
    expect(ret.amounts.total).toBe(20000);
    const res = await review({ action: 'confirmReceipt', returnId: ret.returnId, refundAmount: 15000, reason: '一件商品包装缺失，扣除 50 元' });
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ status: 'REFUNDING', approvedAmount: 15000, refundAmount: 15000, adjustReason: '一件商品包装缺失，扣除 50 元' }); // the buyer sees why
    const stored = await returnDoc(ret.returnId);
    expect(stored.approvedAmount).toBe(15000);
    expect(stored.adjustReason).toBe('一件商品包装缺失，扣除 50 元');
    expect(stored.timeline.at(-1)).toMatchObject({ action: 'confirmReceipt', from: 'IN_TRANSIT', to: 'REFUNDING' });
    expect(stored.timeline.at(-1).note).toContain('扣除 50 元');
    const refunds = await refundsOf(ret.returnId);
    expect(refunds.map((r: any) => r.refundFee)).toEqual([15000]);
    expect(refunds[0].status).toBe('PROCESSING');

    await h.flush();
    expect((await returnDoc(ret.returnId)).status).toBe('REFUNDED');
    // the stored ledger catches up with the statuses on the timer's next pass
    await f.sweep();
    const ledger = (await h.db('ledgers')).find((o: any) => o._id === stored.orderId);
    expect(ledger.entries[ret.returnId]).toMatchObject({ status: 'REFUNDED', refundPlan: { target: 15000 } });
  });

  it('a refundAmount above the computed maximum is refused (nothing written); a lowered one without a reason too', async () => {
    const ret = await returnInTransit();
    const res = await expectRefused(
      ret.returnId,
      () => review({ action: 'confirmReceipt', returnId: ret.returnId, refundAmount: 20001, reason: '多退一分' }),
      'REFUND_LIMIT',
      /不能超过可退金额 200\.00 元/,
    );
    expect(res.error.details).toMatchObject({ maximum: 20000, refusal: 'AMOUNT_ABOVE_MAXIMUM', issues: [{ path: 'refundAmount', message: res.error.message }] });
    const noReason = await expectRefused(ret.returnId, () => review({ action: 'confirmReceipt', returnId: ret.returnId, refundAmount: 100 }), 'INVALID_ARGUMENT');
    expect(noReason.error.details.issues).toEqual([expect.objectContaining({ path: 'reason', message: '调整退款金额时请填写原因' })]);
    const zero = await expectRefused(ret.returnId, () => review({ action: 'confirmReceipt', returnId: ret.returnId, refundAmount: 0, reason: '零' }), 'INVALID_ARGUMENT');
    expect(zero.error.details.issues).toEqual([expect.objectContaining({ path: 'refundAmount' })]);
    // Still confirmable with the full amount afterwards.
    const ok = await review({ action: 'confirmReceipt', returnId: ret.returnId });
    expect(ok.data.return).toMatchObject({ status: 'REFUNDING', approvedAmount: null, refundAmount: 20000 });
    expect((await refundsOf(ret.returnId)).map((r: any) => r.refundFee)).toEqual([20000]);
  });

  it('a REFUND_ONLY amount is never adjusted (decide for the buyer with another amount is refused)', async () => {
    const ret = await disputed('REFUND_ONLY');
    const notAdjustable = await expectRefused(
      ret.returnId,
      () => review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', refundAmount: 1, reason: '少退' }, DEMO.arbiter),
      'INVALID_ARGUMENT',
      /不可调整/,
    );
    expect(notAdjustable.error.details.issues).toEqual([{ path: 'refundAmount', message: '仅退款的退款金额不可调整' }]);
  });
  it('an amount granted for the buyer before the goods come back is checked against the maximum now (else it would block the refund at receipt)', async () => {
    const ret = await disputed('RETURN_REFUND');
    const above = await expectRefused(
      ret.returnId,
      () => review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', refundAmount: 999_999, reason: '支持买家' }, DEMO.arbiter),
      'REFUND_LIMIT',
      /不能超过可退金额/,
    );
    expect(above.error.details).toMatchObject({ refusal: 'AMOUNT_ABOVE_MAXIMUM', issues: [{ path: 'refundAmount' }] });
    const granted = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', refundAmount: 100, reason: '部分支持' }, DEMO.arbiter);
    expect(granted.data.return.status).toBe('AWAITING_SHIPMENT');
  });
});

describe('refuseReceipt', () => {
  it('needs evidence: refused with nothing written', async () => {
    const ret = await returnInTransit();
    const res = await expectRefused(ret.returnId, () => review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '商品已使用' }), 'INVALID_ARGUMENT');
    expect(res.error.details.issues[0]).toMatchObject({ path: 'evidence' });
    expect(res.error.details.issues[0].message).toContain('验货凭证');
    // A file outside the merchant's own folder does not count.
    const buyers = await photo(DEMO.buyer);
    await expectRefused(ret.returnId, () => review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '商品已使用', evidence: [buyers] }), 'EVIDENCE_INVALID');
  });

  it("a buyer photo already attached to the after-sale is not the merchant's evidence", async () => {
    const buyers = await photo(DEMO.buyer);
    const ret = await returnInTransit({ evidence: [buyers] });
    expect((await returnDoc(ret.returnId)).evidence.map((e: any) => e.fileID)).toEqual([buyers]);
    const res = await expectRefused(ret.returnId, () => review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '商品已使用', evidence: [buyers] }), 'EVIDENCE_INVALID');
    expect(res.error.details.problems).toEqual([{ fileID: buyers, code: 'WRONG_FOLDER', message: '凭证文件须由本人上传到 evidence/ 目录' }]);
  });

  it("nine buyer files do not use up the room for the merchant's inspection evidence", async () => {
    const ret = await returnInTransit();
    const nine: { fileID: string; kind: string }[] = [];
    for (let i = 0; i < 9; i++) nine.push({ fileID: await photo(DEMO.buyer), kind: 'PHOTO' });
    const filled = await h.call('uploadEvidence', { requestId: rid('fill'), returnId: ret.returnId, files: nine }, { openid: DEMO.buyer });
    expect(filled.data.return.evidence).toHaveLength(9);
    const file = await photo(DEMO.merchant);
    const res = await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '退回商品已被使用', evidence: [file] });
    expect(res.data.return.status).toBe('REJECTED');
    const stored = await returnDoc(ret.returnId);
    expect(stored.evidence).toHaveLength(10);
    expect(stored.evidence.at(-1)).toMatchObject({ fileID: file, by: { role: 'MERCHANT', openid: DEMO.merchant } });
  });

  it('with inspection evidence → REJECTED, the evidence on the timeline and in the after-sale', async () => {
    const ret = await returnInTransit();
    const file = await photo(DEMO.merchant);
    const res = await review({ action: 'refuseReceipt', returnId: ret.returnId, reason: '退回商品已被使用，影响二次销售', evidence: [file] });
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ status: 'REJECTED', rejectReason: '退回商品已被使用，影响二次销售' });
    const stored = await returnDoc(ret.returnId);
    expect(stored.timeline.at(-1)).toMatchObject({ action: 'refuseReceipt', from: 'IN_TRANSIT', to: 'REJECTED', evidence: [file], actor: { role: 'MERCHANT' } });
    expect(stored.evidence).toEqual(expect.arrayContaining([expect.objectContaining({ fileID: file, by: expect.objectContaining({ role: 'MERCHANT' }) })]));
    expect(await refundsOf(ret.returnId)).toHaveLength(0);
    // The goods are with the merchant: the buyer can modify or appeal, not withdraw it or start over beside it.
    expect((await getReturn(ret.returnId)).allowedActions.sort()).toEqual(['appeal', 'modify']);
    const cancel = await expectRefused(
      ret.returnId,
      () => h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: ret.returnId }, { openid: DEMO.buyer }),
      'INVALID_STATE',
      /不能撤销申请/,
    );
    expect(cancel.error.details).toMatchObject({ refusal: 'GOODS_SENT' });
    const again = await h.call(
      'applyReturn',
      { action: 'apply', requestId: rid(), orderId: stored.orderId, type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] },
      { openid: DEMO.buyer },
    );
    expect(again).toMatchObject({ ok: false, error: { code: 'RETURN_ALREADY_OPEN' } });
    expect(again.error.message).toContain('已被商家拒绝');
    const mine = (await h.call('queryReturns', { action: 'list', scope: 'mine' }, { openid: DEMO.buyer })).data.items;
    expect(mine.find((r: any) => r.returnId === ret.returnId)).toMatchObject({ status: 'REJECTED', reapplicable: false });
  });
});

// ------------------------------------------------------------------ decide

describe('decide (arbiter on DISPUTED)', () => {
  it('for the buyer (REFUND_ONLY) → REFUNDING with the refund submitted, decision recorded', async () => {
    const ret = await disputed('REFUND_ONLY');
    const res = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER', reason: '商家未能证明已发货' }, DEMO.arbiter);
    expect(res.ok).toBe(true);
    expect(res.data.return.status).toBe('REFUNDING');
    const stored = await returnDoc(ret.returnId);
    expect(stored.decision).toMatchObject({ by: DEMO.arbiter, decision: 'BUYER', note: '商家未能证明已发货' });
    expect(stored.timeline.at(-1)).toMatchObject({ action: 'decide', from: 'DISPUTED', to: 'REFUNDING', actor: { role: 'ARBITER', openid: DEMO.arbiter } });
    expect(stored.timeline.at(-1).note).toContain('店铺主管复核：支持买家');
    const refunds = await refundsOf(ret.returnId);
    expect(refunds.map((r: any) => [r.refundFee, r.status])).toEqual([[ret.amounts.total, 'PROCESSING']]);
  });

  it('for the buyer (RETURN_REFUND, goods not sent yet) → AWAITING_SHIPMENT with a return address', async () => {
    const ret = await disputed('RETURN_REFUND');
    const res = await review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER' }, DEMO.arbiter);
    expect(res.data.return).toMatchObject({ status: 'AWAITING_SHIPMENT', returnAddress: DEMO_RETURN_ADDRESS });
  });

  it('for the merchant → CLOSED; the buyer sees the advice about 小程序交易投诉 / 12315', async () => {
    const ret = await disputed('REFUND_ONLY');
    const res = await review({ action: 'decide', returnId: ret.returnId, decision: 'MERCHANT', reason: '商家已提供发货凭证' }, DEMO.arbiter);
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ status: 'CLOSED', statusLabel: '已关闭', deadline: null });
    const view = await getReturn(ret.returnId, DEMO.buyer);
    expect(view.status).toBe('CLOSED');
    // what was decided and why, not who (staff openids stay with staff)
    expect(view.decision).toEqual({ decision: 'MERCHANT', note: '商家已提供发货凭证', at: expect.any(String) });
    expect((await getReturn(ret.returnId, DEMO.merchant)).decision).toMatchObject({ by: DEMO.arbiter });
    expect(view.advice).toContain('小程序交易投诉');
    expect(view.advice).toContain('12315');
    expect(view.allowedActions).toEqual([]);
    expect(view.timeline.at(-1)).toMatchObject({ action: 'decide', actionLabel: '店铺主管复核', to: 'CLOSED' });
    expect(await refundsOf(ret.returnId)).toHaveLength(0);
  });

  it('a decision is required', async () => {
    const ret = await disputed('REFUND_ONLY');
    const res = await expectRefused(ret.returnId, () => review({ action: 'decide', returnId: ret.returnId }, DEMO.arbiter), 'INVALID_ARGUMENT');
    expect(res.error.details.issues[0]).toMatchObject({ path: 'decision', message: '请选择裁决结果 decision' });
  });
});

// ------------------------------------------------------------------ who may call

describe('roles and sources', () => {
  it('a buyer calling reviewReturn → FORBIDDEN, nothing written', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const res = await expectRefused(ret.returnId, () => review({ action: 'approve', returnId: ret.returnId }, DEMO.buyer), 'FORBIDDEN');
    expect(res.error.message).toBe('您没有执行此操作的权限');
    await expectRefused(ret.returnId, () => review({ action: 'approve', returnId: ret.returnId }, DEMO.otherBuyer), 'FORBIDDEN');
  });

  it('a merchant calling decide → FORBIDDEN; an arbiter calling approve → FORBIDDEN', async () => {
    const ret = await disputed('REFUND_ONLY');
    await expectRefused(ret.returnId, () => review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER' }, DEMO.merchant), 'FORBIDDEN');
    const orderId = await seedOrder({ status: 'PAID' });
    const other = await apply(orderId, 'REFUND_ONLY');
    await expectRefused(other.returnId, () => review({ action: 'approve', returnId: other.returnId }, DEMO.arbiter), 'FORBIDDEN');
  });

  it('an ADMIN may review and decide', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const res = await review({ action: 'reject', returnId: ret.returnId, reason: '管理员代为处理' }, DEMO.admin);
    expect(res.data.return.status).toBe('REJECTED');
    expect((await returnDoc(ret.returnId)).timeline.at(-1).actor).toEqual({ role: 'ADMIN', openid: DEMO.admin });
  });

  it('staff never decide on their own after-sale (a merchant who bought something); another staff member may', async () => {
    const orderId = `ORV-OWN${Date.now().toString(36)}`;
    await f.seedOrder({
      _id: orderId,
      buyerOpenid: DEMO.merchant,
      status: 'PAID',
      daysAgo: { paid: 1 },
      date: ejsonDate,
      lines: [{ lineId: 'L1', skuId: 'SKU-OWN', title: '员工自购', quantity: 1, unitPrice: 9000, paidAmount: 9000 }],
    });
    const mine = await h.call(
      'applyReturn',
      { action: 'apply', requestId: rid(), orderId, type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] },
      { openid: DEMO.merchant },
    );
    const returnId = mine.data.return.returnId;
    const self = await expectRefused(returnId, () => review({ action: 'approve', returnId }, DEMO.merchant), 'FORBIDDEN');
    expect(self.error.message).toBe('不能处理自己申请的售后，请由其他工作人员处理');
    const byAdmin = await review({ action: 'approve', returnId }, DEMO.admin);
    expect(byAdmin.data.return.status).toBe('REFUNDING');
  });

  it('no OPENID → UNAUTHENTICATED; a non-client SOURCE → FORBIDDEN', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    await expectRefused(ret.returnId, () => h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: ret.returnId }), 'UNAUTHENTICATED');
    await expectRefused(
      ret.returnId,
      () => h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: ret.returnId }, { openid: DEMO.merchant, source: 'wx_http' }),
      'FORBIDDEN',
    );
  });

  it('an unknown after-sale → NOT_FOUND', async () => {
    const res = await review({ action: 'approve', returnId: 'R20200101000000000000' });
    expect(res).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', message: '售后单不存在' } });
  });
});

// ------------------------------------------------------------------ states and idempotency

describe('states and idempotency', () => {
  it('an action not allowed in the current status → INVALID_STATE, nothing written', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const res = await expectRefused(ret.returnId, () => review({ action: 'confirmReceipt', returnId: ret.returnId }), 'INVALID_STATE');
    expect(res.error.message).toContain('待商家处理');
    await expectRefused(ret.returnId, () => review({ action: 'decide', returnId: ret.returnId, decision: 'BUYER' }, DEMO.arbiter), 'INVALID_STATE');
    await review({ action: 'reject', returnId: ret.returnId, reason: '不同意' });
    await expectRefused(ret.returnId, () => review({ action: 'approve', returnId: ret.returnId }), 'INVALID_STATE', /商家已拒绝/);
    await expectRefused(ret.returnId, () => review({ action: 'reject', returnId: ret.returnId, reason: '再拒一次' }), 'INVALID_STATE');
  });

  it('refuseReceipt on a REFUND_ONLY after-sale → INVALID_STATE (before any evidence is checked)', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    await expectRefused(ret.returnId, () => review({ action: 'refuseReceipt', returnId: ret.returnId, evidence: ['cloud://x.y/evidence/o_demo_merchant/a.jpg'] }), 'INVALID_STATE');
  });

  it('the same requestId twice → one transition, the same answer, one refund', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const requestId = rid('same');
    const first = await h.call('reviewReturn', { action: 'approve', requestId, returnId: ret.returnId }, { openid: DEMO.merchant });
    const second = await h.call('reviewReturn', { action: 'approve', requestId, returnId: ret.returnId }, { openid: DEMO.merchant });
    expect(first.ok).toBe(true);
    expect(second.ok).toBe(true);
    expect(second.data.return.status).toBe(first.data.return.status);
    expect(second.data.return.version).toBe(first.data.return.version);
    const stored = await returnDoc(ret.returnId);
    expect(stored.timeline.filter((e: any) => e.action === 'approve')).toHaveLength(1);
    expect(await refundsOf(ret.returnId)).toHaveLength(1);
  });

  it('the same reject sent concurrently → exactly one transition', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const requestId = rid('race');
    const answers = await Promise.all(
      [0, 1, 2].map(() => h.call('reviewReturn', { action: 'reject', requestId, returnId: ret.returnId, reason: '并发拒绝' }, { openid: DEMO.merchant })),
    );
    for (const a of answers) {
      if (!a.ok) expect(a.error.code).toBe('CONFLICT');
    }
    expect(answers.some((a) => a.ok)).toBe(true);
    const stored = await returnDoc(ret.returnId);
    expect(stored.status).toBe('REJECTED');
    expect(stored.timeline.filter((e: any) => e.action === 'reject')).toHaveLength(1);
    expect(stored.version).toBe(2);
  });

  it('approve and reject racing → one wins, the other gets CONFLICT or INVALID_STATE', async () => {
    const orderId = await seedOrder({ status: 'PAID' });
    const ret = await apply(orderId, 'REFUND_ONLY');
    const [a, b] = await Promise.all([review({ action: 'approve', returnId: ret.returnId }), review({ action: 'reject', returnId: ret.returnId, reason: '竞争' })]);
    expect([a.ok, b.ok].filter(Boolean)).toHaveLength(1);
    const loser = a.ok ? b : a;
    expect(['CONFLICT', 'INVALID_STATE']).toContain(loser.error.code);
    const stored = await returnDoc(ret.returnId);
    expect(stored.timeline).toHaveLength(2);
    expect((await refundsOf(ret.returnId)).length).toBe(stored.status === 'REFUNDING' ? 1 : 0);
  });
});
