/**
 * The after-sale as a conversation (issue "Negotiation, messages and honest
 * deadlines"): the merchant's proposals (协商) and the buyer's answers, the
 * message thread (留言), contact settings, the shop's arbiter with a deadline
 * decided for the buyer, and a failed refund the merchant lets run over.
 */
import { rid, DEMO } from '../support/emulator';
import { useEmulator, fx, expectError, dataOf, buyer, merchant, arbiter, otherBuyer, ejsonDate } from '../support/functions';

const HOUR = 3_600_000;
const h = useEmulator();
const f = fx(h);
const { writesNothing, returnDoc, refundsOf, quiet, advanceQuietly, sweep, photo } = f;

let seq = 0;
async function order(lines = [{ lineId: 'L1', quantity: 1, paidAmount: 20000 }]): Promise<string> {
  const orderId = `ONG${++seq}${Date.now().toString(36)}`;
  await f.seedOrder({
    _id: orderId,
    daysAgo: { paid: 4, shipped: 3, received: 1 },
    date: ejsonDate,
    lines: lines.map((l) => ({ ...l, skuId: `S-${l.lineId}`, title: `商品${l.lineId}`, unitPrice: l.paidAmount / l.quantity })),
  });
  return orderId;
}
const review = (event: Record<string, unknown>, who = merchant) => h.call('reviewReturn', { requestId: rid('review'), ...event }, who);
const buyerCall = (event: Record<string, unknown>, who = buyer) => h.call('applyReturn', { requestId: rid('buyer'), ...event }, who);
async function refunded(returnId: string): Promise<number> {
  await h.flush();
  await quiet();
  return (await refundsOf(returnId)).filter((r: any) => r.status === 'SUCCESS').reduce((s: number, r: any) => s + r.refundFee, 0);
}

describe('proposals (协商)', () => {
  it('a partial refund, the buyer keeps the goods: accepted → the agreed amount is refunded at once, as a refund only', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND', { reason: 'NO_LONGER_WANTED' });
    const proposed = dataOf(
      await review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 8000, reason: '商品已拆封，可退 80 元，商品无需寄回' }),
    ).return;
    expect(proposed).toMatchObject({
      status: 'NEGOTIATING',
      statusLabel: '协商待确认',
      nextActor: { role: 'BUYER' },
      deadlineAction: 'lapseProposal',
      proposal: { kind: 'PARTIAL_REFUND', amount: 8000, kindLabel: '部分退款，商品无需退回' },
    });
    const mine = dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer)).return;
    expect(mine.allowedActions.sort()).toEqual(['acceptProposal', 'cancel', 'declineProposal']);
    const accepted = dataOf(await buyerCall({ action: 'acceptProposal', returnId: a.returnId })).return;
    expect(accepted).toMatchObject({ type: 'REFUND_ONLY', negotiation: [{ kind: 'PARTIAL_REFUND', outcome: 'ACCEPTED', outcomeLabel: '买家已同意' }], proposal: null });
    expect(['REFUNDING', 'REFUNDED']).toContain(accepted.status);
    expect(await refunded(a.returnId)).toBe(8000);
    expect((await returnDoc(a.returnId)).timeline.map((e: any) => e.action)).toEqual(['apply', 'propose', 'acceptProposal', 'refundSucceeded']);
  });

  it('declined → back to the merchant (fresh review deadline), who may then reject with a reason', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND');
    dataOf(await review({ action: 'propose', returnId: a.returnId, kind: 'REFUND_WITHOUT_RETURN', reason: '无需寄回，全额退款' }));
    const declined = dataOf(await buyerCall({ action: 'declineProposal', returnId: a.returnId, reason: '我想退货' })).return;
    expect(declined).toMatchObject({ status: 'PENDING_REVIEW', negotiation: [{ kind: 'REFUND_WITHOUT_RETURN', amount: 20000, outcome: 'DECLINED' }] });
    expect(dataOf(await review({ action: 'reject', returnId: a.returnId, reason: '不符合退货条件' })).return.status).toBe('REJECTED');
  });

  it('the buyer stays silent past the deadline → it lapses back to the merchant (sweep)', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND');
    dataOf(await review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 5000, reason: '部分退款' }));
    await advanceQuietly(48 * HOUR + 5 * 60_000);
    await sweep();
    const d = await returnDoc(a.returnId);
    expect(d.status).toBe('PENDING_REVIEW');
    expect(d.timeline.at(-1)).toMatchObject({ action: 'lapseProposal', actor: { role: 'SYSTEM' } });
    expect(d.proposals[0].outcome).toBe('LAPSED');
  });

  it('refusals: above the settled maximum (REFUND_LIMIT), no reason, a kind not for this status, a stranger; nothing written', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND');
    const over = await writesNothing(() => review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 20001, reason: '多退一分' }));
    expectError(over, 'REFUND_LIMIT');
    expect(over.error.details.maximum).toBe(20000);
    expectError(await writesNothing(() => review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 100 })), 'INVALID_ARGUMENT');
    const wrongKind = await writesNothing(() => review({ action: 'propose', returnId: a.returnId, kind: 'LOWER_AFTER_RECEIPT', refundAmount: 100, reason: '验货' }));
    expectError(wrongKind, 'INVALID_ARGUMENT', /当前状态不能提出/);
    expectError(
      await writesNothing(() => review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 100, reason: 'x' }, { openid: DEMO.buyer })),
      'FORBIDDEN',
    );
    expectError(await writesNothing(() => buyerCall({ action: 'acceptProposal', returnId: a.returnId })), 'INVALID_STATE');
  });

  it('at most 3 proposals per after-sale', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND');
    for (let i = 0; i < 3; i++) {
      dataOf(await review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 5000 + i, reason: `第${i + 1}次协商` }));
      dataOf(await buyerCall({ action: 'declineProposal', returnId: a.returnId }));
    }
    const fourth = await writesNothing(() => review({ action: 'propose', returnId: a.returnId, kind: 'PARTIAL_REFUND', refundAmount: 9000, reason: '再协商' }));
    expectError(fourth, 'INVALID_STATE', /最多可提出 3 次协商方案/);
    expect(fourth.error.details.refusal).toBe('PROPOSALS_EXHAUSTED');
  });

  it('after inspecting the returned goods: a lower amount with evidence; accepted → that amount is refunded', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND', { reason: 'NO_LONGER_WANTED' });
    dataOf(await review({ action: 'approve', returnId: a.returnId }));
    dataOf(await h.call('submitLogistics', { mode: 'SELF_SHIP', requestId: rid('ship'), returnId: a.returnId, carrier: 'SF', trackingNo: 'SF1234567890123' }, buyer));
    expectError(
      await writesNothing(() => review({ action: 'propose', returnId: a.returnId, kind: 'LOWER_AFTER_RECEIPT', refundAmount: 15000, reason: '吊牌已剪' })),
      'EVIDENCE_INVALID',
    );
    const p = dataOf(
      await review({ action: 'propose', returnId: a.returnId, kind: 'LOWER_AFTER_RECEIPT', refundAmount: 15000, reason: '吊牌已剪', evidence: [await photo(DEMO.merchant)] }),
    ).return;
    expect(p.proposal).toMatchObject({ kind: 'LOWER_AFTER_RECEIPT', amount: 15000 });
    const declined = dataOf(await buyerCall({ action: 'declineProposal', returnId: a.returnId })).return;
    expect(declined.status).toBe('IN_TRANSIT');
    dataOf(
      await review({
        action: 'propose',
        returnId: a.returnId,
        kind: 'LOWER_AFTER_RECEIPT',
        refundAmount: 17000,
        reason: '吊牌已剪，再让一步',
        evidence: [await photo(DEMO.merchant)],
      }),
    );
    expect(dataOf(await buyerCall({ action: 'acceptProposal', returnId: a.returnId })).return.type).toBe('RETURN_REFUND');
    expect(await refunded(a.returnId)).toBe(17000);
  });
});

describe('messages (留言)', () => {
  it('both sides write in any open status; the thread is in time order, staff shown by side to the buyer; unread counts; a stranger is refused', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND');
    dataOf(await buyerCall({ action: 'message', returnId: a.returnId, text: '请问什么时候处理？' }));
    const staffView = dataOf(await h.call('queryReturns', { action: 'list', scope: 'merchant', limit: 50 }, merchant)).items.find((i: any) => i.returnId === a.returnId);
    expect(staffView.unreadForStaff).toBe(1);
    const pic = await photo(DEMO.merchant);
    const replied = dataOf(await review({ action: 'message', returnId: a.returnId, text: '今天内处理，请稍候', evidence: [pic] })).return;
    expect(replied.status).toBe('PENDING_REVIEW');
    expect(replied.version).toBe(a.version);
    const seen = dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer)).return;
    expect(seen.messages.map((m: any) => [m.side, m.sideLabel, m.mine, m.text])).toEqual([
      ['BUYER', '买家', true, '请问什么时候处理？'],
      ['SHOP', '商家', false, '今天内处理，请稍候'],
    ]);
    expect(seen.messages[1].evidence).toHaveLength(1);
    expect(JSON.stringify(seen.messages)).not.toContain(DEMO.merchant);
    expect(seen.unread).toBe(1); // read now: the next get says 0
    expect(dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer)).return.unread).toBe(0);
    expectError(await writesNothing(() => buyerCall({ action: 'message', returnId: a.returnId, text: '插话' }, otherBuyer)), 'FORBIDDEN');
    expectError(await writesNothing(() => buyerCall({ action: 'message', returnId: a.returnId, text: '' })), 'INVALID_ARGUMENT');
    expectError(await writesNothing(() => buyerCall({ action: 'message', returnId: a.returnId, text: '字'.repeat(501) })), 'INVALID_ARGUMENT');
  });

  it('a repeated send lands once; too many in an hour is refused; a closed after-sale takes none', async () => {
    const a = await f.apply(await order(), 'RETURN_REFUND');
    const requestId = rid('msg');
    dataOf(await h.call('applyReturn', { action: 'message', requestId, returnId: a.returnId, text: '在吗' }, buyer));
    dataOf(await h.call('applyReturn', { action: 'message', requestId, returnId: a.returnId, text: '在吗' }, buyer));
    expect((await returnDoc(a.returnId)).messages).toHaveLength(1);
    for (let i = 0; i < 9; i++) dataOf(await buyerCall({ action: 'message', returnId: a.returnId, text: `第${i + 2}条` }));
    const limited = await writesNothing(() => buyerCall({ action: 'message', returnId: a.returnId, text: '第11条' }));
    expectError(limited, 'INVALID_STATE', /留言太频繁/);
    dataOf(await buyerCall({ action: 'cancel', returnId: a.returnId }));
    expectError(await writesNothing(() => review({ action: 'message', returnId: a.returnId, text: '已撤销？' })), 'INVALID_STATE', '售后单已结束，不能再留言');
  });
});

describe('honest deadlines', () => {
  it("the shop's arbiter stays silent past 72 h: decided for the buyer by the sweep", async () => {
    const a = await f.apply(await order(), 'REFUND_ONLY', { reason: 'WRONG_ORDER' });
    dataOf(await review({ action: 'reject', returnId: a.returnId, reason: '不同意' }));
    const appealed = dataOf(await buyerCall({ action: 'appeal', returnId: a.returnId, description: '请主管复核' })).return;
    expect(appealed).toMatchObject({ status: 'DISPUTED', statusLabel: '主管复核中', deadlineAction: 'autoDecide' });
    await advanceQuietly(72 * HOUR + 5 * 60_000);
    await sweep();
    const d = await returnDoc(a.returnId);
    expect(d.timeline.find((e: any) => e.action === 'autoDecide')).toMatchObject({ actor: { role: 'SYSTEM' }, to: 'REFUNDING', note: expect.stringContaining('支持买家') });
    expect(await refunded(a.returnId)).toBe(20000);
  });

  it("a failed refund past the merchant's deadline: nothing moves by itself, the buyer sees the shop overdue and a complaint summary", async () => {
    const a = await f.apply(await order(), 'REFUND_ONLY', { reason: 'WRONG_ORDER' });
    await h.pay({ refund: [{ errCode: 'NOTENOUGH' }] });
    const failed = dataOf(await review({ action: 'approve', returnId: a.returnId })).return;
    expect(failed).toMatchObject({ status: 'REFUND_FAILED', deadlineAction: null, overdue: false, complaintSummary: null });
    await advanceQuietly(72 * HOUR + 5 * 60_000);
    await sweep();
    const late = dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer)).return;
    expect(late).toMatchObject({ status: 'REFUND_FAILED', overdue: true });
    expect(late.complaintSummary).toContain(`售后单号：${a.returnId}`);
    expect(late.complaintSummary).toContain('商家已超过处理期限');
    const staff = dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, merchant)).return;
    expect(staff).toMatchObject({ overdue: true, complaintSummary: null });
  });

  it('a review decided against the buyer: the complaint summary carries the decision', async () => {
    const a = await f.apply(await order(), 'REFUND_ONLY', { reason: 'WRONG_ORDER' });
    dataOf(await review({ action: 'reject', returnId: a.returnId, reason: '已超时' }));
    dataOf(await buyerCall({ action: 'appeal', returnId: a.returnId, description: '请复核' }));
    dataOf(await review({ action: 'decide', returnId: a.returnId, decision: 'MERCHANT', reason: '证据不足' }, arbiter));
    const v = dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer)).return;
    expect(v.complaintSummary).toContain('复核结果：支持商家，理由：证据不足');
    expect(v.advice).toContain('12315');
  });
});

describe('contact', () => {
  it("settings.contact reaches the buyer's view (phone, customer service), and only the buyer's", async () => {
    const [shop] = (await h.db('settings')).filter((d: any) => d._id === 'shop');
    await h.seed({ settings: [{ ...shop, contact: { phone: '400-000-0000', customerService: true } }] });
    await advanceQuietly(61_000);
    const a = await f.apply(await order(), 'RETURN_REFUND');
    expect(dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, buyer)).return.contact).toEqual({ phone: '400-000-0000', customerService: true });
    expect(dataOf(await h.call('queryReturns', { action: 'get', returnId: a.returnId }, merchant)).return.contact).toBeNull();
  });
});
