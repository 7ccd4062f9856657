/**
 * applyReturn end to end through the built function and the local emulator:
 * preview (no writes), apply, modify, cancel, appeal — every success and every
 * refusal, with the codes and Chinese messages of api.md / domain.md, and
 * proof (database snapshots) that refused calls write nothing.
 */
import { createHash } from 'node:crypto';
import { rid, jpeg, mp4, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, buyer, otherBuyer, merchant } from '../support/functions';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const h = useEmulator();
const f = fx(h);
const { writesNothing, advance, advanceJustPast, orderDoc, ledgerOf, returnDoc, sweep } = f;

function apply(fields: Record<string, unknown>, who = buyer) {
  return h.call('applyReturn', { action: 'apply', requestId: rid('apply'), ...fields }, who);
}
function preview(fields: Record<string, unknown>, who = buyer) {
  return h.call('applyReturn', { action: 'preview', ...fields }, who);
}

function shanghaiYmd(ms: number): string {
  return new Date(ms + 8 * HOUR).toISOString().slice(0, 10).replace(/-/g, '');
}

/** A received order of the demo buyer (fresh _id), dates relative to the emulator clock. */
async function seedOrder(id: string, opts: { receivedDaysAgo?: number; lines?: any[]; shippingFee?: number; buyerOpenid?: string } = {}) {
  const days = opts.receivedDaysAgo ?? 1;
  await f.seedOrder({
    _id: id,
    buyerOpenid: opts.buyerOpenid,
    daysAgo: { paid: days + 3, shipped: days + 2, received: days },
    shippingFee: opts.shippingFee,
    transactionId: `4200${id}`,
    lines: opts.lines ?? [
      { lineId: 'L1', skuId: `SKU-${id}-1`, title: '测试商品甲', quantity: 2, unitPrice: 5000, paidAmount: 9000 },
      { lineId: 'L2', skuId: `SKU-${id}-2`, title: '测试商品乙', quantity: 1, unitPrice: 3000, paidAmount: 3000 },
    ],
  });
}

async function upload(openid: string, name: string, content: Buffer): Promise<string> {
  // a video's poster frame, as the pages upload it beside the video (its content check)
  if (name.endsWith('.mp4')) await h.upload(`evidence/${openid}/${name}.poster.jpg`, jpeg());
  return h.upload(`evidence/${openid}/${name}`, content);
}

function refusalCodes(res: any): string[] {
  return (res.error?.details?.refusals ?? res.data?.refusals ?? []).map((r: any) => r.code);
}

// ---------------------------------------------------------------- identity and input

describe('identity and input', () => {
  it('missing OPENID → UNAUTHENTICATED, nothing written', async () => {
    const res = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId: rid(), orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }),
    );
    expectError(res, 'UNAUTHENTICATED', '请在小程序内登录后再操作');
    const pv = await h.call('applyReturn', { action: 'preview', orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] });
    expectError(pv, 'UNAUTHENTICATED');
  });

  it('bad input → INVALID_ARGUMENT with details.issues paths, before anything is read or written', async () => {
    const res = await writesNothing(() =>
      h.call(
        'applyReturn',
        {
          action: 'apply',
          requestId: 'x',
          orderId: 'O1001',
          type: 'SWAP',
          reason: 'BORED',
          lines: [
            { lineId: 'L1', quantity: 0 },
            { lineId: 'L1', quantity: 1.5 },
          ],
          evidence: ['http://evil/x.jpg'],
        },
        buyer,
      ),
    );
    expectError(res, 'INVALID_ARGUMENT', '请求参数不正确');
    const paths = res.error.details.issues.map((i: any) => i.path);
    expect(paths).toEqual(expect.arrayContaining(['requestId', 'type', 'reason', 'lines.0.quantity', 'lines.1.quantity', 'evidence.0']));
    for (const i of res.error.details.issues) expect(i.message).toMatch(/[\u4e00-\u9fff]/);
    expect(res.error.details.issues.find((i: any) => i.path === 'lines.0.quantity').message).toBe('退款数量至少为 1');

    const dup = await h.call(
      'applyReturn',
      {
        action: 'apply',
        requestId: rid(),
        orderId: 'O1001',
        type: 'REFUND_ONLY',
        reason: 'WRONG_ORDER',
        lines: [
          { lineId: 'L1', quantity: 1 },
          { lineId: 'L1', quantity: 1 },
        ],
      },
      buyer,
    );
    expectError(dup, 'INVALID_ARGUMENT');
    expect(dup.error.details.issues).toEqual([{ path: 'lines.1.lineId', message: '同一商品不能重复选择' }]);

    const noAction = await h.call('applyReturn', { orderId: 'O1001' }, buyer);
    expectError(noAction, 'INVALID_ARGUMENT');
    expect(noAction.error.details.issues[0]).toMatchObject({ path: 'action' });

    const missing = await h.call('applyReturn', { action: 'apply', requestId: rid() }, buyer);
    expectError(missing, 'INVALID_ARGUMENT');
    expect(missing.error.details.issues.map((i: any) => i.path)).toEqual(expect.arrayContaining(['orderId', 'type', 'reason', 'lines']));

    const badReturnId = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: 'X1' }, buyer);
    expectError(badReturnId, 'INVALID_ARGUMENT');
    expect(badReturnId.error.details.issues[0]).toMatchObject({ path: 'returnId', message: '售后单号 returnId 格式不正确' });
  });

  it('event.userInfo is tolerated and never used for identity', async () => {
    const res = await h.call(
      'applyReturn',
      {
        action: 'preview',
        orderId: 'O2001',
        type: 'REFUND_ONLY',
        reason: 'WRONG_ORDER',
        lines: [{ lineId: 'L1', quantity: 1 }],
        userInfo: { appId: 'wx123', openId: DEMO.otherBuyer },
      },
      buyer,
    );
    expectError(res, 'FORBIDDEN', '这不是您的订单，不能申请售后');
    const mine = await h.call(
      'applyReturn',
      {
        action: 'preview',
        orderId: 'O1001',
        type: 'REFUND_ONLY',
        reason: 'WRONG_ORDER',
        lines: [{ lineId: 'L1', quantity: 1 }],
        userInfo: { appId: 'wx123', openId: DEMO.otherBuyer },
      },
      buyer,
    );
    expect(mine.ok).toBe(true);
    expect(mine.data.eligible).toBe(true);
  });

  it('a caller that is not the mini-program → FORBIDDEN', async () => {
    const res = await writesNothing(() =>
      h.call(
        'applyReturn',
        { action: 'apply', requestId: rid(), orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] },
        { openid: DEMO.buyer, source: 'wx_http' },
      ),
    );
    expectError(res, 'FORBIDDEN');
  });
});

// ---------------------------------------------------------------- preview

describe('preview (no writes)', () => {
  it('eligible: amounts from the order, freightPayer, merchant deadline = now + 48 h', async () => {
    const before = await h.now();
    const res = await writesNothing(() => preview({ orderId: 'O1001', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }));
    const after = await h.now();
    expect(res.ok).toBe(true);
    expect(res.data).toMatchObject({ eligible: true, refusals: [], amounts: { items: 5000, shipping: 0, total: 5000 }, freightPayer: 'BUYER' });
    const deadline = Date.parse(res.data.deadline);
    expect(deadline).toBeGreaterThanOrEqual(before + 48 * HOUR);
    expect(deadline).toBeLessThanOrEqual(after + 48 * HOUR);
  });

  it('the whole order before shipment refunds the outbound shipping fee too', async () => {
    const res = await preview({
      orderId: 'O1001',
      type: 'REFUND_ONLY',
      reason: 'WRONG_ORDER',
      lines: [
        { lineId: 'L1', quantity: 2 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(res.data).toMatchObject({ eligible: true, amounts: { items: 16000, shipping: 800, total: 16800 } });
  });

  it('a seller-side reason: the seller pays return shipping', async () => {
    const res = await preview({
      orderId: 'O1003',
      type: 'RETURN_REFUND',
      reason: 'DAMAGED',
      lines: [{ lineId: 'L2', quantity: 1 }],
      evidence: ['cloud://env.bucket/evidence/o_demo_buyer/p.jpg'],
    });
    expect(res.data).toMatchObject({ eligible: true, freightPayer: 'SELLER', amounts: { items: 15000, total: 15000 } });
  });

  it('RETURN_REFUND: O1002 (shipped) ok, O1001 (not shipped) → TYPE_NOT_ALLOWED', async () => {
    const okRes = await preview({ orderId: 'O1002', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(okRes.data).toMatchObject({ eligible: true, amounts: { items: 29900, shipping: 0, total: 29900 }, freightPayer: 'BUYER' });
    const res = await writesNothing(() => preview({ orderId: 'O1001', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expect(res.ok).toBe(true);
    expect(res.data.eligible).toBe(false);
    expect(res.data.amounts).toBeNull();
    expect(res.data.deadline).toBeNull();
    expect(res.data.refusals).toEqual([{ code: 'TYPE_NOT_ALLOWED', message: '商品尚未发货，暂不支持退货退款，您可以申请“仅退款”' }]);
  });

  it('O1004 received 8 days ago: buyer-side reason → NO_REASON_WINDOW_CLOSED; quality reason still open', async () => {
    const res = await preview({ orderId: 'O1004', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(res.data.eligible).toBe(false);
    expect(refusalCodes(res)).toEqual(['NO_REASON_WINDOW_CLOSED']);
    expect(res.data.refusals[0].message).toMatch(/^本订单的七天无理由退货期已于\d{4}-\d{2}-\d{2} 23:59结束，如商品存在质量问题，可选择对应原因申请$/);

    const noPhoto = await preview({ orderId: 'O1004', type: 'RETURN_REFUND', reason: 'QUALITY_ISSUE', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(noPhoto.data.refusals).toEqual([{ code: 'EVIDENCE_REQUIRED', message: '售后原因为“质量问题”时，请至少上传1张照片作为凭证' }]);
    const quality = await preview({
      orderId: 'O1004',
      type: 'RETURN_REFUND',
      reason: 'QUALITY_ISSUE',
      lines: [{ lineId: 'L1', quantity: 1 }],
      evidence: ['cloud://env.bucket/evidence/o_demo_buyer/q.jpg'],
    });
    expect(quality.data).toMatchObject({ eligible: true, freightPayer: 'SELLER', amounts: { total: 45900 } });
  });

  it('O1006: L1 fresh (exempt by law) and L2 (waiver) refuse buyer-side reasons, per line; seller-side reasons stay allowed', async () => {
    const res = await preview({
      orderId: 'O1006',
      type: 'RETURN_REFUND',
      reason: 'NO_LONGER_WANTED',
      lines: [
        { lineId: 'L1', quantity: 1 },
        { lineId: 'L2', quantity: 1 },
      ],
    });
    expect(res.data.eligible).toBe(false);
    expect(res.data.refusals).toEqual([
      { code: 'NO_REASON_EXEMPT', lineId: 'L1', message: '该商品属于鲜活易腐商品（生鲜），依法不支持七天无理由退货；如商品存在质量问题，可选择对应原因申请售后' },
      { code: 'NO_REASON_EXEMPT', lineId: 'L2', message: '您下单时已确认该商品不支持七天无理由退货；如商品存在质量问题，可选择对应原因申请售后' },
    ]);
    const seller = await preview({
      orderId: 'O1006',
      type: 'REFUND_ONLY',
      reason: 'DAMAGED',
      lines: [{ lineId: 'L1', quantity: 1 }],
      evidence: ['cloud://env.bucket/evidence/o_demo_buyer/c.jpg'],
    });
    expect(seller.data).toMatchObject({ eligible: true, amounts: { items: 15800 } });
  });

  it('every refusal is listed at once (type, quantity, unknown line)', async () => {
    const res = await preview({
      orderId: 'O1001',
      type: 'RETURN_REFUND',
      reason: 'WRONG_ORDER',
      lines: [
        { lineId: 'L1', quantity: 3 },
        { lineId: 'L9', quantity: 1 },
      ],
    });
    expect(res.data.eligible).toBe(false);
    expect(res.data.refusals).toEqual([
      { code: 'TYPE_NOT_ALLOWED', message: '商品尚未发货，暂不支持退货退款，您可以申请“仅退款”' },
      { code: 'QUANTITY_EXCEEDED', lineId: 'L1', message: '「纯棉圆领T恤 白色 M」最多还可申请2件，请调整数量' },
      { code: 'LINE_NOT_FOUND', lineId: 'L9', message: '所选商品不在该订单中，请重新选择' },
    ]);
  });

  it('the other refusals: cancelled / unpaid order, quality window closed, payment window closed', async () => {
    const now = await h.now();
    const base = (id: string, extra: Record<string, unknown>) => ({
      _id: id,
      buyerOpenid: DEMO.buyer,
      shippingFee: 0,
      payments: [{ outTradeNo: `T${id}`, channel: 'WECHAT_PAY', amount: 1000, paidAt: new Date(now - 3 * DAY).toISOString() }],
      lines: [{ lineId: 'L1', skuId: 'X', title: '某商品', quantity: 1, unitPrice: 1000, paidAmount: 1000 }],
      paidAt: new Date(now - 3 * DAY).toISOString(),
      ...extra,
    });
    await h.seed({
      orders: [
        base('S-PV-CANCELLED', { status: 'CANCELLED' }),
        base('S-PV-UNPAID', { status: 'CREATED' }),
        base('S-PV-OLD', { status: 'RECEIVED', shippedAt: new Date(now - 21 * DAY).toISOString(), receivedAt: new Date(now - 20 * DAY).toISOString() }),
        base('S-PV-YEAR', {
          status: 'COMPLETED',
          paidAt: new Date(now - 400 * DAY).toISOString(),
          payments: [{ outTradeNo: 'TS-PV-YEAR', channel: 'WECHAT_PAY', amount: 1000, paidAt: new Date(now - 400 * DAY).toISOString() }],
          shippedAt: new Date(now - 399 * DAY).toISOString(),
        }),
      ],
    });
    const req = { type: 'REFUND_ONLY', lines: [{ lineId: 'L1', quantity: 1 }] };
    const cancelled = await preview({ ...req, orderId: 'S-PV-CANCELLED', reason: 'NO_LONGER_WANTED' });
    expect(cancelled.data.refusals).toEqual([{ code: 'ORDER_CANCELLED', message: '该订单已取消，无法申请售后' }]);
    const unpaid = await preview({ ...req, orderId: 'S-PV-UNPAID', reason: 'NO_LONGER_WANTED' });
    expect(unpaid.data.refusals).toEqual([{ code: 'ORDER_NOT_PAID', message: '该订单尚未付款，暂时无法申请售后' }]);
    const old = await preview({ ...req, orderId: 'S-PV-OLD', reason: 'QUALITY_ISSUE', evidence: ['cloud://env.bucket/evidence/o_demo_buyer/x.jpg'] });
    expect(old.data.refusals.map((r: any) => r.code)).toEqual(['QUALITY_WINDOW_CLOSED']);
    expect(old.data.refusals[0].message).toMatch(/^本订单签收后15天内的质量问题售后期已于\d{4}-\d{2}-\d{2} 23:59结束，如有疑问请联系商家协商处理$/);
    const year = await preview({ ...req, orderId: 'S-PV-YEAR', reason: 'NOT_RECEIVED' });
    expect(year.data.refusals.map((r: any) => r.code)).toEqual(['PAYMENT_WINDOW_CLOSED']);
    expect(year.data.refusals[0].message).toMatch(/^该订单付款已超过365天，原路退款的期限已于.+结束，无法再通过原支付方式退款，请联系商家协商处理$/);
    const applied = await writesNothing(() => apply({ ...req, orderId: 'S-PV-YEAR', reason: 'NOT_RECEIVED' }));
    expectError(applied, 'NOT_ELIGIBLE', year.data.refusals[0].message);
  });

  it("another buyer's order → FORBIDDEN; an unknown order → NOT_FOUND", async () => {
    const res = await writesNothing(() => preview({ orderId: 'O2001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expectError(res, 'FORBIDDEN', '这不是您的订单，不能申请售后');
    expect(res.error.details).toBeUndefined();
    expectError(
      await preview({ orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }, otherBuyer),
      'FORBIDDEN',
      '这不是您的订单，不能申请售后',
    );
    expectError(await preview({ orderId: 'NOPE', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }), 'NOT_FOUND', '订单不存在');
  });

  it('preview ignores a requestId and writes nothing', async () => {
    const res = await writesNothing(() => preview({ requestId: rid(), orderId: 'O1002', type: 'REFUND_ONLY', reason: 'NOT_RECEIVED', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expect(res.data).toMatchObject({ eligible: true, freightPayer: 'SELLER' });
  });
});

// ---------------------------------------------------------------- apply

describe('apply', () => {
  let first: any;
  let requestId: string;

  it('creates the after-sale: number R+yyyymmdd(Shanghai)+digits, PENDING_REVIEW, deadline now+48h, first timeline event, order summary', async () => {
    requestId = rid('first');
    const before = await h.now();
    const res = await h.call(
      'applyReturn',
      { action: 'apply', requestId, orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', description: '  拍多了  ', lines: [{ lineId: 'L2', quantity: 1 }] },
      buyer,
    );
    const after = await h.now();
    expect(res.ok).toBe(true);
    first = res.data.return;
    expect(first.returnId).toMatch(/^R\d{8}\d+$/);
    expect([shanghaiYmd(before), shanghaiYmd(after)]).toContain(first.returnId.slice(1, 9));
    expect(first).toMatchObject({
      orderId: 'O1001',
      type: 'REFUND_ONLY',
      typeLabel: '仅退款',
      reason: 'WRONG_ORDER',
      reasonLabel: '拍错/多拍',
      description: '拍多了',
      status: 'PENDING_REVIEW',
      statusLabel: '待商家处理',
      nextActor: { role: 'MERCHANT', phrase: '等待商家处理' },
      lines: [{ lineId: 'L2', quantity: 1, amount: 6000 }],
      amounts: { items: 6000, shipping: 0, total: 6000 },
      freightPayer: 'BUYER',
      deadlineAction: 'autoApprove',
      attempts: 1,
      version: 1,
    });
    expect(first.allowedActions.sort()).toEqual(['cancel', 'modify']);
    expect(first.deadlineText).toMatch(/^请在 \d{4}-\d{2}-\d{2} \d{2}:\d{2} 前处理$/);
    expect(first.timeline).toHaveLength(1);
    expect(first.timeline[0]).toMatchObject({ action: 'apply', actionLabel: '申请售后', from: null, to: 'PENDING_REVIEW', toLabel: '待商家处理', actor: { role: 'BUYER' } });

    const stored = await returnDoc(first.returnId);
    expect(stored).toMatchObject({ _id: first.returnId, orderId: 'O1001', buyerOpenid: DEMO.buyer, status: 'PENDING_REVIEW', version: 1, refundIds: [], evidence: [] });
    const created = Date.parse(stored.createdAt);
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(after);
    expect(Date.parse(stored.deadline)).toBe(created + 48 * HOUR);
    expect(Date.parse(first.deadline)).toBe(created + 48 * HOUR);
    expect(stored.timeline).toHaveLength(1);
    expect(stored.timeline[0]).toMatchObject({ action: 'apply', from: null, to: 'PENDING_REVIEW', actor: { role: 'BUYER', openid: DEMO.buyer }, requestId });

    // the timer's next pass (every minute) writes the order's summary
    await sweep();
    const order = await orderDoc('O1001');
    expect(order.afterSale).toEqual({ L2: { returnId: first.returnId, status: 'PENDING_REVIEW', version: 1 } });
  });

  it('the same requestId again → the same after-sale, nothing more written', async () => {
    const res = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId, orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L2', quantity: 1 }] }, buyer),
    );
    expect(res.ok).toBe(true);
    expect(res.data.return.returnId).toBe(first.returnId);
    expect(res.data.return.version).toBe(1);
    expect((await h.db('returns')).filter((r: any) => r.orderId === 'O1001')).toHaveLength(1);
  });

  it("the same requestId reused for another order → the first call's result, nothing written", async () => {
    const res = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId, orderId: 'O1002', type: 'REFUND_ONLY', reason: 'NOT_RECEIVED', lines: [{ lineId: 'L1', quantity: 1 }] }, buyer),
    );
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ returnId: first.returnId, orderId: 'O1001', version: 1 });
    expect(await ledgerOf('O1002')).toEqual({});
  });

  it('the same requestId from another buyer is another request (refused on their side)', async () => {
    const res = await writesNothing(() =>
      h.call('applyReturn', { action: 'apply', requestId, orderId: 'O1001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L2', quantity: 1 }] }, otherBuyer),
    );
    expectError(res, 'FORBIDDEN', '这不是您的订单，不能申请售后');
  });

  it('a second apply on the same line while one is open → RETURN_ALREADY_OPEN, nothing written', async () => {
    const res = await writesNothing(() => apply({ orderId: 'O1001', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L2', quantity: 1 }] }));
    expectError(res, 'RETURN_ALREADY_OPEN', `该商品已有进行中的售后申请（${first.returnId}），请等待处理完成后再申请，或修改原申请`);
    // every refusal is still listed (the units the open one holds are gone too)
    expect(res.error.details.refusals).toEqual([
      { code: 'QUANTITY_EXCEEDED', lineId: 'L2', message: '「运动袜 三双装」已没有可申请售后的数量（已退款或正在售后中）' },
      { code: 'RETURN_ALREADY_OPEN', lineId: 'L2', message: res.error.message },
    ]);
  });

  it('ineligible apply → NOT_ELIGIBLE with every refusal, nothing written', async () => {
    const res = await writesNothing(() => apply({ orderId: 'O1004', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] }));
    expectError(res, 'NOT_ELIGIBLE');
    expect(refusalCodes(res)).toEqual(['QUANTITY_EXCEEDED', 'NO_REASON_WINDOW_CLOSED']);
    expect(res.error.message).toBe(res.error.details.refusals[0].message);
    const other_ = await writesNothing(() => apply({ orderId: 'O2001', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expectError(other_, 'FORBIDDEN', '这不是您的订单，不能申请售后');
  });
});

// ---------------------------------------------------------------- evidence on apply

describe('apply with a seller-side reason and evidence (O1004, quality window open)', () => {
  const base = { orderId: 'O1004', type: 'RETURN_REFUND', reason: 'QUALITY_ISSUE', lines: [{ lineId: 'L1', quantity: 1 }] };

  it('without any photo → NOT_ELIGIBLE (EVIDENCE_REQUIRED), nothing written', async () => {
    const res = await writesNothing(() => apply(base));
    expectError(res, 'NOT_ELIGIBLE', '售后原因为“质量问题”时，请至少上传1张照片作为凭证');
    expect(refusalCodes(res)).toEqual(['EVIDENCE_REQUIRED']);
  });

  it('with only a video → EVIDENCE_INVALID (a photo is required)', async () => {
    const video = await upload(DEMO.buyer, 'apply-video.mp4', mp4());
    const res = await writesNothing(() => apply({ ...base, evidence: [video] }));
    expectError(res, 'EVIDENCE_INVALID', '「质量问题」需要上传至少一张照片凭证');
  });

  it("a file under another user's folder → EVIDENCE_INVALID (WRONG_FOLDER)", async () => {
    const theirs = await upload(DEMO.otherBuyer, 'theirs.jpg', jpeg());
    const res = await writesNothing(() => apply({ ...base, evidence: [theirs] }));
    expectError(res, 'EVIDENCE_INVALID', '凭证文件须由本人上传到 evidence/ 目录');
    expect(res.error.details.problems).toEqual([{ fileID: theirs, code: 'WRONG_FOLDER', message: '凭证文件须由本人上传到 evidence/ 目录' }]);
    const outside = await h.upload(`avatars/${DEMO.buyer}/a.jpg`, jpeg());
    expectError(await writesNothing(() => apply({ ...base, evidence: [outside] })), 'EVIDENCE_INVALID', '凭证文件须由本人上传到 evidence/ 目录');
    const sneaky = theirs.replace(`evidence/${DEMO.otherBuyer}/`, `evidence/${DEMO.buyer}/../${DEMO.otherBuyer}/`);
    expectError(await writesNothing(() => apply({ ...base, evidence: [sneaky] })), 'EVIDENCE_INVALID', '凭证文件须由本人上传到 evidence/ 目录');
  });

  it('a missing file → EVIDENCE_INVALID (NOT_FOUND)', async () => {
    const real = await upload(DEMO.buyer, 'real.jpg', jpeg());
    const missing = real.replace('real.jpg', 'never-uploaded.jpg');
    const res = await writesNothing(() => apply({ ...base, evidence: [missing] }));
    expectError(res, 'EVIDENCE_INVALID', '凭证文件不存在或已被删除，请重新上传');
    expect(res.error.details.problems[0]).toMatchObject({ fileID: missing, code: 'NOT_FOUND' });
  });

  it('a non-image (even named .jpg) → EVIDENCE_INVALID (BAD_TYPE)', async () => {
    const text = await upload(DEMO.buyer, 'fake.jpg', Buffer.from('这不是图片，只是一段文字'.repeat(20)));
    const res = await writesNothing(() => apply({ ...base, evidence: [text] }));
    expectError(res, 'EVIDENCE_INVALID', '图片凭证须为 JPG、PNG、GIF、WEBP 或 HEIC 格式');
    expect(res.error.details.problems[0]).toMatchObject({ fileID: text, code: 'BAD_TYPE' });
  });

  it('a too-large file (> 10 MB) → EVIDENCE_INVALID (TOO_LARGE)', async () => {
    const big = await upload(DEMO.buyer, 'big.jpg', jpeg(10 * 1024 * 1024 + 1));
    const res = await writesNothing(() => apply({ ...base, evidence: [big] }));
    expectError(res, 'EVIDENCE_INVALID', '凭证文件不能超过 10MB');
    expect(res.error.details.problems[0]).toMatchObject({ fileID: big, code: 'TOO_LARGE' });
  });

  it('every problem is listed when several files are wrong', async () => {
    const good = await upload(DEMO.buyer, 'good-1.jpg', jpeg());
    const theirs = await upload(DEMO.otherBuyer, 'theirs-2.jpg', jpeg());
    const text = await upload(DEMO.buyer, 'text-2.jpg', Buffer.from('hello world, not an image'));
    const res = await writesNothing(() => apply({ ...base, evidence: [good, theirs, text] }));
    expectError(res, 'EVIDENCE_INVALID');
    expect(res.error.details.problems.map((p: any) => [p.fileID, p.code])).toEqual([
      [theirs, 'WRONG_FOLDER'],
      [text, 'BAD_TYPE'],
    ]);
  });

  it('with an uploaded jpeg under evidence/<openid>/ → ok; the photo is stored and on the first timeline event', async () => {
    const photo = await upload(DEMO.buyer, 'crack.jpg', jpeg(4096));
    const res = await apply({ ...base, description: '耳机右耳无声', evidence: [photo] });
    expect(res.ok).toBe(true);
    const ret = res.data.return;
    expect(ret).toMatchObject({ status: 'PENDING_REVIEW', freightPayer: 'SELLER', amounts: { items: 45900, shipping: 0, total: 45900 } });
    expect(ret.evidence).toHaveLength(1);
    expect(ret.evidence[0]).toMatchObject({ fileID: photo, kind: 'PHOTO', by: { role: 'BUYER', openid: DEMO.buyer }, size: 4096, contentType: 'image/jpeg' });
    expect(ret.timeline[0]).toMatchObject({ action: 'apply', evidence: [photo] });
    const stored = await returnDoc(ret.returnId);
    expect(stored.evidence.map((e: any) => e.fileID)).toEqual([photo]);
    // the photo went through the content check
    const checks = (await h.outbox()).filter((r: any) => r.api === 'security.imgSecCheck' && r.function === 'applyReturn');
    expect(checks.length).toBeGreaterThanOrEqual(1);
  });
});

// ---------------------------------------------------------------- amounts of a partial return

describe('partial returns of one line sum exactly to what was paid (O1003 L1: 3 units, 10000 paid)', () => {
  it('1 of 3 → 3333; the other 2 cannot be applied while the first is open', async () => {
    const a = await apply({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(a.ok).toBe(true);
    expect(a.data.return.lines).toEqual([{ lineId: 'L1', quantity: 1, amount: 3333 }]);
    expect(a.data.return.amounts).toEqual({ items: 3333, shipping: 0, total: 3333 });
    const b = await writesNothing(() => apply({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] }));
    expect(b.ok).toBe(false);
    expect(['RETURN_ALREADY_OPEN', 'NOT_ELIGIBLE']).toContain(b.error.code);
    expect(refusalCodes(b)).toContain('RETURN_ALREADY_OPEN');

    // cancel: the line is free again, and a cancelled request holds no units
    const c = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: a.data.return.returnId }, buyer);
    expect(c.ok).toBe(true);
    const two = await preview({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(two.data).toMatchObject({ eligible: true, amounts: { items: 6666 } });
  });

  it('1 of 3 refunded (3333), then the other 2 → 6667: 3333 + 6667 = 10000 refunded on the original payment', async () => {
    const a = await apply({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(a.data.return.amounts.total).toBe(3333);
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: a.data.return.returnId }, merchant);
    expect(approved.ok).toBe(true);
    await h.flush();
    const got = await h.call('queryReturns', { action: 'get', returnId: a.data.return.returnId }, buyer);
    expect(got.data.return.status).toBe('REFUNDED');

    await advance(2 * 60_000); // refunds of one payment are at least a minute apart
    const b = await apply({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(b.ok).toBe(true);
    expect(b.data.return.lines).toEqual([{ lineId: 'L1', quantity: 2, amount: 6667 }]);
    const more = await writesNothing(() => apply({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expect(more.ok).toBe(false);
    expect(refusalCodes(more)).toEqual(expect.arrayContaining(['QUANTITY_EXCEEDED', 'RETURN_ALREADY_OPEN']));

    const approvedB = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: b.data.return.returnId }, merchant);
    expect(approvedB.ok).toBe(true);
    await h.flush();
    const refunds = (await h.db('refunds')).filter((r: any) => r.orderId === 'O1003');
    expect(refunds.map((r: any) => r.refundFee).sort()).toEqual([3333, 6667]);
    expect(refunds.reduce((s: number, r: any) => s + r.refundFee, 0)).toBe(10000);
    expect(refunds.every((r: any) => r.outTradeNo === 'T1003' && r.status === 'SUCCESS')).toBe(true);

    const none = await preview({ orderId: 'O1003', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(none.data.refusals).toEqual([{ code: 'QUANTITY_EXCEEDED', lineId: 'L1', message: '「陶瓷马克杯（三只装，满减后）」已没有可申请售后的数量（已退款或正在售后中）' }]);
  });
});

// ---------------------------------------------------------------- modify

describe("orders written in api.md's shape (an afterSale summary, no ledger)", () => {
  const extReturn = (id: string, orderId: string, status: string, lineId: string, quantity: number, amount: number) => ({
    _id: id,
    orderId,
    buyerOpenid: DEMO.buyer,
    type: 'RETURN_REFUND',
    reason: 'NO_LONGER_WANTED',
    status,
    lines: [{ lineId, quantity, amount }],
    amounts: { items: amount, shipping: 0, total: amount },
    attempts: 1,
    version: 1,
    evidence: [],
    refundIds: [],
    timeline: [],
    createdAt: new Date(Date.now() - DAY).toISOString(),
    updatedAt: new Date(Date.now() - DAY).toISOString(),
  });

  it('after-sales named only by the summary are counted: an open one blocks its line, a refunded one used up its units', async () => {
    await seedOrder('S-EXT1');
    const order = await orderDoc('S-EXT1');
    await h.seed({
      orders: [{ ...order, afterSale: { L1: { returnId: 'R20260101000000000001', status: 'PENDING_REVIEW' }, L2: { returnId: 'R20260101000000000002', status: 'REFUNDED' } } }],
      returns: [extReturn('R20260101000000000001', 'S-EXT1', 'PENDING_REVIEW', 'L1', 1, 4500)],
    });
    const l1 = await preview({ orderId: 'S-EXT1', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(l1.data.eligible).toBe(false);
    expect(l1.data.refusals).toEqual(
      expect.arrayContaining([expect.objectContaining({ code: 'RETURN_ALREADY_OPEN', lineId: 'L1', message: expect.stringContaining('R20260101000000000001') })]),
    );
    // not in `returns` at all: counted as holding the whole line in the summary's status (REFUNDED: nothing left)
    const l2 = await preview({ orderId: 'S-EXT1', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L2', quantity: 1 }] });
    expect(l2.data.refusals.map((r: any) => r.code)).toEqual(['QUANTITY_EXCEEDED']);
    const res = await writesNothing(() => apply({ orderId: 'S-EXT1', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expectError(res, 'RETURN_ALREADY_OPEN');
    // its first transition through these functions puts it into the ledger in whole (stored, with the summary, by the timer's next pass)
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: 'R20260101000000000001' }, merchant);
    expect(approved.data.return.status).toBe('AWAITING_SHIPMENT');
    await sweep();
    const after = await orderDoc('S-EXT1');
    expect((await ledgerOf('S-EXT1')).R20260101000000000001).toMatchObject({ status: 'AWAITING_SHIPMENT', lines: [{ lineId: 'L1', quantity: 1, amount: 4500 }] });
    expect(after.afterSale.L1).toMatchObject({ returnId: 'R20260101000000000001', status: 'AWAITING_SHIPMENT' });
  });

  it('a closed one frees the line; the new after-sale joins the ledger beside the summary', async () => {
    await seedOrder('S-EXT2');
    const order = await orderDoc('S-EXT2');
    await h.seed({
      orders: [{ ...order, afterSale: { L1: { returnId: 'R20260101000000000003', status: 'CANCELLED' } } }],
      returns: [extReturn('R20260101000000000003', 'S-EXT2', 'CANCELLED', 'L1', 2, 9000)],
    });
    const res = await apply({ orderId: 'S-EXT2', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(res.ok).toBe(true);
    await sweep(); // the summary follows on the timer's next pass
    const after = await orderDoc('S-EXT2');
    expect(after.afterSale.L1).toMatchObject({ returnId: res.data.return.returnId, status: 'PENDING_REVIEW' });
  });
});

describe('an apply that died after claiming its lines, repeated', () => {
  const applyKey = (requestId: string) => createHash('sha256').update(`${DEMO.buyer}\u0000${requestId}`).digest('hex');

  it('is rebuilt from what was claimed; a repeat asking for something else is refused and writes nothing', async () => {
    await seedOrder('S-DIED');
    const requestId = rid('died');
    const returnId = 'R20260101000000000099';
    const order = await orderDoc('S-DIED');
    const claim = {
      returnId,
      status: 'PENDING_REVIEW',
      type: 'RETURN_REFUND',
      reason: 'NO_LONGER_WANTED',
      lines: [{ lineId: 'L1', quantity: 1, amount: 4500 }],
      attempts: 1,
      shippingRefunded: 0,
      refundTotal: 4500,
      shipped: false,
      version: 1,
      applyKey: applyKey(requestId),
      createdAt: new Date(Date.now() - 60_000).toISOString(),
    };
    await h.seed({ orders: [{ ...order, afterSaleRev: 1, afterSaleReturns: { [returnId]: claim }, afterSale: { L1: { returnId, status: 'PENDING_REVIEW', version: 1 } } }] });

    const other = await writesNothing(() => apply({ requestId, orderId: 'S-DIED', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L2', quantity: 1 }] }));
    expectError(other, 'INVALID_ARGUMENT', '该请求编号已用于另一份售后申请，请刷新页面后重新提交');
    expect(other.error.details.issues).toEqual([{ path: 'requestId', message: '该请求编号已用于另一份售后申请，请刷新页面后重新提交' }]);

    const same = await apply({ requestId, orderId: 'S-DIED', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(same.ok).toBe(true);
    expect(same.data.return).toMatchObject({
      returnId,
      type: 'RETURN_REFUND',
      lines: [{ lineId: 'L1', quantity: 1, amount: 4500 }],
      amounts: { items: 4500, shipping: 0, total: 4500 },
      status: 'PENDING_REVIEW',
    });
    expect((await returnDoc(returnId)).amounts.total).toBe(4500);
  });
});

describe('modify', () => {
  let ret: any;

  beforeAll(async () => {
    await seedOrder('S-MOD');
  });

  it('changes reason/lines/description, recomputes amounts, restarts the review deadline, and counts as an attempt', async () => {
    const a = await apply({ orderId: 'S-MOD', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(a.ok).toBe(true);
    ret = a.data.return;
    expect(ret.amounts.total).toBe(4500);
    await advance(60_000);
    const requestId = rid('mod');
    const before = await h.now();
    const m = await h.call(
      'applyReturn',
      { action: 'modify', requestId, returnId: ret.returnId, reason: 'WRONG_ORDER', description: '两件都不要了', lines: [{ lineId: 'L1', quantity: 2 }] },
      buyer,
    );
    expect(m.ok).toBe(true);
    const mod = m.data.return;
    expect(mod).toMatchObject({
      status: 'PENDING_REVIEW',
      reason: 'WRONG_ORDER',
      description: '两件都不要了',
      lines: [{ lineId: 'L1', quantity: 2, amount: 9000 }],
      amounts: { total: 9000 },
      attempts: 2,
      version: 2,
    });
    expect(mod.timeline.map((e: any) => e.action)).toEqual(['apply', 'modify']);
    expect(mod.timeline[1]).toMatchObject({ from: 'PENDING_REVIEW', to: 'PENDING_REVIEW', actionLabel: '修改申请', note: '两件都不要了' });
    expect(Date.parse(mod.deadline)).toBeGreaterThanOrEqual(before + 48 * HOUR);
    expect(Date.parse(mod.deadline)).toBeGreaterThan(Date.parse(ret.deadline));
    await sweep(); // the summary follows on the timer's next pass
    const order = await orderDoc('S-MOD');
    expect(order.afterSale.L1).toMatchObject({ returnId: ret.returnId, status: 'PENDING_REVIEW', version: 2 });
    expect((await ledgerOf('S-MOD'))[ret.returnId]).toMatchObject({ attempts: 2, lines: [{ lineId: 'L1', quantity: 2, amount: 9000 }] });

    // replay: same answer, nothing more
    const again = await writesNothing(() =>
      h.call('applyReturn', { action: 'modify', requestId, returnId: ret.returnId, reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 2 }] }, buyer),
    );
    expect(again.ok).toBe(true);
    expect(again.data.return.version).toBe(2);
    ret = mod;
  });

  it('refusals write nothing: ineligible change, seller-side reason without photo, other buyer, unknown after-sale', async () => {
    const tooMany = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, lines: [{ lineId: 'L1', quantity: 3 }] }, buyer));
    expectError(tooMany, 'NOT_ELIGIBLE', '「测试商品甲」最多还可申请2件，请调整数量');
    const seller = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, reason: 'DAMAGED' }, buyer));
    expectError(seller, 'NOT_ELIGIBLE', '售后原因为“破损”时，请至少上传1张照片作为凭证');
    const foreign = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, reason: 'OTHER' }, otherBuyer));
    expectError(foreign, 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
    const unknown = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: 'R20200101000000000001', reason: 'OTHER' }, buyer));
    expectError(unknown, 'NOT_FOUND', '售后单不存在');
  });

  it('a modification that changes nothing is refused and uses up no attempt', async () => {
    const empty = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId }, buyer));
    expectError(empty, 'INVALID_ARGUMENT', '修改内容与原申请相同，请至少修改一项后再提交');
    const same = await writesNothing(() =>
      h.call(
        'applyReturn',
        {
          action: 'modify',
          requestId: rid(),
          returnId: ret.returnId,
          reason: ret.reason,
          description: ret.description,
          lines: [...ret.lines].reverse().map((l: any) => ({ lineId: l.lineId, quantity: l.quantity })),
        },
        buyer,
      ),
    );
    expectError(same, 'INVALID_ARGUMENT', '修改内容与原申请相同，请至少修改一项后再提交');
    expect((await h.db('returns')).find((r: any) => r._id === ret.returnId).attempts).toBe(ret.attempts);
  });

  it("a staff photo on the after-sale is not the buyer's evidence for a seller-side reason", async () => {
    const staffPhoto = await upload(DEMO.merchant, 'mod-staff.jpg', jpeg());
    expect((await h.call('uploadEvidence', { requestId: rid(), returnId: ret.returnId, files: [{ fileID: staffPhoto, kind: 'PHOTO' }] }, merchant)).ok).toBe(true);
    const res = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, reason: 'DAMAGED' }, buyer));
    expectError(res, 'NOT_ELIGIBLE', '售后原因为“破损”时，请至少上传1张照片作为凭证');
    ret = (await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, buyer)).data.return;
  });

  it('a seller-side reason with a photo is accepted', async () => {
    const photo = await upload(DEMO.buyer, 'mod-damage.jpg', jpeg());
    const m = await h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, reason: 'DAMAGED', evidence: [photo] }, buyer);
    expect(m.ok).toBe(true);
    expect(m.data.return).toMatchObject({ reason: 'DAMAGED', freightPayer: 'SELLER', attempts: 3 });
    expect(m.data.return.evidence.filter((e: any) => e.by.role === 'BUYER').map((e: any) => e.fileID)).toEqual([photo]);
    expect(m.data.return.timeline.at(-1)).toMatchObject({ action: 'modify', evidence: [photo] });
    ret = m.data.return;
  });

  it('5 applications + modifications per line, then ATTEMPTS_EXCEEDED (also for a new application after cancelling)', async () => {
    const m4 = await h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, description: '第四次' }, buyer);
    expect(m4.ok).toBe(true);
    expect(m4.data.return.attempts).toBe(4);
    const m5 = await h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, description: '第五次' }, buyer);
    expect(m5.ok).toBe(true);
    expect(m5.data.return.attempts).toBe(5);
    const m6 = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, description: '第六次' }, buyer));
    expectError(m6, 'NOT_ELIGIBLE', '该商品的售后申请及修改次数已达上限（5次），如仍有问题请联系商家');
    expect(m6.error.details.refusals).toEqual([{ code: 'ATTEMPTS_EXCEEDED', lineId: 'L1', message: m6.error.message }]);

    const c = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: ret.returnId }, buyer);
    expect(c.ok).toBe(true);
    const again = await writesNothing(() => apply({ orderId: 'S-MOD', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] }));
    expectError(again, 'NOT_ELIGIBLE');
    expect(refusalCodes(again)).toEqual(['ATTEMPTS_EXCEEDED']);
    // the other line of the order is not affected
    const l2 = await apply({ orderId: 'S-MOD', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L2', quantity: 1 }] });
    expect(l2.ok).toBe(true);
  });

  it('moving the request to another line updates the order summary of both lines', async () => {
    await seedOrder('S-MOV');
    const earlier = await apply({ orderId: 'S-MOV', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    const c = await h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: earlier.data.return.returnId }, buyer);
    expect(c.ok).toBe(true);
    const a = await apply({ orderId: 'S-MOV', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    const id = a.data.return.returnId;
    const m = await h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: id, lines: [{ lineId: 'L2', quantity: 1 }] }, buyer);
    expect(m.ok).toBe(true);
    expect(m.data.return.lines).toEqual([{ lineId: 'L2', quantity: 1, amount: 3000 }]);
    await sweep(); // the summary follows on the timer's next pass
    const order = await orderDoc('S-MOV');
    expect(order.afterSale.L2).toMatchObject({ returnId: id, status: 'PENDING_REVIEW' });
    // L1 is no longer in this after-sale: its summary goes back to the latest one that holds it
    expect(order.afterSale.L1).toMatchObject({ returnId: earlier.data.return.returnId, status: 'CANCELLED' });
    const again = await apply({ orderId: 'S-MOV', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(again.ok).toBe(true);
    await sweep();
    expect((await orderDoc('S-MOV')).afterSale.L1).toMatchObject({ returnId: again.data.return.returnId, status: 'PENDING_REVIEW' });
  });

  it('modify outside PENDING_REVIEW / REJECTED → INVALID_STATE, nothing written', async () => {
    await seedOrder('S-MOD2');
    const a = await apply({ orderId: 'S-MOD2', type: 'RETURN_REFUND', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    const approved = await h.call('reviewReturn', { action: 'approve', requestId: rid(), returnId: a.data.return.returnId }, merchant);
    expect(approved.data.return.status).toBe('AWAITING_SHIPMENT');
    const m = await writesNothing(() =>
      h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: a.data.return.returnId, lines: [{ lineId: 'L1', quantity: 2 }] }, buyer),
    );
    expectError(m, 'INVALID_STATE', '当前状态（待买家寄回）不能执行此操作');
  });
});

// ---------------------------------------------------------------- cancel

describe('cancel', () => {
  it('→ CANCELLED, the order summary follows, the line is free again; cancelling again → INVALID_STATE', async () => {
    await seedOrder('S-CAN');
    const a = await apply({ orderId: 'S-CAN', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] });
    const id = a.data.return.returnId;
    const foreign = await writesNothing(() => h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: id }, otherBuyer));
    expectError(foreign, 'FORBIDDEN', '这不是您的售后单，无权查看或操作');
    const requestId = rid('cancel');
    const c = await h.call('applyReturn', { action: 'cancel', requestId, returnId: id }, buyer);
    expect(c.ok).toBe(true);
    expect(c.data.return).toMatchObject({ status: 'CANCELLED', statusLabel: '已撤销', deadline: null, deadlineAction: null, allowedActions: [] });
    expect(c.data.return.timeline.map((e: any) => e.action)).toEqual(['apply', 'cancel']);
    await sweep(); // the summary follows on the timer's next pass
    expect((await orderDoc('S-CAN')).afterSale.L1).toMatchObject({ returnId: id, status: 'CANCELLED' });

    const replay = await writesNothing(() => h.call('applyReturn', { action: 'cancel', requestId, returnId: id }, buyer));
    expect(replay.ok).toBe(true);
    expect(replay.data.return.status).toBe('CANCELLED');
    const twice = await writesNothing(() => h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: id }, buyer));
    expectError(twice, 'INVALID_STATE', '当前状态（已撤销）不能执行此操作');
    const modify = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: id, description: '再试试' }, buyer));
    expectError(modify, 'INVALID_STATE');

    const b = await apply({ orderId: 'S-CAN', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 2 }] });
    expect(b.ok).toBe(true);
    expect(b.data.return.returnId).not.toBe(id);
    expect(b.data.return.amounts.total).toBe(9000);
    await sweep();
    expect((await orderDoc('S-CAN')).afterSale.L1).toMatchObject({ returnId: b.data.return.returnId, status: 'PENDING_REVIEW' });
  });
});

// ---------------------------------------------------------------- appeal

describe('appeal (REJECTED → DISPUTED within appealDays)', () => {
  async function rejected(orderId: string) {
    await seedOrder(orderId);
    const a = await apply({ orderId, type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    expect(a.ok).toBe(true);
    const r = await h.call('reviewReturn', { action: 'reject', requestId: rid(), returnId: a.data.return.returnId, reason: '商品已拆封影响二次销售' }, merchant);
    expect(r.ok).toBe(true);
    expect(r.data.return.status).toBe('REJECTED');
    return r.data.return;
  }

  it('appeal before REJECTED → INVALID_STATE', async () => {
    await seedOrder('S-APP0');
    const a = await apply({ orderId: 'S-APP0', type: 'REFUND_ONLY', reason: 'NO_LONGER_WANTED', lines: [{ lineId: 'L1', quantity: 1 }] });
    const res = await writesNothing(() => h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: a.data.return.returnId, description: '商家不理我' }, buyer));
    expectError(res, 'INVALID_STATE', '当前状态（待商家处理）不能执行此操作');
  });

  it('within the window → DISPUTED with the description and evidence on the timeline', async () => {
    const ret = await rejected('S-APP1');
    expect(ret.rejectReason).toBe('商品已拆封影响二次销售');
    const got = await h.call('queryReturns', { action: 'get', returnId: ret.returnId }, buyer);
    expect(got.data.return.allowedActions.sort()).toEqual(['appeal', 'cancel', 'modify']);
    const noDescription = await writesNothing(() => h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: ret.returnId }, buyer));
    expectError(noDescription, 'INVALID_ARGUMENT');
    expect(noDescription.error.details.issues).toEqual([{ path: 'description', message: '请填写申诉说明' }]);

    const photo = await upload(DEMO.buyer, 'appeal.jpg', jpeg());
    const res = await h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: ret.returnId, description: '包装完好，未拆封', evidence: [photo] }, buyer);
    expect(res.ok).toBe(true);
    expect(res.data.return).toMatchObject({ status: 'DISPUTED', statusLabel: '主管复核中', nextActor: { role: 'ARBITER' }, deadlineAction: 'autoDecide' });
    expect(res.data.return.timeline.map((e: any) => e.action)).toEqual(['apply', 'reject', 'appeal']);
    expect(res.data.return.timeline[2]).toMatchObject({ from: 'REJECTED', to: 'DISPUTED', note: '买家申请店铺主管复核；包装完好，未拆封', evidence: [photo] });
    expect(res.data.return.evidence.map((e: any) => e.fileID)).toEqual([photo]);
    expect(res.data.return.appeal).toMatchObject({ description: '包装完好，未拆封' });
    await sweep(); // the summary follows on the timer's next pass
    expect((await orderDoc('S-APP1')).afterSale.L1.status).toBe('DISPUTED');
  });

  it('a rejected application may be modified (back to PENDING_REVIEW)', async () => {
    const ret = await rejected('S-APP2');
    const m = await h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, description: '补充说明：未拆封' }, buyer);
    expect(m.ok).toBe(true);
    expect(m.data.return).toMatchObject({ status: 'PENDING_REVIEW', attempts: 2 });
    await sweep();
    expect((await orderDoc('S-APP2')).afterSale.L1.status).toBe('PENDING_REVIEW');
  });

  it('a rejected application may be resubmitted unchanged (a modify with nothing but the id)', async () => {
    const ret = await rejected('S-APP4');
    const m = await h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId }, buyer);
    expect(m.ok).toBe(true);
    expect(m.data.return).toMatchObject({ status: 'PENDING_REVIEW', attempts: 2, description: ret.description });
  });

  it('re-applying for the lines of a rejected application withdraws it and creates the new one', async () => {
    const ret = await rejected('S-APP5');
    const req = { orderId: 'S-APP5', type: 'REFUND_ONLY', reason: 'WRONG_ORDER', lines: [{ lineId: 'L1', quantity: 1 }] };
    const p = await preview(req);
    expect(p.data).toMatchObject({ eligible: true, supersedes: [ret.returnId] });
    const mine = (await h.call('queryReturns', { action: 'list', scope: 'mine' }, buyer)).data.items;
    expect(mine.find((r: any) => r.returnId === ret.returnId)).toMatchObject({ status: 'REJECTED', reapplicable: true });
    const again = await apply(req);
    expect(again.ok).toBe(true);
    const fresh = again.data.return;
    expect(fresh.returnId).not.toBe(ret.returnId);
    expect(fresh).toMatchObject({ status: 'PENDING_REVIEW', reason: 'WRONG_ORDER' });
    const old = await returnDoc(ret.returnId);
    expect(old.status).toBe('CANCELLED');
    expect(old.timeline.at(-1)).toMatchObject({ action: 'cancel', from: 'REJECTED', to: 'CANCELLED', note: '买家就相同商品重新申请售后，原申请撤销' });
    await sweep();
    const order = await orderDoc('S-APP5');
    expect(order.afterSale.L1).toMatchObject({ returnId: fresh.returnId, status: 'PENDING_REVIEW' });
    expect((await ledgerOf('S-APP5'))[ret.returnId].status).toBe('CANCELLED');
  });

  it('while the arbiter decides (DISPUTED) the buyer cannot cancel', async () => {
    const ret = await rejected('S-APP6');
    const disputed = await h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: ret.returnId, description: '包装完好' }, buyer);
    expect(disputed.data.return.allowedActions).toEqual([]);
    const res = await writesNothing(() => h.call('applyReturn', { action: 'cancel', requestId: rid(), returnId: ret.returnId }, buyer));
    expectError(res, 'INVALID_STATE', '当前状态（主管复核中）不能执行此操作');
  });

  it('after the appeal window → refused (INVALID_STATE), nothing written', async () => {
    const ret = await rejected('S-APP3');
    await advanceJustPast(Date.parse(ret.deadline));
    // The sweep (fired by the clock move) may already have closed it; either way the buyer is refused.
    const status = (await returnDoc(ret.returnId)).status;
    expect(['REJECTED', 'CLOSED']).toContain(status);
    const res = await writesNothing(() => h.call('applyReturn', { action: 'appeal', requestId: rid(), returnId: ret.returnId, description: '迟到的申诉' }, buyer));
    const mod = await writesNothing(() => h.call('applyReturn', { action: 'modify', requestId: rid(), returnId: ret.returnId, description: '迟到的修改' }, buyer));
    if (status === 'REJECTED') {
      expectError(res, 'INVALID_STATE', '申诉期已过，不能再申请店铺主管复核');
      expect(res.error.details).toMatchObject({ refusal: 'APPEAL_WINDOW_CLOSED' });
      expectError(mod, 'INVALID_STATE', '修改期限已过，售后将被关闭');
    } else {
      expectError(res, 'INVALID_STATE', '当前状态（已关闭）不能执行此操作');
      expectError(mod, 'INVALID_STATE', '当前状态（已关闭）不能执行此操作');
    }
  });
});
